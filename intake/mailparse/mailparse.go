// Package mailparse is in charge of reading one received message: who sent it, whether a robot did,
// and the files it carries.
//
// It is tolerant by design: communes' mail clients produce every kind of malformed MIME, so Parse
// keeps whatever it can read and lists in French, in Message.Problems, what it could not. It
// returns an error only when the input is not a message at all.
package mailparse

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/emersion/go-message/textproto"

	"github.com/laclasse/intake/templates"
)

// Limits bounds the work Parse does on one message. A field left at zero (or negative) takes its
// value from DefaultLimits.
type Limits struct {
	// MaxMessageSize is the largest raw message, in bytes, that Parse accepts.
	MaxMessageSize int64
	// MaxParts is the number of MIME parts after which the walk stops.
	MaxParts int
	// MaxDepth is the number of nested multipart or message/rfc822 levels the walk enters.
	MaxDepth int
	// MaxAttachmentSize is the largest decoded attachment, in bytes, that Parse returns.
	MaxAttachmentSize int64
}

// DefaultLimits returns the limits for the partnership mailbox: a 60 MB message, 1000 parts,
// 20 levels of nesting and 25 MB per attachment.
func DefaultLimits() Limits {
	return Limits{
		MaxMessageSize:    60 << 20,
		MaxParts:          1000,
		MaxDepth:          20,
		MaxAttachmentSize: 25 << 20,
	}
}

// withDefaults replaces the unset fields of l by the default ones.
func (l Limits) withDefaults() Limits {
	d := DefaultLimits()
	if l.MaxMessageSize <= 0 {
		l.MaxMessageSize = d.MaxMessageSize
	}
	if l.MaxParts <= 0 {
		l.MaxParts = d.MaxParts
	}
	if l.MaxDepth <= 0 {
		l.MaxDepth = d.MaxDepth
	}
	if l.MaxAttachmentSize <= 0 {
		l.MaxAttachmentSize = d.MaxAttachmentSize
	}
	return l
}

// Message is what Parse could read of one received message.
type Message struct {
	// MessageID is the Message-ID without its angle brackets, "" if absent.
	MessageID string
	// From is the bare address of the sender, lower-cased: the one mailbox of the From field as a
	// strict RFC 5322 parser reads it; "" when FromError is set.
	From string
	// FromName is the decoded display name of the sender, "" if none or when FromError is set.
	FromName string
	// FromError says, in French for the Métropole's staff, why the From field does not name
	// exactly one sender (absent, unreadable, several mailboxes or From fields, a group, an
	// address hidden in an encoded-word); "" when From holds it. Such a message must not be
	// applied nor answered.
	FromError string
	// FromRaw is the first From field as received, unfolded, its non-printable characters and
	// invalid bytes written as escapes, cut to about 1000 bytes: safe to show to staff.
	FromRaw string
	// FromDecoded is FromRaw with its encoded-words and charsets decoded, cleaned the same way.
	FromDecoded string
	// ReplyTo is the bare lower-cased address of Reply-To when it holds exactly one mailbox that
	// the strict parser reads, else "".
	ReplyTo string
	// Subject is the decoded subject (encoded-words and charsets), always valid UTF-8.
	Subject string
	// Date is the Date header, the zero time if absent or unparsable.
	Date time.Time
	// References are the message ids of References then In-Reply-To, without angle brackets and
	// without duplicates.
	References []string
	// Automatic is non-empty when a robot sent the message (RFC 3834 and common practice): it
	// says why, in English, for the logs. The daemon must not answer such a message.
	Automatic string
	// Attachments are the files the message carries, in MIME order. Forwarded messages
	// (message/rfc822 parts, .eml files) are walked for their own attachments, not returned.
	Attachments []Attachment
	// Text is the message's own words: its first text/plain body part, or, without one, its
	// first text/html body part reduced to text; decoded, control characters removed (line
	// breaks kept), at most MaxTextBytes bytes. "" when the message has no text body.
	Text string
	// TNEF is true when a winmail.dat (application/ms-tnef) part hides the attachments; that part
	// is not among Attachments.
	TNEF bool
	// Problems says, in French for the commune, what could not be read.
	Problems []string
}

// Attachment is one file carried by a message.
type Attachment struct {
	// Filename is the decoded file name, "" when the part has none. It comes from the sender:
	// never use it as a path.
	Filename string
	// ContentType is the media type as declared, lower-cased, without parameters; "" when the
	// part declares none. It may lie: callers sniff Data.
	ContentType string
	// Charset is the declared charset parameter, lower-cased, "" if none. It is only a hint:
	// Data is never converted.
	Charset string
	// Inline is true when the part's Content-Disposition is inline.
	Inline bool
	// Path is the IMAP-style MIME part path ("2", "2.1"...), for the logs.
	Path string
	// Data is the content of the file, transfer encoding removed.
	Data []byte
}

// ErrTooLarge is returned by Parse for a message over Limits.MaxMessageSize.
var ErrTooLarge = errors.New("mailparse: message too large")

// ErrNotMessage is returned by Parse for an input that holds no message header at all.
var ErrNotMessage = errors.New("mailparse: not a message")

// maxHeaderBytes bounds the header block of the message and of each forwarded message; the
// fields past it are ignored.
const maxHeaderBytes = 1 << 20

// Parse reads a whole RFC 5322 message. It returns an error only when nothing at all can be read
// (ErrTooLarge over MaxMessageSize, ErrNotMessage when raw holds no header field); partial damage
// goes to Problems.
func Parse(raw []byte, lim Limits) (*Message, error) {
	lim = lim.withDefaults()
	if int64(len(raw)) > lim.MaxMessageSize {
		return nil, fmt.Errorf("%w: %d bytes, the limit is %d", ErrTooLarge, len(raw), lim.MaxMessageSize)
	}
	m, damaged, err := parse(raw, lim)
	if err != nil {
		return nil, err
	}
	// A multipart body whose lines end sometimes in CRLF and sometimes in LF confuses the boundary
	// search. Only when the walk went wrong, read again with every line ending in CRLF and keep
	// the better result: normalizing first would alter 8bit and binary parts that were fine.
	if damaged && mixedLineEndings(raw) {
		norm := toCRLF(raw)
		lim2 := lim
		lim2.MaxMessageSize = max(lim.MaxMessageSize, int64(len(norm)))
		if m2, _, err := parse(norm, lim2); err == nil && len(m2.Attachments) > len(m.Attachments) {
			m = m2
		}
	}
	return m, nil
}

// problemInternal is the problem recorded when the walk panicked.
const problemInternal = templates.MailInternalError

// parse reads raw once. damaged reports that some multipart structure was broken. A panic, which
// would be a bug, becomes a problem: what was read until then is kept.
func parse(raw []byte, lim Limits) (m *Message, damaged bool, err error) {
	m = &Message{}
	w := &walker{lim: lim, msg: m}
	defer func() {
		if r := recover(); r != nil {
			w.problem(problemInternal)
			m.Problems = w.problems
			damaged, err = true, nil
		}
	}()
	br, pooled := decodeReader(io.LimitReader(bytes.NewReader(raw), lim.MaxMessageSize))
	if pooled {
		defer putDecodeReader(br)
	}
	h, fields := readHeader(br)
	if fields == 0 {
		return nil, false, ErrNotMessage
	}
	readEnvelope(m, h)
	w.walkMessage(h, br, "", 0)
	if m.Text == "" {
		m.Text = w.html
	}
	m.Problems = w.problems
	return m, w.damaged, nil
}

// walker walks the MIME tree of one message and gathers its attachments.
type walker struct {
	lim      Limits
	msg      *Message
	parts    int
	stopped  bool // MaxParts reached: read no more
	damaged  bool // some multipart structure was broken
	problems []string
	html     string // the first HTML body, reduced to text: Text when no plain body comes
}

// problem records p once.
func (w *walker) problem(p string) {
	for _, q := range w.problems {
		if q == p {
			return
		}
	}
	w.problems = append(w.problems, p)
}

// joinPath appends the part number n to the MIME path prefix.
func joinPath(prefix string, n int) string {
	if prefix == "" {
		return strconv.Itoa(n)
	}
	return prefix + "." + strconv.Itoa(n)
}

// walkMessage walks a message (the received one or a forwarded one) whose header is h and whose
// body is read from body. Its parts are numbered under prefix the IMAP way: the children of a
// multipart message are prefix.1, prefix.2...; the body of a single-part message is prefix.1.
func (w *walker) walkMessage(h textproto.Header, body io.Reader, prefix string, depth int) {
	ct := parseHeaderValue(h.Get("Content-Type"))
	if strings.HasPrefix(ct.value, "multipart/") {
		w.walkPart(h, body, prefix, depth, false)
		return
	}
	w.walkPart(h, body, joinPath(prefix, 1), depth, false)
}

// walkPart walks one MIME entity at the given path and nesting depth. In a multipart/digest the
// default content type is message/rfc822 instead of text/plain.
func (w *walker) walkPart(h textproto.Header, body io.Reader, path string, depth int, inDigest bool) {
	if w.stopped {
		return
	}
	ct := parseHeaderValue(h.Get("Content-Type"))
	mediaType := ct.value
	if mediaType == "" && inDigest {
		mediaType = "message/rfc822"
	}
	switch {
	case strings.HasPrefix(mediaType, "multipart/"):
		boundary := ct.params["boundary"]
		if !validBoundary(boundary) {
			// Nothing separates the parts: the body can only be read as text.
			w.damaged = true
			w.problem(problemStructure)
			return
		}
		if depth >= w.lim.MaxDepth {
			w.tooDeep()
			return
		}
		w.walkMultipart(body, boundary, path, depth+1, mediaType == "multipart/digest")
		return
	case mediaType == "message/rfc822" || mediaType == "message/global" || isEML(h, ct):
		if depth >= w.lim.MaxDepth {
			w.tooDeep()
			return
		}
		// A forwarded message: its attachments are the ones the secretary meant to send.
		dec, _ := transferDecoder(h.Get("Content-Transfer-Encoding"), body)
		br := smallReader(io.LimitReader(dec, w.lim.MaxMessageSize))
		inner, _ := readHeader(br)
		w.walkMessage(inner, br, path, depth+1)
		putSmallReader(br)
		releaseDecoder(dec)
		return
	}
	w.leaf(h, ct, body, path)
}

// isEML reports whether a part is a forwarded message sent as a file: named *.eml and declared
// with a generic type (application/octet-stream, or none).
func isEML(h textproto.Header, ct headerValue) bool {
	switch ct.value {
	case "", "application/octet-stream", "application/eml", "application/x-eml":
	default:
		return false
	}
	name := partFilename(parseHeaderValue(h.Get("Content-Disposition")), ct)
	return strings.HasSuffix(strings.ToLower(name), ".eml")
}

// tooDeep reports that the walk met the nesting limit.
func (w *walker) tooDeep() {
	w.problem(templates.MailTooDeep(w.lim.MaxDepth))
}

// problemStructure is the problem reported for a broken multipart structure.
const problemStructure = templates.MailMalformedPart

// walkMultipart walks the parts of a multipart body; they are at the given depth.
func (w *walker) walkMultipart(body io.Reader, boundary, prefix string, depth int, digest bool) {
	src := newPartSource(body, boundary)
	mr := textproto.NewMultipartReader(src, boundary)
	n := 0
	for !w.stopped {
		part, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			// go-message gives up on a part whose header is malformed, on a closing boundary
			// followed by junk ("--b-->"), and on a multipart that ends without its closing
			// boundary. The last two are harmless once parts were read; anything else is reported.
			if n > 0 && closedWithJunk(err, boundary) {
				break
			}
			w.damaged = true
			if n == 0 || !src.ranOut() {
				w.problem(problemStructure)
			}
			break
		}
		n++
		w.parts++
		if w.parts > w.lim.MaxParts {
			w.stopped = true
			w.problem(templates.MailTooManyParts(w.lim.MaxParts))
			return
		}
		w.walkPart(part.Header, part, joinPath(prefix, n), depth, digest)
	}
}

// closedWithJunk reports whether err is go-message's complaint about a closing boundary line
// followed by other characters. go-message does not export the line, only its quoted text in the
// error message.
func closedWithJunk(err error, boundary string) bool {
	q := strconv.Quote("--" + boundary + "--")
	return strings.Contains(err.Error(), "got line "+q[:len(q)-1])
}

// maxPartHeader bounds the header of one part. go-message reads part headers without limit, and
// each field costs some hundred bytes of memory: a part header of 60 MB of "a:b" lines would
// take gigabytes.
const maxPartHeader = 64 << 10

// errPartHeader is returned to go-message's multipart reader when a part header is too large.
var errPartHeader = errors.New("mailparse: part header too large")

// partSource passes a multipart body to go-message's reader. It watches the delimiter lines to
// count the bytes of each part header and fails past maxPartHeader; it also remembers the first
// error of its reader, to tell a multipart cut short by the end of the data from a malformed one.
type partSource struct {
	r        io.Reader
	dash     []byte // "--" + boundary
	line     []byte // the first len(dash)+1 bytes of the current line
	inHeader bool   // between a delimiter line and the blank line that ends the part header
	blank    bool   // the current line holds nothing but CR so far
	size     int    // bytes of the current part header
	err      error
}

func newPartSource(r io.Reader, boundary string) *partSource {
	dash := []byte("--" + boundary)
	return &partSource{r: r, dash: dash, line: make([]byte, 0, len(dash)+1), blank: true}
}

// ranOut reports whether the underlying data ended (rather than being malformed).
func (s *partSource) ranOut() bool {
	return errors.Is(s.err, io.EOF) || errors.Is(s.err, io.ErrUnexpectedEOF)
}

func (s *partSource) Read(p []byte) (int, error) {
	if s.err != nil {
		return 0, s.err
	}
	n, err := s.r.Read(p)
	for i, c := range p[:n] {
		if s.inHeader {
			s.size++
			if s.size > maxPartHeader {
				// Hand over what came before, so that the previous part ends normally.
				s.err = errPartHeader
				if i == 0 {
					return 0, s.err
				}
				return i, nil
			}
		}
		if c == '\n' {
			if s.inHeader && s.blank {
				s.inHeader = false
			} else if s.delimiter() {
				s.inHeader, s.size = true, 0
			}
			s.line, s.blank = s.line[:0], true
			continue
		}
		if c != '\r' {
			s.blank = false
		}
		if len(s.line) < cap(s.line) {
			s.line = append(s.line, c)
		}
	}
	if err != nil {
		s.err = err
	}
	return n, err
}

// delimiter reports whether the line that just ended starts a part as go-message sees it:
// "--boundary" followed by white space or nothing (the closing "--boundary--" starts none).
func (s *partSource) delimiter() bool {
	if !bytes.HasPrefix(s.line, s.dash) {
		return false
	}
	if len(s.line) == len(s.dash) {
		return true
	}
	c := s.line[len(s.dash)]
	return c == ' ' || c == '\t' || c == '\r'
}

// validBoundary reports whether b can delimit parts. RFC 2046 allows 70 characters; longer ones
// are accepted up to a bound well under go-message's 4 KiB peek buffer.
func validBoundary(b string) bool {
	return b != "" && len(b) <= 512 && !strings.ContainsAny(b, "\r\n")
}

// leaf handles a part that holds content: an attachment, a winmail.dat, or a text body.
func (w *walker) leaf(h textproto.Header, ct headerValue, body io.Reader, path string) {
	disp := parseHeaderValue(h.Get("Content-Disposition"))
	name := partFilename(disp, ct)
	mediaType := ct.value
	if mediaType == "application/ms-tnef" || mediaType == "application/vnd.ms-tnef" ||
		strings.EqualFold(name, "winmail.dat") {
		w.msg.TNEF = true
		return
	}
	isBody := (mediaType == "" || mediaType == "text/plain" || mediaType == "text/html") &&
		name == "" && disp.value != "attachment"
	if isBody {
		w.body(h, ct, body)
		return
	}
	a := Attachment{
		Filename:    name,
		ContentType: mediaType,
		Charset:     strings.ToLower(strings.Trim(ct.params["charset"], `"' `)),
		Inline:      disp.value == "inline",
		Path:        path,
	}
	cte := h.Get("Content-Transfer-Encoding")
	dec, known := transferDecoder(cte, body)
	if !known {
		w.problem(templates.AttachmentUnknownEncoding(describe(a), printable(cte)))
	}
	data, err := readAll(io.LimitReader(dec, w.lim.MaxAttachmentSize+1))
	releaseDecoder(dec)
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) {
		w.problem(templates.AttachmentUndecodable(describe(a)))
		return
	}
	if int64(len(data)) > w.lim.MaxAttachmentSize {
		w.problem(templates.AttachmentTooLarge(describe(a), w.lim.MaxAttachmentSize))
		return
	}
	if encodingOf(cte) == encIdentity && !strings.HasPrefix(mediaType, "text/") && looksBase64(data) {
		// A base64 attachment whose Content-Transfer-Encoding header was forgotten.
		dec := newBase64Reader(bytes.NewReader(data))
		if decoded, err := readAll(dec); err == nil {
			data = decoded
		}
		releaseDecoder(dec)
	}
	a.Data = data
	w.msg.Attachments = append(w.msg.Attachments, a)
}

// describe is what a problem shows of an attachment: its name, shortened, and its content type,
// printable.
func describe(a Attachment) templates.MailPart {
	return templates.MailPart{Filename: shorten(a.Filename, 120), ContentType: printable(a.ContentType)}
}

// printable shortens s to 40 characters and keeps only its printable ones, to quote a header
// value in a problem or a log.
func printable(s string) string {
	return shorten(strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f || r == '\uFFFD' {
			return -1
		}
		return r
	}, strings.ToValidUTF8(s, "")), 40)
}

// shorten cuts s to n characters, marking the cut with an ellipsis.
func shorten(s string, n int) string {
	if r := []rune(s); len(r) > n {
		return string(r[:n]) + "…"
	}
	return s
}

// mixedLineEndings reports whether raw has both CRLF and bare LF line endings.
func mixedLineEndings(raw []byte) bool {
	crlf, lf := false, false
	for i, c := range raw {
		if c != '\n' {
			continue
		}
		if i > 0 && raw[i-1] == '\r' {
			crlf = true
		} else {
			lf = true
		}
		if crlf && lf {
			return true
		}
	}
	return false
}

// toCRLF returns raw with every bare LF turned into CRLF.
func toCRLF(raw []byte) []byte {
	out := make([]byte, 0, len(raw)+len(raw)/32)
	for i, c := range raw {
		if c == '\n' && (i == 0 || raw[i-1] != '\r') {
			out = append(out, '\r')
		}
		out = append(out, c)
	}
	return out
}

// Package smtp is in charge of outgoing mail: composing our messages (text and HTML, with
// attachments, threaded and marked as automatic) and handing the outbox to the SMTP server,
// retrying until it takes each one.
package smtp

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"math/bits"
	"mime"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/emersion/go-message/mail"
)

// File is an attachment of an outgoing mail.
type File struct {
	Name        string
	ContentType string
	Data        []byte
}

// Mail is a message to compose.
type Mail struct {
	From     string
	FromName string
	To       []string
	// ReplyTo, when set, is where an answer to the mail goes (a commune's forward, answered by
	// staff, goes to the commune).
	ReplyTo    string
	Subject    string
	Date       time.Time
	InReplyTo  string   // Message-ID we answer, without <>
	References []string // the thread, without <>
	// AutoReplied marks a reply to a commune's message (Auto-Submitted: auto-replied); other mail
	// we send on our own (summaries, reminders) is auto-generated (RFC 3834).
	AutoReplied bool
	Text        string
	HTML        string
	Files       []File
}

// Compose builds the RFC 5322 bytes of m, with a fresh Message-ID.
//
// Every value it writes in a header is cleaned first, since some come from the message we
// answer: the subject, the names and the file names lose their control characters (C0, C1, CR
// and LF included) and are cut to a bounded length; a Message-ID that is not a plain msg-id is
// left out of the thread rather than copied; an address that is not a plain addr-spec is an
// error (ErrBadAddress), never written. No value can add a header field or end the header.
func Compose(m Mail) ([]byte, error) {
	from, err := cleanAddress(m.From)
	if err != nil {
		return nil, err
	}
	var h mail.Header
	h.SetDate(m.Date)
	h.SetAddressList("From", []*mail.Address{{Name: CleanText(m.FromName), Address: from}})
	to := make([]*mail.Address, 0, len(m.To))
	for _, a := range m.To {
		addr, err := cleanAddress(a)
		if err != nil {
			return nil, err
		}
		to = append(to, &mail.Address{Address: addr})
	}
	h.SetAddressList("To", to)
	if m.ReplyTo != "" {
		rt, err := cleanAddress(m.ReplyTo)
		if err != nil {
			return nil, err
		}
		h.SetAddressList("Reply-To", []*mail.Address{{Address: rt}})
	}
	h.SetSubject(CleanText(m.Subject))
	h.SetMessageID(newMessageID(from))
	if irt, ok := cleanMsgID(m.InReplyTo); ok {
		h.SetMsgIDList("In-Reply-To", []string{irt})
		h.SetMsgIDList("References", references(m.References, irt))
	}
	if m.AutoReplied {
		h.Set("Auto-Submitted", "auto-replied")
	} else {
		h.Set("Auto-Submitted", "auto-generated")
	}
	// Ask Exchange not to answer with its own automatic replies.
	h.Set("X-Auto-Response-Suppress", "All")

	var buf bytes.Buffer
	buf.Grow(composedSize(m))
	w, err := mail.CreateWriter(&buf, h)
	if err != nil {
		return nil, fmt.Errorf("compose: %w", err)
	}
	iw, err := w.CreateInline()
	if err != nil {
		return nil, fmt.Errorf("compose: %w", err)
	}
	for _, part := range []struct{ typ, body string }{{"text/plain", m.Text}, {"text/html", m.HTML}} {
		if part.body == "" {
			continue
		}
		var ih mail.InlineHeader
		ih.SetContentType(part.typ, map[string]string{"charset": "utf-8"})
		ih.Set("Content-Transfer-Encoding", "quoted-printable")
		pw, err := iw.CreatePart(ih)
		if err != nil {
			return nil, fmt.Errorf("compose: %w", err)
		}
		if _, err := pw.Write([]byte(part.body)); err != nil {
			return nil, err
		}
		if err := pw.Close(); err != nil {
			return nil, err
		}
	}
	if err := iw.Close(); err != nil {
		return nil, err
	}
	for _, f := range m.Files {
		var ah mail.AttachmentHeader
		ah.SetContentType(cleanMediaType(f.ContentType), nil)
		ah.SetFilename(CleanText(f.Name))
		ah.Set("Content-Transfer-Encoding", "base64")
		aw, err := w.CreateAttachment(ah)
		if err != nil {
			return nil, fmt.Errorf("compose: %w", err)
		}
		if _, err := aw.Write(f.Data); err != nil {
			return nil, err
		}
		if err := aw.Close(); err != nil {
			return nil, err
		}
	}
	if err := w.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// composedSize is about the size of the message Compose writes for m, so that its buffer is
// allocated once: the header and the parts' headers, the bodies in quoted-printable and the files
// in base64 (4/3, and a line break every 76).
func composedSize(m Mail) int {
	n := 2048 + len(m.Subject)*3 + len(m.References)*80
	n += qpSize(m.Text) + qpSize(m.HTML)
	for _, f := range m.Files {
		n += 512 + len(f.Name)*3 + (len(f.Data)+2)/3*4*78/76
	}
	return n
}

// qpSize is about the size of s in quoted-printable: 3 bytes for each byte escaped (those of
// accented letters, "="), a CR before each LF, and a soft line break every 73 bytes or so.
func qpSize(s string) int {
	n := len(s) + 2*highBytes(s) + 2*strings.Count(s, "=") + strings.Count(s, "\n")
	return n + n/73*3
}

// highBytes counts the bytes of s over 0x7f, eight at a time.
func highBytes(s string) int {
	n := 0
	for ; len(s) >= 8; s = s[8:] {
		w := uint64(s[0]) | uint64(s[1])<<8 | uint64(s[2])<<16 | uint64(s[3])<<24 |
			uint64(s[4])<<32 | uint64(s[5])<<40 | uint64(s[6])<<48 | uint64(s[7])<<56
		n += bits.OnesCount64(w & 0x8080808080808080)
	}
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			n++
		}
	}
	return n
}

func newMessageID(from string) string {
	var b [12]byte
	_, _ = rand.Read(b[:])
	domain := "localhost"
	if at := strings.LastIndexByte(from, '@'); at >= 0 && at < len(from)-1 {
		domain = from[at+1:]
	}
	return hex.EncodeToString(b[:]) + "@" + domain
}

// references is the References field of a reply to inReplyTo: the valid ids of the thread, at
// most maxReferences of them (the first, which names the thread, and the latest), then
// inReplyTo.
func references(thread []string, inReplyTo string) []string {
	seen := map[string]bool{inReplyTo: true}
	var ids []string
	for _, id := range thread {
		if id, ok := cleanMsgID(id); ok && !seen[id] {
			seen[id] = true
			ids = append(ids, id)
		}
	}
	if len(ids) > maxReferences-1 {
		ids = append(ids[:1], ids[len(ids)-(maxReferences-2):]...)
	}
	return append(ids, inReplyTo)
}

// maxReferences bounds the References field of a reply: a thread of thousands of ids (or a
// hostile one) would make a header longer than a server takes.
const maxReferences = 20

// maxTextLen bounds, in characters, a subject, a display name or a file name we write.
const maxTextLen = 250

// ErrBadAddress is returned by Compose for an address it will not write in a header.
var ErrBadAddress = errors.New("not a plain e-mail address")

// CleanText makes s fit for an unstructured header field, as Compose does with the subject, the
// names and the file names (and as anything that copies a header for a person to read should):
// control characters (C0, C1, DEL, the Unicode line and paragraph separators) become spaces,
// invalid UTF-8 becomes U+FFFD, runs of spaces become one, and the result is cut to maxTextLen
// characters.
func CleanText(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	s = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f || (r >= 0x80 && r <= 0x9f) || r == '\u2028' || r == '\u2029' {
			return ' '
		}
		return r
	}, s)
	s = strings.Join(strings.Fields(s), " ")
	if utf8.RuneCountInString(s) > maxTextLen {
		s = string([]rune(s)[:maxTextLen-1]) + "…"
	}
	return s
}

// cleanAddress returns a, trimmed, if it is a plain addr-spec (local@domain, no display name,
// no comment, no space or control character), and ErrBadAddress otherwise.
func cleanAddress(a string) (string, error) {
	a = strings.TrimSpace(a)
	ok := a != "" && len(a) <= 254 && strings.Count(a, "@") == 1 && !strings.HasPrefix(a, "@") && !strings.HasSuffix(a, "@")
	for _, r := range a {
		if r <= ' ' || r == 0x7f || (r >= 0x80 && r <= 0x9f) || r == utf8.RuneError || strings.ContainsRune(`<>()[],;:\"`, r) {
			ok = false
			break
		}
	}
	if !ok {
		return "", fmt.Errorf("compose: address %q: %w", CleanText(a), ErrBadAddress)
	}
	return a, nil
}

// cleanMsgID returns id without its angle brackets if it is a msg-id we may copy into a header:
// printable ASCII, no space, "left@right", at most 250 bytes. Anything else (a bare CR, a
// space, a second id) is not copied, and ok is false.
func cleanMsgID(id string) (string, bool) {
	id = strings.TrimSpace(id)
	id = strings.TrimSuffix(strings.TrimPrefix(id, "<"), ">")
	at := strings.LastIndexByte(id, '@')
	if id == "" || len(id) > 250 || at <= 0 || at == len(id)-1 {
		return "", false
	}
	for i := 0; i < len(id); i++ {
		if c := id[i]; c <= ' ' || c >= 0x7f || c == '<' || c == '>' {
			return "", false
		}
	}
	return id, true
}

// cleanMediaType returns t if it is a well-formed media type, else application/octet-stream.
func cleanMediaType(t string) string {
	mt, _, err := mime.ParseMediaType(t)
	if err != nil || strings.ContainsFunc(mt, func(r rune) bool { return r <= ' ' || r >= 0x7f }) {
		return "application/octet-stream"
	}
	return mt
}

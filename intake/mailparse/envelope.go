package mailparse

import (
	"fmt"
	"net/mail"
	"regexp"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/emersion/go-message/textproto"

	"github.com/laclasse/intake/templates"
)

// readEnvelope fills the fields of m that come from the header of the received message.
func readEnvelope(m *Message, h textproto.Header) {
	if ids := messageIDs(h.Get("Message-Id")); len(ids) > 0 {
		m.MessageID = ids[0]
	}
	froms := h.Values("From")
	var raw string
	if len(froms) > 0 {
		raw = froms[0]
	}
	m.FromRaw, m.FromDecoded = showHeader(raw), showHeader(decodeText(raw))
	from, name, problem := parseFrom(raw)
	if len(froms) > 1 {
		problem = templates.FromFields(len(froms))
	}
	if problem != "" {
		from, name = "", ""
	}
	m.From, m.FromName, m.FromError = from, name, problem
	if rt, _, p := parseFrom(h.Get("Reply-To")); p == "" {
		m.ReplyTo = rt
	}
	m.Subject = strings.TrimSpace(decodeText(h.Get("Subject")))
	m.Date = parseDate(h.Get("Date"))
	seen := map[string]bool{}
	for _, key := range []string{"References", "In-Reply-To"} {
		for _, v := range h.Values(key) {
			for _, id := range messageIDs(v) {
				if !seen[id] {
					seen[id] = true
					m.References = append(m.References, id)
				}
			}
		}
	}
	m.Automatic = automatic(h, from)
}

// addressParser parses address lists whose names hold encoded-words in any charset.
var addressParser = &mail.AddressParser{WordDecoder: wordDecoder}

// ParseFrom reads the value of a From field the one way Parse reads it: the lower-cased
// address of its one mailbox, or "" and, in problem, why it does not name exactly one sender (in
// French, as Message.FromError). Other packages that need the sender (DKIM alignment) call it,
// so that no two readings of one From can disagree.
func ParseFrom(value string) (addr, problem string) {
	addr, _, problem = parseFrom(value)
	return addr, problem
}

// parseFrom reads a From (or Reply-To) value the one way this daemon reads it, that of a strict
// RFC 5322 parser (net/mail), as an MTA's DMARC check does. It returns the lower-cased address
// and the decoded name of its one mailbox, or, in problem, why the value does not name exactly
// one sender, in French for the Métropole's staff.
//
// There is no tolerant second reading: a value that could be read two ways (a quoted name
// holding <an address> followed by another one) would name one sender to this daemon and
// another to the MTA that checked the sender's domain. A value is refused when net/mail cannot
// read it, when it holds more than one mailbox or a group (RFC 5322 wants a single mailbox in
// practice, and the daemon answers one), and when an encoded-word (RFC 2047) hides an address
// other than the real one: a mail reader would show that address as the sender.
func parseFrom(v string) (addr, name, problem string) {
	v = strings.TrimSpace(bytesToUTF8([]byte(v)))
	if v == "" {
		return "", "", templates.FromMissing
	}
	list, err := addressParser.ParseList(v)
	if err == nil && len(list) == 1 {
		addr, name = strings.ToLower(list[0].Address), cleanFilename(list[0].Name)
	}
	if hidden := encodedAddress(v); hidden != "" && hidden != addr {
		return "", "", templates.FromHiddenAddress(showHeader(hidden))
	}
	switch {
	case err != nil:
		return "", "", templates.FromUnreadable
	case len(list) == 0:
		return "", "", templates.FromEmptyGroup
	case len(list) > 1:
		return "", "", templates.FromAddresses(len(list))
	case isGroup(v):
		return "", "", templates.FromGroup
	case !validAddress(addr) || strings.Contains(addr, "=?"):
		return "", "", templates.FromInvalidAddress
	}
	return addr, name, ""
}

// encodedWord matches an RFC 2047 encoded-word.
var encodedWord = regexp.MustCompile(`=\?[^?\s]+\?[bBqQ]\?[^?\s]*\?=`)

// addressLike matches an e-mail address in decoded text.
var addressLike = regexp.MustCompile(`[^\s\x00-\x1f\x7f<>"'(),;:@]+@[^\s\x00-\x1f\x7f<>"'(),;:@]+\.[^\s\x00-\x1f\x7f<>"'(),;:@]+`)

// encodedAddress returns the first address, lower-cased, that an encoded-word of v holds once
// decoded, or "".
func encodedAddress(v string) string {
	for _, w := range encodedWord.FindAllString(v, 16) {
		d, err := wordDecoder.Decode(w)
		if err != nil {
			continue
		}
		if a := addressLike.FindString(d); a != "" {
			return strings.ToLower(a)
		}
	}
	return ""
}

// isGroup reports whether an address value is written as a group ("name: a@b.fr;"): whether it
// holds a colon outside quoted strings, comments, angle brackets and domain literals.
func isGroup(v string) bool {
	depth := 0 // comment nesting
	quoted, angle, literal := false, false, false
	for i := 0; i < len(v); i++ {
		c := v[i]
		switch {
		case c == '\\' && (quoted || depth > 0 || literal):
			i++
		case quoted:
			quoted = c != '"'
		case depth > 0:
			if c == '(' {
				depth++
			} else if c == ')' {
				depth--
			}
		case literal:
			literal = c != ']'
		case angle:
			angle = c != '>'
		case c == '"':
			quoted = true
		case c == '(':
			depth++
		case c == '<':
			angle = true
		case c == '[':
			literal = true
		case c == ':':
			return true
		}
	}
	return false
}

// maxShownHeader bounds, in bytes, a header value kept to be shown to staff.
const maxShownHeader = 1000

// showHeader returns a header value as staff may read it in a summary or a terminal: every byte
// that is not valid UTF-8 written \xNN, every non-printable character (controls, C1, bidi and
// zero-width marks) written \xNN or \uNNNN, and cut to about maxShownHeader bytes.
func showHeader(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size <= 1:
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case r == ' ' || unicode.IsPrint(r):
			b.WriteString(s[i : i+size])
		case r < 0x80:
			fmt.Fprintf(&b, `\x%02x`, r)
		default:
			fmt.Fprintf(&b, `\u%04x`, r)
		}
		i += size
		if b.Len() > maxShownHeader {
			return b.String() + "…"
		}
	}
	return b.String()
}

// validAddress reports whether a looks like local@domain.
func validAddress(a string) bool {
	i := strings.LastIndexByte(a, '@')
	return i > 0 && i < len(a)-1 && !strings.ContainsAny(a, " \t<>,;\"")
}

// messageIDs returns the message ids of a Message-ID, References or In-Reply-To value, without
// angle brackets. Text around them (In-Reply-To comments) is ignored; a value without brackets is
// taken word by word when the words look like ids.
func messageIDs(v string) []string {
	var ids []string
	rest := v
	for {
		i := strings.IndexByte(rest, '<')
		if i < 0 {
			break
		}
		j := strings.IndexByte(rest[i:], '>')
		if j < 0 {
			break
		}
		if id := strings.TrimSpace(rest[i+1 : i+j]); id != "" {
			ids = append(ids, id)
		}
		rest = rest[i+j+1:]
	}
	if len(ids) == 0 {
		for _, w := range strings.Fields(v) {
			if strings.Contains(w, "@") {
				ids = append(ids, strings.Trim(w, "<>"))
			}
		}
	}
	for i, id := range ids {
		ids[i] = strings.ToValidUTF8(id, "")
	}
	return ids
}

// dateLayouts are the layouts tried when net/mail cannot read a Date value.
var dateLayouts = []string{
	time.RFC3339,
	"2006-01-02 15:04:05 -0700",
	"2006-01-02 15:04:05",
	"Mon, 2 Jan 2006 15:04 -0700",
	"2 Jan 2006 15:04 -0700",
	"Mon, 2 January 2006 15:04:05 -0700",
	"Mon, 2 Jan 2006 15:04:05",
	time.ANSIC,
	time.UnixDate,
	"Mon, 02-Jan-2006 15:04:05 -0700",
	"02/01/2006 15:04:05",
}

// comment matches a parenthesized comment in a header value.
var comment = regexp.MustCompile(`\([^()]*\)`)

// parseDate reads a Date value, the zero time when it cannot.
func parseDate(v string) time.Time {
	v = strings.TrimSpace(v)
	if v == "" || len(v) > 200 {
		return time.Time{}
	}
	// Most mail clients write RFC 5322's own form: read it at once. mail.ParseDate reads it the
	// same (TestParseDateFastPath), after trying other layouts first.
	if t, err := time.Parse(time.RFC1123Z, v); err == nil {
		return t
	}
	if t, err := mail.ParseDate(v); err == nil {
		return t
	}
	v = strings.Join(strings.Fields(comment.ReplaceAllString(v, " ")), " ")
	if t, err := mail.ParseDate(v); err == nil {
		return t
	}
	for _, layout := range dateLayouts {
		if t, err := time.Parse(layout, v); err == nil {
			return t
		}
	}
	return time.Time{}
}

// automatic tells why the message was sent by a robot, "" when it looks sent by a person. Only
// the header of the received message counts: a person forwarding an auto-reply is a person.
//
// X-Auto-Response-Suppress does not make a message automatic. It is a request to the recipient
// ("do not send me auto-replies") that Exchange puts on its own auto-replies, but these also carry
// Auto-Submitted; applications and Outlook itself put it on messages written by people (meeting
// requests, messages sent from business software). Honouring it would leave communes without an
// answer, so it is ignored.
func automatic(h textproto.Header, from string) string {
	for _, v := range h.Values("Auto-Submitted") {
		if kw := keyword(v); kw != "" && kw != "no" {
			return "Auto-Submitted: " + kw
		}
	}
	ct := parseHeaderValue(h.Get("Content-Type"))
	switch ct.value {
	case "multipart/report":
		switch rt := strings.ToLower(ct.params["report-type"]); rt {
		case "delivery-status", "":
			return "delivery status notification"
		case "disposition-notification":
			return "disposition notification (read receipt)"
		default:
			return "multipart/report: " + printable(rt)
		}
	case "message/delivery-status":
		return "delivery status notification"
	case "message/disposition-notification":
		return "disposition notification (read receipt)"
	}
	for _, key := range []string{"X-Autoreply", "X-Autorespond"} {
		if h.Has(key) {
			if kw := keyword(h.Get(key)); kw != "no" && kw != "false" && kw != "0" {
				return key
			}
		}
	}
	switch kw := keyword(h.Get("Precedence")); kw {
	case "bulk", "junk", "list", "auto_reply":
		return "Precedence: " + kw
	}
	local := from
	if i := strings.LastIndexByte(local, '@'); i >= 0 {
		local = local[:i]
	}
	switch local {
	case "mailer-daemon", "postmaster":
		return "From: " + local
	}
	if rp := h.Values("Return-Path"); len(rp) > 0 {
		if strings.Join(strings.Fields(rp[0]), "") == "<>" {
			return "empty Return-Path"
		}
	}
	for _, key := range []string{"List-Id", "List-Unsubscribe"} {
		if h.Has(key) {
			return key
		}
	}
	return ""
}

// keyword returns the lower-cased first word of a header value, parameters and comments removed.
func keyword(v string) string {
	if i := strings.IndexAny(v, ";("); i >= 0 {
		v = v[:i]
	}
	return printable(strings.ToLower(strings.TrimSpace(v)))
}

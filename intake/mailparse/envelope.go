package mailparse

import (
	"net/mail"
	"regexp"
	"strings"
	"time"

	"github.com/emersion/go-message/textproto"
)

// readEnvelope fills the fields of m that come from the header of the received message.
func readEnvelope(m *Message, h textproto.Header) {
	if ids := messageIDs(h.Get("Message-Id")); len(ids) > 0 {
		m.MessageID = ids[0]
	}
	from, name := parseAddress(h.Get("From"))
	if validAddress(from) {
		m.From = from
	}
	m.FromName = name
	if rt, _ := parseAddress(h.Get("Reply-To")); validAddress(rt) {
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

// parseAddress returns the lower-cased address and the decoded name of the first mailbox of an
// address header. net/mail is strict, so a value it rejects (two mailboxes without a comma, an
// address without domain like <MAILER-DAEMON>, stray characters) is read again tolerantly: the
// first <...>, else the first word holding '@'. The address may then lack a domain: callers check
// it with validAddress.
func parseAddress(v string) (addr, name string) {
	v = strings.TrimSpace(bytesToUTF8([]byte(v)))
	if v == "" {
		return "", ""
	}
	if list, err := addressParser.ParseList(v); err == nil {
		if len(list) == 0 {
			return "", "" // an empty group: "undisclosed-recipients:;"
		}
		return strings.ToLower(list[0].Address), strings.TrimSpace(list[0].Name)
	}
	if i := strings.IndexByte(v, '<'); i >= 0 {
		rest := v[i+1:]
		if j := strings.IndexByte(rest, '>'); j >= 0 {
			rest = rest[:j]
		}
		name = strings.TrimSpace(strings.Trim(strings.TrimSpace(v[:i]), `"'`))
		return strings.ToLower(strings.Trim(strings.TrimSpace(rest), `"'`)), decodeText(name)
	}
	for _, w := range strings.FieldsFunc(v, func(r rune) bool { return r == ' ' || r == '\t' || r == ',' || r == ';' }) {
		if strings.Contains(w, "@") {
			return strings.ToLower(strings.Trim(w, `"'()[]<>`)), ""
		}
	}
	return strings.ToLower(strings.Trim(v, `"'()[]<>`)), ""
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

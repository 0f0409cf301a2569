package mailparse

import (
	"html"
	"io"
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/emersion/go-message/textproto"
)

// MaxTextBytes bounds Message.Text: the words of a person, not a book; what is past it is cut.
const MaxTextBytes = 64 << 10

// body keeps the text of a body part: the first plain one as Message.Text, the first HTML one
// as its fallback. Any further body part is drained unread.
func (w *walker) body(h textproto.Header, ct headerValue, body io.Reader) {
	isHTML := ct.value == "text/html"
	if w.msg.Text != "" || (isHTML && w.html != "") {
		return
	}
	dec, _ := transferDecoder(h.Get("Content-Transfer-Encoding"), body)
	// An HTML body carries markup around its words: read more of it than will be kept.
	limit := int64(MaxTextBytes + 4)
	if isHTML {
		limit = 8 * MaxTextBytes
	}
	data, err := readAll(io.LimitReader(dec, limit))
	releaseDecoder(dec)
	if err != nil && len(data) == 0 {
		return
	}
	if int64(len(data)) == limit {
		// Cut at the limit: a character of UTF-8 cut in two would make the whole read as Latin-1.
		for i := 0; i < utf8.UTFMax-1 && len(data) > 0 && !utf8.Valid(data); i++ {
			data = data[:len(data)-1]
		}
	}
	text := decodeCharset(ct.params["charset"], data)
	if isHTML {
		w.html = CleanBodyText(HTMLToText(text))
		return
	}
	w.msg.Text = CleanBodyText(text)
}

var (
	htmlDropped = regexp.MustCompile(`(?is)<(script|style|head|title)\b.*?</(script|style|head|title)\s*>`)
	htmlComment = regexp.MustCompile(`(?s)<!--.*?-->`)
	htmlBreak   = regexp.MustCompile(`(?i)<\s*(br|/p|/div|/li|/tr|/h[1-6]|/blockquote|p|div|li|tr)\b[^>]*>`)
	htmlTag     = regexp.MustCompile(`(?s)<[^>]*>`)
)

// HTMLToText reduces an HTML body to its words: no script, style nor markup, a line break
// where a paragraph, a line or a list item ends, entities decoded.
func HTMLToText(s string) string {
	s = htmlComment.ReplaceAllString(s, "")
	s = htmlDropped.ReplaceAllString(s, "")
	s = htmlBreak.ReplaceAllString(s, "\n")
	s = htmlTag.ReplaceAllString(s, "")
	return html.UnescapeString(s)
}

// CleanBodyText makes a body's text fit to be shown to a person: valid UTF-8, line breaks as
// "\n", every other control character (C0, C1, DEL, bidirectional overrides) removed or made a
// space, spaces at the ends of lines and runs of blank lines squeezed, at most MaxTextBytes
// bytes (cut on a character boundary, "…" added).
func CleanBodyText(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	s = strings.ReplaceAll(s, "\r\n", "\n")
	s = strings.Map(func(r rune) rune {
		switch {
		case r == '\n':
			return r
		case r == '\t' || r == '\r' || r == '\u00a0':
			return ' '
		case r < 0x20 || r == 0x7f || (r >= 0x80 && r <= 0x9f):
			return -1
		case r == '\u2028' || r == '\u2029':
			return '\n'
		case r >= '\u202a' && r <= '\u202e', r >= '\u2066' && r <= '\u2069', r == '\u200b', r == '\ufeff':
			return -1
		}
		return r
	}, s)
	lines := strings.Split(s, "\n")
	out := lines[:0]
	blank := 0
	for _, l := range lines {
		l = strings.TrimRight(l, " ")
		if l == "" {
			if blank++; blank > 1 {
				continue
			}
		} else {
			blank = 0
		}
		out = append(out, l)
	}
	s = strings.TrimSpace(strings.Join(out, "\n"))
	if len(s) > MaxTextBytes {
		cut := MaxTextBytes - len("…")
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		s = s[:cut] + "…"
	}
	return s
}

// Excerpt returns the first n characters of text on one line (every run of spaces and line
// breaks made one space), with "…" when it was cut: what a summary shows of a message.
func Excerpt(text string, n int) string {
	r := []rune(strings.Join(strings.Fields(text), " "))
	if len(r) <= n {
		return string(r)
	}
	return strings.TrimSpace(string(r[:n])) + "…"
}

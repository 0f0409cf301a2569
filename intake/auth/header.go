package auth

import (
	"bufio"
	"bytes"
	"net/textproto"
	"strings"
)

// field is a header field: its name without surrounding spaces and its unfolded value.
type field struct {
	name, value string
}

// header is a message header, fields in order from the top.
type header []field

// readHeader reads the header of raw, up to the first empty line or the end of raw. It splits
// fields the way the DKIM verifier does, so that both see the same fields: a line that starts
// with a space or a tab continues the previous field, any other line starts a field (a line
// without a colon is a field with no value).
func readHeader(raw []byte) header {
	var h header
	r := textproto.NewReader(bufio.NewReader(bytes.NewReader(raw)))
	for {
		line, err := r.ReadLine()
		if err != nil || line == "" {
			return h
		}
		if len(h) > 0 && (line[0] == ' ' || line[0] == '\t') {
			h[len(h)-1].value += line
			continue
		}
		name, value, _ := strings.Cut(line, ":")
		h = append(h, field{name: strings.TrimSpace(name), value: value})
	}
}

// first returns the value of the topmost field named name (case-insensitive), "" if none.
func (h header) first(name string) string {
	for _, f := range h {
		if strings.EqualFold(f.name, name) {
			return f.value
		}
	}
	return ""
}

// count returns the number of fields named name (case-insensitive).
func (h header) count(name string) int {
	n := 0
	for _, f := range h {
		if strings.EqualFold(f.name, name) {
			n++
		}
	}
	return n
}

// stripComments removes the comments (parenthesized, possibly nested, RFC 5322 section 3.2.2)
// from a structured header value, leaving quoted strings alone. An unclosed comment runs to the
// end of s.
func stripComments(s string) string {
	var b strings.Builder
	depth := 0
	quoted := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '\\' && (quoted || depth > 0):
			if depth == 0 {
				b.WriteByte(c)
				if i+1 < len(s) {
					b.WriteByte(s[i+1])
				}
			}
			i++
		case quoted:
			b.WriteByte(c)
			quoted = c != '"'
		case c == '(':
			depth++
		case c == ')' && depth > 0:
			depth--
			if depth == 0 {
				b.WriteByte(' ')
			}
		case depth > 0:
		case c == '"':
			b.WriteByte(c)
			quoted = true
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

package mailparse

import (
	"bufio"
	"bytes"
	"io"
	"mime"
	"strings"
	"unicode/utf8"

	"github.com/emersion/go-message/charset"
	"github.com/emersion/go-message/textproto"
	"golang.org/x/text/encoding/charmap"
)

// readHeader reads a header block from br, up to and including the blank line that ends it (or
// to the end of the data), and returns it with its number of fields. br is then at the body.
//
// go-message's textproto.ReadHeader stops at the first malformed line and leaves the rest of the
// header in the body. Here a line that is neither a field nor a continuation (an mbox "From "
// line, a subject folded without indentation, stray text) is skipped and the header goes on; the
// cleaned block is then handed to textproto.ReadHeader.
func readHeader(br *bufio.Reader) (textproto.Header, int) {
	var block bytes.Buffer
	fields := 0
	inField := false // the previous line belongs to a field kept in block
	var line []byte  // reused: each line is copied into block
	for {
		var err error
		line, err = readLine(br, maxHeaderBytes, line[:0])
		if len(line) == 0 && err != nil {
			break
		}
		content := bytes.TrimRight(line, "\r\n")
		if len(content) == 0 {
			break // the blank line that ends the header
		}
		full := block.Len()+len(content)+2 > maxHeaderBytes
		switch {
		case content[0] == ' ' || content[0] == '\t':
			if inField && !full {
				block.Write(content)
				block.WriteString("\r\n")
			}
		case validFieldLine(content):
			inField = !full
			if inField {
				block.Write(content)
				block.WriteString("\r\n")
				fields++
			}
		default:
			inField = false
		}
		if err != nil {
			break
		}
	}
	block.WriteString("\r\n")
	// textproto.ReadHeader copies what it keeps: the reader's buffer can serve again.
	hr := smallReader(&block)
	h, _ := textproto.ReadHeader(hr)
	putSmallReader(hr)
	return h, fields
}

// readLine reads one line with its line ending, appended to line. A line longer than max is cut:
// the rest of it is read and dropped.
func readLine(br *bufio.Reader, max int, line []byte) ([]byte, error) {
	cut := false
	for {
		chunk, err := br.ReadSlice('\n')
		if !cut && len(line)+len(chunk) <= max {
			line = append(line, chunk...)
		} else {
			cut = true
		}
		if err == bufio.ErrBufferFull {
			continue
		}
		return line, err
	}
}

// validFieldLine reports whether line starts with a field name and a colon.
func validFieldLine(line []byte) bool {
	i := bytes.IndexByte(line, ':')
	if i <= 0 {
		return false
	}
	key := bytes.TrimRight(line[:i], " \t")
	if len(key) == 0 {
		return false
	}
	for _, c := range key {
		if c < 33 || c > 126 {
			return false
		}
	}
	return true
}

// headerValue is a parsed structured header value: a media type or disposition and parameters.
type headerValue struct {
	value  string            // lower-cased, "" if absent
	params map[string]string // decoded values by lower-cased name; RFC 2231 assembled
}

// rawParam is one parameter as written: name*section*=value.
type rawParam struct {
	name     string
	section  int // -1 without a section number
	extended bool
	value    string
}

// maxParams bounds the number of parameters read from one header value.
const maxParams = 64

// parseHeaderValue parses a Content-Type or Content-Disposition value tolerantly.
//
// mime.ParseMediaType, which go-message uses, rejects the whole value for a duplicated or
// unquoted-with-specials parameter, drops RFC 2231 values in charsets other than UTF-8, and
// go-message then returns the raw value as the media type. This parser keeps the first of
// duplicated parameters, takes an unquoted value up to the next ';', accepts a missing ';'
// before the first parameter and a missing closing quote, assembles RFC 2231 continuations and
// decodes RFC 2231 values in any charset go-message knows.
func parseHeaderValue(s string) headerValue {
	hv := headerValue{params: map[string]string{}}
	s = strings.TrimSpace(s)
	i := 0
	// The value: a token up to ';' or white space. A token holding '=' is a parameter, the
	// value being absent.
	for i < len(s) && s[i] != ';' && s[i] != ' ' && s[i] != '\t' {
		i++
	}
	if tok := s[:i]; !strings.Contains(tok, "=") {
		hv.value = strings.ToLower(strings.Trim(tok, `"`))
	} else {
		i = 0
	}
	var raws []rawParam
	for len(raws) < maxParams {
		for i < len(s) && (s[i] == ';' || s[i] == ' ' || s[i] == '\t') {
			i++
		}
		if i >= len(s) {
			break
		}
		start := i
		for i < len(s) && s[i] != '=' && s[i] != ';' {
			i++
		}
		if i >= len(s) || s[i] == ';' {
			continue // a word without '=': skip it
		}
		key := strings.ToLower(strings.TrimSpace(s[start:i]))
		i++ // '='
		for i < len(s) && (s[i] == ' ' || s[i] == '\t') {
			i++
		}
		var val string
		if i < len(s) && s[i] == '"' {
			val, i = readQuoted(s, i+1)
		} else {
			start := i
			for i < len(s) && s[i] != ';' {
				i++
			}
			val = strings.TrimSpace(s[start:i])
		}
		if key == "" {
			continue
		}
		raws = append(raws, splitParamName(key, val))
	}
	assembleParams(raws, hv.params)
	return hv
}

// readQuoted reads a quoted string whose content starts at s[i]; it returns the unquoted content
// and the index after the closing quote. A backslash escapes only '"' and '\', so that Windows
// paths survive; a missing closing quote ends the string at the end of s.
func readQuoted(s string, i int) (string, int) {
	var b strings.Builder
	for i < len(s) {
		c := s[i]
		switch {
		case c == '"':
			return b.String(), i + 1
		case c == '\\' && i+1 < len(s) && (s[i+1] == '"' || s[i+1] == '\\'):
			b.WriteByte(s[i+1])
			i += 2
			continue
		}
		b.WriteByte(c)
		i++
	}
	return b.String(), i
}

// splitParamName splits an RFC 2231 parameter name like "filename*1*" into its parts.
func splitParamName(key, val string) rawParam {
	p := rawParam{name: key, section: -1, value: val}
	if strings.HasSuffix(key, "*") {
		p.extended = true
		key = key[:len(key)-1]
		p.name = key
	}
	if j := strings.LastIndexByte(key, '*'); j > 0 {
		num := key[j+1:]
		if n, ok := sectionNumber(num); ok {
			p.name = key[:j]
			p.section = n
		}
	}
	return p
}

// sectionNumber parses an RFC 2231 section number, at most 3 digits.
func sectionNumber(s string) (int, bool) {
	if s == "" || len(s) > 3 {
		return 0, false
	}
	n := 0
	for _, c := range []byte(s) {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}

// assembleParams decodes the raw parameters into params. For each name, an RFC 2231 value
// (name*=) wins over continuations (name*0=...), which win over a plain value; the first of
// duplicates is kept.
func assembleParams(raws []rawParam, params map[string]string) {
	plain := map[string]string{}
	ext := map[string]string{}
	sections := map[string]map[int]rawParam{}
	var names []string
	seen := map[string]bool{}
	for _, p := range raws {
		if !seen[p.name] {
			seen[p.name] = true
			names = append(names, p.name)
		}
		switch {
		case p.section >= 0:
			if sections[p.name] == nil {
				sections[p.name] = map[int]rawParam{}
			}
			if _, dup := sections[p.name][p.section]; !dup {
				sections[p.name][p.section] = p
			}
		case p.extended:
			if _, dup := ext[p.name]; !dup {
				ext[p.name] = p.value
			}
		default:
			if _, dup := plain[p.name]; !dup {
				plain[p.name] = p.value
			}
		}
	}
	for _, name := range names {
		if v, ok := ext[name]; ok {
			cs, data := splitExtended(v)
			params[name] = decodeCharset(cs, data)
			continue
		}
		if secs := sections[name]; len(secs) > 0 {
			if v, ok := assembleSections(secs); ok {
				params[name] = v
				continue
			}
		}
		if v, ok := plain[name]; ok {
			params[name] = decodeText(v)
		}
	}
}

// assembleSections joins RFC 2231 continuations in order of their numbers (gaps tolerated).
func assembleSections(secs map[int]rawParam) (string, bool) {
	var data []byte
	cs := ""
	anyExtended := false
	for n := 0; n < 1000 && len(secs) > 0; n++ {
		p, ok := secs[n]
		if !ok {
			continue
		}
		delete(secs, n)
		if !p.extended {
			data = append(data, p.value...)
			continue
		}
		anyExtended = true
		v := p.value
		if n == 0 || cs == "" && strings.Count(v, "'") >= 2 {
			var d []byte
			cs, d = splitExtended(v)
			data = append(data, d...)
			continue
		}
		data = append(data, percentDecode(v)...)
	}
	if len(data) == 0 {
		return "", false
	}
	if !anyExtended {
		// Plain continuations may still hold encoded-words, as Outlook writes them.
		return decodeText(string(data)), true
	}
	return decodeCharset(cs, data), true
}

// splitExtended splits an RFC 2231 value charset'language'%xx into its charset and decoded bytes.
// Without the two quotes, the whole value is percent-decoded and the charset guessed.
func splitExtended(v string) (string, []byte) {
	parts := strings.SplitN(v, "'", 3)
	if len(parts) != 3 {
		return "", percentDecode(v)
	}
	return parts[0], percentDecode(parts[2])
}

// percentDecode decodes %xx escapes; a malformed escape is kept as it is.
func percentDecode(s string) []byte {
	out := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		if s[i] == '%' && i+2 < len(s) && isHex(s[i+1]) && isHex(s[i+2]) {
			out = append(out, unhex(s[i+1])<<4|unhex(s[i+2]))
			i += 2
			continue
		}
		out = append(out, s[i])
	}
	return out
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

func unhex(c byte) byte {
	switch {
	case '0' <= c && c <= '9':
		return c - '0'
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10
	default:
		return c - 'A' + 10
	}
}

// decodeCharset converts b from the named charset to UTF-8. An unknown or missing charset, or
// bytes that are not valid in the one declared, fall back to UTF-8 if b is valid UTF-8, else to
// Windows-1252 (a superset of the Latin-1 that French mailers use).
func decodeCharset(cs string, b []byte) string {
	cs = strings.ToLower(strings.Trim(strings.TrimSpace(cs), `"'`))
	switch cs {
	case "", "utf-8", "utf8", "us-ascii", "ascii", "iso-8859-1", "iso8859-1", "latin1", "latin-1", "windows-1252", "cp1252":
		// ISO-8859-1 is read as its superset Windows-1252, as browsers do.
		return bytesToUTF8(b)
	}
	r, err := charset.Reader(cs, bytes.NewReader(b))
	if err != nil {
		return bytesToUTF8(b)
	}
	out, err := io.ReadAll(r)
	if err != nil || !utf8.Valid(out) {
		return bytesToUTF8(b)
	}
	return string(out)
}

// bytesToUTF8 returns b as UTF-8: as it is when valid, else read as Windows-1252.
func bytesToUTF8(b []byte) string {
	if utf8.Valid(b) {
		return string(b)
	}
	out, err := charmap.Windows1252.NewDecoder().Bytes(b)
	if err != nil {
		return strings.ToValidUTF8(string(b), "\uFFFD")
	}
	return string(out)
}

// wordDecoder decodes RFC 2047 encoded-words in any charset known to go-message, and never fails
// on an unknown one (its bytes are then guessed).
var wordDecoder = &mime.WordDecoder{
	CharsetReader: func(cs string, input io.Reader) (io.Reader, error) {
		b, err := io.ReadAll(input)
		if err != nil {
			return nil, err
		}
		return strings.NewReader(decodeCharset(cs, b)), nil
	},
}

// decodeText decodes an unstructured header value: raw 8-bit bytes (UTF-8 or Latin-1) and
// RFC 2047 encoded-words. The result is valid UTF-8.
func decodeText(s string) string {
	s = bytesToUTF8([]byte(s))
	if strings.Contains(s, "=?") {
		if d, err := wordDecoder.DecodeHeader(s); err == nil {
			s = d
		}
	}
	return strings.ToValidUTF8(s, "\uFFFD")
}

// partFilename returns the decoded file name of a part: Content-Disposition filename, else
// Content-Type name, else the non-standard Content-Type file parameter.
func partFilename(disp, ct headerValue) string {
	for _, v := range []string{disp.params["filename"], ct.params["name"], ct.params["file"]} {
		if name := cleanFilename(v); name != "" {
			return name
		}
	}
	return ""
}

// cleanFilename removes control characters and surrounding white space from a file name or a
// display name.
func cleanFilename(s string) string {
	s = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) {
			return -1
		}
		return r
	}, s)
	return strings.TrimSpace(s)
}

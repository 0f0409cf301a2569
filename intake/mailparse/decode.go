package mailparse

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"errors"
	"io"
	"strings"
)

// Transfer encodings, as classified by encodingOf.
const (
	encIdentity = iota // 7bit, 8bit, binary or none
	encBase64
	encQP
	encUnknown
)

// encodingOf classifies a Content-Transfer-Encoding value, tolerating case, parameters, comments
// and common misspellings.
func encodingOf(cte string) int {
	enc := strings.ToLower(strings.TrimSpace(cte))
	if i := strings.IndexAny(enc, "; \t("); i >= 0 {
		enc = enc[:i]
	}
	switch {
	case enc == "", enc == "7bit", enc == "8bit", enc == "binary", enc == "7-bit", enc == "8-bit",
		enc == "7bits", enc == "8bits", enc == "none":
		return encIdentity
	case strings.Contains(enc, "base64") || enc == "base-64" || enc == "b64":
		return encBase64
	case strings.HasPrefix(enc, "quoted"):
		return encQP
	}
	return encUnknown
}

// transferDecoder returns a reader that removes the Content-Transfer-Encoding cte from r. known
// is false for an encoding it does not know; r is then returned as it is.
//
// go-message's decoders are strict: base64 stops at the first garbage byte and mime/quotedprintable
// fails on a bad escape. These ones keep going.
func transferDecoder(cte string, r io.Reader) (dec io.Reader, known bool) {
	switch encodingOf(cte) {
	case encIdentity:
		return r, true
	case encBase64:
		return newBase64Reader(r), true
	case encQP:
		return newQPReader(r), true
	}
	return r, false
}

// base64Value maps a base64 character to its value, -1 for other bytes.
var base64Value = func() (t [256]int8) {
	for i := range t {
		t[i] = -1
	}
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
	for i := 0; i < len(alphabet); i++ {
		t[alphabet[i]] = int8(i)
	}
	return t
}()

// base64Reader decodes base64 tolerantly: white space anywhere, missing padding, padding in the
// middle (blocks encoded one after the other), and lines of garbage (a footer appended by a
// gateway, a stray boundary) which are skipped. When the content does not look like base64 at all
// (a part mislabelled base64), it is passed through as it is.
type base64Reader struct {
	br     *bufio.Reader
	pooled bool    // br is to be handed back by releaseDecoder
	plain  bool    // not base64: br is passed through
	quad   [4]byte // pending characters' values
	nq     int
	out    []byte // decoded bytes, read from out[pos:]
	pos    int
	err    error
}

// newBase64Reader returns a tolerant base64 decoder reading from r. Call releaseDecoder once it
// is read no more.
func newBase64Reader(r io.Reader) io.Reader {
	br, pooled := decodeReader(r)
	d := &base64Reader{br: br, pooled: pooled}
	if head, _ := br.Peek(4096); !anyBase64Line(head) {
		d.plain = true // not base64: pass through
	}
	return d
}

// errReleased is what a decoder read after releaseDecoder returns.
var errReleased = errors.New("mailparse: decoder read after its release")

// releaseDecoder hands back the buffer of a decoder from transferDecoder or newBase64Reader
// once it is read no more; other readers are left alone.
func releaseDecoder(dec io.Reader) {
	switch d := dec.(type) {
	case *base64Reader:
		if d.pooled {
			putDecodeReader(d.br)
		}
		d.br, d.pooled, d.plain, d.out, d.pos = nil, false, false, nil, 0
		d.err = errReleased
	case *qpReader:
		if d.pooled {
			putDecodeReader(d.br)
		}
		d.br, d.pooled, d.out, d.pos, d.line = nil, false, nil, 0, nil
		d.err = errReleased
	}
}

// anyBase64Line reports whether b holds a line of base64, or nothing but white space.
func anyBase64Line(b []byte) bool {
	blank := true
	for len(b) > 0 {
		line := b
		if i := bytes.IndexByte(b, '\n'); i >= 0 {
			line, b = b[:i], b[i+1:]
		} else {
			b = nil
		}
		line = bytes.TrimSpace(line)
		if len(line) == 0 {
			continue
		}
		blank = false
		if !garbageLine(line) {
			return true
		}
	}
	return blank
}

// garbageLine reports whether line holds a byte that base64 text never holds.
func garbageLine(line []byte) bool {
	for _, c := range line {
		if base64Value[c] < 0 && c != '=' && c != ' ' && c != '\t' && c != '\r' && c != '\n' {
			return true
		}
	}
	return false
}

func (d *base64Reader) Read(p []byte) (int, error) {
	if d.plain {
		return d.br.Read(p)
	}
	for d.pos == len(d.out) && d.err == nil {
		d.out, d.pos = d.out[:0], 0
		d.fill()
	}
	n := copy(p, d.out[d.pos:])
	d.pos += n
	if n == 0 {
		return 0, d.err
	}
	return n, nil
}

// fill decodes the next line (or chunk of a long line) into d.out.
func (d *base64Reader) fill() {
	chunk, err := d.br.ReadSlice('\n')
	if clean := cleanBase64(chunk); d.nq == 0 && clean != nil && base64FastPath {
		// A whole number of groups and nothing else, as encoders write: the standard decoder
		// writes what the loop below would.
		d.out, _ = base64.StdEncoding.AppendDecode(d.out, clean)
	} else if !garbageLine(chunk) {
		for _, c := range chunk {
			if v := base64Value[c]; v >= 0 {
				d.quad[d.nq] = byte(v)
				d.nq++
				if d.nq == 4 {
					q := d.quad
					d.out = append(d.out, q[0]<<2|q[1]>>4, q[1]<<4|q[2]>>2, q[2]<<6|q[3])
					d.nq = 0
				}
			} else if c == '=' {
				d.flush()
			}
		}
	}
	if err != nil && err != bufio.ErrBufferFull {
		d.flush()
		d.err = err
	}
}

// base64FastPath lets fill hand clean lines to the standard decoder (a test turns it off to
// compare).
var base64FastPath = true

// cleanBase64 returns chunk without its line ending when what remains is a whole number of
// groups of base64 characters (no padding, no space), and nil otherwise.
func cleanBase64(chunk []byte) []byte {
	n := len(chunk)
	if n > 0 && chunk[n-1] == '\n' {
		n--
		if n > 0 && chunk[n-1] == '\r' {
			n--
		}
	}
	if n == 0 || n%4 != 0 {
		return nil
	}
	for _, c := range chunk[:n] {
		if base64Value[c] < 0 {
			return nil
		}
	}
	return chunk[:n]
}

// flush decodes an incomplete group of characters (2 or 3; a lone one carries no full byte).
func (d *base64Reader) flush() {
	q := d.quad
	switch d.nq {
	case 2:
		d.out = append(d.out, q[0]<<2|q[1]>>4)
	case 3:
		d.out = append(d.out, q[0]<<2|q[1]>>4, q[1]<<4|q[2]>>2)
	}
	d.nq = 0
}

// qpReader decodes quoted-printable tolerantly: a malformed escape is kept as it is, lower-case
// hex digits are accepted, trailing white space is dropped and both CRLF and LF line ends work.
type qpReader struct {
	br     *bufio.Reader
	pooled bool   // br is to be handed back by releaseDecoder
	carry  []byte // the start of an escape cut by the end of a chunk
	line   []byte // the chunk being decoded, carry first; reused from one to the next
	out    []byte // decoded bytes, read from out[pos:]
	pos    int
	err    error
}

// newQPReader returns a tolerant quoted-printable decoder reading from r. Call releaseDecoder
// once it is read no more.
func newQPReader(r io.Reader) io.Reader {
	br, pooled := decodeReader(r)
	return &qpReader{br: br, pooled: pooled}
}

func (q *qpReader) Read(p []byte) (int, error) {
	for q.pos == len(q.out) && q.err == nil {
		q.out, q.pos = q.out[:0], 0
		q.fill()
	}
	n := copy(p, q.out[q.pos:])
	q.pos += n
	if n == 0 {
		return 0, q.err
	}
	return n, nil
}

// fill decodes the next line (or chunk of a long line) into q.out.
func (q *qpReader) fill() {
	chunk, err := q.br.ReadSlice('\n')
	line := append(append(q.line[:0], q.carry...), chunk...)
	q.line, q.carry = line[:0], nil
	if err == bufio.ErrBufferFull {
		// The middle of a long line: keep an escape that the chunk cuts for the next one.
		keep := 0
		if n := len(line); n >= 1 && line[n-1] == '=' {
			keep = 1
		} else if n >= 2 && line[n-2] == '=' {
			keep = 2
		}
		q.carry = append([]byte(nil), line[len(line)-keep:]...)
		q.out = appendQP(q.out, line[:len(line)-keep])
		return
	}
	if err != nil {
		q.err = err
	}
	body, eol := line, []byte(nil)
	if i := bytes.IndexByte(line, '\n'); i >= 0 {
		body, eol = line[:i], line[i:]
		if len(body) > 0 && body[len(body)-1] == '\r' {
			body, eol = body[:len(body)-1], line[i-1:]
		}
	}
	body = bytes.TrimRight(body, " \t")
	if len(body) > 0 && body[len(body)-1] == '=' {
		// A soft line break.
		q.out = appendQP(q.out, body[:len(body)-1])
		return
	}
	q.out = appendQP(q.out, body)
	q.out = append(q.out, eol...)
}

// appendQP appends the decoded s to out.
func appendQP(out, s []byte) []byte {
	for i := 0; i < len(s); i++ {
		if s[i] == '=' && i+2 < len(s) && isHex(s[i+1]) && isHex(s[i+2]) {
			out = append(out, unhex(s[i+1])<<4|unhex(s[i+2]))
			i += 2
			continue
		}
		out = append(out, s[i])
	}
	return out
}

// looksBase64 reports whether data, declared without transfer encoding, is in fact base64: at
// least one full line of the base64 alphabet, nothing else, and a length that is a multiple of 4.
// Some generators forget the Content-Transfer-Encoding header of a base64 attachment.
func looksBase64(data []byte) bool {
	n, longest := 0, 0
	for _, line := range bytes.Split(data, []byte("\n")) {
		line = bytes.TrimRight(line, "\r \t")
		if len(line) > longest {
			longest = len(line)
		}
		for j, c := range line {
			if base64Value[c] >= 0 || c == '=' && j >= len(line)-2 {
				n++
				continue
			}
			return false
		}
	}
	return longest >= 40 && n%4 == 0
}

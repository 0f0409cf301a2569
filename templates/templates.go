// Package templates is in charge of the words the daemon writes: the French mails sent to communes
// and to the Métropole, rendered from embedded templates (text/template for the text part,
// html/template for the HTML part), and every other sentence a commune or staff reads, built in
// Go from typed arguments: the problems found in a list or a message, the reasons of a
// decision, the model spreadsheet's instructions, the report spreadsheets' titles and notes, and
// what the commands print. It imports nothing of this module, so every package can use it.
package templates

import (
	"bytes"
	"embed"
	"fmt"
	htmltemplate "html/template"
	"strconv"
	"strings"
	"sync"
	texttemplate "text/template"
	"time"
	"unicode/utf8"
)

//go:embed *.tmpl
var files embed.FS

var months = [...]string{"janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre", "novembre", "décembre"}

// FrenchDate writes a date as a French reader expects it: "mardi 12 décembre 2026" without the
// weekday, i.e. "12 décembre 2026".
func FrenchDate(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	day := strconv.Itoa(t.Day())
	if t.Day() == 1 {
		day = "1er"
	}
	return day + " " + months[t.Month()-1] + " " + strconv.Itoa(t.Year())
}

// FrenchDateTime adds the time of day: "12 décembre 2026 à 09 h 30".
func FrenchDateTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return FrenchDate(t) + " à " + twoDigits(t.Hour()) + " h " + twoDigits(t.Minute())
}

// twoDigits writes n (0 to 99) on two digits, as %02d does.
func twoDigits(n int) string {
	return string([]byte{byte('0' + n/10), byte('0' + n%10)})
}

var funcs = map[string]any{
	"date":     FrenchDate,
	"datetime": FrenchDateTime,
	"plural": func(n int, one, many string) string {
		if n > 1 {
			return many
		}
		return one
	},
	"upper":     strings.ToUpper,
	"de":        De,
	"add":       func(a, b int) int { return a + b },
	"join":      strings.Join,
	"reSubject": ReplySubject,
}

// De puts "de" before a name, elided before a vowel: "de Givors", "d'Oullins", "d'Écully".
func De(name string) string {
	if r, _ := utf8.DecodeRuneInString(name); strings.ContainsRune("AEIOUYÀÂÄÉÈÊËÎÏÔÖÙÛÜaeiouyàâäéèêëîïôöùûü", r) {
		return "d'" + name
	}
	return "de " + name
}

var (
	textT = texttemplate.Must(texttemplate.New("").Funcs(funcs).ParseFS(files, "*.txt.tmpl"))
	htmlT = htmltemplate.Must(htmltemplate.New("").Funcs(funcs).ParseFS(files, "*.html.tmpl"))
)

// Rendered is a mail's subject and bodies.
type Rendered struct {
	Subject string
	Text    string
	HTML    string
}

// render runs name.txt.tmpl and name.html.tmpl over data. The text template's first line,
// "Subject: …", gives the subject.
func render(name string, data any) (Rendered, error) {
	t, h := renderBuffers.Get().(*bytes.Buffer), renderBuffers.Get().(*bytes.Buffer)
	defer putRenderBuffer(t)
	defer putRenderBuffer(h)
	if err := textT.ExecuteTemplate(t, name+".txt.tmpl", data); err != nil {
		return Rendered{}, fmt.Errorf("render %s: %w", name, err)
	}
	if err := htmlT.ExecuteTemplate(h, name+".html.tmpl", data); err != nil {
		return Rendered{}, fmt.Errorf("render %s: %w", name, err)
	}
	subject, body, _ := bytes.Cut(t.Bytes(), []byte("\n"))
	return Rendered{
		Subject: string(bytes.TrimSpace(bytes.TrimPrefix(subject, []byte("Subject:")))),
		Text:    squeezeBlankLinesBytes(bytes.TrimLeft(body, "\n")),
		HTML:    h.String(),
	}, nil
}

// renderBuffers keeps the buffers templates are executed into, from one mail to the next: only
// the strings copied out of them are kept.
var renderBuffers = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// maxPooledRender bounds the buffers renderBuffers keeps: a digest of a busy year may be large
// once, and need not stay in memory.
const maxPooledRender = 1 << 20

func putRenderBuffer(b *bytes.Buffer) {
	if b.Cap() > maxPooledRender {
		return
	}
	b.Reset()
	renderBuffers.Put(b)
}

// squeezeBlankLines keeps at most one blank line in a row, so templates can stay readable.
func squeezeBlankLines(s string) string { return squeezeBlankLinesBytes([]byte(s)) }

// squeezeBlankLinesBytes is squeezeBlankLines over the bytes of a rendered text: its lines
// without trailing spaces or tabs, no more than one blank line in a row, white space trimmed at
// both ends, and one final line break.
func squeezeBlankLinesBytes(s []byte) string {
	out := make([]byte, 0, len(s)+1)
	blank := 0
	for first := true; ; first = false {
		l, rest, more := bytes.Cut(s, []byte("\n"))
		l = bytes.TrimRight(l, " \t")
		if len(l) == 0 {
			blank++
		} else {
			blank = 0
		}
		if blank <= 1 {
			if !first {
				out = append(out, '\n')
			}
			out = append(out, l...)
		}
		if !more {
			break
		}
		s = rest
	}
	trimmed := bytes.TrimSpace(out)
	var b strings.Builder
	b.Grow(len(trimmed) + 1)
	b.Write(trimmed)
	b.WriteByte('\n')
	return b.String()
}

// PlainHTML wraps plain text as a minimal HTML part, escaped, keeping its lines.
func PlainHTML(text string) string {
	return "<!DOCTYPE html>\n<html lang=\"fr\"><head><meta charset=\"utf-8\"></head><body><pre style=\"font-family: sans-serif; white-space: pre-wrap\">" +
		htmltemplate.HTMLEscapeString(text) + "</pre></body></html>\n"
}

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
	"strings"
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
	day := fmt.Sprint(t.Day())
	if t.Day() == 1 {
		day = "1er"
	}
	return fmt.Sprintf("%s %s %d", day, months[t.Month()-1], t.Year())
}

// FrenchDateTime adds the time of day: "12 décembre 2026 à 09 h 30".
func FrenchDateTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return fmt.Sprintf("%s à %02d h %02d", FrenchDate(t), t.Hour(), t.Minute())
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
	var t, h bytes.Buffer
	if err := textT.ExecuteTemplate(&t, name+".txt.tmpl", data); err != nil {
		return Rendered{}, fmt.Errorf("render %s: %w", name, err)
	}
	if err := htmlT.ExecuteTemplate(&h, name+".html.tmpl", data); err != nil {
		return Rendered{}, fmt.Errorf("render %s: %w", name, err)
	}
	subject, body, _ := strings.Cut(t.String(), "\n")
	return Rendered{
		Subject: strings.TrimSpace(strings.TrimPrefix(subject, "Subject:")),
		Text:    squeezeBlankLines(strings.TrimLeft(body, "\n")),
		HTML:    h.String(),
	}, nil
}

// squeezeBlankLines keeps at most one blank line in a row, so templates can stay readable.
func squeezeBlankLines(s string) string {
	lines := strings.Split(s, "\n")
	out := lines[:0]
	blank := 0
	for _, l := range lines {
		l = strings.TrimRight(l, " \t")
		if l == "" {
			blank++
			if blank > 1 {
				continue
			}
		} else {
			blank = 0
		}
		out = append(out, l)
	}
	return strings.TrimSpace(strings.Join(out, "\n")) + "\n"
}

// PlainHTML wraps plain text as a minimal HTML part, escaped, keeping its lines.
func PlainHTML(text string) string {
	return "<!DOCTYPE html>\n<html lang=\"fr\"><head><meta charset=\"utf-8\"></head><body><pre style=\"font-family: sans-serif; white-space: pre-wrap\">" +
		htmltemplate.HTMLEscapeString(text) + "</pre></body></html>\n"
}

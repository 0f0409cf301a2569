package mailparse

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestText(t *testing.T) {
	for _, tc := range []struct{ name, raw, want string }{
		{"Plain", "From: a@b.example\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nAucun changement\r\npour nous.\r\n", "Aucun changement\npour nous."},
		{"Latin1QP", "From: a@b.example\r\nContent-Type: text/plain; charset=iso-8859-1\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\ngardez l'=E9cole\r\n", "gardez l'école"},
		{"HTMLOnly", "From: a@b.example\r\nContent-Type: text/html\r\n\r\n<html><head><style>p{}</style></head><body><p>Gardez&nbsp;l'&eacute;cole</p><p>Merci</p><script>x()</script></body></html>", "Gardez l'école\n\nMerci"},
		{"PlainBeforeHTML", "From: a@b.example\r\nContent-Type: multipart/alternative; boundary=b\r\n\r\n--b\r\nContent-Type: text/html\r\n\r\n<p>html</p>\r\n--b\r\nContent-Type: text/plain\r\n\r\nplain\r\n--b--\r\n", "plain"},
		{"Controls", "From: a@b.example\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nab\x1b[31mc\u202edef\x00\r\n\r\n\r\n\r\nfin", "ab[31mcdef\n\nfin"},
		{"None", "From: a@b.example\r\nContent-Type: application/pdf\r\n\r\n%PDF", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m, err := Parse([]byte(tc.raw), Limits{})
			if err != nil {
				t.Fatal(err)
			}
			if m.Text != tc.want {
				t.Errorf("Text = %q, want %q", m.Text, tc.want)
			}
		})
	}
	t.Run("Bounded", func(t *testing.T) {
		m, err := Parse([]byte("From: a@b.example\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"+"a"+strings.Repeat("é", MaxTextBytes)), Limits{})
		if err != nil {
			t.Fatal(err)
		}
		if len(m.Text) > MaxTextBytes || !strings.HasSuffix(m.Text, "…") || !strings.HasPrefix(m.Text, "aéé") || !utf8.ValidString(m.Text) || strings.Contains(m.Text, "Ã") {
			t.Errorf("%d bytes, ends %q", len(m.Text), m.Text[len(m.Text)-8:])
		}
	})
	t.Run("Excerpt", func(t *testing.T) {
		if got := Excerpt("  Aucun\nchangement   cette année  ", 100); got != "Aucun changement cette année" {
			t.Errorf("%q", got)
		}
		if got := Excerpt("abcdef", 3); got != "abc…" {
			t.Errorf("%q", got)
		}
	})
}

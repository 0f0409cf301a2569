package laclasse

import (
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// SanitizeName returns s reduced to what LaclasseService accepts in a first or last name: Latin
// letters, accented or not, digits, space, hyphen and apostrophe. Typographic apostrophes and
// dashes become ' and -, every other character becomes a space, and spaces collapse:
// "O’Brien (dit Bob)" becomes "O'Brien dit Bob". The result is "" when nothing is left.
func SanitizeName(s string) string {
	s = norm.NFC.String(s)
	var b strings.Builder
	gap := false
	for _, r := range s {
		switch r {
		case '’', '‘', 'ʼ', '´', '`', '′':
			r = '\''
		case '‐', '‑', '‒', '–', '—', '−':
			r = '-'
		}
		if !nameRune(r) {
			gap = b.Len() > 0
			continue
		}
		if gap {
			b.WriteByte(' ')
			gap = false
		}
		b.WriteRune(r)
	}
	return b.String()
}

func nameRune(r rune) bool {
	return (r >= '0' && r <= '9') || r == '-' || r == '\'' ||
		(unicode.IsLetter(r) && unicode.Is(unicode.Latin, r))
}

// PhoneNumber returns s in the form LaclasseService accepts for a phone number (^[+]?[ 0-9]+$):
// a leading + if s has one, then its digits and single spaces; dots, dashes, brackets and other
// separators are dropped. It returns "" when s holds no digit: such a number is not sent.
func PhoneNumber(s string) string {
	s = strings.TrimSpace(s)
	var b strings.Builder
	if strings.HasPrefix(s, "+") {
		b.WriteByte('+')
	}
	digits, gap := 0, false
	for _, r := range s {
		switch {
		case r >= '0' && r <= '9':
			if gap && digits > 0 {
				b.WriteByte(' ')
			}
			gap = false
			b.WriteRune(r)
			digits++
		case unicode.IsSpace(r):
			gap = true
		}
	}
	if digits == 0 {
		return ""
	}
	return b.String()
}

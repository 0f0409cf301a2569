package convention

import (
	"strings"
	"unicode"
)

// SameAdministrator reports whether two administrators of a school are the same person, so that
// a list naming b where the registry holds a is not a change of administrator: no new two weeks
// ("dans les deux semaines suivant la réception du document"), no account to open, no rights to
// move in laclasse.com.
//
// The same person has the same e-mail address (ignoring case and surrounding spaces) and the same
// last and first names, ignoring case, accents and spaces ("Léa  DUPONT" is "lea dupont"). The
// address is what laclasse.com's account hangs on: a different address is a change even for the
// same name (a new account gets the rights). The same address with another name is also a change:
// a school's shared address (direction.ecole@…) passed on to a new head. The Fonction and the
// phone are details of the same person and never make a change.
func SameAdministrator(a, b Contact) bool {
	return strings.EqualFold(strings.TrimSpace(a.Email), strings.TrimSpace(b.Email)) &&
		foldName(a.LastName) == foldName(b.LastName) && foldName(a.FirstName) == foldName(b.FirstName)
}

// UpdatedAdministrator returns the registry's administrator cur as the list's row gives it now
// (listed), and whether anything a person reads differs: the new spelling of the names, the
// Fonction, the phone. A field the row leaves empty keeps the registry's, and so does the address
// written in other case. Only meaningful when
// SameAdministrator(cur, listed).
func UpdatedAdministrator(cur, listed Contact) (Contact, bool) {
	out := listed
	if strings.TrimSpace(out.Role) == "" {
		out.Role = cur.Role
	}
	if strings.TrimSpace(out.Phone) == "" {
		out.Phone = cur.Phone
	}
	if strings.TrimSpace(out.Email) == "" || strings.EqualFold(strings.TrimSpace(out.Email), strings.TrimSpace(cur.Email)) {
		out.Email = cur.Email // the account's address, as laclasse.com knows it
	}
	return out, out != cur
}

// foldName is a name as compared: lower case, without accents, with its spaces and hyphens
// collapsed to single spaces.
func foldName(s string) string {
	var b strings.Builder
	space := false
	for _, r := range strings.ToLower(strings.TrimSpace(s)) {
		if unicode.IsSpace(r) || r == '-' {
			space = true
			continue
		}
		if space && b.Len() > 0 {
			b.WriteByte(' ')
		}
		space = false
		if f, ok := unaccented[r]; ok {
			b.WriteString(f)
		} else {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// unaccented holds the lower-case letters with diacritics that French names use.
var unaccented = map[rune]string{
	'à': "a", 'á': "a", 'â': "a", 'ä': "a", 'ã': "a", 'å': "a",
	'ç': "c",
	'é': "e", 'è': "e", 'ê': "e", 'ë': "e",
	'í': "i", 'ì': "i", 'î': "i", 'ï': "i",
	'ñ': "n",
	'ó': "o", 'ò': "o", 'ô': "o", 'ö': "o", 'õ': "o",
	'ú': "u", 'ù': "u", 'û': "u", 'ü': "u",
	'ý': "y", 'ÿ': "y",
	'æ': "ae", 'œ': "oe",
}

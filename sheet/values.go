package sheet

import (
	"net/mail"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/nyaruka/phonenumbers"

	"github.com/laclasse/intake/convention"
	"github.com/laclasse/intake/templates"
)

// cleanText trims s, removes invisible characters and collapses inner runs of spaces.
func cleanText(s string) string {
	if s == "" {
		return ""
	}
	simple := true
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= utf8.RuneSelf || c < ' ' || (c == ' ' && (i == 0 || i == len(s)-1 || s[i+1] == ' ')) {
			simple = false
			break
		}
	}
	if simple {
		return s
	}
	return strings.Join(strings.FieldsFunc(s, func(r rune) bool {
		return unicode.IsSpace(r) || r == '\u200b' || r == '\ufeff' || r == '\u200e' || r == '\u200f'
	}), " ")
}

// checkUAI normalizes a code UAI and returns it, or a French message saying what is wrong.
func checkUAI(raw string) (string, string) {
	uai, msg, _ := readUAI(raw)
	return uai, msg
}

// readUAI is checkUAI with a warning for a code read with a correction: a UAI that lost its
// leading 0 (a spreadsheet that took it for a number) is read with it when the check letter
// agrees, and the warning says so.
func readUAI(raw string) (uai, errMsg, warn string) {
	uai, errMsg = checkUAIStrict(raw)
	if errMsg == "" {
		return uai, "", ""
	}
	s := convention.NormalizeUAI(raw)
	if len(s) == 7 && convention.ValidUAI("0"+s) {
		return "0" + s, "", templates.UAIReadWithZero(s)
	}
	return "", errMsg, ""
}

// checkUAIStrict normalizes a code UAI and returns it, or a French message saying what is wrong.
func checkUAIStrict(raw string) (string, string) {
	if convention.ValidUAI(raw) {
		return raw, "" // the common case, already clean
	}
	s := convention.NormalizeUAI(strings.Map(func(r rune) rune {
		switch r {
		case '.', '-', '_', '\u00a0', '\u202f', '\u200b', '\ufeff':
			return -1
		}
		return r
	}, raw))
	if s == "" {
		return "", templates.UAIMissing
	}
	if convention.ValidUAI(s) {
		return s, ""
	}
	digits := 0
	for digits < len(s) && s[digits] >= '0' && s[digits] <= '9' {
		digits++
	}
	isLetter := func(c byte) bool { return c >= 'A' && c <= 'Z' }
	switch {
	case len(s) == 8 && digits == 7 && isLetter(s[7]):
		return "", templates.UAIWrongLetter(s, rune(convention.UAICheckLetter(s)))
	case len(s) == 7 && digits == 7:
		return "", templates.UAINoLetter(s, rune(convention.UAICheckLetter(s)))
	case len(s) == 7 && digits == 6 && isLetter(s[6]) && convention.ValidUAI("0"+s):
		return "", templates.UAINoZero(s)
	case len(s) == 8 && strings.ContainsAny(s[:7], "OI"):
		fixed := strings.NewReplacer("O", "0", "I", "1").Replace(s[:7]) + s[7:]
		if convention.ValidUAI(fixed) {
			return "", templates.UAILetterForDigit(s, fixed)
		}
	}
	return "", templates.UAIInvalid(clip(raw))
}

// clip shortens a value quoted in a message.
func clip(s string) string {
	s = cleanText(s)
	if utf8.RuneCountInString(s) <= 60 {
		return s
	}
	r := []rune(s)
	return string(r[:57]) + "…"
}

// splitMany splits a cell that holds several values ("a@x.fr ; b@y.fr", "04… / 06…").
func splitMany(s string, sepSpace bool) []string {
	parts := strings.FieldsFunc(s, func(r rune) bool {
		return r == ';' || r == '/' || r == '\n' || r == '|' || r == ',' || (sepSpace && unicode.IsSpace(r))
	})
	var out []string
	for _, p := range parts {
		for _, q := range strings.Split(p, " ou ") {
			if q = strings.TrimSpace(q); q != "" {
				out = append(out, q)
			}
		}
	}
	return out
}

// checkEmail normalizes an e-mail address (trimmed, without "mailto:" or <>, lower case) and
// returns it, or a French error. warn is set when the cell held several addresses and only the
// first was kept.
func checkEmail(raw string) (email, errMsg, warn string) {
	return checkEmailOf(raw, templates.OfAdministrator)
}

// checkEmailOf is checkEmail for the address of who, whom its errors name.
func checkEmailOf(raw string, who templates.Whose) (email, errMsg, warn string) {
	s := cleanText(raw)
	if s == "" {
		return "", templates.EmailMissing(false), ""
	}
	if strings.Count(s, "@") > 1 {
		var found []string
		for _, p := range splitMany(s, true) {
			if strings.Contains(p, "@") {
				found = append(found, p)
			}
		}
		if len(found) > 1 {
			e, msg, _ := checkEmailOf(found[0], who)
			if msg != "" {
				return "", msg, ""
			}
			return e, "", templates.EmailFirstOfSeveral(e)
		}
	}
	s = strings.TrimSpace(s)
	if a, err := mail.ParseAddress(s); err == nil && strings.ContainsAny(s, "<>") {
		s = a.Address // "Jean Dupont <jean.dupont@ville.fr>"
	}
	s = strings.Trim(s, "<>\"' ")
	if len(s) >= 7 && strings.EqualFold(s[:7], "mailto:") {
		s = strings.TrimSpace(s[7:])
	}
	s = strings.Trim(s, "<>\"' .;,")
	s = strings.ToLower(s)
	if msg := emailProblem(s, who); msg != "" {
		return "", msg, ""
	}
	return s, "", ""
}

// simpleEmail reports whether s is an address of the common form, which needs no parser:
// letters, digits and ._%+- before the @, labels of letters, digits and - after it, a top-level
// domain of letters.
func simpleEmail(s string) bool {
	at := strings.IndexByte(s, '@')
	if at <= 0 || at == len(s)-1 || s[0] == '.' || s[at-1] == '.' || strings.Contains(s, "..") {
		return false
	}
	for i := 0; i < at; i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '-' || c == '+' || c == '%') {
			return false
		}
	}
	label, dots, letters := 0, 0, true
	for i := at + 1; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '.':
			if label == 0 || s[i-1] == '-' {
				return false
			}
			label, dots, letters = 0, dots+1, true
			continue
		case c == '-':
			if label == 0 {
				return false
			}
			letters = false
		case c >= 'a' && c <= 'z':
		case c >= '0' && c <= '9':
			letters = false
		default:
			return false
		}
		label++
	}
	return dots > 0 && label >= 2 && letters
}

// emailProblem returns what is wrong with a cleaned address of who, in French, or "".
func emailProblem(s string, who templates.Whose) string {
	if simpleEmail(s) {
		return ""
	}
	return emailProblemSlow(s, who)
}

// emailProblemSlow is emailProblem without the fast path.
func emailProblemSlow(s string, who templates.Whose) string {
	at := strings.LastIndexByte(s, '@')
	fault := func(f templates.EmailFault) string {
		domain := ""
		if at >= 0 {
			domain = clip(s[at+1:])
		}
		return templates.EmailInvalid(who, f, clip(s), domain)
	}
	switch {
	case at < 0:
		return fault(templates.EmailNoAt)
	case strings.Count(s, "@") > 1:
		return fault(templates.EmailSeveralAt)
	case at == 0:
		return fault(templates.EmailNoLocalPart)
	case strings.ContainsAny(s, " \t"):
		return fault(templates.EmailSpace)
	}
	domain := s[at+1:]
	switch {
	case strings.Contains(domain, ","):
		return fault(templates.EmailDomainComma)
	case !strings.Contains(domain, "."):
		return fault(templates.EmailDomainNoDot)
	}
	for _, r := range s {
		if r >= utf8.RuneSelf {
			return fault(templates.EmailAccent)
		}
	}
	labels := strings.Split(domain, ".")
	for _, l := range labels {
		if l == "" || strings.HasPrefix(l, "-") || strings.HasSuffix(l, "-") || strings.Trim(l, "abcdefghijklmnopqrstuvwxyz0123456789-") != "" {
			return fault(templates.EmailDomainWrong)
		}
	}
	if tld := labels[len(labels)-1]; len(tld) < 2 || strings.Trim(tld, "abcdefghijklmnopqrstuvwxyz") != "" {
		return fault(templates.EmailDomainWrong)
	}
	if a, err := mail.ParseAddress(s); err != nil || a.Address != s {
		return fault(templates.EmailForm)
	}
	return ""
}

// overseas are French regions with their own country calling code, tried when a number is not a
// valid number of metropolitan France (0262… is La Réunion, +262).
var overseas = []string{"RE", "YT", "GP", "MQ", "GF", "PM", "BL", "MF", "NC", "PF", "WF"}

// checkPhone turns a phone number as typed (spaces, dots, +33, 0033, "(0)", a number cell that
// lost its leading 0, a float such as 472103540.0 or 4.7210354E8) into E.164, or returns a French
// error. warn is set when the cell held several numbers and only the first was kept.
func checkPhone(raw string) (phone, errMsg, warn string) {
	return checkPhoneOf(raw, templates.OfAdministrator)
}

// checkPhoneOf is checkPhone for the number of who, whom its errors name.
func checkPhoneOf(raw string, who templates.Whose) (phone, errMsg, warn string) {
	s := cleanText(raw)
	if s == "" {
		return "", templates.PhoneMissing(false), ""
	}
	if p, ok := fastPhone(s); ok {
		return p, "", ""
	}
	if parts := splitMany(s, false); len(parts) > 1 {
		var numbers []string
		for _, p := range parts {
			if countDigits(p) >= 9 {
				numbers = append(numbers, p)
			}
		}
		if len(numbers) > 1 {
			p, msg, _ := checkPhoneOf(numbers[0], who)
			if msg != "" {
				return "", msg, ""
			}
			return p, "", templates.PhoneFirstOfSeveral(clip(numbers[0]))
		}
	}
	if f, ok := numberCell(s); ok {
		s = f
	}
	// keep what comes before a remark: "04 72 10 35 40 (standard)", "04… poste 12"
	if i := strings.IndexFunc(s, unicode.IsLetter); i > 0 && countDigits(s[:i]) >= 9 {
		s = strings.TrimRight(s[:i], " (-:,")
	}
	if p, ok := fastPhone(s); ok {
		return p, "", ""
	}
	bad := func() (string, string, string) {
		n := countDigits(s)
		if n == 0 {
			return "", templates.PhoneNotANumber(who, clip(raw)), ""
		}
		if n < 9 {
			return "", templates.PhoneTooShort(who, clip(raw)), ""
		}
		return "", templates.PhoneInvalid(who, clip(raw)), ""
	}
	if strings.IndexFunc(s, unicode.IsLetter) >= 0 || countDigits(s) < 6 || countDigits(s) > 17 {
		return bad()
	}
	if num, err := phonenumbers.Parse(s, "FR"); err == nil {
		if phonenumbers.IsValidNumber(num) {
			return phonenumbers.Format(num, phonenumbers.E164), "", ""
		}
		if num.GetCountryCode() == 33 {
			for _, region := range overseas {
				if n2, err := phonenumbers.Parse(s, region); err == nil && phonenumbers.IsValidNumberForRegion(n2, region) {
					return phonenumbers.Format(n2, phonenumbers.E164), "", ""
				}
			}
		}
	}
	return bad()
}

func countDigits(s string) int {
	n := 0
	for i := 0; i < len(s); i++ {
		if s[i] >= '0' && s[i] <= '9' {
			n++
		}
	}
	return n
}

// numberCell rewrites a number as a spreadsheet stores it (472103540.0, 4.7210354E8) as digits.
func numberCell(s string) (string, bool) {
	if !strings.ContainsAny(s, ".eE") || strings.Count(s, ".") > 1 {
		return "", false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c == '.' || c == 'e' || c == 'E' || c == '+') {
			return "", false
		}
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || f < 1e8 || f >= 1e15 || f != float64(int64(f)) {
		return "", false
	}
	return strconv.FormatInt(int64(f), 10), true
}

// fastPhone handles, without the phone library, the forms nearly every French list uses: ten
// digits with separators, +33 or 0033 with or without (0), nine digits of a number cell that lost
// its leading 0. It only answers for numbers of metropolitan France and leaves the rest (overseas,
// foreign, odd) to the library.
func fastPhone(s string) (string, bool) {
	var d [20]byte
	n := 0
	plus := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= '0' && c <= '9':
			if n == len(d) {
				return "", false
			}
			d[n] = c
			n++
		case c == '+' && n == 0 && !plus:
			plus = true
		case c == ' ' || c == '.' || c == '-' || c == '/' || c == '\t':
		case c == '(':
			// "+33 (0)4…": drop the (0)
			if i+2 < len(s) && s[i+1] == '0' && s[i+2] == ')' && n > 0 {
				i += 2
			} else if n != 0 {
				return "", false
			}
		case c == ')':
			if n == 0 {
				return "", false
			}
		case c == 0xC2 && i+1 < len(s) && s[i+1] == 0xA0: // no-break space
			i++
		default:
			return "", false
		}
	}
	digits := d[:n]
	var nat []byte
	switch {
	case plus:
		if n < 2 || digits[0] != '3' || digits[1] != '3' {
			return "", false
		}
		nat = digits[2:]
	case n >= 4 && string(digits[:4]) == "0033":
		nat = digits[4:]
	case n == 11 && digits[0] == '3' && digits[1] == '3':
		nat = digits[2:]
	case n == 9 && digits[0] != '0':
		nat = digits // a number cell lost the leading 0
	default:
		nat = digits
	}
	if len(nat) == 10 && nat[0] == '0' {
		nat = nat[1:]
	}
	if len(nat) != 9 || !metropolitan(nat) {
		return "", false
	}
	return "+33" + string(nat), true
}

// metropolitan reports whether the nine digits of a national number (without its 0) belong to
// metropolitan France rather than to an overseas region with its own calling code.
func metropolitan(nat []byte) bool {
	switch nat[0] {
	case '1', '3', '4', '7', '8', '9':
		return true
	case '2':
		return nat[1] != '6' && nat[1] != '9' // 0262, 0263, 0269: La Réunion, Mayotte
	case '5':
		return nat[1] != '0' && nat[1] != '9' // 0508, 0590, 0594, 0596: Saint-Pierre, Antilles, Guyane
	case '6':
		return nat[1] != '9' && !(nat[1] == '3' && nat[2] == '9') // 069x, 0639: overseas mobiles
	}
	return false
}

// parseAction reads what a row of a list of changes asks for. An empty cell keeps the school as it
// is: in a list of changes, a row without an action is a school that stays.
func parseAction(raw string) (convention.Action, bool) {
	words := strings.Fields(fold(raw))
	if len(words) == 0 {
		return convention.ActionKeep, true
	}
	joined := strings.Join(words, " ")
	if a, ok := actionAliases[joined]; ok {
		return a, true
	}
	has := func(set map[string]bool) bool {
		for _, w := range words {
			if set[w] {
				return true
			}
		}
		return false
	}
	switch {
	case strings.HasPrefix(joined, "sans ") || strings.HasPrefix(joined, "aucun") || strings.HasPrefix(joined, "pas de") || has(keepWords):
		return convention.ActionKeep, true
	case has(actionPersonWords):
		return convention.ActionChangeAdmin, true
	case has(removeWords):
		return convention.ActionRemove, true
	case has(addWords):
		return convention.ActionAdd, true
	case has(changeWords):
		return convention.ActionChangeAdmin, true
	}
	return "", false
}

// The words of the action column, folded. Exact phrases first, then single words.
var (
	actionAliases = map[string]convention.Action{
		"ajout": convention.ActionAdd, "a": convention.ActionAdd, "add": convention.ActionAdd,
		"nouvelle ecole": convention.ActionAdd, "nouveau": convention.ActionAdd, "nouvelle": convention.ActionAdd,
		"radiation": convention.ActionRemove, "suppression": convention.ActionRemove, "retrait": convention.ActionRemove,
		"supprimer": convention.ActionRemove, "r": convention.ActionRemove, "s": convention.ActionRemove,
		"changement de responsable": convention.ActionChangeAdmin, "nouveau directeur": convention.ActionChangeAdmin,
		"changement d administrateur": convention.ActionChangeAdmin, "modification": convention.ActionChangeAdmin,
		"m": convention.ActionChangeAdmin, "c": convention.ActionChangeAdmin,
		"inchange": convention.ActionKeep, "inchangee": convention.ActionKeep, "sans changement": convention.ActionKeep,
		"aucun changement": convention.ActionKeep, "ras": convention.ActionKeep, "i": convention.ActionKeep,
		"ok": convention.ActionKeep, "idem": convention.ActionKeep, "neant": convention.ActionKeep,
		"aucune": convention.ActionKeep, "aucun": convention.ActionKeep, "non": convention.ActionKeep,
	}
	keepWords = wordSet("inchange inchangee inchanges inchangees ras idem neant maintien maintenu maintenue " +
		"reconduction reconduit reconduite reconduire renouvellement renouvele renouvelee identique conserver " +
		"conserve conservee keep")
	actionPersonWords = wordSet("responsable directeur directrice direction administrateur administratrice " +
		"admin referent referente contact interlocuteur correspondant")
	removeWords = wordSet("radiation radier radiee radie suppression supprimer supprime supprimee suppr retrait " +
		"retirer retiree retire sortie desinscription desinscrire resiliation resilier fermeture ferme fermee " +
		"remove delete retraite")
	addWords = wordSet("ajout ajouter ajoute ajoutee nouveau nouvelle nouvel inscription inscrire inscrite " +
		"adhesion creation creer ouverture entree integration add new")
	changeWords = wordSet("changement changer change modification modifier modifie modifiee maj mise jour " +
		"remplacement remplacer mutation")
)

// civilities are dropped from the front of a full name.
var civilities = wordSet("m mr mme mlle mm monsieur madame mademoiselle dr docteur")

// splitFullName splits "DUPONT Jean" or "Jean Dupont" into last and first names. A word in
// capitals is the last name; otherwise order says which comes first (1: last name first, -1 or 0:
// first name first).
func splitFullName(s string, order int) (last, first string) {
	words := strings.Fields(s)
	for len(words) > 1 && civilities[strings.ToLower(strings.TrimSuffix(words[0], "."))] {
		words = words[1:]
	}
	if len(words) == 0 {
		return "", ""
	}
	if len(words) == 1 {
		return words[0], ""
	}
	var caps, other []string
	for _, w := range words {
		if isUpperWord(w) {
			caps = append(caps, w)
		} else {
			other = append(other, w)
		}
	}
	if len(caps) > 0 && len(other) > 0 {
		return strings.Join(caps, " "), strings.Join(other, " ")
	}
	if order == 1 {
		return words[0], strings.Join(words[1:], " ")
	}
	return strings.Join(words[1:], " "), words[0]
}

// isUpperWord reports whether w has at least two letters, all in capitals.
func isUpperWord(w string) bool {
	letters := 0
	for _, r := range w {
		if unicode.IsLetter(r) {
			if !unicode.IsUpper(r) {
				return false
			}
			letters++
		}
	}
	return letters >= 2
}

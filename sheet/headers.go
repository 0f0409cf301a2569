package sheet

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// field is what a column holds.
type field int

const (
	fieldNone      field = iota
	fieldUAI             // code UAI (RNE) of the school
	fieldName            // name of the school
	fieldLastName        // administrator's last name
	fieldFirstName       // administrator's first name
	fieldFullName        // administrator's name, both parts in one cell
	fieldRole            // administrator's function
	fieldEmail           // administrator's e-mail address
	fieldPhone           // administrator's phone number
	fieldAction          // what a list of changes asks for the row
	fieldIgnore          // a known column that is none of the above (address, town…)
	numFields
)

// key is the name of a field in Problem.Field.
func (f field) key() string {
	switch f {
	case fieldUAI:
		return "uai"
	case fieldName:
		return "name"
	case fieldLastName, fieldFullName:
		return "last_name"
	case fieldFirstName:
		return "first_name"
	case fieldRole:
		return "role"
	case fieldEmail:
		return "email"
	case fieldPhone:
		return "phone"
	case fieldAction:
		return "action"
	}
	return ""
}

// headerAliases is the one table of the words communes use for each column, after folding (lower
// case, no accents, punctuation as spaces, small words such as "de", "du", "l'" and single letters
// dropped, see headerWords). A header matches an entry when its words, less the words that only
// say whose value it is (personWords, schoolWords), are exactly the entry; failing that, when one
// of its words is a one-word entry. To recognize a new way of naming a column, add it here.
var headerAliases = map[string]field{
	// UAI
	"uai": fieldUAI, "rne": fieldUAI, "code uai": fieldUAI, "code rne": fieldUAI, "uai rne": fieldUAI,
	"rne uai": fieldUAI, "code uai rne": fieldUAI, "code rne uai": fieldUAI, "identifiant uai": fieldUAI,
	"immatriculation": fieldUAI,
	// school name
	"denomination": fieldName, "intitule": fieldName, "nom usuel": fieldName, "appellation": fieldName,
	// last name, first name, both
	"nom": fieldLastName, "nom famille": fieldLastName, "nom usage": fieldLastName, "patronyme": fieldLastName,
	"prenom": fieldFirstName, "prenoms": fieldFirstName,
	"nom prenom": fieldFullName, "prenom nom": fieldFullName, "identite": fieldFullName,
	"nom complet": fieldFullName, "civilite nom prenom": fieldFullName, "civilite prenom nom": fieldFullName,
	// function
	"fonction": fieldRole, "fonctions": fieldRole, "qualite": fieldRole, "poste": fieldRole,
	"titre": fieldRole, "role": fieldRole, "profil": fieldRole, "statut": fieldRole, "emploi": fieldRole,
	// e-mail
	"email": fieldEmail, "mail": fieldEmail, "courriel": fieldEmail, "mel": fieldEmail, "emails": fieldEmail,
	"mails": fieldEmail, "adresse mail": fieldEmail, "adresse email": fieldEmail, "adresse electronique": fieldEmail,
	"adresse courriel": fieldEmail, "adresse mel": fieldEmail, "messagerie": fieldEmail, "courrier electronique": fieldEmail,
	"adresse messagerie": fieldEmail,
	// phone
	"telephone": fieldPhone, "tel": fieldPhone, "tel fixe": fieldPhone, "portable": fieldPhone, "mobile": fieldPhone,
	"gsm": fieldPhone, "telephones": fieldPhone, "tels": fieldPhone, "telephone fixe": fieldPhone,
	"telephone portable": fieldPhone, "telephone mobile": fieldPhone, "ligne directe": fieldPhone,
	"coordonnees telephoniques": fieldPhone, "telephonique": fieldPhone, "telephonie": fieldPhone,
	// action
	"action": fieldAction, "actions": fieldAction, "operation": fieldAction, "modification": fieldAction,
	"modifications": fieldAction, "mouvement": fieldAction, "demande": fieldAction, "type demande": fieldAction,
	"nature demande": fieldAction, "type modification": fieldAction, "nature modification": fieldAction,
	"changement": fieldAction, "ajout suppression": fieldAction, "ajout radiation": fieldAction,
	"ajout retrait": fieldAction, "type action": fieldAction, "action demandee": fieldAction,
	// known columns that the convention does not ask for
	"adresse": fieldIgnore, "adresse postale": fieldIgnore, "commune": fieldIgnore, "ville": fieldIgnore,
	"code postal": fieldIgnore, "cp": fieldIgnore, "circonscription": fieldIgnore, "effectif": fieldIgnore,
	"effectifs": fieldIgnore, "nombre": fieldIgnore, "classes": fieldIgnore, "eleves": fieldIgnore,
	"observation": fieldIgnore, "observations": fieldIgnore, "commentaire": fieldIgnore, "commentaires": fieldIgnore,
	"remarque": fieldIgnore, "remarques": fieldIgnore, "date": fieldIgnore, "secteur": fieldIgnore,
	"type": fieldIgnore, "ien": fieldIgnore, "civilite": fieldIgnore, "rue": fieldIgnore, "voie": fieldIgnore,
	"fax": fieldIgnore, "insee": fieldIgnore, "siret": fieldIgnore, "niveau": fieldIgnore, "site": fieldIgnore,
	"inspection": fieldIgnore, "academie": fieldIgnore,
}

// personWords only say that a column is about the administrator ("Nom du directeur", "E-mail de
// l'administrateur"); schoolWords that it is about the school ("Nom de l'école", "Tél. école").
var (
	personWords = wordSet("directeur directrice directeurs directrices direction responsable responsables " +
		"administrateur administratrice administrateurs admin referent referente contact correspondant " +
		"correspondante interlocuteur interlocutrice personne titulaire chef gestionnaire enseignant " +
		"enseignante utilisateur ent laclasse com professionnel professionnelle pro principal principale " +
		"cheffe agent")
	schoolWords = wordSet("ecole ecoles etablissement etablissements groupe scolaire gs structure")
	// weakAliases name a field less surely than its other words.
	weakAliases = wordSet("role statut profil titre")
	// stopWords are dropped before anything else.
	stopWords = wordSet("de du des la le les au aux en et ou un une par pour sur son sa ses no num nr numero " +
		"obligatoire facultatif svp merci")
)

// fieldRank breaks ties when several words of one header match: the more specific field wins.
var fieldRank = [numFields]int{
	fieldUAI: 9, fieldEmail: 8, fieldPhone: 7, fieldAction: 6, fieldFirstName: 5, fieldFullName: 5,
	fieldIgnore: 4, fieldRole: 3, fieldLastName: 2, fieldName: 1,
}

func wordSet(s string) map[string]bool {
	m := make(map[string]bool)
	for _, w := range strings.Fields(s) {
		m[w] = true
	}
	return m
}

// fold lower-cases s, removes its accents and turns everything but letters and digits into
// spaces, collapsed: "N° de l'École" → "n de l ecole".
func fold(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	space := true
	emit := func(r rune) {
		if r == ' ' {
			if !space {
				b.WriteByte(' ')
				space = true
			}
			return
		}
		b.WriteRune(r)
		space = false
	}
	ascii := true
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			ascii = false
			break
		}
	}
	if !ascii {
		s = norm.NFD.String(s)
	}
	for _, r := range s {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			emit(r)
		case r >= 'A' && r <= 'Z':
			emit(r + 'a' - 'A')
		case r == 'œ' || r == 'Œ':
			emit('o')
			emit('e')
		case r == 'æ' || r == 'Æ':
			emit('a')
			emit('e')
		case r == 'ß':
			emit('s')
			emit('s')
		case unicode.Is(unicode.Mn, r):
			// an accent, dropped
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			emit(unicode.ToLower(r))
		default:
			emit(' ')
		}
	}
	return strings.TrimSuffix(b.String(), " ")
}

// headerWords returns the meaningful words of a header cell: folded, without parenthesized
// remarks, small words or single letters ("N° UAI (code RNE)" → [uai]).
func headerWords(s string) []string {
	if i := strings.IndexByte(s, '('); i > 0 {
		s = s[:i]
	}
	words := strings.Fields(fold(s))
	out := words[:0]
	for _, w := range words {
		if len(w) > 1 && !stopWords[w] {
			out = append(out, w)
		}
	}
	return out
}

// Scores of a header match: a column that says it is about the administrator beats a plain one,
// which beats one that says it is about the school ("Téléphone du directeur" over "Tél. école").
const (
	scoreSchool = 1
	scorePlain  = 2
	scorePerson = 3
)

// matchHeader tells which field a header cell names, and how surely.
func matchHeader(cell string) (field, int) {
	words := headerWords(cell)
	if len(words) == 0 || len(words) > 8 {
		return fieldNone, 0
	}
	var person, school bool
	core := make([]string, 0, len(words))
	for _, w := range words {
		switch {
		case personWords[w]:
			person = true
		case schoolWords[w]:
			school = true
		default:
			core = append(core, w)
		}
	}
	score := scorePlain
	switch {
	case person:
		score = scorePerson
	case school:
		score = scoreSchool
	}
	if len(core) == 0 {
		switch {
		case school && !person:
			return fieldName, scorePlain
		case person:
			return fieldFullName, scoreSchool // "Directeur" holding "M. DUPONT Jean"
		}
		return fieldNone, 0
	}
	f, ok := headerAliases[strings.Join(core, " ")]
	if !ok {
		// the most specific field named by one word, or by two adjacent ones
		for i, w := range core {
			if g, ok := headerAliases[w]; ok && fieldRank[g] > fieldRank[f] {
				f = g
			}
			if i > 0 {
				if g, ok := headerAliases[core[i-1]+" "+w]; ok && fieldRank[g] > fieldRank[f] {
					f = g
				}
			}
		}
		if f == fieldNone {
			return fieldNone, 0
		}
		if score == scorePlain || score == scorePerson {
			score--
		}
	}
	if weakAliases[strings.Join(core, " ")] {
		score = scoreSchool // "Rôle" loses to "Fonction"
	}
	switch f {
	case fieldLastName:
		if school && !person {
			return fieldName, scorePlain // "Nom de l'école"
		}
	case fieldUAI, fieldAction, fieldIgnore:
		score = scorePlain
	}
	if f == fieldFullName && school && !person {
		return fieldName, scorePlain
	}
	if score < scoreSchool {
		score = scoreSchool
	}
	return f, score
}

// columns maps the fields of a header row to their columns.
type columns struct {
	idx   [numFields]int // column index, -1 when absent
	score [numFields]int
	order [numFields]int // for full name: 1 when "Nom" comes before "Prénom", -1 the other way
}

func newColumns() *columns {
	c := &columns{}
	for i := range c.idx {
		c.idx[i] = -1
	}
	return c
}

// has reports whether the header has a column for f.
func (c *columns) has(f field) bool { return c.idx[f] >= 0 }

// count returns the number of distinct known fields among fs.
func (c *columns) count(fs ...field) int {
	n := 0
	for _, f := range fs {
		if c.has(f) {
			n++
		}
	}
	return n
}

// set records that column col holds f, unless a surer column already does.
func (c *columns) set(f field, score, col int, text string) {
	if f == fieldNone || f == fieldIgnore {
		return
	}
	if c.idx[f] >= 0 && c.score[f] >= score {
		return
	}
	c.idx[f], c.score[f] = col, score
	if f == fieldFullName {
		c.order[f] = 0
		n, p := -1, -1
		for i, w := range strings.Fields(fold(text)) {
			switch w {
			case "nom":
				n = i
			case "prenom":
				p = i
			}
		}
		switch {
		case n >= 0 && p >= 0 && n < p:
			c.order[f] = 1
		case n >= 0 && p >= 0:
			c.order[f] = -1
		}
	}
}

// matchRow reads a row as a header row and returns the columns it names, and the number of known
// fields (ignored columns included).
func matchRow(cells []string) (*columns, int) {
	c := newColumns()
	known := 0
	for i, s := range cells {
		if s == "" || len(s) > 120 {
			continue
		}
		f, score := matchHeader(s)
		if f == fieldNone {
			continue
		}
		known++
		c.set(f, score, i, s)
	}
	return c, known
}

// schoolHeader reports whether c is the header of a list of schools: a UAI column and at least two
// other columns the convention asks for.
func (c *columns) schoolHeader() bool {
	return c.has(fieldUAI) && c.count(fieldName, fieldLastName, fieldFirstName, fieldFullName, fieldRole, fieldEmail, fieldPhone, fieldAction) >= 2
}

// contactHeader reports whether c is the header of a table of people without UAI (the commune's
// contacts): at least two of name, first name, e-mail and phone.
func (c *columns) contactHeader() bool {
	return !c.has(fieldUAI) && c.count(fieldLastName, fieldFirstName, fieldFullName, fieldEmail, fieldPhone) >= 2
}

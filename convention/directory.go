package convention

import (
	"strconv"
	"strings"
	"time"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// DirectoryEntry is a school as the Ministry's national directory, the "Annuaire de
// l'éducation", lists it: the few columns the convention's checks need.
type DirectoryEntry struct {
	UAI          string    // Identifiant_de_l_etablissement
	Name         string    // Nom_etablissement, the official name
	Type         string    // Type_etablissement: Ecole, Collège, Lycée…
	Nature       string    // libelle_nature: ECOLE MATERNELLE, ECOLE DE NIVEAU ELEMENTAIRE…
	Public       bool      // Statut_public_prive is Public
	CommuneINSEE string    // Code_commune, the INSEE code of the school's commune
	Commune      string    // Nom_commune
	Mail         string    // Mail
	State        string    // etat: OUVERT, A FERMER…
	Opened       time.Time // date_ouverture (zero when the directory gives none)
}

// The directory's words the checks look for.
const (
	DirectoryPrimary = "Ecole"    // Type_etablissement of a primary school
	DirectoryClosing = "A FERMER" // etat of a school about to close
)

// IsPrimary reports whether the directory lists e as a primary school, the only kind the
// convention covers ("les écoles primaires publiques de la commune").
func (e DirectoryEntry) IsPrimary() bool {
	return foldSchoolName(e.Type) == foldSchoolName(DirectoryPrimary)
}

// Closing reports whether the directory says e closes (or has closed): etat A FERMER (or FERME),
// whatever its case and accents (À fermer).
func (e DirectoryEntry) Closing() bool {
	s := foldSchoolName(e.State)
	return s == foldSchoolName(DirectoryClosing) || s == "ferme"
}

// DirectoryField is the Problem.Field of what the national directory finds in a row: the
// Métropole's summary lists those warnings.
const DirectoryField = "directory"

// DirectoryFinding is what the national directory says of one row of a commune's list.
type DirectoryFinding string

const (
	// Refusals: the row is not applied.
	DirectoryUnknown      DirectoryFinding = "unknown"       // the UAI is not in the directory
	DirectoryOtherCommune DirectoryFinding = "other_commune" // the school belongs to another commune
	DirectoryNotPrimary   DirectoryFinding = "not_primary"   // a collège, a lycée…
	// Warnings: the row is applied, and the commune told.
	DirectoryClosingSoon DirectoryFinding = "closing" // etat says it closes
	DirectoryPrivate     DirectoryFinding = "private" // a private school
	DirectoryRenamed     DirectoryFinding = "renamed" // the list's name is not the official one
)

// Refuses reports whether the finding refuses the row.
func (f DirectoryFinding) Refuses() bool {
	return f == DirectoryUnknown || f == DirectoryOtherCommune || f == DirectoryNotPrimary
}

// CheckDirectory checks one row of commune's list against the national directory: entry is the
// directory's row for the row's UAI, found false when the directory does not list it. A school of
// another commune is refused, so that no commune can list (and have billed to itself) a
// neighbour's school; so is a school that is not a primary school. A school that closes, or a
// private one, is accepted with a warning; so is a name other than the official one. The
// refusal, if any, comes first and alone.
//
// A row that removes a school (Radiation) is never refused: a school that closed leaves the
// directory, and must still leave the convention.
func CheckDirectory(row SchoolEntry, entry DirectoryEntry, found bool, commune Commune) []DirectoryFinding {
	switch {
	case row.Action == ActionRemove:
		return nil
	case !found:
		return []DirectoryFinding{DirectoryUnknown}
	case !InCommune(entry.CommuneINSEE, commune.INSEE):
		return []DirectoryFinding{DirectoryOtherCommune}
	case !entry.IsPrimary():
		return []DirectoryFinding{DirectoryNotPrimary}
	}
	var out []DirectoryFinding
	if entry.Closing() {
		out = append(out, DirectoryClosingSoon)
	}
	if !entry.Public {
		out = append(out, DirectoryPrivate)
	}
	if row.Name != "" && !SameSchoolName(row.Name, entry.Name) {
		out = append(out, DirectoryRenamed)
	}
	return out
}

// arrondissements are the communes whose schools the directory places in their municipal
// arrondissements, each with its own code: Paris, Lyon and Marseille.
var arrondissements = map[string]struct{ first, last int }{
	"75056": {75101, 75120}, // Paris
	"69123": {69381, 69389}, // Lyon
	"13055": {13201, 13216}, // Marseille
}

// InCommune reports whether the directory's Code_commune code places a school in the commune of
// INSEE code insee: the same code, or one of its municipal arrondissements (Lyon's schools are
// in 69381 to 69389, not 69123).
func InCommune(code, insee string) bool {
	for _, c := range CommuneCodes(insee) {
		if c == code {
			return true
		}
	}
	return false
}

// CommuneCodes returns the codes the directory may give the schools of the commune of INSEE
// code insee: insee, and its municipal arrondissements' for Paris, Lyon and Marseille.
func CommuneCodes(insee string) []string {
	out := []string{insee}
	if a, ok := arrondissements[insee]; ok {
		for n := a.first; n <= a.last; n++ {
			out = append(out, strconv.Itoa(n))
		}
	}
	return out
}

// SameSchoolName reports whether two names of a school are the same once folded: case, accents,
// punctuation and spacing aside ("École élémentaire J. Prévert" and "ECOLE ELEMENTAIRE J PREVERT").
func SameSchoolName(a, b string) bool { return foldSchoolName(a) == foldSchoolName(b) }

// foldSchoolName lower-cases s, drops its accents and writes every run of other characters than
// letters and digits as one space.
func foldSchoolName(s string) string {
	var b strings.Builder
	space := false
	for _, r := range norm.NFD.String(s) {
		switch {
		case unicode.Is(unicode.Mn, r):
			continue
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			if space && b.Len() > 0 {
				b.WriteByte(' ')
			}
			space = false
			b.WriteRune(unicode.ToLower(r))
		default:
			space = true
		}
	}
	return b.String()
}

// DirectoryState is the directory file in use, and how its last refresh went.
type DirectoryState struct {
	SHA256       string // of the file loaded ("" when none was)
	Rows         int
	LoadedAt     *time.Time
	ETag         string // of the last download, sent back as If-None-Match
	LastModified string // of the last download, sent back as If-Modified-Since
	CheckedAt    *time.Time
	// FailedAt is the last refresh (or load) that failed and was not used, with its Failure (a
	// directory.Reason) and FailureDetail (in English, for the log). The previous file stays.
	FailedAt      *time.Time
	Failure       string
	FailureDetail string
}

// Failing reports whether the last refresh failed: no load nor check since.
func (s DirectoryState) Failing() bool {
	if s.FailedAt == nil {
		return false
	}
	ok := s.LoadedAt
	if s.CheckedAt != nil && (ok == nil || s.CheckedAt.After(*ok)) {
		ok = s.CheckedAt
	}
	return ok == nil || s.FailedAt.After(*ok)
}

package templates

import (
	"fmt"
	"strings"
	"time"
)

// The national directory of schools (Annuaire de l'éducation): what a reply says of a row the
// directory refuses or remarks on (the reply puts the sheet, row and column before it), and what
// the Métropole's summary, the weekly overview and `intaked directory` say of the directory.

// DirectoryName is how the commune and staff read the directory's name.
const DirectoryName = "l'annuaire de l'éducation"

// DirectoryUnknown: the UAI, whose check letter is right, is not in the directory.
func DirectoryUnknown(uai string) string {
	return fmt.Sprintf("Le code UAI %s n'existe pas dans l'annuaire de l'éducation : vérifiez le code de l'école (il figure sur les courriers de l'Éducation nationale).", uai)
}

// DirectoryOtherCommune: the school belongs to another commune (commune, insee): only that
// commune may list it.
func DirectoryOtherCommune(uai, name, commune, insee string) string {
	return fmt.Sprintf("L'école %s « %s » est, d'après l'annuaire de l'éducation, une école de %s (code INSEE %s), pas de votre commune : seule la commune où elle se trouve peut l'inscrire. Vérifiez le code UAI.", uai, name, commune, insee)
}

// DirectoryNotPrimary: the establishment is not a primary school (its type, as the directory
// writes it: Collège, Lycée…).
func DirectoryNotPrimary(uai, name, kind string) string {
	return fmt.Sprintf("L'établissement %s « %s » n'est pas une école primaire (l'annuaire de l'éducation le classe « %s ») : la convention ne concerne que les écoles. Vérifiez le code UAI.", uai, name, kind)
}

// DirectoryClosing: accepted, but the directory says the school closes.
func DirectoryClosing(uai, name string) string {
	return fmt.Sprintf("L'école %s « %s » est inscrite, mais l'annuaire de l'éducation indique qu'elle va fermer (« A FERMER ») : si elle ferme, retirez-la de votre liste (action « Radiation »).", uai, name)
}

// DirectoryPrivate: accepted, but the directory lists the school as private.
func DirectoryPrivate(uai, name string) string {
	return fmt.Sprintf("L'école %s « %s » est inscrite, mais l'annuaire de l'éducation la classe parmi les écoles privées : l'équipe laclasse.com vérifiera qu'elle relève bien de la convention.", uai, name)
}

// DirectoryRenamed: accepted; the name the list gives is not the official one, which the
// registry keeps next to it.
func DirectoryRenamed(uai, listed, official string) string {
	return fmt.Sprintf("Le nom officiel de l'école %s dans l'annuaire de l'éducation est « %s » (votre liste indique « %s ») : nous enregistrons les deux.", uai, official, listed)
}

// DirectoryRefusal says, for the Métropole's summary, why a new file of the directory was not
// used (reason: a directory.Reason); the previous one stays in use.
func DirectoryRefusal(reason string) string {
	switch reason {
	case "missing_columns":
		return "il lui manque des colonnes dont nous avons besoin (le format de l'annuaire a peut-être changé)"
	case "truncated":
		return "il est tronqué (sa dernière ligne, ou une ligne, est incomplète)"
	case "too_few":
		return "il ne contient pas un nombre de lignes plausible"
	case "shrunk":
		return "il compte plus de 10 % de lignes de moins que le précédent"
	case "download":
		return "le téléchargement a échoué"
	}
	return "il n'a pas pu être lu"
}

// DirectoryState is a state of a school as `intaked directory` shows it: the directory's etat
// in words.
func DirectoryState(state string, closing bool) string {
	switch {
	case closing:
		return "à fermer"
	case strings.EqualFold(state, "OUVERT"):
		return "ouverte"
	case strings.EqualFold(state, "A OUVRIR"):
		return "à ouvrir"
	case state == "":
		return "-"
	}
	return state
}

// DirectoryStatus is a school's status, public or private, as `intaked directory` shows it.
func DirectoryStatus(public bool) string {
	if public {
		return "publique"
	}
	return "privée"
}

// DirectoryNotListed is `intaked directory`'s line for a UAI the directory does not list.
func DirectoryNotListed(uai string) string {
	return fmt.Sprintf("%s : absent de l'annuaire de l'éducation", uai)
}

// DirectoryHeader is the header of `intaked directory`'s table.
const DirectoryHeader = "UAI\tNOM\tTYPE\tNATURE\tSTATUT\tCOMMUNE\tINSEE\tÉTAT\tOUVERTE LE"

// DirectoryLoaded: `intaked directory --accept-shrink` took the file, of rows rows (previous: the
// one it replaces).
func DirectoryLoaded(rows, previous int) string {
	return fmt.Sprintf("Annuaire de l'éducation chargé : %d établissements (%d dans le précédent).", rows, previous)
}

// DirectoryAlreadyInUse: `intaked directory --accept-shrink` found the file already in use.
func DirectoryAlreadyInUse(rows int) string {
	return fmt.Sprintf("Ce fichier est déjà l'annuaire en service (%d établissements).", rows)
}

// DirectoryNotLoaded: `intaked directory` before any file was loaded.
const DirectoryNotLoaded = "Aucun annuaire de l'éducation n'est chargé : vérifiez [directory] file."

// DirectoryFailure is, in the Métropole's summary, a new file of the directory that was not
// used: the previous one stays in use.
type DirectoryFailure struct {
	At       time.Time
	Reason   string    // DirectoryRefusal's words
	Rows     int       // the rows of the directory still in use (0: none loaded yet)
	LoadedAt time.Time // when that one was loaded
}

// DirectoryWarning is, in the Métropole's summary, a school a list had accepted with a warning of
// the directory (it closes, it is private).
type DirectoryWarning struct {
	Commune    string
	ReceivedAt time.Time
	Message    string
}

// DirectoryWatched is, in the weekly overview, a registered school that the directory says
// closes, or no longer lists.
type DirectoryWatched struct {
	Commune, UAI, Name string
	Listed             bool // false: the directory no longer lists it
	// Elsewhere is the commune the directory places it in, when it is not Commune.
	Elsewhere string
}

package templates

import "fmt"

// The problems a commune reads about the rows of its list, in the reply and in the spreadsheet of
// refused rows: one French sentence each, with its final period, saying what is wrong and what is
// expected. Values quoted from the file come already shortened.

// What the problems show the commune as the expected form of a value.
const (
	exampleUAI   = "0690026D"
	examplePhone = "04 72 10 35 40"
	exampleEmail = "prenom.nom@ville.fr"
)

// Whose is the person an e-mail address or a phone number belongs to, as a problem names them.
type Whose int

const (
	// OfAdministrator: the administrator of the school on the row; the problems about a value
	// given need not name them.
	OfAdministrator Whose = iota
	// OfTechnicalReferent: the commune's "référent technique".
	OfTechnicalReferent
	// OfProjectLead: the person the commune charged with following the project.
	OfProjectLead
)

// of is "de l'administrateur", "du référent technique de la commune"…
func (w Whose) of() string {
	switch w {
	case OfTechnicalReferent:
		return "du référent technique de la commune"
	case OfProjectLead:
		return "de la personne chargée du suivi du projet"
	}
	return "de l'administrateur"
}

// named is what follows "L'adresse e-mail" or "Le numéro de téléphone" in a problem about a value
// given: nothing for the row's administrator, " du référent technique de la commune" for a contact.
func (w Whose) named() string {
	if w == OfAdministrator {
		return ""
	}
	return " " + w.of()
}

// noColumn is the hint a problem about a missing value ends with when the table has no column for
// it at all (column is its title, such as "Nom").
func noColumn(msg string, missing bool, column string) string {
	if !missing {
		return msg + "."
	}
	return msg + " : le tableau n'a pas de colonne « " + column + " »."
}

// The problems about the code UAI.
const UAIMissing = "Le code UAI de l'école est manquant : indiquez ses 7 chiffres suivis de sa lettre, par exemple " + exampleUAI + "."

// UAIReadWithZero warns that a code of 7 characters was read with the leading 0 it lost.
func UAIReadWithZero(read string) string {
	return fmt.Sprintf("Le 0 du début manquait : le code UAI %s a été lu 0%s.", read, read)
}

// UAIWrongLetter: the check letter of uai should be want.
func UAIWrongLetter(uai string, want rune) string {
	return fmt.Sprintf("Le code UAI « %s » est invalide : la lettre de contrôle devrait être %c.", uai, want)
}

// UAINoLetter: seven digits without their check letter, want.
func UAINoLetter(uai string, want rune) string {
	return fmt.Sprintf("Le code UAI « %s » est incomplet : il manque la lettre de contrôle, le code complet serait %s%c.", uai, uai, want)
}

// UAINoZero: six digits and the letter, the leading 0 lost.
func UAINoZero(uai string) string {
	return fmt.Sprintf("Le code UAI « %s » est incomplet : il manque le 0 du début, le code complet serait 0%s.", uai, uai)
}

// UAILetterForDigit: O for 0 or I for 1 in the digits; fixed is the code read with digits.
func UAILetterForDigit(uai, fixed string) string {
	return fmt.Sprintf("Le code UAI « %s » est invalide : il contient une lettre à la place d'un chiffre (O pour 0 ou I pour 1), le code serait %s.", uai, fixed)
}

// UAIInvalid: a value that is no code UAI.
func UAIInvalid(value string) string {
	return fmt.Sprintf("Le code UAI « %s » est invalide : il doit comporter 7 chiffres suivis d'une lettre, par exemple %s.", value, exampleUAI)
}

// UAITwice: the code was seen before in the file, at row firstRow of sheet firstSheet ("" when it
// is the row's own sheet); this row is refused.
func UAITwice(uai string, firstRow int, firstSheet string) string {
	where := fmt.Sprintf("à la ligne %d", firstRow)
	if firstSheet != "" {
		where += fmt.Sprintf(" de la feuille « %s »", firstSheet)
	}
	return fmt.Sprintf("Le code UAI « %s » figure déjà %s : chaque école ne doit apparaître qu'une fois ; cette ligne n'a pas été prise en compte.", uai, where)
}

// ActionChoices lists the actions a list of changes may ask for, as the model's drop-down list
// offers them.
const ActionChoices = "Ajout, Radiation, Changement de responsable ou Inchangé"

// ActionUnknown: the Action column holds something else.
func ActionUnknown(value string) string {
	return fmt.Sprintf("L'action « %s » n'est pas reconnue : indiquez %s.", value, ActionChoices)
}

// The problems about the columns of a table, reported once at its header.
const (
	NoNameColumn = "Le tableau n'a pas de colonne « Nom de l'école » : le nom des écoles n'est pas connu."
	NoRoleColumn = "Le tableau n'a pas de colonne « Fonction » : la fonction des administrateurs n'est pas connue."
)

// The problems about the school and its administrator's name and function.
const (
	SchoolNameMissing = "Le nom de l'école n'est pas indiqué."
	RoleMissing       = "La fonction de l'administrateur n'est pas indiquée (par exemple Directeur ou Directrice)."
)

// LastNameMissing: the administrator has no last name; noColumn says the table has no column
// for it at all.
func LastNameMissing(noCol bool) string {
	return noColumn("Le nom de l'administrateur de l'école est manquant", noCol, "Nom")
}

// FirstNameMissing: the administrator has no first name.
func FirstNameMissing(noCol bool) string {
	return noColumn("Le prénom de l'administrateur de l'école est manquant", noCol, "Prénom")
}

// EmailMissing: the administrator has no e-mail address.
func EmailMissing(noCol bool) string {
	return noColumn("L'adresse e-mail de l'administrateur est manquante", noCol, "Email")
}

// PhoneMissing: the administrator has no phone number.
func PhoneMissing(noCol bool) string {
	return noColumn("Le numéro de téléphone de l'administrateur est manquant", noCol, "Téléphone")
}

// EmailFirstOfSeveral warns that a cell held several addresses and only kept was kept.
func EmailFirstOfSeveral(kept string) string {
	return fmt.Sprintf("La case contient plusieurs adresses e-mail : seule la première (%s) a été retenue.", kept)
}

// PhoneFirstOfSeveral warns that a cell held several numbers and only kept was kept.
func PhoneFirstOfSeveral(kept string) string {
	return fmt.Sprintf("La case contient plusieurs numéros de téléphone : seul le premier (%s) a été retenu.", kept)
}

// EmailFault is what is wrong with an e-mail address.
type EmailFault int

const (
	EmailNoAt        EmailFault = iota // no @
	EmailSeveralAt                     // more than one @
	EmailNoLocalPart                   // nothing before the @
	EmailSpace                         // a space
	EmailDomainComma                   // a comma for a dot in the domain
	EmailDomainNoDot                   // a domain without a dot
	EmailAccent                        // an accent or another character outside ASCII
	EmailDomainWrong                   // a domain that is no domain
	EmailForm                          // anything else
)

// EmailInvalid says what is wrong with the address value of w; domain is its domain, for the
// faults about the domain.
func EmailInvalid(w Whose, fault EmailFault, value, domain string) string {
	var why string
	switch fault {
	case EmailNoAt:
		why = "il manque le @ (une adresse est de la forme " + exampleEmail + ")"
	case EmailSeveralAt:
		why = "elle contient plusieurs @"
	case EmailNoLocalPart:
		why = "il manque la partie avant le @ (une adresse est de la forme " + exampleEmail + ")"
	case EmailSpace:
		why = "elle ne doit pas contenir d'espace"
	case EmailDomainComma:
		why = "le domaine contient une virgule au lieu d'un point"
	case EmailDomainNoDot:
		why = "le domaine « " + domain + " » est incomplet (par exemple ville.fr ou ac-lyon.fr)"
	case EmailAccent:
		why = "elle ne doit pas contenir d'accent ni de caractère spécial"
	case EmailDomainWrong:
		why = "le domaine « " + domain + " » n'est pas correct"
	default:
		why = "elle doit être de la forme " + exampleEmail
	}
	return fmt.Sprintf("L'adresse e-mail%s « %s » est invalide : %s.", w.named(), value, why)
}

// PhoneNotANumber: a value without a digit where w's phone number was expected.
func PhoneNotANumber(w Whose, value string) string {
	return fmt.Sprintf("« %s » n'est pas un numéro de téléphone : indiquez le numéro %s, à 10 chiffres, par exemple %s.", value, w.of(), examplePhone)
}

// PhoneTooShort: fewer than nine digits.
func PhoneTooShort(w Whose, value string) string {
	return fmt.Sprintf("Le numéro de téléphone%s « %s » est incomplet : un numéro français comporte 10 chiffres, par exemple %s.", w.named(), value, examplePhone)
}

// PhoneInvalid: digits that make no valid number.
func PhoneInvalid(w Whose, value string) string {
	return fmt.Sprintf("Le numéro de téléphone%s « %s » n'est pas valide : indiquez un numéro à 10 chiffres, par exemple %s.", w.named(), value, examplePhone)
}

// UnnamedSheet names the n-th sheet of a file, from 1, when the file gives it no name.
func UnnamedSheet(n int) string { return fmt.Sprintf("Feuille %d", n) }

// PlanWords are the problems convention.PlanList finds when it sets a list against the registry
// (convention.PlanWords).
type PlanWords struct{}

// SchoolOfAnotherCommune: the row names a school of the registry that belongs to owner, not to
// commune, which sent the list; the row is refused.
func (PlanWords) SchoolOfAnotherCommune(uai, owner, commune string) string {
	return fmt.Sprintf("L'école %s est rattachée à la commune de %s : elle ne peut pas être modifiée par la commune de %s.", uai, owner, commune)
}

// RemovalOfInactiveSchool: the row asks to remove a school the commune does not have.
func (PlanWords) RemovalOfInactiveSchool(uai string) string {
	return fmt.Sprintf("L'école %s demandée en radiation ne figure pas parmi les écoles actives de la commune : rien à faire.", uai)
}

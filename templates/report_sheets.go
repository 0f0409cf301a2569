package templates

import "fmt"

// The sentences of the spreadsheets report writes for the Métropole: the activity report for the
// follow-up committee (report.WriteActivityXLSX) and the fee statement for the treasurer
// (report.WriteFeesXLSX): their titles, the notes under them, what an empty table says, and the
// column titles that are phrases. Dates come written (FrenchDate), amounts too (Euros).

// The activity report's workbook.
const (
	ActivitySubject = "Bilan d'activité annuel présenté au comité de suivi de la convention laclasse.com"
	// ActivityCounted says which schools the counts hold.
	ActivityCounted = "Écoles comptées lorsqu'elles sont en attente d'ouverture ou actives."
	// ActivitySchoolsAt titles the count of schools at a date, which follows it.
	ActivitySchoolsAt     = "Écoles au"
	ActivityRenewedColumn = "Liste reconduite par défaut"
	ActivityNoCommune     = "Aucune commune pour cette année scolaire."
	// ActivityUnattributed names the line of the messages from senders that are no declared
	// commune.
	ActivityUnattributed = "(expéditeurs hors convention)"
)

// ActivityTitle titles the activity report of a school year ("2025-2026").
func ActivityTitle(year string) string {
	return "Bilan d'activité laclasse.com — année scolaire " + year
}

// ActivityPeriod is the note of the summary sheet for the year from start to end, written.
func ActivityPeriod(start, end string) string {
	return fmt.Sprintf("Du %s au %s. %s Ajouts, radiations, activations et changements d'administrateur datés de l'année ; messages reçus pendant l'année.", start, end, ActivityCounted)
}

// The sheet of the delays to open access.
const (
	DelaysSheet = "Délais d'activation"
	DelaysNone  = "Aucune école reçue pendant l'année scolaire."
	DelaysChart = "Délais d'ouverture des accès par commune (jours)"
)

// DelaysTitle titles the sheet of the delays of a school year.
func DelaysTitle(year string) string {
	return "Délais d'ouverture des accès — année scolaire " + year
}

// DelaysNote says what the delays are, against the convention's days.
func DelaysNote(days int) string {
	return fmt.Sprintf("Pour les écoles dont la première liste a été reçue pendant l'année : délai entre la réception du document et l'ouverture de l'accès, en jours. "+
		"La convention prévoit l'ouverture « dans les deux semaines suivant la réception du document » (%d jours) ; une école non ouverte compte comme hors délai.", days)
}

// DelaysWithinColumn titles the number of schools opened within days.
func DelaysWithinColumn(days int) string { return fmt.Sprintf("Activées sous %d jours", days) }

// DelaysShareColumn titles the share of the schools opened within days.
func DelaysShareColumn(days int) string { return fmt.Sprintf("Part activée sous %d jours", days) }

// The sheet of the messages received.
const (
	RequestsNote = "Messages reçus dans la boîte partenariat : listes appliquées (certaines lignes ont pu être refusées), messages refusés (aucune liste lisible ou toutes les lignes refusées), " +
		"messages d'expéditeurs hors convention (mis en quarantaine), doublons d'un message déjà reçu, messages automatiques ignorés ; " +
		"puis les réponses transmises à l'équipe laclasse.com, les listes dont les retraits attendent une confirmation et les demandes annulées par l'équipe."
	RequestsForwardedColumn = "Transmis à l'équipe"
	RequestsNone            = "Aucun message reçu pendant l'année scolaire."
)

// RequestsTitle titles the sheet of the messages of a school year.
func RequestsTitle(year string) string { return "Messages reçus — année scolaire " + year }

// The sheet of the rows refused.
const (
	RefusedNote = "Lignes des listes reçues pendant l'année qui n'ont pas pu être appliquées, par motif ; chaque commune en a reçu le détail en réponse à son envoi."
	RefusedNone = "Aucune ligne refusée pendant l'année scolaire."
)

// RefusedTitle titles the sheet of the rows refused in a school year.
func RefusedTitle(year string) string {
	return "Lignes refusées par motif — année scolaire " + year
}

// The sheet of the schools over the years.
const (
	HistoryTitle = "Écoles par commune au fil des années scolaires"
	HistoryNote  = "Nombre d'écoles de chaque commune inscrites à laclasse.com, par année scolaire."
	HistoryNone  = "Aucun historique disponible."
	HistoryChart = "Écoles par commune et par année scolaire"
)

// The fee statement's workbook.
const (
	FeesSubject       = "Redevance due par les communes au titre de la convention laclasse.com"
	FeesSchoolsColumn = "Nombre d'écoles"
	FeesNone          = "Aucune école à facturer pour cette année scolaire."
	FeesReceivedOn    = "Reçue le"
	FeesActivatedOn   = "Activée le"
	FeesRemovedOn     = "Retirée le"
)

// FeesTitle titles the fee statement of a school year.
func FeesTitle(year string) string { return "Redevance laclasse.com — année scolaire " + year }

// FeesRule is the note under the summary: the fee per school, written, and when the school year
// is known, its first and last days, written.
func FeesRule(perSchool, start, end string) string {
	rule := fmt.Sprintf("Forfait de %s par école et par année scolaire, dû même en cas d'année non pleine", perSchool)
	if start == "" {
		return rule + "."
	}
	return rule + fmt.Sprintf(" : il est dû pour chaque école inscrite (en attente d'ouverture ou active) au moins un jour entre le %s et le %s.", start, end)
}

// FeesCommuneTitle titles a commune's sheet.
func FeesCommuneTitle(commune, year string) string {
	return fmt.Sprintf("%s — redevance laclasse.com, année scolaire %s", commune, year)
}

// FeesCommuneNote is the sum under a commune's sheet title: schools × fee = amount, written.
func FeesCommuneNote(commune, insee, schools, perSchool, amount string) string {
	return fmt.Sprintf("Commune %s (code INSEE %s) : %s × %s = %s.", commune, insee, schools, perSchool, amount)
}

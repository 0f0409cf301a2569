package templates

import "fmt"

// What intaked's commands print for the Métropole's staff: the titles of their tables (columns
// apart with tabs, for a tabwriter), and the lines that say what a command did. A line that ends
// with a newline is printed as it is.

// The titles of the commands' tables.
const (
	CLIListHeader     = "  FEUILLE\tLIGNE\tUAI\tÉCOLE\tACTION\tADMINISTRATEUR\tEMAIL\tTÉLÉPHONE"
	CLISchoolsHeader  = "COMMUNE\tUAI\tÉCOLE\tSTATUT\tADMINISTRATEUR\tREÇU LE\tÀ OUVRIR AVANT LE"
	CLIPendingHeader  = "COMMUNE\tUAI\tÉCOLE\tÀ OUVRIR AVANT LE\tJOURS RESTANTS"
	CLICommunesHeader = "COMMUNE\tINSEE\tÉCOLES ACTIVES\tDERNIÈRE LISTE\tRECONDUITE PAR DÉFAUT\tANNIVERSAIRE\tPRÉAVIS AVANT LE\tFIN\tEXPÉDITEURS AJOUTÉS"
	CLIRequestsHeader = "N°\tREÇU LE\tCOMMUNE\tEXPÉDITEUR\tOBJET\tÉTAT\tMODIFICATIONS\tLIGNES REFUSÉES\tMOTIF"
	CLIHistoryHeader  = "DATE\tCHANGEMENT\tDEMANDE\tPAR\tDÉTAIL"
	CLIFeesHeader     = "COMMUNE\tINSEE\tÉCOLES\tMONTANT"
)

// What `parse` prints of a spreadsheet.
const (
	CLITechnicalReferent = "Référent technique"
	CLIProjectLead       = "Suivi du projet"
	CLIProblems          = "  Problèmes :"
)

// CLIUnreadable: the spreadsheet could not be read, for reason.
func CLIUnreadable(reason string) string { return fmt.Sprintf("  illisible : %s\n\n", reason) }

// CLIProblem is one problem of a spreadsheet, where it is.
func CLIProblem(severity, sheet string, row int, column, field, message string) string {
	return fmt.Sprintf("  - [%s] feuille « %s », ligne %d, colonne %s (%s) : %s\n", severity, sheet, row, column, field, message)
}

// CLIListCounts closes what `parse` prints of a spreadsheet: the schools accepted, the errors.
func CLIListCounts(schools, errors int) string {
	return fmt.Sprintf("  %d école(s) acceptée(s), %d erreur(s)\n\n", schools, errors)
}

// CLISchoolStatus is a school's status (pending, active, removed) as `schools` and `activate`
// print it; removalDay, when not "", is the day its removal takes effect, written.
func CLISchoolStatus(status, removalDay string) string {
	var s string
	switch status {
	case "pending":
		s = "en attente"
	case "active":
		s = "actif"
	case "removed":
		return "retiré"
	default:
		return status
	}
	if removalDay != "" {
		s += " (radiation le " + removalDay + ")"
	}
	return s
}

// CLINoPendingSchool: `activate --commune` found no school of commune waiting.
func CLINoPendingSchool(commune string) string {
	return fmt.Sprintf("%s : aucune école en attente\n", commune)
}

// CLINothingHeld: `confirm` was given a request without removals waiting.
func CLINothingHeld(request int64) string {
	return fmt.Sprintf("la demande n° %d n'a aucun retrait en attente de confirmation", request)
}

// CLINoRequest: no request has this number.
func CLINoRequest(request int64) string {
	return fmt.Sprintf("la demande n° %d n'existe pas", request)
}

// CLIRemovalDropped: `confirm --drop` kept the school.
func CLIRemovalDropped(uai, school string) string {
	return fmt.Sprintf("%s %s : retrait abandonné, l'école reste\n", uai, school)
}

// CLIRemovalConfirmed: `confirm` confirmed the school's removal, which takes effect on day.
func CLIRemovalConfirmed(uai, school, day string) string {
	return fmt.Sprintf("%s %s : retrait confirmé, le %s\n", uai, school, day)
}

// CLIReleased: `release` handled the request again; state is its new state, written.
func CLIReleased(request int64, commune, state string, changes, outgoing int) string {
	return fmt.Sprintf("demande n° %d (%s) : %s, %d modification(s), %d réponse(s) en attente d'envoi (par le démon, ou le prochain `run --once`)\n",
		request, commune, state, changes, outgoing)
}

// CLISenderDeclared: `release --add-sender` declared address for commune.
func CLISenderDeclared(address, commune string) string {
	return fmt.Sprintf("expéditeur %s déclaré pour %s\n", address, commune)
}

// CLIReverted: `revert` undid the request received on received (written) in schools schools.
func CLIReverted(request int64, commune, received string, schools int) string {
	return fmt.Sprintf("demande n° %d (%s, reçue le %s) annulée : %d école(s) rétablie(s) ; la commune en est informée (message en attente d'envoi)\n",
		request, commune, received, schools)
}

// CLIFeesTitle titles `report fees`: the school year and the fee per school, in euros.
func CLIFeesTitle(year string, perSchoolEUR int) string {
	return fmt.Sprintf("Redevance laclasse.com, année scolaire %s (%d € par école)\n", year, perSchoolEUR)
}

// CLITerminated: `terminate` recorded commune's notice, received on received; deadline is the
// last day for a notice before the next anniversary, effective when the convention ends (all
// written).
func CLITerminated(commune, received, deadline, effective string) string {
	return fmt.Sprintf("Convention de %s : préavis reçu le %s (date limite pour l'anniversaire suivant : %s).\nLa convention prend fin le %s ; ses écoles seront retirées ce jour-là.\n",
		commune, received, deadline, effective)
}

// CLIUnknownStaff names a staff member whose name is unknown.
const CLIUnknownStaff = "inconnu"

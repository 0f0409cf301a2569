package templates

import (
	"fmt"
	"time"
)

// The words of the staff console that are not in its pages (templates/console/*.html): the
// names of states, changes and actions the pages show, and the sentences an action leaves on
// the page it returns to. The CLI names states with the same words.

// StaffHandledDetail: staff marked a forwarded message handled.
const StaffHandledDetail = "message transmis marqué traité"

// StaffResent: staff queued mail n of ours again.
func StaffResent(mail int64) string { return fmt.Sprintf("courriel n° %d renvoyé", mail) }

// StaffTerminated: staff recorded a notice of termination received on received, taking effect
// on effective.
func StaffTerminated(received, effective time.Time) string {
	return fmt.Sprintf("préavis de résiliation reçu le %s : la convention prend fin le %s", FrenchDate(received), FrenchDate(effective))
}

// RequestStateLabel is a request's state as staff read it.
func RequestStateLabel(state string) string {
	switch state {
	case "claimed":
		return "en cours de traitement"
	case "applied":
		return "appliquée"
	case "refused":
		return "refusée"
	case "rejected":
		return "en quarantaine"
	case "duplicate":
		return "déjà reçue"
	case "ignored":
		return "ignorée (automatique)"
	case "forwarded":
		return "transmise à l'équipe"
	case "held":
		return "retraits en attente"
	case "reverted":
		return "annulée"
	}
	return state
}

// SchoolStatusLabel is a school's status as staff read it.
func SchoolStatusLabel(status string) string {
	switch status {
	case "pending":
		return "en attente d'ouverture"
	case "active":
		return "actif"
	case "removed":
		return "retiré"
	}
	return status
}

// ChangeLabel is a change to a school as its history names it.
func ChangeLabel(kind string) string {
	switch kind {
	case "add":
		return "ajout"
	case "readd":
		return "nouvel ajout (école retirée auparavant)"
	case "change_admin":
		return "changement d'administrateur"
	case "admin_details":
		return "coordonnées de l'administrateur"
	case "rename":
		return "nouveau nom"
	case "schedule_remove":
		return "retrait programmé"
	case "cancel_removal":
		return "retrait annulé"
	case "activate":
		return "accès ouvert"
	case "remove":
		return "retrait effectué"
	case "hold_remove":
		return "retrait en attente de confirmation"
	case "drop_remove":
		return "retrait abandonné"
	}
	return kind
}

// StaffActionLabel is a staff action as the history names it.
func StaffActionLabel(kind string) string {
	switch kind {
	case "release":
		return "sortie de quarantaine"
	case "add_sender":
		return "expéditeur déclaré"
	case "activate":
		return "ouverture à la main"
	case "confirm":
		return "retraits confirmés"
	case "drop_held":
		return "retraits abandonnés"
	case "revert":
		return "demande annulée"
	case "handled":
		return "message traité"
	case "resend":
		return "courriel renvoyé"
	case "terminate":
		return "préavis de résiliation"
	}
	return kind
}

// What an action leaves on the page it returns to.

// ConsoleActivated: n schools had their access opened by hand.
func ConsoleActivated(n int) string {
	if n == 0 {
		return "Aucune école en attente : rien n'a été ouvert."
	}
	if n == 1 {
		return "Accès ouvert pour 1 école ; l'ouverture est inscrite à son historique."
	}
	return fmt.Sprintf("Accès ouvert pour %d écoles ; l'ouverture est inscrite à leur historique.", n)
}

// ConsoleReleased: request n was decided again as from commune, with state (a label), and
// sender declared when not "".
func ConsoleReleased(n int64, commune, state, sender string) string {
	s := fmt.Sprintf("Demande n° %d sortie de quarantaine et traitée comme venant %s : %s. La réponse part dans la minute.", n, De(commune), state)
	if sender != "" {
		s += fmt.Sprintf(" L'adresse %s est désormais déclarée pour %s.", sender, commune)
	}
	return s
}

// ConsoleHeldResolved: the held removals of request n were confirmed (or dropped), for
// schools schools.
func ConsoleHeldResolved(n int64, drop bool, schools int) string {
	if drop {
		return fmt.Sprintf("Retraits de la demande n° %d abandonnés : les %d école(s) restent.", n, schools)
	}
	return fmt.Sprintf("Retraits de la demande n° %d confirmés pour %d école(s) : ils auront lieu à la mise à jour annuelle.", n, schools)
}

// ConsoleReverted: request n was undone, schools schools put back.
func ConsoleReverted(n int64, schools int) string {
	return fmt.Sprintf("Demande n° %d annulée : %d école(s) rétablie(s). La commune en est informée par courriel.", n, schools)
}

// ConsoleHandled: forwarded message n marked handled.
func ConsoleHandled(n int64) string {
	return fmt.Sprintf("Message n° %d marqué traité.", n)
}

// ConsoleResent: mail m of request n queued again.
func ConsoleResent(m int64) string {
	return fmt.Sprintf("Courriel n° %d remis en file d'envoi : il part dans la minute.", m)
}

// ConsoleTerminated: the notice of termination of commune was recorded.
func ConsoleTerminated(commune string, effective time.Time) string {
	return fmt.Sprintf("Préavis de résiliation enregistré : la convention %s prend fin le %s, ses écoles seront retirées ce jour-là.", De(commune), FrenchDate(effective))
}

// Why an action could not be done.
const (
	ConsoleErrNotFound       = "Cette demande, cette école ou ce courriel n'existe pas."
	ConsoleErrNotReleasable  = "Cette demande ne peut pas être sortie de quarantaine : elle n'y est plus, son expéditeur est illisible, ou c'est un message automatique."
	ConsoleErrNeedCommune    = "L'expéditeur ne correspond à aucune commune : choisissez la commune dont vient la demande."
	ConsoleErrUnknownCommune = "Cette commune n'est pas dans la configuration."
	ConsoleErrNoSender       = "L'expéditeur de cette demande est illisible : il ne peut pas être déclaré."
	ConsoleErrNothingHeld    = "Cette demande n'a aucun retrait en attente de confirmation."
	ConsoleErrNotRevertible  = "Cette demande ne peut pas être annulée : elle n'a rien changé qui soit encore en vigueur, ou elle est déjà annulée."
	ConsoleErrNotForwarded   = "Ce message n'est pas un message transmis à l'équipe."
	ConsoleErrHandled        = "Ce message est déjà marqué traité."
	ConsoleErrNotResendable  = "Ce courriel ne peut pas être renvoyé : il n'a pas été envoyé pour une demande, ou son contenu a été effacé (durée de conservation)."
	ConsoleErrNoStart        = "La configuration ne donne pas la date de début de la convention de cette commune (convention_start) : sa date anniversaire est inconnue."
	ConsoleErrBadDate        = "Date invalide : écrivez-la AAAA-MM-JJ."
	ConsoleErrBadYear        = "Année scolaire invalide : écrivez-la 2025-2026."
	ConsoleErrFailed         = "L'action n'a pas pu être faite ; l'erreur est dans le journal du démon. Réessayez dans un moment."
)

// The console's pages name states, statuses, changes, staff actions and mails with these.
func init() {
	funcs["etat"] = RequestStateLabel
	funcs["statut"] = SchoolStatusLabel
	funcs["changement"] = ChangeLabel
	funcs["action"] = StaffActionLabel
	funcs["courriel"] = MailKindName
	funcs["neg"] = func(n int) int { return -n }
}

// Titles of the console's pages.
const (
	ConsoleCommunesTitle    = "Communes"
	ConsoleSchoolsTitle     = "Écoles"
	ConsoleQuarantineTitle  = "Messages en quarantaine"
	ConsoleActivationsTitle = "Activations en attente"
	ConsoleReportsTitle     = "Rapports"
	ConsoleSearchTitle      = "Recherche"
	ConsoleConfirmTitle     = "Confirmer"
)

// ConsoleCommuneTitle is the title of a commune's page.
func ConsoleCommuneTitle(name string) string { return "Commune " + De(name) }

// ConsoleSchoolTitle is the title of a school's page.
func ConsoleSchoolTitle(uai, name string) string { return name + " (" + uai + ")" }

// ConsoleRequestTitle is the title of a request's page.
func ConsoleRequestTitle(id int64) string { return fmt.Sprintf("Demande n° %d", id) }

package templates

import (
	"fmt"
	"strings"
	"time"
)

// The reasons staff read in the summary and in `intaked requests`, next to each message: why it
// was quarantined, ignored or refused. Each is a short French phrase, lower case, that follows a
// message's state.

// ReasonUnreadableSender: the From field does not name exactly one sender to a strict reader;
// staff see the field as received and as decoded.
func ReasonUnreadableSender(why, raw, decoded string) string {
	return fmt.Sprintf("expéditeur illisible ou ambigu : %s ; champ From reçu : « %s » ; décodé : « %s »", why, raw, decoded)
}

// ReasonUndeclaredSender: the sender is declared for no commune.
func ReasonUndeclaredSender(addr string) string {
	return fmt.Sprintf("expéditeur %q non déclaré pour une commune", addr)
}

// ReasonAutomaticSuffix follows a quarantine reason when the message was an automatic one.
const ReasonAutomaticSuffix = " (message automatique)"

// ReasonUnauthenticated: the commune requires DKIM and the message did not pass.
func ReasonUnauthenticated(commune string, why []string) string {
	return fmt.Sprintf("expéditeur de la commune %s non authentifié (DKIM exigé) : %s", commune, strings.Join(why, " ; "))
}

// ReasonAutomatic: an automatic message (an out-of-office reply, a bounce) from a commune,
// left unanswered.
func ReasonAutomatic(kind string) string {
	return "message automatique (" + kind + ") : pas de réponse"
}

// ReasonDuplicate: the same message seen again, left silent.
func ReasonDuplicate(earlier int64) string {
	return fmt.Sprintf("déjà reçu (demande n° %d) : rien de changé, pas de réponse", earlier)
}

// ReasonFilesAlreadyReceived: a new message repeating files received before, answered briefly.
func ReasonFilesAlreadyReceived(earlier int64) string {
	return fmt.Sprintf("fichiers déjà reçus (demande n° %d) : rien de changé, réponse brève", earlier)
}

// ReasonForwarded: a message without a list answering one of our mails, forwarded to staff.
func ReasonForwarded(answered time.Time) string {
	return fmt.Sprintf("message sans liste en réponse à notre courriel du %s : transmis à l'équipe", FrenchDate(answered))
}

// The reasons a message is refused or held.
const (
	ReasonNoList      = "aucune liste d'écoles lisible"
	ReasonTNEF        = "pièces jointes dans un winmail.dat"
	ReasonNoValidRows = "aucune ligne valide"
)

// ReasonHeld: a list whose removals wait for staff.
func ReasonHeld(held, schools int) string {
	return fmt.Sprintf("%d retrait(s) sur %d école(s) en attente de confirmation", held, schools)
}

// What the reply tells a commune about a message or a file that could not be read.
const (
	// MessageUnreadable: the message as a whole could not be read.
	MessageUnreadable = "Votre message n'a pas pu être lu."
	// FileNotASpreadsheet: an attachment that is no spreadsheet we read.
	FileNotASpreadsheet = "ce fichier n'est pas une liste d'écoles que nous savons lire (formats acceptés : xlsx, ods, xls, csv) ; il n'a pas été lu"
	// FileDisguised: an attachment named as a spreadsheet that is none.
	FileDisguised = "ce fichier porte un nom de tableur mais son contenu n'en est pas un (formats acceptés : xlsx, ods, xls, csv)"
	// FileUnreadable: a spreadsheet that could not be read, for no reason the reader could name.
	FileUnreadable = "le fichier n'a pas pu être lu"
)

// MessageTooLarge: the message is larger than we accept, maxMB megabytes.
func MessageTooLarge(maxMB int64) string {
	return fmt.Sprintf("Votre message dépasse la taille que nous acceptons (%d Mo) : envoyez la liste seule, sans autre pièce jointe.", maxMB)
}

// AttachmentName names an attachment that has no file name: its place in the message, from 1.
func AttachmentName(n int) string { return fmt.Sprintf("pièce jointe n° %d", n) }

// SchoolInAnotherFile: a school listed in two files of the same message; the second row is
// ignored.
func SchoolInAnotherFile(uai string) string {
	return fmt.Sprintf("L'école %s figure déjà dans un autre fichier de ce message : cette ligne est ignorée.", uai)
}

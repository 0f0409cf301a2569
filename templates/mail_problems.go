package templates

import "fmt"

// What could not be read of a received message (mailparse's Message.Problems), as the reply tells
// the commune: one French sentence each, with its final period.

// The problems of a message's structure.
const (
	MailInternalError = "Une erreur interne est survenue pendant la lecture du message ; il n'a peut-être pas été lu entièrement."
	MailMalformedPart = "Une partie du message est mal formée et n'a pas pu être lue entièrement."
)

// MailTooDeep: parts nested more than maxDepth levels deep were left unread.
func MailTooDeep(maxDepth int) string {
	return fmt.Sprintf("Le message est trop profondément imbriqué (plus de %d niveaux) ; les parties les plus profondes n'ont pas été lues.", maxDepth)
}

// MailTooManyParts: the parts after the first maxParts were left unread.
func MailTooManyParts(maxParts int) string {
	return fmt.Sprintf("Le message contient trop de parties (plus de %d) ; seules les premières ont été lues.", maxParts)
}

// MailPart is an attachment as the problems name it: its file name, already shortened, or when
// it has none its content type ("" when unknown).
type MailPart struct {
	Filename    string
	ContentType string
}

// AttachmentUnknownEncoding: the attachment's Content-Transfer-Encoding, encoding, is unknown.
func AttachmentUnknownEncoding(p MailPart, encoding string) string {
	return fmt.Sprintf("%s utilise un encodage inconnu (« %s ») ; elle est transmise telle quelle et peut être illisible.", p.subject(), encoding)
}

// AttachmentUndecodable: the attachment's encoding could not be undone.
func AttachmentUndecodable(p MailPart) string {
	return fmt.Sprintf("%s n'a pas pu être décodée.", p.subject())
}

// AttachmentTooLarge: the attachment is larger than maxBytes and was not read.
func AttachmentTooLarge(p MailPart, maxBytes int64) string {
	return fmt.Sprintf("%s dépasse la taille maximale de %s ; elle n'a pas été lue.", p.subject(), Size(maxBytes))
}

// subject names the attachment at the start of a sentence.
func (p MailPart) subject() string {
	switch {
	case p.Filename != "":
		return "La pièce jointe « " + p.Filename + " »"
	case p.ContentType != "":
		return "Une pièce jointe sans nom (" + p.ContentType + ")"
	}
	return "Une pièce jointe sans nom"
}

// Why a From field names no single sender (mailparse's Message.FromError), as staff read it in
// the reason of a quarantined message: a French phrase, lower case, without a final period.
const (
	FromMissing        = "le message n'a pas d'expéditeur (champ From vide ou absent)"
	FromUnreadable     = "le champ From n'est pas lisible selon la norme des messages (RFC 5322)"
	FromEmptyGroup     = "le champ From est un groupe vide, sans adresse"
	FromGroup          = "le champ From est un groupe d'adresses au lieu d'une adresse"
	FromInvalidAddress = "l'adresse du champ From n'est pas valide"
)

// FromFields: the message has n From fields.
func FromFields(n int) string { return fmt.Sprintf("le message a %d champs From au lieu d'un", n) }

// FromAddresses: the From field holds n addresses.
func FromAddresses(n int) string {
	return fmt.Sprintf("le champ From contient %d adresses au lieu d'une", n)
}

// FromHiddenAddress: an encoded-word of the From field hides address, which a mail reader
// would show as the sender.
func FromHiddenAddress(address string) string {
	return fmt.Sprintf("le champ From cache l'adresse %s dans un mot encodé (RFC 2047) : un logiciel de messagerie l'afficherait comme expéditeur", address)
}

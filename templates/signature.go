package templates

// Who our own mails come from, and how they are signed.
const (
	// FromName is the display name of the address our mails come from.
	FromName = "Laclasse.com – Métropole de Lyon"
	// Signature ends every mail to a commune.
	Signature = "L'équipe laclasse.com, Métropole de Lyon"
)

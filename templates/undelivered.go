package templates

import "time"

// Undelivered is a mail the SMTP server refused for good, as the Métropole's summary lists it.
type Undelivered struct {
	FailedAt time.Time
	Kind     string // what the mail was, in French (MailKindName)
	To       string // the recipients refused
	Error    string // the server's answer
	// Delivered says the other recipients of the mail got it.
	Delivered bool
}

// mailKindNames says in French what each kind of mail of the outbox is.
var mailKindNames = map[string]string{
	"reply":               "réponse à une commune",
	"acknowledgement":     "accusé de réception d'un message transmis",
	"forward":             "message d'une commune transmis à l'équipe",
	"already_received":    "réponse à un fichier déjà reçu",
	"admin_change_notice": "annonce d'un changement d'administrateur",
	"access_open":         "annonce de l'ouverture d'un accès",
	"digest":              "synthèse quotidienne",
	"weekly":              "point hebdomadaire",
	"reminder":            "rappel à une commune",
	"reminder-unreached":  "communes injoignables pour le rappel",
	"renewal":             "avis de reconduction",
	"renewal-report":      "bilan des reconductions",
	"yearly-update":       "mise à jour annuelle",
	"metropole-reminder":  "rappel à la Métropole",
	"fee-statement":       "état de la redevance",
	"activity-report":     "bilan d'activité",
	"convention-dates":    "échéances des conventions",
}

// MailKindName says in French what a mail of kind is ("reply": "réponse à une commune"); an
// unknown kind is returned as it is.
func MailKindName(kind string) string {
	if n, ok := mailKindNames[kind]; ok {
		return n
	}
	return kind
}

package convention

import "time"

// RequestState is where a received message stands. A message is claimed before anything else
// happens to it; one transaction then decides it; the move to its folder comes last.
type RequestState string

const (
	StateClaimed   RequestState = "claimed"   // seen and stored, not yet decided
	StateApplied   RequestState = "applied"   // a commune's list, applied (some rows may be refused)
	StateRefused   RequestState = "refused"   // a commune's message that changed nothing: no readable list, every row refused
	StateRejected  RequestState = "rejected"  // not from a declared commune: quarantined, never applied, never answered
	StateDuplicate RequestState = "duplicate" // seen before (same Message-ID, or same files from the same commune)
	StateIgnored   RequestState = "ignored"   // an automatic message (out-of-office, bounce): never answered
	// StateHeld is a commune's list applied but for its removals, which would take out too many
	// of the commune's schools: they wait for staff to confirm or drop them (HoldRule).
	StateHeld RequestState = "held"
	// StateForwarded is a person's message with no list that answers one of our mails: it went
	// to the Métropole's staff, and the commune was told so.
	StateForwarded RequestState = "forwarded"
	// StateReverted is a list staff undid (`intaked revert`): what it changed that was still in
	// effect was put back, and the commune was told.
	StateReverted RequestState = "reverted"
)

// RequestKind says what a commune's list is, by the convention's calendar.
type RequestKind string

const (
	// KindAdhesion is a first list: the commune joins.
	KindAdhesion RequestKind = "adhesion"
	// KindAddition is a list sent outside the yearly campaign: "une commune peut ajouter une école
	// à tout moment".
	KindAddition RequestKind = "addition"
	// KindYearly is the list for next school year, received during the campaign.
	KindYearly RequestKind = "yearly"
)

// AttachmentRecord is what a request keeps of each file it carried.
type AttachmentRecord struct {
	Filename    string
	ContentType string
	Format      string // the spreadsheet format read, "" if not a spreadsheet
	SHA256      string
	Size        int
	Error       string // why it could not be read, in French; "" if read
}

// Decision is what handling a message decided, written in one transaction with the changes it
// makes and the mail it sends.
type Decision struct {
	State     RequestState
	Target    string // the mailbox the message goes to
	Commune   string // "" when the sender is not a declared commune
	MessageID string
	Sender    string
	Subject   string
	Reason    string // for the Métropole's summary, in French
	Kind      RequestKind
	// FullList says the list was the commune's whole list for next year (a yearly list without
	// an action column): a corrected list must be sent again whole, not its corrected rows only.
	FullList bool

	Attachments []AttachmentRecord
	Problems    []Problem
	Changes     []Change
	Contacts    *CommuneContacts // the commune's contacts, when the list gave them
	Outgoing    []OutgoingMail
	// OfficialNames are the names the national directory gives the schools of the list, by
	// UAI: the registry keeps them next to the commune's own label.
	OfficialNames map[string]string
}

// OutgoingMail is a mail ready to go, kept in the outbox until the SMTP server takes it.
type OutgoingMail struct {
	ID       int64
	Kind     string // reply, digest, reminder…
	From     string
	To       []string
	Data     []byte // the whole RFC 5322 message
	Attempts int
	Created  time.Time
}

// TaskKind is what the directory of laclasse.com must be told.
type TaskKind string

const (
	TaskActivate    TaskKind = "activate"     // open the school and its administrator's account
	TaskChangeAdmin TaskKind = "change_admin" // give the new administrator the rights, take them from the old
	TaskRemove      TaskKind = "remove"       // take the administrators' rights on a removed school
	// TaskUpdateAdmin carries the same administrator's new details (names as spelt, phone) to
	// their account: no rights given or taken, no access opened.
	TaskUpdateAdmin TaskKind = "update_admin"
)

// OpensAccess reports whether the directory's confirmation of a task of kind k opens the
// school's access ("a school never shows active unless the API confirmed it"): an activation or
// a change of administrator does; a removal or an update of details does not.
func (k TaskKind) OpensAccess() bool { return k == TaskActivate || k == TaskChangeAdmin }

// Task is work for laclasse.com's directory, queued with the change that calls for it.
type Task struct {
	ID       int64
	Kind     TaskKind
	School   School
	Before   *Contact // the administrator replaced, for change_admin
	Attempts int
}

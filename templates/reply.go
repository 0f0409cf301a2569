package templates

import "time"

// SchoolLine is a school as a mail lists it.
type SchoolLine struct {
	UAI     string
	Name    string
	Admin   string // "Prénom Nom (fonction), email, téléphone"
	Before  string // the previous administrator, for a change
	DueAt   time.Time
	When    time.Time // removal date
	Derived bool      // deduced from a full list
	Where   string    // "feuille « Écoles », ligne 7"
}

// ProblemLine is a refused row or a warning, located for the commune.
type ProblemLine struct {
	File    string
	Sheet   string
	Row     int
	Column  string
	Message string
}

// FileLine is one attachment as the reply describes it.
type FileLine struct {
	Name   string
	Format string
	Error  string
}

// Reply is what the answer to a commune's message says.
type Reply struct {
	Commune    string
	Subject    string // the subject of the commune's message
	SchoolYear string // set for a yearly list: the school year it prepares
	ReceivedAt time.Time
	Files      []FileLine
	// NoList is set when no spreadsheet could be read; TNEF when the attachments came hidden
	// in a winmail.dat.
	NoList    bool
	TNEF      bool
	MailNotes []string // what could not be read in the message itself
	Added     []SchoolLine
	Changed   []SchoolLine
	Removed   []SchoolLine
	Restored  []SchoolLine
	Unchanged []SchoolLine
	Refused   []ProblemLine
	Warnings  []ProblemLine
	DueAt     time.Time // the latest date by which access opens for the schools added
	// TechnicalReferent and ProjectLead are the commune's contacts the list gave, described.
	TechnicalReferent string
	ProjectLead       string
	Signature         string
}

// RenderReply renders the answer to a commune.
func RenderReply(r Reply) (Rendered, error) { return render("reply", r) }

// DigestRequest is a request as the Métropole's summary lists it.
type DigestRequest struct {
	ReceivedAt time.Time
	Commune    string
	Sender     string
	Subject    string
	Outcome    string // in French
	Changes    int
	Errors     int
}

// DigestSchool is an activation the Métropole must do.
type DigestSchool struct {
	Commune  string
	UAI      string
	Name     string
	Admin    string
	DueAt    time.Time
	DaysLeft int
}

// Digest is the Métropole's daily summary.
type Digest struct {
	From, To    time.Time
	Applied     []DigestRequest
	Refused     []DigestRequest
	Quarantined []DigestRequest
	Ignored     []DigestRequest
	DueSoon     []DigestSchool
	Overdue     []DigestSchool
	// ToCreate lists, without the provisioner, every account to open by hand in laclasse.com.
	ToCreate []DigestSchool
	// Refusals lists the work laclasse.com's directory refused, with its message.
	Refusals []Refusal
}

// Refusal is a task the directory refused.
type Refusal struct {
	Commune, UAI, Name, Kind, Error string
}

// Empty reports whether the digest has nothing to say.
func (d Digest) Empty() bool {
	return len(d.Applied)+len(d.Refused)+len(d.Quarantined)+len(d.Ignored)+len(d.DueSoon)+len(d.Overdue)+len(d.Refusals) == 0
}

// RenderDigest renders the Métropole's daily summary.
func RenderDigest(d Digest) (Rendered, error) { return render("digest", d) }

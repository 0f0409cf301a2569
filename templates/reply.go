package templates

import (
	"fmt"
	"time"
)

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

// Where locates a row of a list for the commune: "feuille « Écoles », ligne 7", or for a csv
// file, which has no sheets, "fichier « ecoles.csv », ligne 7". Row 0 locates nothing.
func Where(sheet string, row int, csv bool) string {
	if row == 0 {
		return ""
	}
	if csv {
		return fmt.Sprintf("fichier « %s », ligne %d", sheet, row)
	}
	return fmt.Sprintf("feuille « %s », ligne %d", sheet, row)
}

// ProblemLine is a refused row or a warning, located for the commune. Sheet is "" for a csv
// file, which has none: the row is then the file's ("fichier « x.csv », ligne 12").
type ProblemLine struct {
	File    string
	Sheet   string
	Row     int
	Column  string
	Message string
	// UAI and School name the row's school where they could be read.
	UAI    string
	School string
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
	// Held are the removals that wait for staff (the list would remove HeldCount of the
	// commune's HeldOf schools), the first MaxSchoolLines of them.
	Held      []SchoolLine
	HeldCount int
	HeldOf    int
	HeldMore  int // held removals not listed
	Restored  []SchoolLine
	Unchanged []SchoolLine
	Refused   []ProblemLine
	// ResendWhole says the refused rows belong to a full list (the yearly list without an action
	// column), which must be sent again whole once corrected; otherwise only the corrected rows.
	ResendWhole bool
	Warnings    []ProblemLine
	DueAt       time.Time // the latest date by which access opens for the schools added
	// TechnicalReferent and ProjectLead are the commune's contacts the list gave, described.
	TechnicalReferent string
	ProjectLead       string
	Signature         string
	// Prefilled are the schools the model attached to a reply without a list holds: the
	// commune's open public schools, from the national directory, for a first message.
	Prefilled []SchoolLine
	// Omitted counts, section by section, the lines the reply does not list: it lists the first
	// MaxRefusedLines refused rows, MaxWarningLines warnings and MaxSchoolLines schools of each
	// kind, then says how many more there are. RenderReply fills it.
	Omitted Omitted
	// RefusedFile names the spreadsheet attached with every refused row, when they are not all
	// listed.
	RefusedFile string
}

// Omitted counts the lines of each section of a reply that it does not list.
type Omitted struct {
	Added, Changed, Removed, Restored, Unchanged, Refused, Warnings int
}

// What one reply lists at most: a list of 20,000 bad rows gets the first hundred, a count of
// the rest and the whole list in a spreadsheet, not a mail of a hundred megabytes.
const (
	MaxRefusedLines = 100
	MaxWarningLines = 100
	MaxSchoolLines  = 500
)

// RefusedRowsFilename is the name of the spreadsheet listing every refused row.
const RefusedRowsFilename = "lignes-refusees.xlsx"

// Truncated reports whether the reply cannot list every refused row, and so must attach them.
func (r Reply) Truncated() bool { return len(r.Refused) > MaxRefusedLines }

// bound keeps the first lines of each section and counts the others in Omitted.
func (r Reply) bound() Reply {
	cut := func(lines []SchoolLine, omitted *int) []SchoolLine {
		if len(lines) <= MaxSchoolLines {
			return lines
		}
		*omitted += len(lines) - MaxSchoolLines
		return lines[:MaxSchoolLines]
	}
	cutProblems := func(lines []ProblemLine, max int, omitted *int) []ProblemLine {
		if len(lines) <= max {
			return lines
		}
		*omitted += len(lines) - max
		return lines[:max]
	}
	r.Added = cut(r.Added, &r.Omitted.Added)
	r.Changed = cut(r.Changed, &r.Omitted.Changed)
	r.Removed = cut(r.Removed, &r.Omitted.Removed)
	r.Restored = cut(r.Restored, &r.Omitted.Restored)
	r.Unchanged = cut(r.Unchanged, &r.Omitted.Unchanged)
	r.Refused = cutProblems(r.Refused, MaxRefusedLines, &r.Omitted.Refused)
	r.Warnings = cutProblems(r.Warnings, MaxWarningLines, &r.Omitted.Warnings)
	return r
}

// RenderReply renders the answer to a commune, listing at most the first lines of each section
// (see MaxRefusedLines) and counting the others.
func RenderReply(r Reply) (Rendered, error) { return render("reply", r.bound()) }

// DigestRequest is a request as the Métropole's summary lists it.
type DigestRequest struct {
	ID         int64 // the request's number, as `intaked requests` shows it
	ReceivedAt time.Time
	Commune    string
	Sender     string
	Subject    string
	Outcome    string // in French
	Changes    int
	// Details counts the administrators whose details only were updated (the same person:
	// not a change of administrator), apart from Changes.
	Details int
	Errors  int
	// Withheld lists the addresses that got no automatic reply, having had too many in a day.
	Withheld []string
	// Text is an excerpt of what the person wrote, for a message with no list.
	Text string
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
	// Forwarded lists the messages without a list that answered one of our mails and went to
	// staff when they came.
	Forwarded []DigestRequest
	DueSoon   []DigestSchool
	Overdue   []DigestSchool
	// ToCreate lists, without the provisioner, every account to open by hand in laclasse.com.
	ToCreate []DigestSchool
	// Refusals lists the work laclasse.com's directory refused, with its message.
	Refusals []Refusal
	// Undelivered lists the mails the SMTP server refused for good since the previous summary.
	Undelivered []Undelivered
	// RepliesWithheld lists the requests decided without an automatic reply to some address,
	// which had had too many of them within 24 hours (a robot looping with us, most likely).
	RepliesWithheld []DigestRequest
	// AccessOpened counts the "accès ouvert" mails queued since the previous summary: the
	// schools whose access opened.
	AccessOpened int
	// Held lists every request whose removals still wait for staff, however old.
	Held []DigestHeld
	// Removals lists the removals scheduled over the period, still to take effect.
	Removals []DigestRemoval
	// Rights lists the changes of administrator for laclasse.com's directory: to make by hand
	// (no provisioner), or made or pending by the provisioner.
	Rights []DigestRights
	// DirectoryFailure is set when a new file of the national directory of schools was refused
	// since the previous summary; DirectoryWarnings lists the schools accepted with its warning.
	DirectoryFailure  *DirectoryFailure
	DirectoryWarnings []DirectoryWarning
}

// DigestHeld is a request whose removals wait for staff: `intaked confirm ID` applies them,
// `intaked confirm --drop ID` keeps the schools.
type DigestHeld struct {
	RequestID  int64
	Commune    string
	ReceivedAt time.Time
	RemoveAt   time.Time // when the removals take effect if confirmed now
	Schools    []string  // "UAI Nom"
}

// DigestRemoval is a school whose removal request RequestID scheduled for RemoveAt.
type DigestRemoval struct {
	Commune, UAI, Name string
	RequestID          int64
	RemoveAt           time.Time
}

// Refusal is a task the directory refused.
type Refusal struct {
	Commune, UAI, Name, Kind, Error string
}

// Empty reports whether the digest has nothing to say.
func (d Digest) Empty() bool {
	return len(d.Applied)+len(d.Refused)+len(d.Quarantined)+len(d.Ignored)+len(d.Forwarded)+len(d.DueSoon)+len(d.Overdue)+len(d.Refusals)+len(d.RepliesWithheld)+len(d.Undelivered)+d.AccessOpened+len(d.Held)+len(d.Removals)+len(d.Rights)+len(d.DirectoryWarnings) == 0 && d.DirectoryFailure == nil
}

// RenderDigest renders the Métropole's daily summary.
func RenderDigest(d Digest) (Rendered, error) { return render("digest", d) }

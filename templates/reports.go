package templates

import "time"

// FeeCommune is one commune's line in the fee statement.
type FeeCommune struct {
	Name      string
	INSEE     string
	Schools   int
	AmountEUR int
}

// FeeStatement tells the treasurer what each commune owes for a school year; the detail is in
// the attached spreadsheet.
type FeeStatement struct {
	SchoolYear   string // 2026-2027
	PerSchoolEUR int
	Communes     []FeeCommune
	TotalEUR     int
}

// RenderFeeStatement renders the fee statement's mail to the treasurer.
func RenderFeeStatement(f FeeStatement) (Rendered, error) { return render("fee_statement", f) }

// ActivityReport carries the follow-up committee's report on a school year; the detail, with
// its charts, is in the attached spreadsheet.
type ActivityReport struct {
	SchoolYear string
	// Paragraphs is the report's summary, one paragraph each.
	Paragraphs []string
}

// RenderActivityReport renders the activity report's mail to the Métropole.
func RenderActivityReport(a ActivityReport) (Rendered, error) { return render("activity_report", a) }

// The kinds of ConventionNote.
const (
	// NoteRemoved: a school was removed on the day its commune's convention ended.
	NoteRemoved = "removed"
	// NoteEnds: a convention ends in a month, after a notice.
	NoteEnds = "ends"
	// NoteAnniversary: a convention's notice deadline is in a month.
	NoteAnniversary = "anniversary"
)

// ConventionNote is one of the conventions' dates the Métropole is reminded of.
type ConventionNote struct {
	Kind    string // NoteRemoved, NoteEnds or NoteAnniversary
	Commune string
	// UAI and School name the school removed (NoteRemoved).
	UAI    string
	School string
	// At is the day the convention ends (NoteEnds) or its anniversary (NoteAnniversary).
	At time.Time
	// NoticeReceived is when the notice ending it was received (NoteEnds).
	NoticeReceived time.Time
	// Deadline is the last day a notice can be received to end it at At (NoteAnniversary).
	Deadline time.Time
}

// ConventionDates reminds the Métropole of the conventions' coming dates and of the schools
// removed because a convention ended.
type ConventionDates struct {
	Notes []ConventionNote
}

// RenderConventionDates renders the conventions' dates reminder.
func RenderConventionDates(d ConventionDates) (Rendered, error) {
	return render("convention_dates", d)
}

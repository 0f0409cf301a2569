package templates

import "time"

// Reminder asks a commune for its yearly list before the deadline.
type Reminder struct {
	Commune    string
	SchoolYear string    // the year the list prepares: 2027-2028
	Deadline   time.Time // the last day to send it (the day before the renewal)
	Renewal    time.Time // the renewal by default
	Schools    []SchoolLine
	Signature  string
}

// RenderReminder renders the yearly reminder to a commune.
func RenderReminder(r Reminder) (Rendered, error) { return render("reminder", r) }

// RenewalNotice tells a commune its list was renewed by default.
type RenewalNotice struct {
	Commune    string
	SchoolYear string
	At         time.Time
	Schools    []SchoolLine
	Signature  string
}

// RenderRenewalNotice renders the notice of a renewal by default, to the commune.
func RenderRenewalNotice(r RenewalNotice) (Rendered, error) { return render("renewal_commune", r) }

// RenewedCommune is a commune renewed by default, for the Métropole.
type RenewedCommune struct {
	Name    string
	Schools int
}

// RenewalReport tells the Métropole which communes were renewed by default, and which sent
// their list.
type RenewalReport struct {
	SchoolYear string
	At         time.Time
	Renewed    []RenewedCommune
	Sent       []string
	// Unreached names the communes renewed whose notice went to nobody: no contact, no address
	// that sent a list, no declared address. The Métropole tells them itself.
	Unreached []string
}

// RenderRenewalReport renders the renewal report to the Métropole.
func RenderRenewalReport(r RenewalReport) (Rendered, error) { return render("renewal_metropole", r) }

// YearlyUpdate tells the Métropole what the yearly update did.
type YearlyUpdate struct {
	At      time.Time
	Removed []DigestSchool
}

// RenderYearlyUpdate renders the yearly update's report.
func RenderYearlyUpdate(r YearlyUpdate) (Rendered, error) { return render("yearly_update", r) }

// ChangeLine is a change of administrator for the Métropole.
type ChangeLine struct {
	Commune string
	UAI     string
	Name    string
	Admin   string
	At      time.Time
}

// MetropoleReminder lists what the Métropole still has to apply before 20 August.
type MetropoleReminder struct {
	Deadline     time.Time
	Pending      []DigestSchool
	AdminChanges []ChangeLine
	Removed      []DigestSchool
}

// Empty reports whether nothing is left to apply.
func (r MetropoleReminder) Empty() bool {
	return len(r.Pending)+len(r.AdminChanges)+len(r.Removed) == 0
}

// RenderMetropoleReminder renders the August reminder.
func RenderMetropoleReminder(r MetropoleReminder) (Rendered, error) {
	return render("metropole_reminder", r)
}

// CommuneOverview is one commune in the weekly overview.
type CommuneOverview struct {
	Name       string
	Active     int
	Pending    int
	Overdue    int
	Removing   int
	LastListAt time.Time
}

// Weekly is the Métropole's weekly overview.
type Weekly struct {
	From, To    time.Time
	Communes    []CommuneOverview
	Requests    int
	Applied     int
	Quarantined int
	Upcoming    []string // the calendar's next dates, in French
	// Closing lists the registered schools the national directory says close, or no longer
	// lists: a closed school must not keep being billed.
	Closing []DirectoryWatched
	// Elsewhere lists the registered schools the directory places in another commune than the
	// one they are registered for (listed before the directory was checked).
	Elsewhere []DirectoryWatched
}

// RenderWeekly renders the weekly overview.
func RenderWeekly(w Weekly) (Rendered, error) { return render("weekly", w) }

// The convention's dates, as the weekly overview names them (Weekly.Upcoming).
const (
	DateCampaignOpens = "ouverture de la campagne annuelle"
	DateRenewal       = "reconduction par défaut des listes non transmises"
	DateYearlyUpdate  = "mise à jour annuelle (radiations)"
	DateApplyDeadline = "date limite d'application des changements par la Métropole"
)

// UpcomingDate writes one of the convention's next dates for the weekly overview:
// "20 juin 2026 : reconduction par défaut des listes non transmises".
func UpcomingDate(at time.Time, what string) string { return FrenchDate(at) + " : " + what }

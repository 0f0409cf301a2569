package convention

import (
	"fmt"
	"time"
)

// MonthDay is a yearly date, written "MM-DD".
type MonthDay struct {
	Month time.Month
	Day   int
}

// ParseMonthDay reads "MM-DD".
func ParseMonthDay(s string) (MonthDay, error) {
	var m, d int
	if _, err := fmt.Sscanf(s, "%02d-%02d", &m, &d); err != nil || len(s) != 5 {
		return MonthDay{}, fmt.Errorf("%q is not MM-DD", s)
	}
	if m < 1 || m > 12 || d < 1 || d > 31 || time.Date(2001, time.Month(m), d, 0, 0, 0, 0, time.UTC).Month() != time.Month(m) {
		return MonthDay{}, fmt.Errorf("%q is not a date", s)
	}
	return MonthDay{time.Month(m), d}, nil
}

func (md MonthDay) String() string { return fmt.Sprintf("%02d-%02d", int(md.Month), md.Day) }

// In returns the date at midnight in year y.
func (md MonthDay) In(y int, loc *time.Location) time.Time {
	return time.Date(y, md.Month, md.Day, 0, 0, 0, 0, loc)
}

// Before reports whether md falls before o in a calendar year.
func (md MonthDay) Before(o MonthDay) bool {
	return md.Month < o.Month || md.Month == o.Month && md.Day < o.Day
}

// Calendar holds the convention's yearly dates, in the Métropole's time zone.
//
// "Chaque année, avant le 20 juin, la commune transmet les modifications [...] La Métropole les
// applique avant le 20 août. À défaut de transmission, la liste de l'année précédente est
// reconduite."
type Calendar struct {
	Location *time.Location
	// CampaignStart opens the yearly campaign (default 1 May).
	CampaignStart MonthDay
	// Renewal closes it: a list must come before that day, and on that day a commune that sent
	// none has its list renewed by default (default 20 June).
	Renewal MonthDay
	// YearlyUpdate is when removals take effect (default 1 July; before 20 August).
	YearlyUpdate MonthDay
	// Hold says when a list's removals wait for staff.
	Hold HoldRule
}

// DefaultCalendar returns the convention's dates.
func DefaultCalendar(loc *time.Location) Calendar {
	return Calendar{Location: loc, CampaignStart: MonthDay{time.May, 1}, Renewal: MonthDay{time.June, 20}, YearlyUpdate: MonthDay{time.July, 1}}
}

// ApplyDeadline is the day before which the Métropole applies the yearly changes.
var ApplyDeadline = MonthDay{time.August, 20}

// Campaign returns the yearly campaign of year y: [start, end).
func (c Calendar) Campaign(y int) (start, end time.Time) {
	return c.CampaignStart.In(y, c.Location), c.Renewal.In(y, c.Location)
}

// InCampaign reports whether t falls in that year's campaign.
func (c Calendar) InCampaign(t time.Time) bool {
	start, end := c.Campaign(t.In(c.Location).Year())
	return !t.Before(start) && t.Before(end)
}

// RepeatsSince returns since when an earlier list makes a new message carrying the same files
// a repeat of it (the zero time: any earlier list). A list received in the yearly campaign is
// the commune's list for the next school year, so last year's file sent again once the
// campaign opened is this year's list ("Nous n'avons pas de changement"), not a repeat of last
// year's; within one campaign, and outside the campaign, the same files are a repeat.
func (c Calendar) RepeatsSince(receivedAt time.Time) time.Time {
	if !c.InCampaign(receivedAt) {
		return time.Time{}
	}
	start, _ := c.Campaign(receivedAt.In(c.Location).Year())
	return start
}

// NextYearlyUpdate returns the first yearly update strictly after t.
func (c Calendar) NextYearlyUpdate(t time.Time) time.Time {
	return NextYearlyUpdate(t, c.YearlyUpdate.Month, c.YearlyUpdate.Day, c.Location)
}

// RemovalDate returns when a removal asked for by a list received at receivedAt takes effect,
// decided at decidedAt (the receipt itself, or the day staff confirm a held removal): the
// yearly update after the receipt, or the next one if that has passed by decidedAt. The reply,
// `schools` and the digest all show this date.
func (c Calendar) RemovalDate(receivedAt, decidedAt time.Time) time.Time {
	u := c.NextYearlyUpdate(receivedAt)
	if !u.After(decidedAt) {
		u = c.NextYearlyUpdate(decidedAt)
	}
	return u
}

// RemovalDay is how a removal date reads to a person: its day in the Métropole's time zone,
// "01/07/2027", wherever it is shown.
func (c Calendar) RemovalDay(t time.Time) string {
	return t.In(c.Location).Format("02/01/2006")
}

// SchoolYear returns the school year (1 September to 31 August) that t falls in: "2026-2027".
func SchoolYear(t time.Time, loc *time.Location) string {
	lt := t.In(loc)
	y := lt.Year()
	if lt.Month() < time.September {
		y--
	}
	return fmt.Sprintf("%d-%d", y, y+1)
}

// NextSchoolYear returns the school year a yearly campaign in t's year prepares: "2027-2028" for
// June 2027.
func NextSchoolYear(t time.Time, loc *time.Location) string {
	y := t.In(loc).Year()
	return fmt.Sprintf("%d-%d", y, y+1)
}

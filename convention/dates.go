package convention

import "time"

// Convention is a commune's convention, as its dates stand: "La présente convention prend effet à
// compter de sa notification pour une durée d'un an. Elle est renouvelable par tacite
// reconduction [...] Elle peut être dénoncée à la date anniversaire par lettre recommandée avec
// accusé de réception, en respectant un préavis de trois mois."
type Convention struct {
	// Start is the notification of the convention.
	Start time.Time
	// NoticeReceived is when the registered letter ending it was received, nil if none was.
	NoticeReceived *time.Time
}

// TerminatesAt returns the anniversary the convention ends at, and false when no notice was
// received: it then renews itself each year.
func (c Convention) TerminatesAt() (time.Time, bool) {
	if c.NoticeReceived == nil {
		return time.Time{}, false
	}
	return TerminationDate(c.Start, *c.NoticeReceived), true
}

// The conventions' dates are days: they fall at midnight, in the time zone of the convention's
// start. A period of years or months ends on the day of the same number, or, when that month has
// no such day, on its last day (Code de procédure civile, article 641): a convention notified on
// 29 February 2028 has its anniversaries on 28 February in common years and on 29 February in
// leap years.

// addMonths returns the day months after (or before) the day of t, at midnight in t's time zone,
// on the last day of the month when it has no day of that number.
func addMonths(t time.Time, months int) time.Time {
	first := time.Date(t.Year(), t.Month()+time.Month(months), 1, 0, 0, 0, 0, t.Location())
	lastOfMonth := first.AddDate(0, 1, -1).Day()
	return time.Date(first.Year(), first.Month(), min(t.Day(), lastOfMonth), 0, 0, 0, 0, t.Location())
}

// anniversary returns the n-th anniversary of start, counted from start's day (not from the
// previous anniversary, so that 29 February comes back in leap years).
func anniversary(start time.Time, n int) time.Time { return addMonths(start, 12*n) }

// NextAnniversary returns the first anniversary of start strictly after now. The convention runs
// from one anniversary to the next: from the midnight that begins an anniversary day, a new year
// has begun and the next anniversary is a year away; until then (the day before at 23:59), it is
// that day. Before the first anniversary, it is the first; start itself is never returned.
func NextAnniversary(start, now time.Time) time.Time {
	n := max(1, now.In(start.Location()).Year()-start.Year())
	a := anniversary(start, n)
	for !a.After(now) {
		n++
		a = anniversary(start, n)
	}
	return a
}

// NoticeDeadline returns the last day a notice can be received to end the convention at anniv:
// three months before it, on the day of the same number (or the month's last day), included. A
// letter received at any time of that day is in time; one received the next day is not, and the
// convention then runs another year. For anniversaries on 15 March the deadline is 15 December;
// on 31 May, the last day of February. The day is returned at midnight in anniv's time zone.
func NoticeDeadline(anniv time.Time) time.Time { return addMonths(anniv, -3) }

// inTime reports whether a notice received at received is in time to end the convention at anniv.
func inTime(anniv, received time.Time) bool {
	deadline := NoticeDeadline(anniv)
	return received.Before(deadline.AddDate(0, 0, 1))
}

// TerminationDate returns the anniversary a convention started at start ends at, given a notice
// received at noticeReceived: the next anniversary (NextAnniversary) if the notice came by its
// deadline (NoticeDeadline), that is with three months' notice; otherwise the anniversary after,
// the convention running another year "as the convention says".
func TerminationDate(start, noticeReceived time.Time) time.Time {
	a := NextAnniversary(start, noticeReceived)
	if inTime(a, noticeReceived) {
		return a
	}
	return NextAnniversary(start, a)
}

// DaysLeft counts the calendar days in loc from now to due, the school's last day to open access
// "dans les deux semaines suivant la réception du document": 0 on that day itself, 1 the day
// before, negative once it has passed. A school due at 00:30 has 1 day left at 23:30 the evening
// before, though only an hour remains: staff read days, not hours. Every place that shows the days
// left (the pending command, the digest) counts them here, so that they never disagree.
func DaysLeft(now, due time.Time, loc *time.Location) int {
	a, b := now.In(loc), due.In(loc)
	da := time.Date(a.Year(), a.Month(), a.Day(), 0, 0, 0, 0, time.UTC)
	db := time.Date(b.Year(), b.Month(), b.Day(), 0, 0, 0, 0, time.UTC)
	return int(db.Sub(da).Hours() / 24)
}

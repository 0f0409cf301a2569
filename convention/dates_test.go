package convention

import (
	"testing"
	"time"
)

func TestNextAnniversary(t *testing.T) {
	for _, tc := range []struct {
		name       string
		start, now time.Time
		want       time.Time
	}{
		{"DuringTheFirstYear", parisAt(2025, 3, 15), parisAt(2025, 6, 1), parisAt(2026, 3, 15)},
		{"BeforeTheStart", parisAt(2025, 3, 15), parisAt(2025, 1, 1), parisAt(2026, 3, 15)},
		{"OnTheStart", parisAt(2025, 3, 15), parisAt(2025, 3, 15), parisAt(2026, 3, 15)},
		{"TheEveOfTheAnniversary", parisAt(2025, 3, 15), parisAt(2026, 3, 14, 23, 59), parisAt(2026, 3, 15)},
		{"TheAnniversarysMidnight", parisAt(2025, 3, 15), parisAt(2026, 3, 15), parisAt(2027, 3, 15)},
		{"TheAnniversaryDay", parisAt(2025, 3, 15), parisAt(2026, 3, 15, 10), parisAt(2027, 3, 15)},
		{"YearsLater", parisAt(2025, 3, 15), parisAt(2031, 7, 1), parisAt(2032, 3, 15)},
		{"StartTimeOfDayIgnored", parisAt(2025, 3, 15, 16, 30), parisAt(2026, 3, 15, 12), parisAt(2027, 3, 15)},
		{"LeapStartInACommonYear", parisAt(2024, 2, 29), parisAt(2024, 6, 1), parisAt(2025, 2, 28)},
		{"LeapStartTheDayAfter", parisAt(2024, 2, 29), parisAt(2025, 2, 28, 12), parisAt(2026, 2, 28)},
		{"LeapStartBackInALeapYear", parisAt(2024, 2, 29), parisAt(2027, 3, 1), parisAt(2028, 2, 29)},
		{"NowInUTC", parisAt(2025, 3, 15), time.Date(2026, 3, 14, 23, 30, 0, 0, time.UTC), parisAt(2027, 3, 15)}, // 00:30 in Paris
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := NextAnniversary(tc.start, tc.now); !got.Equal(tc.want) {
				t.Errorf("NextAnniversary(%v, %v) = %v, want %v", tc.start, tc.now, got, tc.want)
			}
		})
	}
}

func TestNoticeDeadline(t *testing.T) {
	for _, tc := range []struct {
		name        string
		anniv, want time.Time
	}{
		{"SameDay", parisAt(2026, 3, 15), parisAt(2025, 12, 15)},
		{"AcrossTheYear", parisAt(2026, 1, 10), parisAt(2025, 10, 10)},
		{"EndOfMonth", parisAt(2026, 3, 31), parisAt(2025, 12, 31)},
		{"NoThirtyFirstInFebruary", parisAt(2026, 5, 31), parisAt(2026, 2, 28)},
		{"NoThirtyFirstInALeapFebruary", parisAt(2028, 5, 31), parisAt(2028, 2, 29)},
		{"NoThirtyFirstInSeptember", parisAt(2026, 12, 31), parisAt(2026, 9, 30)},
		{"CommonYearAnniversaryOfALeapStart", parisAt(2025, 2, 28), parisAt(2024, 11, 28)},
		{"LeapAnniversary", parisAt(2028, 2, 29), parisAt(2027, 11, 29)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := NoticeDeadline(tc.anniv); !got.Equal(tc.want) {
				t.Errorf("NoticeDeadline(%v) = %v, want %v", tc.anniv, got, tc.want)
			}
		})
	}
}

func TestTerminationDate(t *testing.T) {
	for _, tc := range []struct {
		name          string
		start, notice time.Time
		want          time.Time
	}{
		{"WellAhead", parisAt(2025, 3, 15), parisAt(2025, 9, 1), parisAt(2026, 3, 15)},
		{"ExactlyOnTheDeadline", parisAt(2025, 3, 15), parisAt(2025, 12, 15, 10), parisAt(2026, 3, 15)},
		{"TheDeadlinesLastMinute", parisAt(2025, 3, 15), parisAt(2025, 12, 15, 23, 59), parisAt(2026, 3, 15)},
		{"OneDayLate", parisAt(2025, 3, 15), parisAt(2025, 12, 16), parisAt(2027, 3, 15)},
		{"LateInParisThoughNotInUTC", parisAt(2025, 3, 15), time.Date(2025, 12, 15, 23, 30, 0, 0, time.UTC), parisAt(2027, 3, 15)},
		{"OnTheAnniversaryDay", parisAt(2025, 3, 15), parisAt(2026, 3, 15, 9), parisAt(2027, 3, 15)},
		{"TheEveOfTheAnniversary", parisAt(2025, 3, 15), parisAt(2026, 3, 14), parisAt(2027, 3, 15)},
		{"RightAfterTheStart", parisAt(2025, 3, 15), parisAt(2025, 3, 20), parisAt(2026, 3, 15)},
		{"LaterYear", parisAt(2025, 3, 15), parisAt(2028, 12, 1), parisAt(2029, 3, 15)},
		{"LeapStartOnTheDeadline", parisAt(2024, 2, 29), parisAt(2024, 11, 28, 18), parisAt(2025, 2, 28)},
		{"LeapStartOneDayLate", parisAt(2024, 2, 29), parisAt(2024, 11, 29), parisAt(2026, 2, 28)},
		{"LeapStartToALeapAnniversary", parisAt(2024, 2, 29), parisAt(2027, 11, 29), parisAt(2028, 2, 29)},
		{"LeapStartOneDayLateForALeapAnniversary", parisAt(2024, 2, 29), parisAt(2027, 11, 30), parisAt(2029, 2, 28)},
		{"ThirtyFirstOnTheLastDayOfFebruary", parisAt(2025, 5, 31), parisAt(2026, 2, 28, 17), parisAt(2026, 5, 31)},
		{"ThirtyFirstOnTheFirstOfMarch", parisAt(2025, 5, 31), parisAt(2026, 3, 1), parisAt(2027, 5, 31)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := TerminationDate(tc.start, tc.notice); !got.Equal(tc.want) {
				t.Errorf("TerminationDate(%v, %v) = %v, want %v", tc.start, tc.notice, got, tc.want)
			}
		})
	}
}

func TestConventionTerminatesAt(t *testing.T) {
	for _, tc := range []struct {
		name string
		c    Convention
		want time.Time
		ok   bool
	}{
		{"NoNotice", Convention{Start: parisAt(2025, 3, 15)}, time.Time{}, false},
		{"InTime", Convention{Start: parisAt(2025, 3, 15), NoticeReceived: timePtr(parisAt(2025, 12, 15))}, parisAt(2026, 3, 15), true},
		{"Late", Convention{Start: parisAt(2025, 3, 15), NoticeReceived: timePtr(parisAt(2025, 12, 16))}, parisAt(2027, 3, 15), true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := tc.c.TerminatesAt()
			if ok != tc.ok || !got.Equal(tc.want) {
				t.Errorf("TerminatesAt() = %v, %v; want %v, %v", got, ok, tc.want, tc.ok)
			}
		})
	}
}

// parisAt is a time in Paris: parisAt(2026, 3, 10, 9) is 10 March 2026 at 09:00.
func parisAt(y int, m time.Month, d int, hm ...int) time.Time {
	h, mi := 0, 0
	if len(hm) > 0 {
		h = hm[0]
	}
	if len(hm) > 1 {
		mi = hm[1]
	}
	return time.Date(y, m, d, h, mi, 0, 0, parisZone)
}

// parisZone is the Métropole's time zone.
var parisZone = func() *time.Location {
	loc, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		panic(err)
	}
	return loc
}()

func timePtr(t time.Time) *time.Time { return &t }

func TestDaysLeft(t *testing.T) {
	for _, tc := range []struct {
		name     string
		now, due time.Time
		want     int
	}{
		{"TheEveningBeforeAnEarlyDue", parisAt(2026, 3, 9, 23, 30), parisAt(2026, 3, 10, 0, 30), 1},
		{"TheDueDay", parisAt(2026, 3, 10, 0, 10), parisAt(2026, 3, 10, 0, 30), 0},
		{"TheDayAfter", parisAt(2026, 3, 11, 9), parisAt(2026, 3, 10, 0, 30), -1},
		{"TwoWeeks", parisAt(2026, 3, 10, 9), parisAt(2026, 3, 24, 9), 14},
		{"AcrossSummerTime", parisAt(2026, 3, 28, 12), parisAt(2026, 3, 30, 0, 30), 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := DaysLeft(tc.now.UTC(), tc.due.UTC(), parisZone); got != tc.want {
				t.Errorf("DaysLeft(%v, %v) = %d, want %d", tc.now, tc.due, got, tc.want)
			}
		})
	}
}

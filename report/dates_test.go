package report

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
		{"DuringTheFirstYear", at(2025, 3, 15), at(2025, 6, 1), at(2026, 3, 15)},
		{"BeforeTheStart", at(2025, 3, 15), at(2025, 1, 1), at(2026, 3, 15)},
		{"OnTheStart", at(2025, 3, 15), at(2025, 3, 15), at(2026, 3, 15)},
		{"TheEveOfTheAnniversary", at(2025, 3, 15), at(2026, 3, 14, 23, 59), at(2026, 3, 15)},
		{"TheAnniversarysMidnight", at(2025, 3, 15), at(2026, 3, 15), at(2027, 3, 15)},
		{"TheAnniversaryDay", at(2025, 3, 15), at(2026, 3, 15, 10), at(2027, 3, 15)},
		{"YearsLater", at(2025, 3, 15), at(2031, 7, 1), at(2032, 3, 15)},
		{"StartTimeOfDayIgnored", at(2025, 3, 15, 16, 30), at(2026, 3, 15, 12), at(2027, 3, 15)},
		{"LeapStartInACommonYear", at(2024, 2, 29), at(2024, 6, 1), at(2025, 2, 28)},
		{"LeapStartTheDayAfter", at(2024, 2, 29), at(2025, 2, 28, 12), at(2026, 2, 28)},
		{"LeapStartBackInALeapYear", at(2024, 2, 29), at(2027, 3, 1), at(2028, 2, 29)},
		{"NowInUTC", at(2025, 3, 15), time.Date(2026, 3, 14, 23, 30, 0, 0, time.UTC), at(2027, 3, 15)}, // 00:30 in Paris
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
		{"SameDay", at(2026, 3, 15), at(2025, 12, 15)},
		{"AcrossTheYear", at(2026, 1, 10), at(2025, 10, 10)},
		{"EndOfMonth", at(2026, 3, 31), at(2025, 12, 31)},
		{"NoThirtyFirstInFebruary", at(2026, 5, 31), at(2026, 2, 28)},
		{"NoThirtyFirstInALeapFebruary", at(2028, 5, 31), at(2028, 2, 29)},
		{"NoThirtyFirstInSeptember", at(2026, 12, 31), at(2026, 9, 30)},
		{"CommonYearAnniversaryOfALeapStart", at(2025, 2, 28), at(2024, 11, 28)},
		{"LeapAnniversary", at(2028, 2, 29), at(2027, 11, 29)},
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
		{"WellAhead", at(2025, 3, 15), at(2025, 9, 1), at(2026, 3, 15)},
		{"ExactlyOnTheDeadline", at(2025, 3, 15), at(2025, 12, 15, 10), at(2026, 3, 15)},
		{"TheDeadlinesLastMinute", at(2025, 3, 15), at(2025, 12, 15, 23, 59), at(2026, 3, 15)},
		{"OneDayLate", at(2025, 3, 15), at(2025, 12, 16), at(2027, 3, 15)},
		{"LateInParisThoughNotInUTC", at(2025, 3, 15), time.Date(2025, 12, 15, 23, 30, 0, 0, time.UTC), at(2027, 3, 15)},
		{"OnTheAnniversaryDay", at(2025, 3, 15), at(2026, 3, 15, 9), at(2027, 3, 15)},
		{"TheEveOfTheAnniversary", at(2025, 3, 15), at(2026, 3, 14), at(2027, 3, 15)},
		{"RightAfterTheStart", at(2025, 3, 15), at(2025, 3, 20), at(2026, 3, 15)},
		{"LaterYear", at(2025, 3, 15), at(2028, 12, 1), at(2029, 3, 15)},
		{"LeapStartOnTheDeadline", at(2024, 2, 29), at(2024, 11, 28, 18), at(2025, 2, 28)},
		{"LeapStartOneDayLate", at(2024, 2, 29), at(2024, 11, 29), at(2026, 2, 28)},
		{"LeapStartToALeapAnniversary", at(2024, 2, 29), at(2027, 11, 29), at(2028, 2, 29)},
		{"LeapStartOneDayLateForALeapAnniversary", at(2024, 2, 29), at(2027, 11, 30), at(2029, 2, 28)},
		{"ThirtyFirstOnTheLastDayOfFebruary", at(2025, 5, 31), at(2026, 2, 28, 17), at(2026, 5, 31)},
		{"ThirtyFirstOnTheFirstOfMarch", at(2025, 5, 31), at(2026, 3, 1), at(2027, 5, 31)},
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
		{"NoNotice", Convention{Start: at(2025, 3, 15)}, time.Time{}, false},
		{"InTime", Convention{Start: at(2025, 3, 15), NoticeReceived: ptr(at(2025, 12, 15))}, at(2026, 3, 15), true},
		{"Late", Convention{Start: at(2025, 3, 15), NoticeReceived: ptr(at(2025, 12, 16))}, at(2027, 3, 15), true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := tc.c.TerminatesAt()
			if ok != tc.ok || !got.Equal(tc.want) {
				t.Errorf("TerminatesAt() = %v, %v; want %v, %v", got, ok, tc.want, tc.ok)
			}
		})
	}
}

package convention

import (
	"testing"
	"time"
)

func TestCalendar(t *testing.T) {
	paris, _ := time.LoadLocation("Europe/Paris")
	c := DefaultCalendar(paris)
	for _, tc := range []struct {
		at   time.Time
		want bool
	}{
		{time.Date(2027, 4, 30, 23, 59, 0, 0, paris), false},
		{time.Date(2027, 5, 1, 0, 0, 0, 0, paris), true},
		{time.Date(2027, 6, 19, 23, 59, 0, 0, paris), true},
		{time.Date(2027, 6, 20, 0, 0, 0, 0, paris), false},
	} {
		if got := c.InCampaign(tc.at); got != tc.want {
			t.Errorf("InCampaign(%v) = %v", tc.at, got)
		}
	}
	if got := SchoolYear(time.Date(2027, 3, 1, 0, 0, 0, 0, paris), paris); got != "2026-2027" {
		t.Errorf("SchoolYear = %s", got)
	}
	if got := SchoolYear(time.Date(2026, 9, 1, 0, 0, 0, 0, paris), paris); got != "2026-2027" {
		t.Errorf("SchoolYear = %s", got)
	}
	if got := NextSchoolYear(time.Date(2027, 6, 1, 0, 0, 0, 0, paris), paris); got != "2027-2028" {
		t.Errorf("NextSchoolYear = %s", got)
	}
	for _, bad := range []string{"6-20", "02-30", "13-01", "06/20"} {
		if _, err := ParseMonthDay(bad); err == nil {
			t.Errorf("ParseMonthDay(%q) accepted", bad)
		}
	}
	if md, err := ParseMonthDay("07-01"); err != nil || md != (MonthDay{time.July, 1}) {
		t.Errorf("ParseMonthDay = %v, %v", md, err)
	}
}

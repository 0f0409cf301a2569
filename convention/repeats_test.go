package convention

import (
	"testing"
	"time"
)

// TestRepeatsSince: in the campaign, only the lists of that campaign are repeated by the same
// files; outside it, any earlier list is.
func TestRepeatsSince(t *testing.T) {
	paris, _ := time.LoadLocation("Europe/Paris")
	c := DefaultCalendar(paris)
	for _, tc := range []struct {
		name, at, want string
	}{
		{"InCampaign", "2026-05-11T10:00:00+02:00", "2026-05-01T00:00:00+02:00"},
		{"CampaignsFirstHour", "2026-05-01T00:30:00+02:00", "2026-05-01T00:00:00+02:00"},
		{"BeforeCampaign", "2026-04-30T23:00:00+02:00", ""},
		{"AfterRenewal", "2026-06-20T10:00:00+02:00", ""},
		{"September", "2025-09-15T09:00:00+02:00", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			at, _ := time.Parse(time.RFC3339, tc.at)
			got := c.RepeatsSince(at)
			if tc.want == "" {
				if !got.IsZero() {
					t.Errorf("RepeatsSince(%s) = %v, want any earlier list", tc.at, got)
				}
				return
			}
			if want, _ := time.Parse(time.RFC3339, tc.want); !got.Equal(want) {
				t.Errorf("RepeatsSince(%s) = %v, want %v", tc.at, got, want)
			}
		})
	}
}

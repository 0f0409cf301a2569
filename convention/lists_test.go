package convention

import "testing"

func TestListKind(t *testing.T) {
	for _, tc := range []struct {
		name                   string
		hadSchools, inCampaign bool
		want                   RequestKind
	}{
		{"FirstListInCampaign", false, true, KindAdhesion},
		{"FirstListOutside", false, false, KindAdhesion},
		{"Yearly", true, true, KindYearly},
		{"Addition", true, false, KindAddition},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := ListKind(tc.hadSchools, tc.inCampaign); got != tc.want {
				t.Errorf("ListKind(%v, %v) = %q, want %q", tc.hadSchools, tc.inCampaign, got, tc.want)
			}
		})
	}
}

func TestIsFullList(t *testing.T) {
	for _, tc := range []struct {
		name        string
		kind        RequestKind
		withActions bool
		rows        int
		want        bool
	}{
		{"YearlyWithoutActions", KindYearly, false, 3, true},
		{"YearlyWithActions", KindYearly, true, 3, false},
		{"YearlyEmpty", KindYearly, false, 0, false},
		{"Addition", KindAddition, false, 3, false},
		{"Adhesion", KindAdhesion, false, 3, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := IsFullList(tc.kind, tc.withActions, tc.rows); got != tc.want {
				t.Errorf("IsFullList(%q, %v, %d) = %v, want %v", tc.kind, tc.withActions, tc.rows, got, tc.want)
			}
		})
	}
}

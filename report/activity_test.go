package report

import (
	"reflect"
	"testing"
)

// TestActivity checks the activity report of 2025-2026 on the fixture, worked by hand.
func TestActivity(t *testing.T) {
	r := Activity(activityFacts(), "2025-2026", paris)
	if r.Year != "2025-2026" || !r.Start.Equal(at(2025, 9, 1)) || !r.End.Equal(at(2026, 9, 1)) {
		t.Fatalf("report of %s, [%v, %v)", r.Year, r.Start, r.End)
	}
	var names []string
	byName := map[string]CommuneActivity{}
	for _, c := range r.Communes {
		names = append(names, c.Name)
		byName[c.Name] = c
	}
	// Irigny joins in 2027 and has nothing to report; Pierre-Bénite signed but had nothing to
	// report: it is listed.
	if want := []string{"Écully", "Givors", "Grigny", "Pierre-Bénite"}; !reflect.DeepEqual(names, want) {
		t.Fatalf("communes = %v, want %v", names, want)
	}
	type counts struct {
		start, end, added, removed, activations, admin, requests, refused, renewals int
	}
	count := func(c CommuneActivity) counts {
		return counts{c.SchoolsAtStart, c.SchoolsAtEnd, c.Added, c.Removed, c.Activations, c.AdminChanges, c.Requests, c.RefusedRows, c.Renewals}
	}
	for _, tc := range []struct {
		name string
		got  CommuneActivity
		want counts
	}{
		// At 1 September 2025: A, C (E left in August). At 31 August 2026: A, B, D, K, L (C left
		// in July). Added B, D, K, L; removed C (E's removal was the year before); activated B, K,
		// L; a new administrator for A. Four messages, the duplicate's rows not counted again.
		{"Givors", byName["Givors"], counts{2, 5, 4, 1, 3, 1, 4, 6, 0}},
		// At the start: F (I left at the year's first instant, which counts as a removal of the
		// year). At the end: F, G (listed again on 31 August); H comes on 1 September 2026.
		{"Grigny", byName["Grigny"], counts{1, 2, 1, 1, 0, 0, 1, 0, 1}},
		// J, then M; the change of administrator of J named no commune.
		{"Écully", byName["Écully"], counts{1, 2, 1, 0, 1, 1, 1, 1, 0}},
		{"Pierre-Bénite", byName["Pierre-Bénite"], counts{}},
		// The rejected message of March 2026 is in the total only.
		{"Total", r.Total, counts{4, 9, 6, 2, 4, 2, 7, 7, 1}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := count(tc.got); got != tc.want {
				t.Errorf("counts = %+v\nwant     %+v", got, tc.want)
			}
		})
	}

	for _, tc := range []struct {
		name      string
		got, want map[string]int
	}{
		{"GivorsStates", byName["Givors"].RequestsByState, map[string]int{"applied": 2, "refused": 1, "duplicate": 1}},
		{"GivorsFields", byName["Givors"].RefusedByField, map[string]int{"email": 2, "uai": 3, "phone": 1}},
		{"TotalStates", r.Total.RequestsByState, map[string]int{"applied": 3, "refused": 1, "duplicate": 1, "ignored": 1, "rejected": 1}},
		{"TotalFields", r.Total.RefusedByField, map[string]int{"email": 3, "uai": 3, "phone": 1}},
		{"PierreBeniteStates", byName["Pierre-Bénite"].RequestsByState, map[string]int{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if !reflect.DeepEqual(tc.got, tc.want) {
				t.Errorf("got %v, want %v", tc.got, tc.want)
			}
		})
	}

	// Delays, for the schools first received in the year: Givors B 6 days, K 19 days, L exactly
	// 14 days (in time), D never opened; Écully M 3.5 days. G was first received in 2022.
	for _, tc := range []struct {
		name  string
		got   Delays
		want  Delays
		share float64
	}{
		{"Givors", byName["Givors"].Delays, Delays{Received: 4, Activated: 3, Within: 2, MedianDays: 14, MaxDays: 19}, 0.5},
		{"Écully", byName["Écully"].Delays, Delays{Received: 1, Activated: 1, Within: 1, MedianDays: 3.5, MaxDays: 3.5}, 1},
		{"Grigny", byName["Grigny"].Delays, Delays{}, 0},
		// Over every school: 3.5, 6, 14, 19: the median is (6+14)/2.
		{"Total", r.Total.Delays, Delays{Received: 5, Activated: 4, Within: 3, MedianDays: 10, MaxDays: 19}, 0.6},
	} {
		t.Run("Delays"+tc.name, func(t *testing.T) {
			if tc.got != tc.want {
				t.Errorf("delays = %+v\nwant     %+v", tc.got, tc.want)
			}
			if tc.got.Share() != tc.share {
				t.Errorf("share = %v, want %v", tc.got.Share(), tc.share)
			}
		})
	}
}

func TestDelays(t *testing.T) {
	received := at(2026, 3, 2, 9)
	for _, tc := range []struct {
		name      string
		activated []float64 // days after receipt; negative: never activated
		want      Delays
	}{
		{"None", nil, Delays{}},
		{"NeverActivated", []float64{-1}, Delays{Received: 1}},
		{"Odd", []float64{1, 2, 30}, Delays{Received: 3, Activated: 3, Within: 2, MedianDays: 2, MaxDays: 30}},
		{"Even", []float64{1, 2, 3, 30}, Delays{Received: 4, Activated: 4, Within: 3, MedianDays: 2.5, MaxDays: 30}},
		{"ExactlyTwoWeeks", []float64{14}, Delays{Received: 1, Activated: 1, Within: 1, MedianDays: 14, MaxDays: 14}},
		// An hour late: the maximum reads 14.1, not 14.0, so that it does not seem in time.
		{"AnHourLate", []float64{14 + 1.0/24}, Delays{Received: 1, Activated: 1, Within: 0, MedianDays: 14, MaxDays: 14.1}},
		{"ActivatedBeforeReceipt", []float64{-0.5 + 0.25}, Delays{Received: 1, Activated: 1, Within: 1}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var s delaySample
			for _, d := range tc.activated {
				if d == -1 {
					s.add(received, nil)
					continue
				}
				a := received.Add(timeDays(d))
				s.add(received, &a)
			}
			if got := s.delays(); got != tc.want {
				t.Errorf("delays = %+v, want %+v", got, tc.want)
			}
		})
	}
}

func TestActivityNotASchoolYear(t *testing.T) {
	r := Activity(activityFacts(), "2025", paris)
	if r.Year != "2025" || len(r.Communes) != 0 || r.Communes == nil || r.Total.Requests != 0 {
		t.Errorf("report = %+v", r)
	}
}

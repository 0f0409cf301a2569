package report

import (
	"encoding/json"
	"reflect"
	"sort"
	"testing"
	"time"
)

func TestParseSchoolYear(t *testing.T) {
	for _, tc := range []struct {
		name, year string
		loc        *time.Location
		start, end time.Time
		ok         bool
	}{
		{"Valid", "2025-2026", paris, at(2025, 9, 1), at(2026, 9, 1), true},
		{"UTC", "1999-2000", time.UTC, time.Date(1999, 9, 1, 0, 0, 0, 0, time.UTC), time.Date(2000, 9, 1, 0, 0, 0, 0, time.UTC), true},
		{"YearsDoNotFollow", "2025-2027", paris, time.Time{}, time.Time{}, false},
		{"YearsBackwards", "2026-2025", paris, time.Time{}, time.Time{}, false},
		{"SameYear", "2025-2025", paris, time.Time{}, time.Time{}, false},
		{"Slash", "2025/2026", paris, time.Time{}, time.Time{}, false},
		{"ShortYears", "25-26", paris, time.Time{}, time.Time{}, false},
		{"Signed", "+202-2026", paris, time.Time{}, time.Time{}, false},
		{"Spaces", " 2025-2026", paris, time.Time{}, time.Time{}, false},
		{"OneYear", "2025", paris, time.Time{}, time.Time{}, false},
		{"Empty", "", paris, time.Time{}, time.Time{}, false},
		{"NoTimeZone", "2025-2026", nil, time.Time{}, time.Time{}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			start, end, err := ParseSchoolYear(tc.year, tc.loc)
			if (err == nil) != tc.ok {
				t.Fatalf("ParseSchoolYear(%q) error = %v, want ok = %v", tc.year, err, tc.ok)
			}
			if !start.Equal(tc.start) || !end.Equal(tc.end) {
				t.Errorf("ParseSchoolYear(%q) = %v, %v; want %v, %v", tc.year, start, end, tc.start, tc.end)
			}
			if tc.ok && start.Location() != tc.loc {
				t.Errorf("start in %v, want %v", start.Location(), tc.loc)
			}
		})
	}
}

// TestFeesOneSchool checks, school by school, which years a school owes the fee for.
func TestFeesOneSchool(t *testing.T) {
	for _, tc := range []struct {
		name   string
		school SchoolHistory
		year   string
		want   int // schools counted
	}{
		{"AddedInMarchCountsAFullYear", schoolB, "2025-2026", 1},
		{"AddedInMarchNotTheYearBefore", schoolB, "2024-2025", 0},
		{"RemovedInJulyCountsThatYear", schoolC, "2025-2026", 1},
		{"RemovedInJulyNotTheNextYear", schoolC, "2026-2027", 0},
		{"PendingOnlyCounts", schoolD, "2025-2026", 1},
		{"RemovedInAugustOfThePreviousYearDoesNotCount", schoolE, "2025-2026", 0},
		{"RemovedInAugustCountsItsOwnYear", schoolE, "2024-2025", 1},
		{"ListedAgainOnTheYearsLastDay", schoolG, "2025-2026", 1},
		{"OutBetweenItsTwoSpans", schoolG, "2024-2025", 0},
		{"AddedAtTheNextYearsFirstInstant", schoolH, "2025-2026", 0},
		{"AddedAtTheYearsFirstInstant", schoolH, "2026-2027", 1},
		{"RemovedAtTheYearsFirstInstant", schoolI, "2025-2026", 0},
		{"RemovedAtTheNextYearsFirstInstant", schoolI, "2024-2025", 1},
		{"StillIn", schoolA, "2030-2031", 1},
		{"EmptySpan", SchoolHistory{Commune: "Givors", UAI: "0690999X", Spans: []Span{{From: at(2026, 1, 1), To: at(2026, 1, 1)}}}, "2025-2026", 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := Fees(Facts{Schools: []SchoolHistory{tc.school}}, tc.year, 150, paris)
			got := 0
			for _, c := range s.Communes {
				got += c.Schools
			}
			if got != tc.want || s.TotalEUR != 150*tc.want {
				t.Errorf("%s in %s: %d schools, %d €; want %d, %d €", tc.school.UAI, tc.year, got, s.TotalEUR, tc.want, 150*tc.want)
			}
		})
	}
}

// TestFees checks the statements of three years of the fixture, worked by hand.
func TestFees(t *testing.T) {
	type line struct {
		name, insee string
		schools     int
	}
	for _, tc := range []struct {
		name, year string
		perSchool  int
		want       []line
		total      int
	}{
		// Givors: A, B (March), C (removed in July), D (pending); not E (removed August 2025).
		// Grigny: F, G (listed again on 31 August); not H (1 September 2026), nor I (removed 1
		// September 2025). Écully: J. Irigny has no school: left out.
		{"2025-2026", "2025-2026", 150, []line{{"Écully", "69081", 1}, {"Givors", "69091", 4}, {"Grigny", "69096", 2}}, 1050},
		// Givors: A (September 2024), C, E. Grigny: F (June 2025), I. Écully: J.
		{"2024-2025", "2024-2025", 150, []line{{"Écully", "69081", 1}, {"Givors", "69091", 3}, {"Grigny", "69096", 2}}, 900},
		// Givors: A, B, D (C left in July 2026). Grigny: F, G, H.
		{"2026-2027", "2026-2027", 150, []line{{"Écully", "69081", 1}, {"Givors", "69091", 3}, {"Grigny", "69096", 3}}, 1050},
		{"OtherFee", "2025-2026", 200, []line{{"Écully", "69081", 1}, {"Givors", "69091", 4}, {"Grigny", "69096", 2}}, 1400},
		{"BeforeAnySchool", "2015-2016", 150, nil, 0},
		{"NotASchoolYear", "2025-2027", 150, nil, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := Fees(feeFacts(), tc.year, tc.perSchool, paris)
			var got []line
			for _, c := range s.Communes {
				got = append(got, line{c.Name, c.INSEE, c.Schools})
				if c.AmountEUR != c.Schools*tc.perSchool || len(c.Lines) != c.Schools {
					t.Errorf("%s: %d schools, %d lines, %d €", c.Name, c.Schools, len(c.Lines), c.AmountEUR)
				}
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("communes = %v, want %v", got, tc.want)
			}
			if s.TotalEUR != tc.total || s.Year != tc.year || s.PerSchoolEUR != tc.perSchool {
				t.Errorf("statement = %s, %d €/school, total %d €; want total %d €", s.Year, s.PerSchoolEUR, s.TotalEUR, tc.total)
			}
			if s.Communes == nil {
				t.Error("Communes is nil: the JSON would say null")
			}
		})
	}
}

// TestFeesLines checks the dates each school's line carries, as they stood at the year's end.
func TestFeesLines(t *testing.T) {
	s := Fees(feeFacts(), "2025-2026", 150, paris)
	var givors CommuneFee
	for _, c := range s.Communes {
		if c.Name == "Givors" {
			givors = c
		}
	}
	date := func(p *time.Time) string {
		if p == nil {
			return ""
		}
		return p.Format("2006-01-02")
	}
	type line struct{ uai, name, received, activated, removed string }
	var got []line
	for _, l := range givors.Lines {
		got = append(got, line{l.UAI, l.Name, l.ReceivedAt.Format("2006-01-02"), date(l.ActivatedAt), date(l.RemovedAt)})
		if l.AmountEUR != 150 || l.ReceivedAt.Location() != paris {
			t.Errorf("%s: %d €, in %v", l.UAI, l.AmountEUR, l.ReceivedAt.Location())
		}
	}
	want := []line{ // by name
		{"0690140C", "École Anatole France", "2025-11-03", "", ""},
		{"0690114Z", "École des Vernes", "2026-03-10", "2026-03-16", ""},
		{"0690101K", "École Jean Jaurès", "2024-09-01", "2024-09-10", ""},
		{"0690127N", "École Louis Pasteur", "2023-09-01", "2023-09-05", "2026-07-01"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Givors lines =\n%v\nwant\n%v", got, want)
	}

	// A date after the year's end is left out: the statement of a past year stays the same.
	late := Facts{Schools: []SchoolHistory{{Commune: "Givors", UAI: "0690999X", ReceivedAt: at(2026, 8, 20),
		Spans: []Span{{From: at(2026, 8, 20), To: at(2026, 10, 1)}}, ActivatedAt: ptr(at(2026, 9, 2))}}}
	l := Fees(late, "2025-2026", 150, paris).Communes[0].Lines[0]
	if l.ActivatedAt != nil || l.RemovedAt != nil {
		t.Errorf("line = %+v: the activation and the removal came after the year", l)
	}
	// Removed at the next year's first instant: still in on 31 August.
	late.Schools[0].Spans[0].To = at(2026, 9, 1)
	if l := Fees(late, "2025-2026", 150, paris).Communes[0].Lines[0]; l.RemovedAt != nil {
		t.Errorf("line = %+v: removed after the year", l)
	}
	// Removed on the year's last evening.
	late.Schools[0].Spans[0].To = at(2026, 8, 31, 18)
	if l := Fees(late, "2025-2026", 150, paris).Communes[0].Lines[0]; l.RemovedAt == nil || !l.RemovedAt.Equal(at(2026, 8, 31, 18)) {
		t.Errorf("line = %+v: removed on 31 August", l)
	}
}

func TestFeesMergesAndMatchesCommunes(t *testing.T) {
	f := Facts{
		Communes: []CommuneFact{{Name: "Givors", INSEE: "69091"}},
		Schools: []SchoolHistory{
			{Commune: "GIVORS", UAI: "0690101K", Name: "A", Spans: []Span{{From: at(2025, 9, 10), To: at(2025, 12, 1)}}},
			{Commune: "givors", UAI: "0690101k", Name: "A", Spans: []Span{{From: at(2026, 2, 1)}}},
		},
	}
	s := Fees(f, "2025-2026", 150, paris)
	if len(s.Communes) != 1 || s.Communes[0].Name != "Givors" || s.Communes[0].INSEE != "69091" || s.Communes[0].Schools != 1 {
		t.Fatalf("statement = %+v: one school of Givors, listed twice", s)
	}
}

func TestFeesJSON(t *testing.T) {
	for _, tc := range []struct {
		name, year, want string
	}{
		{"Fixture", "2025-2026", `{"year":"2025-2026","per_school_eur":150,"communes":[` +
			`{"name":"Écully","insee":"69081","schools":1,"amount_eur":150},` +
			`{"name":"Givors","insee":"69091","schools":4,"amount_eur":600},` +
			`{"name":"Grigny","insee":"69096","schools":2,"amount_eur":300}],"total_eur":1050}`},
		{"NoSchool", "2015-2016", `{"year":"2015-2016","per_school_eur":150,"communes":[],"total_eur":0}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b, err := json.Marshal(Fees(feeFacts(), tc.year, 150, paris))
			if err != nil {
				t.Fatal(err)
			}
			if string(b) != tc.want {
				t.Errorf("JSON =\n%s\nwant\n%s", b, tc.want)
			}
			// The keys, exactly, whatever the values.
			var doc map[string]any
			if err := json.Unmarshal(b, &doc); err != nil {
				t.Fatal(err)
			}
			if got := keys(doc); !reflect.DeepEqual(got, []string{"communes", "per_school_eur", "total_eur", "year"}) {
				t.Errorf("keys = %v", got)
			}
			for _, c := range doc["communes"].([]any) {
				if got := keys(c.(map[string]any)); !reflect.DeepEqual(got, []string{"amount_eur", "insee", "name", "schools"}) {
					t.Errorf("commune keys = %v", got)
				}
			}
		})
	}
}

func keys(m map[string]any) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

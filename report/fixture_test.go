package report

import (
	"testing"
	"time"
)

// paris is the Métropole's time zone.
var paris = mustLoad("Europe/Paris")

func mustLoad(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return loc
}

// at is a time in Paris: at(2026, 3, 10, 9) is 10 March 2026 at 09:00.
func at(y int, m time.Month, d int, hm ...int) time.Time {
	h, mi := 0, 0
	if len(hm) > 0 {
		h = hm[0]
	}
	if len(hm) > 1 {
		mi = hm[1]
	}
	return time.Date(y, m, d, h, mi, 0, 0, paris)
}

func ptr(t time.Time) *time.Time { return &t }

// Schools of the fixture, worked by hand for the school years 2024-2025, 2025-2026 and 2026-2027.
// A school counts for a year when one of its spans meets [1 September, 1 September).
var (
	// Givors
	schoolA = SchoolHistory{Commune: "Givors", INSEE: "69091", UAI: "0690101K", Name: "École Jean Jaurès", // in since Sept. 2024
		Spans: []Span{{From: at(2024, 9, 10)}}, ReceivedAt: at(2024, 9, 1, 10), ActivatedAt: ptr(at(2024, 9, 10))}
	schoolB = SchoolHistory{Commune: "Givors", INSEE: "69091", UAI: "0690114Z", Name: "École des Vernes", // added in March 2026
		Spans: []Span{{From: at(2026, 3, 10, 9)}}, ReceivedAt: at(2026, 3, 10, 9), ActivatedAt: ptr(at(2026, 3, 16, 9))}
	schoolC = SchoolHistory{Commune: "Givors", INSEE: "69091", UAI: "0690127N", Name: "École Louis Pasteur", // removed 1 July 2026
		Spans: []Span{{From: at(2023, 9, 5), To: at(2026, 7, 1)}}, ReceivedAt: at(2023, 9, 1), ActivatedAt: ptr(at(2023, 9, 5))}
	schoolD = SchoolHistory{Commune: "Givors", INSEE: "69091", UAI: "0690140C", Name: "École Anatole France", // pending only
		Spans: []Span{{From: at(2025, 11, 3, 14)}}, ReceivedAt: at(2025, 11, 3, 14)}
	schoolE = SchoolHistory{Commune: "Givors", INSEE: "69091", UAI: "0690153S", Name: "École Paul Langevin", // removed 20 August 2025
		Spans: []Span{{From: at(2023, 9, 5), To: at(2025, 8, 20)}}, ReceivedAt: at(2023, 9, 1), ActivatedAt: ptr(at(2023, 9, 5))}
	// Grigny
	schoolF = SchoolHistory{Commune: "Grigny", INSEE: "69096", UAI: "0690402M", Name: "École Joliot-Curie", // in since June 2025
		Spans: []Span{{From: at(2025, 6, 1)}}, ReceivedAt: at(2025, 6, 1), ActivatedAt: ptr(at(2025, 6, 10))}
	schoolG = SchoolHistory{Commune: "Grigny", INSEE: "69096", UAI: "0690415B", Name: "École Émile Zola", // listed again on the year's last day
		Spans: []Span{{From: at(2022, 9, 1), To: at(2024, 7, 1)}, {From: at(2026, 8, 31, 10)}}, ReceivedAt: at(2022, 8, 25), ActivatedAt: ptr(at(2022, 9, 1))}
	schoolH = SchoolHistory{Commune: "Grigny", INSEE: "69096", UAI: "0690428R", Name: "École Lamartine", // added on 1 September 2026, midnight
		Spans: []Span{{From: at(2026, 9, 1)}}, ReceivedAt: at(2026, 9, 1)}
	schoolI = SchoolHistory{Commune: "Grigny", INSEE: "69096", UAI: "0690431U", Name: "École Victor Hugo", // removed on 1 September 2025, midnight
		Spans: []Span{{From: at(2021, 9, 1), To: at(2025, 9, 1)}}, ReceivedAt: at(2021, 8, 20), ActivatedAt: ptr(at(2021, 9, 1))}
	// Écully
	schoolJ = SchoolHistory{Commune: "Écully", INSEE: "69081", UAI: "0690026D", Name: "École du Centre",
		Spans: []Span{{From: at(2025, 1, 1)}}, ReceivedAt: at(2024, 12, 20), ActivatedAt: ptr(at(2025, 1, 1))}
)

// feeFacts are the schools above, and a commune with no school.
func feeFacts() Facts {
	return Facts{
		Communes: []CommuneFact{
			{Name: "Givors", INSEE: "69091", ConventionStart: ptr(at(2024, 3, 15))},
			{Name: "Grigny", INSEE: "69096", ConventionStart: ptr(at(2021, 6, 1))},
			{Name: "Écully", INSEE: "69081"},
			{Name: "Irigny", INSEE: "69100", ConventionStart: ptr(at(2027, 1, 10))},
		},
		Schools: []SchoolHistory{schoolA, schoolB, schoolC, schoolD, schoolE, schoolF, schoolG, schoolH, schoolI, schoolJ},
	}
}

// More schools for the activity report: their delays to open access.
var (
	schoolK = SchoolHistory{Commune: "Givors", INSEE: "69091", UAI: "0690166F", Name: "École Romain Rolland", // opened after 19 days
		Spans: []Span{{From: at(2025, 10, 1, 10)}}, ReceivedAt: at(2025, 10, 1, 10), ActivatedAt: ptr(at(2025, 10, 20, 10))}
	schoolL = SchoolHistory{Commune: "Givors", INSEE: "69091", UAI: "0690179V", Name: "École Jules Ferry", // opened after exactly 14 days
		Spans: []Span{{From: at(2026, 1, 5, 8)}}, ReceivedAt: at(2026, 1, 5, 8), ActivatedAt: ptr(at(2026, 1, 19, 8))}
	schoolM = SchoolHistory{Commune: "Écully", INSEE: "69081", UAI: "0691606W", Name: "École Charrière Blanche", // opened after 3.5 days
		Spans: []Span{{From: at(2026, 2, 2, 8)}}, ReceivedAt: at(2026, 2, 2, 8), ActivatedAt: ptr(at(2026, 2, 5, 20))}
)

// activityFacts add to feeFacts the schools K, L, M, the year's changes, messages and renewals,
// and a commune with nothing to report.
func activityFacts() Facts {
	f := feeFacts()
	f.Communes = append(f.Communes, CommuneFact{Name: "Pierre-Bénite", INSEE: "69152", ConventionStart: ptr(at(2022, 1, 1))})
	f.Schools = append(f.Schools, schoolK, schoolL, schoolM)
	f.Changes = []ChangeFact{
		{Commune: "Givors", UAI: schoolD.UAI, Kind: "add", At: at(2025, 11, 3, 14)},
		{Commune: "Givors", UAI: schoolK.UAI, Kind: "add", At: at(2025, 10, 1, 10)},
		{Commune: "Givors", UAI: schoolK.UAI, Kind: "activate", At: at(2025, 10, 20, 10)},
		{Commune: "Givors", UAI: schoolL.UAI, Kind: "add", At: at(2026, 1, 5, 8)},
		{Commune: "Givors", UAI: schoolL.UAI, Kind: "activate", At: at(2026, 1, 19, 8)},
		{Commune: "Givors", UAI: schoolA.UAI, Kind: "change_admin", At: at(2026, 2, 1)},
		{Commune: "Givors", UAI: schoolB.UAI, Kind: "add", At: at(2026, 3, 10, 9)},
		{Commune: "Givors", UAI: schoolB.UAI, Kind: "activate", At: at(2026, 3, 16, 9)},
		{Commune: "Givors", UAI: schoolC.UAI, Kind: "schedule_remove", At: at(2026, 5, 15)},
		{Commune: "Givors", UAI: schoolC.UAI, Kind: "remove", At: at(2026, 7, 1)},
		{Commune: "Givors", UAI: schoolE.UAI, Kind: "remove", At: at(2025, 8, 20)}, // the year before
		{Commune: "Grigny", UAI: schoolI.UAI, Kind: "remove", At: at(2025, 9, 1)},  // the year's first instant
		{Commune: "Grigny", UAI: schoolG.UAI, Kind: "readd", At: at(2026, 8, 31, 10)},
		{Commune: "Grigny", UAI: schoolH.UAI, Kind: "add", At: at(2026, 9, 1)}, // the year after
		{Commune: "Écully", UAI: schoolM.UAI, Kind: "add", At: at(2026, 2, 2, 8)},
		{Commune: "Écully", UAI: schoolM.UAI, Kind: "activate", At: at(2026, 2, 5, 20)},
		{UAI: schoolJ.UAI, Kind: "change_admin", At: at(2026, 4, 1)}, // no commune: found by UAI
	}
	f.Requests = []RequestFact{
		{Commune: "Givors", ReceivedAt: at(2025, 10, 1, 10), State: "applied", RefusedRows: map[string]int{"email": 2, "uai": 1}},
		{Commune: "Givors", ReceivedAt: at(2026, 1, 5, 8), State: "applied"},
		{Commune: "Givors", ReceivedAt: at(2026, 5, 20), State: "refused", RefusedRows: map[string]int{"phone": 1, "uai": 2}},
		{Commune: "Givors", ReceivedAt: at(2026, 5, 21), State: "duplicate", RefusedRows: map[string]int{"uai": 2}}, // not read again
		{Commune: "Grigny", ReceivedAt: at(2026, 2, 1), State: "ignored"},
		{Commune: "Écully", ReceivedAt: at(2026, 2, 2, 8), State: "applied", RefusedRows: map[string]int{"email": 1}},
		{ReceivedAt: at(2026, 3, 1), State: "rejected"},
		{ReceivedAt: at(2025, 8, 31), State: "rejected"}, // the year before
	}
	f.Renewals = map[string][]string{"Grigny": {"2025-2026"}, "Givors": {"2024-2025"}}
	return f
}

// activityHistory is the number of schools by commune and school year, for the chart.
func activityHistory() map[string]map[string]int {
	return map[string]map[string]int{
		"Givors": {"2023-2024": 3, "2024-2025": 4, "2025-2026": 6},
		"Grigny": {"2023-2024": 2, "2024-2025": 2, "2025-2026": 2},
		"Écully": {"2024-2025": 1, "2025-2026": 2},
	}
}

func TestFixtureTimeZone(t *testing.T) {
	if _, off := at(2026, 1, 1).Zone(); off != 3600 {
		t.Fatalf("Europe/Paris is off by %d s in January", off)
	}
}

// timeDays is a duration of d days of 24 hours.
func timeDays(d float64) time.Duration { return time.Duration(d * 24 * float64(time.Hour)) }

package scheduler_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/laclasse/intake/convention"
	"github.com/laclasse/intake/report"
	"github.com/laclasse/intake/scheduler"
	"github.com/laclasse/intake/sqlite"
)

// yearsStore is a store of four school years: Givors adds three schools in 2023, one removed in
// 2024 and listed again in 2025, another whose administrator changes (and whose access opens
// again); a list refused in 2024; and two communes the configuration no longer declares:
// "Ancienne", whose one school stays in from 2023, and "Oubliée", whose one list was refused in
// 2023.
func yearsStore(t *testing.T) *sqlite.DB {
	t.Helper()
	ctx := context.Background()
	at := func(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 9, 0, 0, 0, time.UTC) }
	db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "intake.db"), func() time.Time { return at(2026, time.November, 1) })
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := db.SyncCommunes(ctx, []convention.Commune{{Name: "Givors", INSEE: "69091"}, {Name: "Grigny", INSEE: "69096"}, {Name: "Ancienne", INSEE: "69999"}, {Name: "Oubliée", INSEE: "69998"}}); err != nil {
		t.Fatal(err)
	}
	uid := uint32(0)
	decide := func(when time.Time, commune string, state convention.RequestState, problems []convention.Problem, changes ...convention.Change) {
		t.Helper()
		uid++
		r, err := db.Claim(ctx, sqlite.MessageKey{Mailbox: "INBOX", UIDValidity: 1, UID: uid}, when, []byte("m"))
		if err != nil {
			t.Fatal(err)
		}
		for i := range changes {
			changes[i].At = when
		}
		if _, err := db.Decide(ctx, sqlite.DecideInput{RequestID: r.ID, Commune: commune}, func(sqlite.DecideView) (*convention.Decision, error) {
			return &convention.Decision{State: state, Commune: commune, Target: "Traites", Changes: changes, Problems: problems}, nil
		}); err != nil {
			t.Fatal(err)
		}
	}
	school := func(kind convention.ChangeKind, uai string, when time.Time) convention.Change {
		return convention.Change{Kind: kind, UAI: uai, Name: "École " + uai, Admin: convention.Contact{LastName: "X" + uai, Email: uai + "@y.fr"}, DueAt: convention.DueAt(when)}
	}
	activate := func(when time.Time, uais ...string) {
		t.Helper()
		if _, err := db.Activate(ctx, uais, when); err != nil {
			t.Fatal(err)
		}
	}
	y23 := at(2023, time.October, 2)
	decide(y23, "Givors", convention.StateApplied, nil, school(convention.ChangeAdd, "0690001A", y23), school(convention.ChangeAdd, "0690002B", y23), school(convention.ChangeAdd, "0690003C", y23))
	decide(y23.Add(time.Hour), "Ancienne", convention.StateApplied, nil, school(convention.ChangeAdd, "0699001Z", y23))
	decide(y23.Add(2*time.Hour), "Oubliée", convention.StateRefused, []convention.Problem{{Sheet: "Feuil1", Row: 2, Field: "uai", Severity: convention.SeverityError, Message: "x"}})
	activate(y23.AddDate(0, 0, 3), "0690001A", "0699001Z")
	activate(y23.AddDate(0, 0, 20), "0690002B")
	y24 := at(2024, time.May, 15)
	decide(y24, "Givors", convention.StateApplied, nil, convention.Change{Kind: convention.ChangeScheduleRemov, UAI: "0690002B", RemoveAt: at(2024, time.July, 1)})
	decide(y24.AddDate(0, 0, 1), "Givors", convention.StateRefused, []convention.Problem{
		{Sheet: "Feuil1", Row: 2, Field: "email", Severity: convention.SeverityError, Message: "x"},
		{Sheet: "Feuil1", Row: 3, Field: "email", Severity: convention.SeverityError, Message: "x"},
	})
	if _, err := db.RunJob(ctx, "yearly-update:2024", at(2024, time.July, 1), func(tx *sqlite.Tx) ([]convention.OutgoingMail, error) {
		_, err := tx.RemoveDue(at(2024, time.July, 1), nil)
		return nil, err
	}); err != nil {
		t.Fatal(err)
	}
	y25 := at(2025, time.May, 12)
	decide(y25, "Givors", convention.StateApplied, nil, school(convention.ChangeReadd, "0690002B", y25), school(convention.ChangeAdmin, "0690001A", y25))
	activate(y25.AddDate(0, 0, 10), "0690002B", "0690001A", "0690003C")
	// On the edges of school years in Paris time, a day apart in UTC: a list of 1 September 2024
	// at 00:30 (31 August, 22:30 UTC) belongs to 2024-2025, a school added on 1 September 2025
	// at 00:30 to 2025-2026.
	decide(time.Date(2024, time.August, 31, 22, 30, 0, 0, time.UTC), "Givors", convention.StateRefused, nil)
	late := time.Date(2025, time.August, 31, 22, 30, 0, 0, time.UTC)
	decide(late, "Givors", convention.StateApplied, nil, school(convention.ChangeAdd, "0690004D", late))
	return db
}

// TestYearFactsOfYearsStore: on a store of four years with a removal, a school listed again, a
// second activation and a commune no longer declared, the reports drawn from one year's facts
// are those drawn from the whole store's, year by year; and they say what the history says.
func TestYearFactsOfYearsStore(t *testing.T) {
	ctx := context.Background()
	db := yearsStore(t)
	// Ancienne is not declared: only the store names it.
	communes := []scheduler.CommuneDates{{Name: "Givors", INSEE: "69091"}, {Name: "Grigny", INSEE: "69096"}}
	all, err := scheduler.Facts(ctx, db, communes)
	if err != nil {
		t.Fatal(err)
	}
	facts := map[string]report.Facts{}
	for _, year := range []string{"2022-2023", "2023-2024", "2024-2025", "2025-2026", "2026-2027"} {
		f, err := scheduler.YearFacts(ctx, db, communes, year, paris)
		if err != nil {
			t.Fatal(err)
		}
		sameReports(t, year, all, f)
		facts[year] = f
	}
	// 2024-2025: 0690002B was out all year (removed 1 July 2024, listed again in May 2025).
	fees := report.Fees(facts["2024-2025"], "2024-2025", 150, paris)
	if len(fees.Communes) != 2 || fees.Communes[0].Name != "Ancienne" || fees.Communes[0].Schools != 1 || fees.Communes[1].Schools != 3 {
		t.Fatalf("fees 2024-2025 = %+v, want Ancienne 1 school, Givors 3", fees.Communes)
	}
	for _, l := range fees.Communes[1].Lines {
		// Each line's first activation, never the later one.
		if l.UAI == "0690001A" && (l.ActivatedAt == nil || l.ActivatedAt.Year() != 2023) {
			t.Errorf("0690001A activated %v, want its first activation in 2023", l.ActivatedAt)
		}
		if l.UAI == "0690002B" && (l.RemovedAt != nil || l.ReceivedAt.Year() != 2023) {
			t.Errorf("0690002B: received %v, removed %v; want received in 2023 and in again at the end of the year", l.ReceivedAt, l.RemovedAt)
		}
	}
	// The year's facts hold the year's changes and requests only.
	start, end, err := report.ParseSchoolYear("2024-2025", paris)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range facts["2024-2025"].Changes {
		if c.At.Before(start) || !c.At.Before(end) {
			t.Errorf("change %+v outside 2024-2025 (from %v to %v)", c, start, end)
		}
	}
	if n := len(facts["2024-2025"].Changes); n != 5 { // readd, change_admin and three activations
		t.Errorf("%d changes in 2024-2025, want 5", n)
	}
	if n := len(facts["2023-2024"].Requests); n != 5 { // three lists in 2023, the scheduling and the refused one in 2024
		t.Errorf("%d requests in 2023-2024, want 5", n)
	}
	if r := facts["2024-2025"].Requests; len(r) == 0 || !r[0].ReceivedAt.Equal(time.Date(2024, time.August, 31, 22, 30, 0, 0, time.UTC)) {
		t.Errorf("requests in 2024-2025: %+v, want first the one of 1 September 2024, 00:30", r)
	}
	if n := len(facts["2025-2026"].Changes); n != 1 || facts["2025-2026"].Changes[0].UAI != "0690004D" { // the school added on 1 September, 00:30
		t.Errorf("changes in 2025-2026: %+v, want the addition of 0690004D", facts["2025-2026"].Changes)
	}
	act := report.Activity(facts["2023-2024"], "2023-2024", paris)
	if len(act.Communes) != 4 || act.Total.RefusedRows != 3 || act.Total.Removed != 1 || act.Total.SchoolsAtEnd != 3 {
		t.Errorf("activity 2023-2024 = %+v", act)
	}
	// Ancienne is listed in a year it did nothing but keep its school; Oubliée, named by its list
	// of 2023 only, and Grigny, declared and without a school, too.
	act = report.Activity(facts["2025-2026"], "2025-2026", paris)
	if len(act.Communes) != 4 || act.Communes[0].Name != "Ancienne" || act.Communes[0].SchoolsAtStart != 1 || act.Communes[3].Name != "Oubliée" {
		t.Errorf("activity 2025-2026 communes = %+v", act.Communes)
	}
	if _, err := scheduler.YearFacts(ctx, db, communes, "2025", paris); err == nil {
		t.Error("YearFacts of a year that is no school year: no error")
	}
}

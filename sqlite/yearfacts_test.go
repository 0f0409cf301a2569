package sqlite

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/laclasse/intake/convention"
)

// TestYearFactsUseIndexes: the reports of one school year read the year's changes and requests
// on their indexes, and of the other years only each school's spans and first activation, from
// indexes that hold nothing else (issue 17 §3).
func TestYearFactsUseIndexes(t *testing.T) {
	db, _ := open(t)
	year := []any{fmtTime(t0), fmtTime(t0.AddDate(1, 0, 0))}
	for _, q := range []struct {
		name, query string
		args        []any
		want        []string
		tables      []string
	}{
		{"year's changes", yearChangesQuery, year, []string{"SEARCH ch USING INDEX changes_at (at>? AND at<?)"}, []string{"ch"}},
		{"year's requests", requestFactsQuery(yearRequestsWhere), year, []string{"USING INDEX requests_received_at (received_at>? AND received_at<?)"}, []string{"r"}},
		{"spans", spanChangesQuery, nil, []string{"SCAN changes USING COVERING INDEX changes_spans"}, nil},
		{"first activations", schoolSpansQuery, nil, []string{"INDEX changes_activate (school_id=?)"}, []string{"a"}},
		{"communes named", factCommunesQuery, nil, nil, []string{"r", "n"}},
	} {
		plan := queryPlan(t, db, q.query, q.args...)
		all := strings.Join(plan, "\n")
		for _, w := range q.want {
			if !strings.Contains(all, w) {
				t.Errorf("%s: no %q in the plan:\n%s", q.name, w, all)
			}
		}
		for _, d := range plan {
			if scansTable(d, q.tables, nil) || strings.HasPrefix(d, "USE TEMP B-TREE") {
				t.Errorf("%s: %q in the plan:\n%s", q.name, d, all)
			}
		}
	}
}

// TestYearFacts: a year's facts hold every school's spans and first activation, whatever the
// year, and only the changes and requests of the year.
func TestYearFacts(t *testing.T) {
	ctx := context.Background()
	db, _ := open(t)
	at := func(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 9, 0, 0, 0, time.UTC) }
	decide := func(uid uint32, when time.Time, changes ...convention.Change) {
		t.Helper()
		r, _ := db.Claim(ctx, MessageKey{"INBOX", 1, uid}, when, []byte("m"))
		for i := range changes {
			changes[i].At = when
		}
		if _, err := db.Decide(ctx, DecideInput{RequestID: r.ID, Commune: "Givors"}, func(DecideView) (*convention.Decision, error) {
			return &convention.Decision{State: convention.StateApplied, Commune: "Givors", Target: "Traites", Changes: changes}, nil
		}); err != nil {
			t.Fatal(err)
		}
	}
	decide(1, at(2023, 10, 2), addition("0690001A"), addition("0690002B"))
	if _, err := db.Activate(ctx, []string{"0690001A"}, at(2023, 10, 5)); err != nil {
		t.Fatal(err)
	}
	decide(2, at(2025, 5, 12), convention.Change{Kind: convention.ChangeAdmin, UAI: "0690001A", Admin: convention.Contact{LastName: "Y", Email: "y@y.fr"}, DueAt: at(2025, 5, 26)})
	if _, err := db.Activate(ctx, []string{"0690001A", "0690002B"}, at(2025, 5, 20)); err != nil {
		t.Fatal(err)
	}
	f, err := db.YearFacts(ctx, at(2024, 9, 1), at(2025, 9, 1))
	if err != nil {
		t.Fatal(err)
	}
	var spans []string
	for _, e := range f.Spans {
		spans = append(spans, e.UAI+" "+string(e.Kind)+" "+e.At.Format(time.DateOnly))
	}
	// 0690001A's first activation (2023), not its second; 0690002B's only one (2025).
	want := "0690001A add 2023-10-02|0690001A activate 2023-10-05|0690002B add 2023-10-02|0690002B activate 2025-05-20"
	if got := strings.Join(spans, "|"); got != want {
		t.Errorf("spans:\n%s\nwant\n%s", got, want)
	}
	var changes []string
	for _, e := range f.Changes {
		changes = append(changes, e.UAI+" "+string(e.Kind))
	}
	if got := strings.Join(changes, "|"); got != "0690001A change_admin|0690001A activate|0690002B activate" {
		t.Errorf("the year's changes: %s", got)
	}
	if len(f.Requests) != 1 || !f.Requests[0].ReceivedAt.Equal(at(2025, 5, 12)) {
		t.Errorf("the year's requests: %+v", f.Requests)
	}
	if len(f.Communes) != 1 || f.Communes[0] != "Givors" {
		t.Errorf("communes named: %v, want Givors (Grigny has no fact)", f.Communes)
	}
}

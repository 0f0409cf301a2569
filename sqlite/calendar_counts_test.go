package sqlite

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/laclasse/intake/convention"
)

// TestCalendarQueriesUseIndexes: the daily digest and the weekly overview read what they report
// on an index, so that their cost does not grow with the registry of ten years (issue 17 §3).
func TestCalendarQueriesUseIndexes(t *testing.T) {
	db, _ := open(t)
	day := []any{fmtTime(t0), fmtTime(t0.AddDate(0, 0, 1))}
	for _, q := range []struct {
		name, query string
		args        []any
		bad         []string
		// tables are the aliases of requests, changes, outbox and provisioning in the query: none
		// may be scanned but on one of the partial indexes named in partial.
		tables, partial []string
		// want is a step the plan must have.
		want string
	}{
		// The pending schools alone, on schools_pending_due, never the whole registry.
		{"pending schools", schoolsQuery + pendingSchoolsWhere, nil, []string{"SCAN s", "SCAN schools"}, nil, nil, ""},
		// One walk of the covering schools_commune_status, grouped as it goes.
		{"counts by commune", communeCountsQuery, []any{fmtTime(t0)}, []string{"USE TEMP B-TREE", "SCAN s\x00"}, nil, nil,
			"SCAN s USING COVERING INDEX schools_commune_status"},
		// The communes in their order, from the index on their names.
		{"communes by name", communeNamesQuery, nil, []string{"USE TEMP B-TREE"}, nil, nil, ""},
		// The requests decided in the span, on requests_decided: never a walk of ten years.
		{"requests decided", requestsBetweenQuery, day, []string{"SCAN r\x00", "SCAN requests\x00"}, []string{"r", "ch"}, nil, ""},
		// The "accès ouverts" of the span, on outbox_kind_created.
		{"mails queued", mailsQueuedQuery, []any{"access_open", fmtTime(t0), fmtTime(t0.AddDate(0, 0, 1))}, []string{"SCAN outbox\x00"}, []string{"outbox"}, nil, ""},
		// The changes of administrator not done, or done in the span: the directory work of ten
		// years is never walked.
		{"rights changes", rightsChangesQuery, day, nil, []string{"p", "p2", "p3", "provisioning"},
			[]string{"provisioning_admin_open", "provisioning_admin_done"}, "INDEX provisioning_admin_done (done_at>? AND done_at<?)"},
		// The refused tasks alone.
		{"failed tasks", failedTasksQuery, nil, nil, []string{"p", "p2"}, []string{"provisioning_failed"}, "SCAN p USING INDEX provisioning_failed"},
		// The directory's warnings of the requests decided in the span, not every problem.
		{"directory warnings", directoryWarningsQuery, append([]any{"uai"}, day...), []string{"SCAN p\x00", "SCAN problems"}, []string{"r"}, nil,
			"SEARCH r USING INDEX requests_decided"},
		// The registry walked once, each school's directory row by its key: never the directory
		// scanned, nor a temporary b-tree.
		{"directory watch", directoryWatchQuery, nil, []string{"SCAN d", "SCAN directory", "USE TEMP B-TREE"}, nil, nil,
			"SEARCH d USING PRIMARY KEY (uai=?)"},
		// The schools whose removal is scheduled, then their schedulings: never every scheduling.
		{"removals scheduled", removalsScheduledQuery, append(day, day...), nil, []string{"ch", "r", "sa"}, nil,
			"SEARCH s USING INDEX schools_removing"},
	} {
		plan := queryPlan(t, db, q.query, q.args...)
		for _, d := range plan {
			for _, bad := range q.bad {
				if strings.HasPrefix(d+"\x00", bad) {
					t.Errorf("%s: %q in the plan:\n%s", q.name, strings.TrimSuffix(bad, "\x00"), strings.Join(plan, "\n"))
				}
			}
			if scansTable(d, q.tables, q.partial) {
				t.Errorf("%s: %q walks a table of the years:\n%s", q.name, d, strings.Join(plan, "\n"))
			}
		}
		if q.want != "" && !strings.Contains(strings.Join(plan, "\n"), q.want) {
			t.Errorf("%s: no %q in the plan:\n%s", q.name, q.want, strings.Join(plan, "\n"))
		}
	}
}

// scansTable reports whether the step of a query plan scans one of the tables named by aliases,
// other than on one of the partial indexes named (which hold only the rows that matter now).
func scansTable(step string, aliases, partial []string) bool {
	for _, a := range aliases {
		rest, ok := strings.CutPrefix(step, "SCAN "+a)
		if !ok || rest != "" && rest[0] != ' ' {
			continue
		}
		for _, p := range partial {
			if strings.Contains(rest, "INDEX "+p+" ") || strings.HasSuffix(rest, "INDEX "+p) {
				return false
			}
		}
		return true
	}
	return false
}

// TestScansTable: the plan guards' reading of a step.
func TestScansTable(t *testing.T) {
	for _, c := range []struct {
		step string
		want bool
	}{
		{"SCAN p", true},
		{"SCAN p USING INDEX provisioning_school", true},
		{"SCAN p USING INDEX provisioning_failed", false},
		{"SCAN p USING COVERING INDEX provisioning_failed (x>?)", false},
		{"SCAN pending", false},
		{"SEARCH p USING INDEX provisioning_school (school_id=?)", false},
	} {
		if got := scansTable(c.step, []string{"p"}, []string{"provisioning_failed"}); got != c.want {
			t.Errorf("scansTable(%q) = %v, want %v", c.step, got, c.want)
		}
	}
}

// TestOutboxHealthUsesIndexes: the console's "Aujourd'hui" page counts the outbox on its
// partial indexes, never walking the mails sent over the years.
func TestOutboxHealthUsesIndexes(t *testing.T) {
	db, _ := open(t)
	ctx := context.Background()
	if _, err := db.RunJob(ctx, "a mail", t0, func(*Tx) ([]convention.OutgoingMail, error) {
		return []convention.OutgoingMail{{Kind: "digest", From: "p@l.fr", To: []string{"s@g.fr"}, Data: []byte("x")}}, nil
	}); err != nil {
		t.Fatal(err)
	}
	if st, err := db.Outbox(ctx); err != nil || st.Waiting != 1 || st.Failed != 0 || st.Oldest == nil || !st.Oldest.Equal(t0) {
		t.Errorf("outbox = %+v (%v), want one mail waiting since %s", st, err, t0)
	}
	for _, q := range []string{outboxWaitingQuery, outboxFailedQuery} {
		plan := queryPlan(t, db, q)
		if len(plan) != 1 || !strings.Contains(plan[0], "USING INDEX outbox_due") && !strings.Contains(plan[0], "USING INDEX outbox_failed") {
			t.Errorf("%s: not on a partial index:\n%s", q, strings.Join(plan, "\n"))
		}
	}
}

// TestCommuneCountsAndPendingSchools: what the weekly overview counts and what the digest reads
// are the registry's, commune by commune, every commune listed by name.
func TestCommuneCountsAndPendingSchools(t *testing.T) {
	ctx := context.Background()
	db, _ := open(t)
	decide := func(uid uint32, commune string, changes ...convention.Change) {
		t.Helper()
		r, _ := db.Claim(ctx, MessageKey{"INBOX", 1, uid}, t0, []byte("m"))
		if _, err := db.Decide(ctx, DecideInput{RequestID: r.ID, Commune: commune}, func(DecideView) (*convention.Decision, error) {
			return &convention.Decision{State: convention.StateApplied, Commune: commune, Target: "Traites", Changes: changes}, nil
		}); err != nil {
			t.Fatal(err)
		}
	}
	decide(1, "Givors", addition("0690001A"), addition("0690002B"), addition("0690003C"))
	if _, err := db.Activate(ctx, []string{"0690001A"}, t0); err != nil {
		t.Fatal(err)
	}
	decide(2, "Givors", convention.Change{Kind: convention.ChangeScheduleRemov, UAI: "0690001A", At: t0, RemoveAt: t0.AddDate(0, 9, 0)})
	var counts []CommuneCounts
	var pending []convention.School
	if _, err := db.RunJob(ctx, "counts", t0, func(tx *Tx) ([]convention.OutgoingMail, error) {
		var err error
		if counts, err = tx.CommuneCounts(t0.Add(15 * 24 * time.Hour)); err != nil {
			return nil, err
		}
		pending, err = tx.PendingSchools()
		return nil, err
	}); err != nil {
		t.Fatal(err)
	}
	want := []CommuneCounts{{Name: "Givors", Active: 1, Pending: 2, Overdue: 2, Removing: 1}, {Name: "Grigny"}}
	if len(counts) != len(want) {
		t.Fatalf("counts = %+v, want %+v", counts, want)
	}
	for i := range want {
		got := counts[i]
		got.LastListAt = nil
		if got != want[i] {
			t.Errorf("counts[%d] = %+v, want %+v", i, got, want[i])
		}
	}
	if counts[0].LastListAt == nil || counts[1].LastListAt != nil {
		t.Errorf("last lists: %v, %v", counts[0].LastListAt, counts[1].LastListAt)
	}
	if len(pending) != 2 || pending[0].UAI != "0690002B" || pending[1].UAI != "0690003C" || pending[0].Status != convention.StatusPending || pending[0].Admin.Email != "x@y.fr" {
		t.Errorf("pending = %+v", pending)
	}
}

package sqlite

import (
	"strings"
	"testing"
)

// TestCalendarQueriesUseIndexes: the daily digest and the weekly overview read what they report
// on an index, so that their cost does not grow with the registry of ten years (issue 17 §3).
func TestCalendarQueriesUseIndexes(t *testing.T) {
	db, _ := open(t)
	for _, q := range []struct {
		name, query string
		args        []any
		bad         []string
	}{
		// The pending schools alone, on schools_pending_due, never the whole registry.
		{"pending schools", schoolsQuery + pendingSchoolsWhere, nil, []string{"SCAN s", "SCAN schools"}},
		// One walk of schools_commune, grouped as it goes.
		{"counts by commune", communeCountsQuery, []any{fmtTime(t0)}, []string{"USE TEMP B-TREE", "SCAN s\x00"}},
	} {
		plan := queryPlan(t, db, q.query, q.args...)
		for _, d := range plan {
			for _, bad := range q.bad {
				if strings.HasPrefix(d+"\x00", bad) {
					t.Errorf("%s: %q in the plan:\n%s", q.name, strings.TrimSuffix(bad, "\x00"), strings.Join(plan, "\n"))
				}
			}
		}
		t.Logf("%s:\n%s", q.name, strings.Join(plan, "\n"))
	}
}

package sqlite

import (
	"strings"
	"testing"

	"github.com/laclasse/intake/convention"
)

// TestRequestsQueryPlan: `intaked requests` is served by indexes whatever its filters, with a
// fixed number of variables (one per filter at most), and sorts without a temporary b-tree.
func TestRequestsQueryPlan(t *testing.T) {
	db, _ := open(t)
	for _, c := range []struct {
		name string
		f    RequestFilter
		vars int
	}{
		{"All", RequestFilter{}, 0},
		{"Commune", RequestFilter{Commune: "Givors"}, 1},
		{"State", RequestFilter{State: convention.StateRejected}, 1},
		{"Since", RequestFilter{Since: t0}, 1},
		{"Every", RequestFilter{Commune: "Givors", State: convention.StateApplied, Since: t0}, 3},
	} {
		t.Run(c.name, func(t *testing.T) {
			query, args := requestsQuery(c.f)
			if len(args) != c.vars || strings.Count(query, "?") != c.vars {
				t.Errorf("%d arguments, %d variables, want %d", len(args), strings.Count(query, "?"), c.vars)
			}
			plan := queryPlan(t, db, query, args...)
			for _, d := range plan {
				if (strings.HasPrefix(d, "SCAN r") && !strings.Contains(d, "USING INDEX") && !strings.Contains(d, "COVERING INDEX")) ||
					strings.HasPrefix(d, "SCAN ch") || strings.HasPrefix(d, "SCAN c ") || strings.HasPrefix(d, "SCAN communes") ||
					strings.Contains(d, "TEMP B-TREE FOR ORDER BY") {
					t.Errorf("%q in the plan:\n%s", d, strings.Join(plan, "\n"))
				}
			}
		})
	}
}

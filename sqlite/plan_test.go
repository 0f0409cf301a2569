package sqlite

import (
	"context"
	"strings"
	"testing"
)

// TestHotQueriesUseIndexes checks that the queries made for every message do not scan a whole
// table: their cost must not grow with the Métropole's registry or with the mail sent over the
// years.
func TestHotQueriesUseIndexes(t *testing.T) {
	db, _ := open(t)
	where, args := registryOfWhere("Givors", []string{"0690001A", "0690002B"})
	for _, q := range []struct {
		name, query string
		args        []any
		scans       []string
	}{
		{"registry of a decision", schoolsQuery + where, args, []string{"SCAN s", "SCAN schools"}},
		// The registry cache's reads (registrycache.go): a commune's schools, the schools named
		// of other communes, and those a decision wrote.
		{"registry of a commune", schoolRowsQuery + `WHERE s.commune_id = ?`, []any{1}, []string{"SCAN s", "SCAN schools"}},
		{"schools named elsewhere", schoolRowsQuery + otherCommunesWhere, []any{`["0690001A"]`, 1}, []string{"SCAN s", "SCAN schools"}},
		{"schools written", schoolRowsQuery + writtenWhere, []any{`["0690001A"]`, 1}, []string{"SCAN s", "SCAN schools", "SEARCH s USING INDEX schools_commune"}},
		{"school of a change", schoolByUAIQuery, []any{"0690001A"}, []string{"SCAN s", "SCAN schools"}},
		// From the files, never through the commune's requests: walking those (an index on
		// requests, then each row past its raw message) grew with every request of the year.
		{"files repeated", filesRepeatedQuery, []any{`["ab12"]`, "Givors", 7, "", 1},
			[]string{"SCAN a", "SCAN attachments", "SCAN r", "SCAN requests", "SEARCH r USING INDEX", "SEARCH r USING COVERING INDEX"}},
		{"due mail", dueOutgoingQuery, []any{"2026-09-14T10:00:00Z", 50}, []string{"SCAN outbox", "USE TEMP B-TREE"}},
		{"due directory task", nextTaskQuery, []any{"2026-09-14T10:00:00Z"}, []string{"SCAN p", "SCAN provisioning", "USE TEMP B-TREE"}},
		// From the commune's schools, each among the removals held only: never the removals
		// held in the whole store (TestHeldOfCommuneFromItsSchools).
		{"removals held in the commune", heldOfCommuneQuery, []any{1, 7}, []string{"SCAN s", "SCAN h", "USE TEMP B-TREE", "SEARCH h USING INDEX held_removals_waiting", "SEARCH h USING INDEX held_removals_school "}},
	} {
		plan := queryPlan(t, db, q.query, q.args...)
		for _, d := range plan {
			for _, scan := range q.scans {
				if strings.HasPrefix(d, scan) {
					t.Errorf("%s: %q in the plan:\n%s", q.name, scan, strings.Join(plan, "\n"))
				}
			}
		}
	}
}

// TestHeldOfCommuneFromItsSchools: a decision reads the removals held in its commune from the
// commune's schools, each looked up among the removals held only, not from every removal held
// in the store (held_removals_waiting) nor among every removal ever held (held_removals_school).
func TestHeldOfCommuneFromItsSchools(t *testing.T) {
	db, _ := open(t)
	plan := strings.Join(queryPlan(t, db, heldOfCommuneQuery, 1, 7), "\n")
	for _, want := range []string{"SEARCH s USING ", "SEARCH h USING INDEX held_removals_held_school (school_id=?)"} {
		if !strings.Contains(plan, want) {
			t.Errorf("%q not in the plan of the removals held in a commune:\n%s", want, plan)
		}
	}
	if strings.Index(plan, "SEARCH s") > strings.Index(plan, "SEARCH h") {
		t.Errorf("the removals held are not read from the commune's schools:\n%s", plan)
	}
}

func queryPlan(t *testing.T, db *DB, query string, args ...any) []string {
	t.Helper()
	rows, err := db.db.QueryContext(context.Background(), `EXPLAIN QUERY PLAN `+query, args...)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var plan []string
	for rows.Next() {
		var id, parent, notused int
		var detail string
		if err := rows.Scan(&id, &parent, &notused, &detail); err != nil {
			t.Fatal(err)
		}
		plan = append(plan, detail)
	}
	return plan
}

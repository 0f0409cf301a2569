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
		{"registry of a commune", schoolsQuery + `WHERE s.commune_id = ?`, []any{1}, []string{"SCAN s", "SCAN schools"}},
		{"schools named elsewhere", schoolsQuery + otherCommunesWhere, []any{`["0690001A"]`, 1}, []string{"SCAN s", "SCAN schools"}},
		{"schools written", schoolsQuery + writtenWhere, []any{`["0690001A"]`, 1}, []string{"SCAN s", "SCAN schools", "SEARCH s USING INDEX schools_commune"}},
		{"school of a change", schoolByUAIQuery, []any{"0690001A"}, []string{"SCAN s", "SCAN schools"}},
		// From the files, never through the commune's requests: walking those (an index on
		// requests, then each row past its raw message) grew with every request of the year.
		{"files repeated", filesRepeatedQuery, []any{`["ab12"]`, "Givors", 7, "", 1},
			[]string{"SCAN a", "SCAN attachments", "SCAN r", "SCAN requests", "SEARCH r USING INDEX", "SEARCH r USING COVERING INDEX"}},
		{"due mail", dueOutgoingQuery, []any{"2026-09-14T10:00:00Z", 50}, []string{"SCAN outbox", "USE TEMP B-TREE"}},
		{"due directory task", nextTaskQuery, []any{"2026-09-14T10:00:00Z"}, []string{"SCAN p", "SCAN provisioning", "USE TEMP B-TREE"}},
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

package sqlite

import (
	"context"
	"strings"
	"testing"
)

// TestRegistryOfUsesIndexes checks that a decision's read of the registry does not scan every
// school: its cost must not grow with the Métropole's registry.
func TestRegistryOfUsesIndexes(t *testing.T) {
	db, _ := open(t)
	where, args := registryOfWhere("Givors", []string{"0690001A", "0690002B"})
	rows, err := db.db.QueryContext(context.Background(), `EXPLAIN QUERY PLAN `+schoolsQuery+where, args...)
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
	for _, d := range plan {
		if strings.HasPrefix(d, "SCAN s") || strings.HasPrefix(d, "SCAN schools") {
			t.Errorf("the registry's read scans every school:\n%s", strings.Join(plan, "\n"))
		}
	}
}

package sqlite

import (
	"strings"
	"testing"
)

func TestZZFloorPlan(t *testing.T) {
	db, _ := open(t)
	q := `SELECT r.id FROM requests r JOIN communes c ON c.id = r.commune_id JOIN attachments a ON a.request_id = r.id
		WHERE c.name = ? AND r.id <> ? AND r.state IN ('applied', 'refused', 'held') AND r.received_at >= ? AND a.format <> '' AND a.sha256 IN (SELECT value FROM json_each(?))
		GROUP BY r.id HAVING count(DISTINCT a.sha256) = ? ORDER BY r.id LIMIT 1`
	t.Log("\n" + strings.Join(queryPlan(t, db, q, "Givors", 1, "", `["a"]`, 1), "\n"))
}

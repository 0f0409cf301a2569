package sqlite

import (
	"fmt"
	"time"

	"github.com/laclasse/intake/convention"
)

// The calendar's reads that must not grow with the years or the registry: the daily digest reads
// the pending schools alone (schools_pending_due), the weekly overview counts each commune's
// schools without reading them.

// pendingSchoolsWhere selects the pending schools, on the partial index of their due dates.
const pendingSchoolsWhere = `WHERE s.status = 'pending' AND s.due_at > ''`

// PendingSchools returns the schools whose access is still to open, by commune then UAI (the
// order of Schools).
func (t *Tx) PendingSchools() ([]convention.School, error) {
	m, err := readSchools(t.ctx, t.tx, pendingSchoolsWhere, nil)
	if err != nil {
		return nil, fmt.Errorf("read pending schools: %w", err)
	}
	return sortedSchools(m), nil
}

// CommuneCounts is how a commune's schools stand, for the weekly overview.
type CommuneCounts struct {
	Active, Pending int
	// Overdue counts the pending schools due before the time asked.
	Overdue int
	// Removing counts the schools still in the convention whose removal is scheduled.
	Removing int
}

// communeCountsQuery counts the schools of every commune by status, walking schools_commune
// once: no temporary b-tree, no read of an administrator.
const communeCountsQuery = `SELECT c.name,
		count(*) FILTER (WHERE s.status = 'active'),
		count(*) FILTER (WHERE s.status = 'pending'),
		count(*) FILTER (WHERE s.status = 'pending' AND s.due_at < ?),
		count(*) FILTER (WHERE s.status <> 'removed' AND s.remove_at IS NOT NULL)
		FROM schools s JOIN communes c ON c.id = s.commune_id GROUP BY s.commune_id`

// CommuneCounts returns the counts of the schools of each commune that has any, by commune
// name, the pending ones due before overdueBefore counted overdue.
func (t *Tx) CommuneCounts(overdueBefore time.Time) (map[string]CommuneCounts, error) {
	rows, err := t.tx.QueryContext(t.ctx, communeCountsQuery, fmtTime(overdueBefore))
	if err != nil {
		return nil, fmt.Errorf("count the schools of each commune: %w", err)
	}
	defer rows.Close()
	out := map[string]CommuneCounts{}
	for rows.Next() {
		var name string
		var n CommuneCounts
		if err := rows.Scan(&name, &n.Active, &n.Pending, &n.Overdue, &n.Removing); err != nil {
			return nil, fmt.Errorf("count the schools of each commune: %w", err)
		}
		out[name] = n
	}
	return out, rows.Err()
}

package sqlite

import (
	"database/sql"
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

// CommuneCounts is how a commune and its schools stand, for the weekly overview.
type CommuneCounts struct {
	Name       string
	LastListAt *time.Time
	Active     int
	Pending    int
	// Overdue counts the pending schools due before the time asked.
	Overdue int
	// Removing counts the schools still in the convention whose removal is scheduled.
	Removing int
}

// communeCountsQuery counts the schools of every commune by status, walking the covering index
// schools_commune_status once: no temporary b-tree, no row of the table read.
const communeCountsQuery = `SELECT s.commune_id,
		count(*) FILTER (WHERE s.status = 'active'),
		count(*) FILTER (WHERE s.status = 'pending'),
		count(*) FILTER (WHERE s.status = 'pending' AND s.due_at < ?),
		count(*) FILTER (WHERE s.status <> 'removed' AND s.remove_at IS NOT NULL)
		FROM schools s GROUP BY s.commune_id`

// communeNamesQuery lists the communes by name (the order of Communes), without the
// per-commune subqueries of Communes (its counts, its last sender).
const communeNamesQuery = `SELECT id, name, last_list_at FROM communes ORDER BY name`

// CommuneCounts returns every commune, by name, with the counts of its schools, the pending
// ones due before overdueBefore counted overdue.
func (t *Tx) CommuneCounts(overdueBefore time.Time) ([]CommuneCounts, error) {
	counts := map[int64]CommuneCounts{}
	rows, err := t.tx.QueryContext(t.ctx, communeCountsQuery, fmtTime(overdueBefore))
	if err != nil {
		return nil, fmt.Errorf("count the schools of each commune: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var n CommuneCounts
		if err := rows.Scan(&id, &n.Active, &n.Pending, &n.Overdue, &n.Removing); err != nil {
			return nil, fmt.Errorf("count the schools of each commune: %w", err)
		}
		counts[id] = n
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("count the schools of each commune: %w", err)
	}
	rows.Close()
	if rows, err = t.tx.QueryContext(t.ctx, communeNamesQuery); err != nil {
		return nil, fmt.Errorf("list communes: %w", err)
	}
	defer rows.Close()
	var out []CommuneCounts
	for rows.Next() {
		var id int64
		var name string
		var last sql.NullString
		if err := rows.Scan(&id, &name, &last); err != nil {
			return nil, fmt.Errorf("list communes: %w", err)
		}
		n := counts[id]
		n.Name, n.LastListAt = name, parseTimePtr(last)
		out = append(out, n)
	}
	return out, rows.Err()
}

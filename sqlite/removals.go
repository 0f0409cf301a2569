package sqlite

import (
	"fmt"
	"time"
)

// ScheduledRemoval is a school whose removal a request scheduled: by leaving it out of a full
// list, by a Radiation row, or by staff confirming a held removal.
type ScheduledRemoval struct {
	Commune   string
	UAI, Name string
	RequestID int64
	RemoveAt  time.Time
}

// removalsScheduledQuery starts from the schools whose removal is still scheduled
// (schools_removing; CROSS JOIN keeps them the outer loop) and reads each one's schedulings
// (changes_school_schedule_remove): never the schedulings of ten years. Its arguments are the
// span twice.
const removalsScheduledQuery = `SELECT DISTINCT c.name, s.uai, s.name, ch.request_id, s.remove_at
		FROM schools s CROSS JOIN changes ch ON ch.school_id = s.id AND ch.kind = 'schedule_remove'
		JOIN requests r ON r.id = ch.request_id JOIN communes c ON c.id = s.commune_id
		LEFT JOIN staff_actions sa ON sa.id = ch.staff_action_id
		WHERE s.remove_at IS NOT NULL AND s.status <> 'removed'
		AND ((sa.id IS NULL AND r.decided_at >= ? AND r.decided_at < ?) OR (sa.at >= ? AND sa.at < ?))
		ORDER BY c.name, s.uai`

// RemovalsScheduledBetween returns the removals still scheduled that were scheduled in [from,
// to): by a request decided then, or by staff confirming held removals then; by commune then
// UAI.
func (t *Tx) RemovalsScheduledBetween(from, to time.Time) ([]ScheduledRemoval, error) {
	rows, err := t.tx.QueryContext(t.ctx, removalsScheduledQuery, fmtTime(from), fmtTime(to), fmtTime(from), fmtTime(to))
	if err != nil {
		return nil, fmt.Errorf("read the removals scheduled: %w", err)
	}
	defer rows.Close()
	var out []ScheduledRemoval
	for rows.Next() {
		var r ScheduledRemoval
		var at string
		if err := rows.Scan(&r.Commune, &r.UAI, &r.Name, &r.RequestID, &at); err != nil {
			return nil, fmt.Errorf("read the removals scheduled: %w", err)
		}
		r.RemoveAt = parseTime(at)
		out = append(out, r)
	}
	return out, rows.Err()
}

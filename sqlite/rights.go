package sqlite

import (
	"database/sql"
	"encoding/json"
	"fmt"
	"time"

	"github.com/laclasse/intake/convention"
)

// RightsChange is a change of administrator that laclasse.com's directory must follow: the
// administrator's rights (the ADM profile) go to the new administrator and are taken from the
// previous one.
type RightsChange struct {
	Commune, UAI, Name string
	After              convention.Contact  // the school's administrator now
	Before             *convention.Contact // the administrator replaced
	DueAt              time.Time
	State              string // waiting, done or failed, as the directory's work stands
	DoneAt             *time.Time
}

// rightsChangesQuery reads the changes of administrator whose work is not done (on
// provisioning_admin_open) or was done in [?, ?) (on provisioning_admin_done): never the directory
// work of ten years.
const rightsChangesQuery = `SELECT c.name, s.uai, s.name, s.admin, s.due_at, p.before, p.state, p.done_at
		FROM provisioning p JOIN schools s ON s.id = p.school_id JOIN communes c ON c.id = s.commune_id
		WHERE p.id IN (SELECT id FROM provisioning WHERE kind = 'change_admin' AND state <> 'done'
			UNION ALL SELECT id FROM provisioning WHERE kind = 'change_admin' AND state = 'done' AND done_at >= ? AND done_at < ?)
		AND s.status <> 'removed'
		AND NOT EXISTS (SELECT 1 FROM provisioning p2 WHERE p2.school_id = p.school_id AND p2.id > p.id AND p2.kind IN ('activate', 'change_admin'))
		AND NOT EXISTS (SELECT 1 FROM provisioning p3 WHERE p3.school_id = p.school_id AND p3.id < p.id AND p3.kind = 'activate' AND p3.state <> 'done')
		ORDER BY c.name, s.uai`

// RightsChanges returns the changes of administrator whose directory work is not done, and
// those done in [from, to). Only the latest work of each school counts, and not a school whose
// access was never opened: that one has an account to create, not rights to move.
func (t *Tx) RightsChanges(from, to time.Time) ([]RightsChange, error) {
	rows, err := t.tx.QueryContext(t.ctx, rightsChangesQuery, fmtTime(from), fmtTime(to))
	if err != nil {
		return nil, fmt.Errorf("list changes of administrator for the directory: %w", err)
	}
	defer rows.Close()
	var out []RightsChange
	for rows.Next() {
		var r RightsChange
		var admin, due string
		var before, done sql.NullString
		if err := rows.Scan(&r.Commune, &r.UAI, &r.Name, &admin, &due, &before, &r.State, &done); err != nil {
			return nil, err
		}
		if err := json.Unmarshal([]byte(admin), &r.After); err != nil {
			return nil, fmt.Errorf("school %s: admin: %w", r.UAI, err)
		}
		r.Before = decodeContactPtr(before)
		r.DueAt, r.DoneAt = parseTime(due), parseTimePtr(done)
		out = append(out, r)
	}
	return out, rows.Err()
}

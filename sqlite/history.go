package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"

	"github.com/laclasse/intake/convention"
	"github.com/laclasse/intake/templates"
)

// SchoolEvent is one change in a school's history, for the reports.
type SchoolEvent struct {
	Commune string
	UAI     string
	Name    string
	Kind    convention.ChangeKind
	At      time.Time
}

// SchoolEvents returns every school's history, oldest first.
func (db *DB) SchoolEvents(ctx context.Context) ([]SchoolEvent, error) {
	return schoolEvents(ctx, db.db)
}

func schoolEvents(ctx context.Context, q queryer) ([]SchoolEvent, error) {
	return queryAll(ctx, q, scanSchoolEvent, `SELECT c.name, s.uai, s.name, ch.kind, ch.at FROM changes ch
		JOIN schools s ON s.id = ch.school_id JOIN communes c ON c.id = s.commune_id ORDER BY ch.at, ch.id`)
}

// scanSchoolEvent reads a row of commune name, UAI, school name, change kind and time.
func scanSchoolEvent(rows *sql.Rows) (SchoolEvent, error) {
	var e SchoolEvent
	var at string
	err := rows.Scan(&e.Commune, &e.UAI, &e.Name, &e.Kind, &at)
	e.At = parseTime(at)
	return e, err
}

// RequestFact is a decided request with its refused rows counted by field, for the reports.
type RequestFact struct {
	Commune     string
	ReceivedAt  time.Time
	State       convention.RequestState
	RefusedRows map[string]int
}

// RequestFacts returns every decided request of a declared commune, oldest first.
func (db *DB) RequestFacts(ctx context.Context) ([]RequestFact, error) {
	return requestFacts(ctx, db.db)
}

func requestFacts(ctx context.Context, q queryer) ([]RequestFact, error) {
	return requestFactsWhere(ctx, q, "")
}

// requestFactsQuery reads the decided requests of a declared commune that where selects.
func requestFactsQuery(where string) string {
	if where != "" {
		where = " AND " + where
	}
	return `SELECT r.id, c.name, r.received_at, r.state, r.refused_rows FROM requests r JOIN communes c ON c.id = r.commune_id
		WHERE r.state <> 'claimed'` + where + ` ORDER BY r.received_at, r.id`
}

// requestFactsWhere returns the decided requests of a declared commune that where (a condition
// on r, joined with AND; "" for none) selects, oldest first.
func requestFactsWhere(ctx context.Context, q queryer, where string, args ...any) ([]RequestFact, error) {
	rows, err := q.QueryContext(ctx, requestFactsQuery(where), args...)
	if err != nil {
		return nil, err
	}
	var out []RequestFact
	index := map[int64]int{} // the requests decided before their counts were recorded
	for rows.Next() {
		var id int64
		var f RequestFact
		var at string
		var counted sql.NullString
		if err := rows.Scan(&id, &f.Commune, &at, &f.State, &counted); err != nil {
			rows.Close()
			return nil, err
		}
		f.ReceivedAt, f.RefusedRows = parseTime(at), map[string]int{}
		if counted.Valid {
			// Counted when decided, over every problem: the store keeps only the first ones.
			if err := json.Unmarshal([]byte(counted.String), &f.RefusedRows); err != nil {
				rows.Close()
				return nil, fmt.Errorf("request %d: refused rows: %w", id, err)
			}
		} else {
			index[id] = len(out)
		}
		out = append(out, f)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if len(index) == 0 { // every request counted when decided: no problem to read
		return out, nil
	}
	// A refused row counts once, under the field of its first error.
	prows, err := q.QueryContext(ctx, `SELECT request_id, field FROM problems WHERE severity = 'error' GROUP BY request_id, file, sheet, row`)
	if err != nil {
		return nil, err
	}
	defer prows.Close()
	for prows.Next() {
		var id int64
		var field string
		if err := prows.Scan(&id, &field); err != nil {
			return nil, err
		}
		if i, ok := index[id]; ok {
			out[i].RefusedRows[field]++
		}
	}
	return out, prows.Err()
}

// Terminations returns the notices of termination recorded, by commune.
func (db *DB) Terminations(ctx context.Context) (map[string]time.Time, error) {
	rows, err := db.db.QueryContext(ctx, `SELECT c.name, t.received_at FROM terminations t JOIN communes c ON c.id = t.commune_id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]time.Time{}
	for rows.Next() {
		var c, at string
		if err := rows.Scan(&c, &at); err != nil {
			return nil, err
		}
		out[c] = parseTime(at)
	}
	return out, rows.Err()
}

// RecordTermination records a commune's notice of termination, received at receivedAt, and
// schedules the removal of its schools at effective. A second notice replaces the first.
func (db *DB) RecordTermination(ctx context.Context, commune string, receivedAt, effective time.Time) error {
	return db.recordTermination(ctx, commune, receivedAt, effective, "")
}

// recordTermination is RecordTermination, recorded as a staff action of by when by is not "".
func (db *DB) recordTermination(ctx context.Context, commune string, receivedAt, effective time.Time, by string) error {
	tx, err := db.begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	var id int64
	if err := tx.QueryRowContext(ctx, `SELECT id FROM communes WHERE name = ?`, commune).Scan(&id); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO terminations (commune_id, received_at, effective_at, recorded_at) VALUES (?, ?, ?, ?)
		ON CONFLICT (commune_id) DO UPDATE SET received_at = excluded.received_at, effective_at = excluded.effective_at, recorded_at = excluded.recorded_at`,
		id, fmtTime(receivedAt), fmtTime(effective), fmtTime(db.now())); err != nil {
		return err
	}
	var staffAction sql.NullInt64
	if by != "" {
		if staffAction.Int64, err = recordStaffAction(ctx, tx, StaffAction{Kind: StaffTerminate, By: by, At: db.now(), CommuneID: id,
			Detail: templates.StaffTerminated(receivedAt, effective)}); err != nil {
			return err
		}
		staffAction.Valid = true
	}
	rows, err := tx.QueryContext(ctx, `SELECT id, uai, name, admin FROM schools WHERE commune_id = ? AND status <> 'removed'`, id)
	if err != nil {
		return err
	}
	type sc struct {
		id             int64
		uai, name, adm string
	}
	var list []sc
	for rows.Next() {
		var s sc
		if err := rows.Scan(&s.id, &s.uai, &s.name, &s.adm); err != nil {
			rows.Close()
			return err
		}
		list = append(list, s)
	}
	rows.Close()
	for _, s := range list {
		ch := convention.Change{Kind: convention.ChangeScheduleRemov, UAI: s.uai, Name: s.name, At: receivedAt, RemoveAt: effective}
		if _, _, err := applyTo(ctx, tx, s.id, ch, receivedAt); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO changes (school_id, job, kind, at, after, detail, staff_action_id) VALUES (?, 'terminate', ?, ?, ?, ?, ?)`,
			s.id, ch.Kind, fmtTime(receivedAt), s.adm, encodeJSON(ch), staffAction); err != nil {
			return err
		}
	}
	return tx.Commit()
}

package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/laclasse/intake/convention"
)

// Tx is what a calendar job sees of the store, inside the transaction that also records it in the
// ledger: its reads and its effects commit together, or not at all.
type Tx struct {
	ctx context.Context
	tx  *sql.Tx
	job string
	at  time.Time
}

// RunJob runs a calendar job occurrence once. In one transaction it checks the ledger, calls fn
// (whose writes go through tx), queues the mail fn returns, and records name. If name is already in
// the ledger, fn is not called and RunJob returns false.
func (db *DB) RunJob(ctx context.Context, name string, at time.Time, fn func(tx *Tx) ([]convention.OutgoingMail, error)) (bool, error) {
	tx, err := db.begin(ctx)
	if err != nil {
		return false, err
	}
	defer tx.Rollback()
	res, err := tx.ExecContext(ctx, `INSERT INTO job_runs (name, ran_at) VALUES (?, ?) ON CONFLICT (name) DO NOTHING`, name, fmtTime(at))
	if err != nil {
		return false, fmt.Errorf("job %s: %w", name, err)
	}
	if n, err := res.RowsAffected(); err != nil || n == 0 {
		return false, err
	}
	mails, err := fn(&Tx{ctx: ctx, tx: tx.Tx, job: name, at: at})
	if err != nil {
		return false, fmt.Errorf("job %s: %w", name, err)
	}
	for _, m := range mails {
		if err := enqueue(ctx, tx, m, sql.NullInt64{}, db.now()); err != nil {
			return false, err
		}
	}
	return true, tx.Commit()
}

// Schools returns the registry as it stands in the transaction.
func (t *Tx) Schools() ([]convention.School, error) {
	m, err := registry(t.ctx, t.tx)
	if err != nil {
		return nil, err
	}
	return sortedSchools(m), nil
}

// Communes returns every commune with its contacts and counts.
func (t *Tx) Communes() ([]CommuneInfo, error) { return communes(t.ctx, t.tx) }

// RequestsBetween returns the requests decided in [from, to).
func (t *Tx) RequestsBetween(from, to time.Time) ([]RequestSummary, error) {
	return requestsBetween(t.ctx, t.tx, from, to)
}

// RemoveDue takes out of the convention every school whose removal is due at or before at (the
// yearly update), and returns them. Their history stays.
func (t *Tx) RemoveDue(at time.Time, only func(convention.School) bool) ([]convention.School, error) {
	reg, err := registry(t.ctx, t.tx)
	if err != nil {
		return nil, err
	}
	var out []convention.School
	for _, s := range sortedSchools(reg) {
		if s.Status == convention.StatusRemoved || s.RemoveAt == nil || s.RemoveAt.After(at) || (only != nil && !only(s)) {
			continue
		}
		var id int64
		if err := t.tx.QueryRowContext(t.ctx, `SELECT id FROM schools WHERE uai = ?`, s.UAI).Scan(&id); err != nil {
			return nil, err
		}
		ch := convention.Change{Kind: convention.ChangeRemove, UAI: s.UAI, Name: s.Name, At: *s.RemoveAt}
		if _, _, err := applyTo(t.ctx, t.tx, id, ch, *s.RemoveAt); err != nil {
			return nil, err
		}
		if _, err := t.tx.ExecContext(t.ctx, `INSERT INTO changes (school_id, job, kind, at, detail) VALUES (?, ?, 'remove', ?, ?)`,
			id, t.job, fmtTime(*s.RemoveAt), encodeJSON(ch)); err != nil {
			return nil, err
		}
		if err := queueTask(t.ctx, t.tx, id, taskOf(convention.ChangeRemove), sql.NullString{}, fmtTime(*s.RemoveAt)); err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, nil
}

// RemoveTerminated takes out the schools of communes whose termination takes effect at or before
// at, and returns them.
func (t *Tx) RemoveTerminated(at time.Time) ([]convention.School, error) {
	rows, err := t.tx.QueryContext(t.ctx, `SELECT c.name FROM terminations tm JOIN communes c ON c.id = tm.commune_id WHERE tm.effective_at <= ?`, fmtTime(at))
	if err != nil {
		return nil, err
	}
	ended := map[string]bool{}
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			rows.Close()
			return nil, err
		}
		ended[strings.ToLower(n)] = true
	}
	rows.Close()
	if len(ended) == 0 {
		return nil, nil
	}
	removed, err := t.RemoveDue(at, func(s convention.School) bool { return ended[strings.ToLower(s.Commune)] })
	return removed, err
}

// YearlyListBetween reports whether the commune sent, in [from, to), a list that was applied,
// or one whose removals wait for staff (held): either way the commune sent its list, and is
// neither reminded nor renewed by default.
func (t *Tx) YearlyListBetween(commune string, from, to time.Time) (bool, error) {
	var n int
	err := t.tx.QueryRowContext(t.ctx, `SELECT count(*) FROM requests r JOIN communes c ON c.id = r.commune_id
		WHERE c.name = ? AND r.state IN ('applied', 'held') AND r.received_at >= ? AND r.received_at < ?`, commune, fmtTime(from), fmtTime(to)).Scan(&n)
	return n > 0, err
}

// RecordRenewal records that the commune's list is renewed by default for schoolYear.
func (t *Tx) RecordRenewal(commune, schoolYear string) error {
	_, err := t.tx.ExecContext(t.ctx, `INSERT INTO renewals (commune_id, school_year, at, job) SELECT id, ?, ?, ? FROM communes WHERE name = ?
		ON CONFLICT (commune_id, school_year) DO NOTHING`, schoolYear, fmtTime(t.at), t.job, commune)
	return err
}

// AdminChangesBetween returns the changes of administrator made in [from, to).
func (t *Tx) AdminChangesBetween(from, to time.Time) ([]SchoolChange, error) {
	return changesBetween(t.ctx, t.tx, []convention.ChangeKind{convention.ChangeAdmin}, from, to)
}

// SchoolChange is a change with its commune, for summaries.
type SchoolChange struct {
	Commune string
	convention.Change
}

func changesBetween(ctx context.Context, q queryer, kinds []convention.ChangeKind, from, to time.Time) ([]SchoolChange, error) {
	names := make([]string, len(kinds))
	for i, k := range kinds {
		names[i] = string(k)
	}
	rows, err := q.QueryContext(ctx, `SELECT c.name, ch.detail FROM changes ch JOIN schools s ON s.id = ch.school_id JOIN communes c ON c.id = s.commune_id
		WHERE ch.at >= ? AND ch.at < ? AND ch.kind IN (SELECT value FROM json_each(?)) AND ch.detail IS NOT NULL ORDER BY ch.at, ch.id`,
		fmtTime(from), fmtTime(to), encodeJSON(names))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []SchoolChange
	for rows.Next() {
		var sc SchoolChange
		var detail string
		if err := rows.Scan(&sc.Commune, &detail); err != nil {
			return nil, err
		}
		if err := json.Unmarshal([]byte(detail), &sc.Change); err != nil {
			return nil, err
		}
		out = append(out, sc)
	}
	return out, rows.Err()
}

// Renewals returns, per commune, the school years its list was renewed by default.
func (db *DB) Renewals(ctx context.Context) (map[string][]string, error) {
	return renewals(ctx, db.db)
}

func renewals(ctx context.Context, q queryer) (map[string][]string, error) {
	rows, err := q.QueryContext(ctx, `SELECT c.name, r.school_year FROM renewals r JOIN communes c ON c.id = r.commune_id ORDER BY r.school_year`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string][]string{}
	for rows.Next() {
		var c, y string
		if err := rows.Scan(&c, &y); err != nil {
			return nil, err
		}
		out[c] = append(out[c], y)
	}
	return out, rows.Err()
}

// SchoolsAt replays the history of every school up to at and returns the registry as it stood
// (or, for a date to come, as the yearly update will leave it). Schools not yet known at that date
// are left out.
func (db *DB) SchoolsAt(ctx context.Context, at time.Time) ([]convention.School, error) {
	rows, err := db.db.QueryContext(ctx, `SELECT c.name, s.uai, ch.kind, ch.at, ch.after, ch.detail FROM changes ch
		JOIN schools s ON s.id = ch.school_id JOIN communes c ON c.id = s.commune_id
		WHERE ch.at <= ? ORDER BY ch.at, ch.id`, fmtTime(at))
	if err != nil {
		return nil, fmt.Errorf("replay registry: %w", err)
	}
	defer rows.Close()
	m := map[string]*convention.School{}
	for rows.Next() {
		var commune, uai, kind, when string
		var after, detail sql.NullString
		if err := rows.Scan(&commune, &uai, &kind, &when, &after, &detail); err != nil {
			return nil, err
		}
		var ch convention.Change
		if detail.Valid {
			_ = json.Unmarshal([]byte(detail.String), &ch)
		}
		t := parseTime(when)
		s := m[uai]
		if s == nil {
			s = &convention.School{Commune: commune, UAI: uai}
			m[uai] = s
		}
		ch.Kind = convention.ChangeKind(kind)
		*s = s.Apply(ch, t)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	out := make([]convention.School, 0, len(m))
	for _, s := range m {
		if s.RemoveAt != nil && !s.RemoveAt.After(at) {
			r := *s.RemoveAt
			s.Status, s.RemovedAt, s.RemoveAt = convention.StatusRemoved, &r, nil
		}
		out = append(out, *s)
	}
	sortSchools(out)
	return out, nil
}

// LastLists returns, per commune, the receipt of its last list applied (or holding removals)
// at or before at.
func (db *DB) LastLists(ctx context.Context, at time.Time) (map[string]time.Time, error) {
	rows, err := db.db.QueryContext(ctx, `SELECT c.name, max(r.received_at) FROM requests r JOIN communes c ON c.id = r.commune_id
		WHERE r.state IN ('applied', 'held') AND r.state <> 'claimed' AND r.received_at <= ? GROUP BY c.name`, fmtTime(at))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]time.Time{}
	for rows.Next() {
		var c, t string
		if err := rows.Scan(&c, &t); err != nil {
			return nil, err
		}
		out[c] = parseTime(t)
	}
	return out, rows.Err()
}

package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/laclasse/intake/convention"
	"github.com/laclasse/intake/templates"
)

// SyncCommunes records the communes the configuration declares, matched by INSEE code. A commune
// dropped from the configuration stays in the store with its history.
func (db *DB) SyncCommunes(ctx context.Context, communes []convention.Commune) error {
	tx, err := db.begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	for _, c := range communes {
		// Free the name first if another INSEE code held it (a renamed or corrected entry).
		if _, err := tx.ExecContext(ctx, `UPDATE communes SET name = name || ' (' || insee || ')' WHERE name = ? AND insee <> ?`, c.Name, c.INSEE); err != nil {
			return fmt.Errorf("sync commune %s: %w", c.Name, err)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO communes (name, insee) VALUES (?, ?)
			ON CONFLICT (insee) DO UPDATE SET name = excluded.name`, c.Name, c.INSEE); err != nil {
			return fmt.Errorf("sync commune %s: %w", c.Name, err)
		}
	}
	return tx.Commit()
}

// CommuneInfo is what the store knows of a commune beyond the configuration.
type CommuneInfo struct {
	Name       string
	INSEE      string
	Contacts   convention.CommuneContacts
	LastListAt *time.Time
	// LastSender is the address that sent the commune's last list applied ("" if none): who
	// to reach when no list gave contacts.
	LastSender    string
	ActiveSchools int
	Schools       int
}

// Communes returns every commune with its counts, by name.
func (db *DB) Communes(ctx context.Context) ([]CommuneInfo, error) { return communes(ctx, db.db) }

func communes(ctx context.Context, q queryer) ([]CommuneInfo, error) {
	rows, err := q.QueryContext(ctx, `SELECT c.name, c.insee, c.technical_referent, c.project_lead, c.last_list_at,
		(SELECT count(*) FROM schools s WHERE s.commune_id = c.id AND s.status = 'active'),
		(SELECT count(*) FROM schools s WHERE s.commune_id = c.id AND s.status <> 'removed'),
		(SELECT r.sender FROM requests r WHERE r.commune_id = c.id AND r.state IN ('applied', 'held') AND coalesce(r.sender, '') <> ''
			ORDER BY r.received_at DESC, r.id DESC LIMIT 1)
		FROM communes c ORDER BY c.name`)
	if err != nil {
		return nil, fmt.Errorf("list communes: %w", err)
	}
	defer rows.Close()
	var out []CommuneInfo
	for rows.Next() {
		var ci CommuneInfo
		var tr, pl, last, sender sql.NullString
		if err := rows.Scan(&ci.Name, &ci.INSEE, &tr, &pl, &last, &ci.ActiveSchools, &ci.Schools, &sender); err != nil {
			return nil, err
		}
		ci.Contacts.TechnicalReferent = decodeContactPtr(tr)
		ci.Contacts.ProjectLead = decodeContactPtr(pl)
		ci.LastListAt = parseTimePtr(last)
		ci.LastSender = sender.String
		out = append(out, ci)
	}
	return out, rows.Err()
}

// Schools returns the registry, by commune then UAI.
func (db *DB) Schools(ctx context.Context) ([]convention.School, error) {
	m, err := registry(ctx, db.db)
	if err != nil {
		return nil, err
	}
	return sortedSchools(m), nil
}

// Activate marks pending schools active, as someone who opened access by hand says. It returns
// ErrNotFound (naming the UAI) for a school that is not in the registry, and does nothing for a
// school already active.
func (db *DB) Activate(ctx context.Context, uais []string, at time.Time) ([]convention.School, error) {
	return db.ActivateAs(ctx, uais, at, "")
}

// ActivateAs is Activate by the staff member by, recorded in each school's history ("": by
// nobody named).
func (db *DB) ActivateAs(ctx context.Context, uais []string, at time.Time, by string) ([]convention.School, error) {
	tx, err := db.begin(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	var out []convention.School
	for _, uai := range uais {
		var id int64
		var status string
		err := tx.QueryRowContext(ctx, `SELECT id, status FROM schools WHERE uai = ?`, uai).Scan(&id, &status)
		if errors.Is(err, sql.ErrNoRows) {
			return nil, fmt.Errorf("school %s: %w", uai, ErrNotFound)
		} else if err != nil {
			return nil, err
		}
		if status != string(convention.StatusPending) {
			continue
		}
		if _, _, err := applyTo(ctx, tx, id, convention.Change{Kind: convention.ChangeActivate, UAI: uai, At: at}, at); err != nil {
			return nil, err
		}
		var staffAction sql.NullInt64
		if by != "" {
			if staffAction.Int64, err = recordStaffAction(ctx, tx, StaffAction{Kind: StaffActivate, By: by, At: at, SchoolID: id, Detail: templates.StaffActivated}); err != nil {
				return nil, err
			}
			staffAction.Valid = true
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO changes (school_id, job, kind, at, staff_action_id) VALUES (?, 'activate', ?, ?, ?)`, id, convention.ChangeActivate, fmtTime(at), staffAction); err != nil {
			return nil, err
		}
		// Opened by hand: the directory work that would have opened it is done (an update of
		// the administrator's details still carries them to the account).
		if _, err := tx.ExecContext(ctx, `UPDATE provisioning SET state = 'done', done_at = ?, last_error = 'opened by hand' WHERE school_id = ? AND kind IN ('activate', 'change_admin') AND state <> 'done'`, fmtTime(at), id); err != nil {
			return nil, err
		}
		if err := db.announceAccess(ctx, tx, id, at); err != nil {
			return nil, err
		}
	}
	m, err := registry(ctx, tx)
	if err != nil {
		return nil, err
	}
	for _, uai := range uais {
		out = append(out, m[uai])
	}
	return out, tx.Commit()
}

type queryer interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

// registry reads every school, keyed by UAI.
func registry(ctx context.Context, q queryer) (map[string]convention.School, error) {
	return readSchools(ctx, q, "", nil)
}

// registryOf reads the schools of one commune and the schools named, keyed by UAI.
func registryOf(ctx context.Context, q queryer, commune string, uais []string) (map[string]convention.School, error) {
	where, args := registryOfWhere(commune, uais)
	return readSchools(ctx, q, where, args)
}

func registryOfWhere(commune string, uais []string) (string, []any) {
	if uais == nil {
		uais = []string{}
	}
	// Written on the schools table alone, so that SQLite serves each side of the OR from its
	// index (schools_commune, the UAI's) instead of scanning every school. The UAIs go as one
	// JSON array, so that the query has two variables however long the list (SQLite refuses
	// more than 32,766).
	where := `WHERE s.commune_id = (SELECT id FROM communes WHERE name = ?) OR s.uai IN (SELECT value FROM json_each(?))`
	return where, []any{commune, encodeJSON(uais)}
}

const schoolsQuery = `SELECT c.name, s.uai, s.name, s.status, s.admin, s.received_at, s.due_at,
		s.active_at, s.remove_at, s.removed_at FROM schools s JOIN communes c ON c.id = s.commune_id `

func readSchools(ctx context.Context, q queryer, where string, args []any) (map[string]convention.School, error) {
	rows, err := q.QueryContext(ctx, schoolsQuery+where, args...)
	if err != nil {
		return nil, fmt.Errorf("read registry: %w", err)
	}
	defer rows.Close()
	m := map[string]convention.School{}
	for rows.Next() {
		s, err := scanSchool(rows)
		if err != nil {
			return nil, err
		}
		m[s.UAI] = s
	}
	return m, rows.Err()
}

// readSchoolRows is readSchools with each school's row (storedSchool), by UAI.
func readSchoolRows(ctx context.Context, q queryer, where string, args []any) (map[string]convention.School, map[string]storedSchool, error) {
	rows, err := q.QueryContext(ctx, schoolRowsQuery+where, args...)
	if err != nil {
		return nil, nil, fmt.Errorf("read registry: %w", err)
	}
	defer rows.Close()
	m, stored := map[string]convention.School{}, map[string]storedSchool{}
	for rows.Next() {
		var row storedSchool
		s, admin, err := scanSchoolFrom(rows.Scan, &row.id)
		if err != nil {
			return nil, nil, err
		}
		row.admin = admin
		m[s.UAI], stored[s.UAI] = s, row
	}
	return m, stored, rows.Err()
}

// scanSchool reads the row of schoolsQuery rows is on.
func scanSchool(rows *sql.Rows) (convention.School, error) {
	s, _, err := scanSchoolFrom(rows.Scan)
	return s, err
}

// schoolRowsQuery is schoolsQuery with each school's id first.
const schoolRowsQuery = `SELECT s.id, c.name, s.uai, s.name, s.status, s.admin, s.received_at, s.due_at,
		s.active_at, s.remove_at, s.removed_at FROM schools s JOIN communes c ON c.id = s.commune_id `

// schoolByUAIQuery is schoolRowsQuery for one school, by UAI.
const schoolByUAIQuery = schoolRowsQuery + `WHERE s.uai = ?`

// schoolByUAI reads school uai as it stands, with its id and its administrator as stored (the
// history's "before"); sql.ErrNoRows when there is none.
func schoolByUAI(ctx context.Context, q queryer, uai string) (id int64, s convention.School, admin sql.NullString, err error) {
	s, admin.String, err = scanSchoolFrom(q.QueryRowContext(ctx, schoolByUAIQuery, uai).Scan, &id)
	admin.Valid = err == nil
	return id, s, admin, err
}

// scanSchoolFrom reads with scan a row of schoolsQuery's columns after the first ones, and
// returns the administrator as stored too.
func scanSchoolFrom(scan func(...any) error, first ...any) (convention.School, string, error) {
	var s convention.School
	var admin, received, due string
	var active, removeAt, removed sql.NullString
	if err := scan(append(first, &s.Commune, &s.UAI, &s.Name, &s.Status, &admin, &received, &due, &active, &removeAt, &removed)...); err != nil {
		return s, "", err
	}
	if err := decodeAdmin(admin, &s.Admin); err != nil {
		return s, "", fmt.Errorf("school %s: admin: %w", s.UAI, err)
	}
	s.ReceivedAt, s.DueAt = parseTime(received), parseTime(due)
	s.ActiveAt, s.RemoveAt, s.RemovedAt = parseTimePtr(active), parseTimePtr(removeAt), parseTimePtr(removed)
	return s, admin, nil
}

// The state columns of a school (name, status, administrator, dates) are written from a
// convention.School as convention.School.Apply leaves it, never set one by one in SQL: how a
// change moves a school between states is decided in convention/ only, and the history replays
// (SchoolsAt) to what is stored.

// schoolByID reads school id as it stands.
func schoolByID(ctx context.Context, q queryer, id int64) (convention.School, error) {
	m, err := readSchools(ctx, q, `WHERE s.id = ?`, []any{id})
	if err != nil {
		return convention.School{}, err
	}
	for _, s := range m {
		return s, nil
	}
	return convention.School{}, fmt.Errorf("school %d: %w", id, ErrNotFound)
}

// writeSchool stores the state of school id as s holds it.
func writeSchool(ctx context.Context, q queryer, id int64, s convention.School) error {
	_, err := writeSchoolRow(ctx, q, id, s)
	return err
}

// writeSchoolRow is writeSchool, returning the row written.
func writeSchoolRow(ctx context.Context, q queryer, id int64, s convention.School) (storedSchool, error) {
	row := storedSchool{id: id, admin: encodeJSON(s.Admin)}
	_, err := q.ExecContext(ctx, `UPDATE schools SET name = ?, status = ?, admin = ?, received_at = ?, due_at = ?, active_at = ?, remove_at = ?, removed_at = ? WHERE id = ?`,
		s.Name, s.Status, row.admin, fmtTime(s.ReceivedAt), fmtTime(s.DueAt), fmtTimePtr(s.ActiveAt), fmtTimePtr(s.RemoveAt), fmtTimePtr(s.RemovedAt), id)
	if err != nil {
		return row, fmt.Errorf("write school %s: %w", s.UAI, err)
	}
	return row, nil
}

// applyTo moves school id as change ch, made at at, moves it (convention.School.Apply), and
// returns the school before and after.
func applyTo(ctx context.Context, q queryer, id int64, ch convention.Change, at time.Time) (before, after convention.School, err error) {
	if before, err = schoolByID(ctx, q, id); err != nil {
		return before, after, err
	}
	after = before.Apply(ch, at)
	return before, after, writeSchool(ctx, q, id, after)
}

// fmtTimePtr is a nullable time column.
func fmtTimePtr(t *time.Time) sql.NullString {
	if t == nil {
		return sql.NullString{}
	}
	return sql.NullString{String: fmtTime(*t), Valid: true}
}

func sortedSchools(m map[string]convention.School) []convention.School {
	out := make([]convention.School, 0, len(m))
	for _, s := range m {
		out = append(out, s)
	}
	sortSchools(out)
	return out
}

func decodeContactPtr(s sql.NullString) *convention.Contact {
	if !s.Valid || s.String == "" {
		return nil
	}
	var c convention.Contact
	if json.Unmarshal([]byte(s.String), &c) != nil {
		return nil
	}
	return &c
}

func encodeJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

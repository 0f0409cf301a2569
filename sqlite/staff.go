package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/laclasse/intake/convention"
	"github.com/laclasse/intake/templates"
)

// Staff actions: what the Métropole's staff do by hand (release a quarantined request, declare a
// sender, activate schools, confirm held removals, revert a request), each recorded with who did
// it, in the transaction of its effects, so that a school's history says who changed it.

// Kinds of staff action.
const (
	StaffRelease   = "release"    // a quarantined request decided again, as from a commune
	StaffAddSender = "add_sender" // a sender declared for a commune
	StaffActivate  = "activate"   // a school's access opened by hand
	StaffConfirm   = "confirm"    // held removals applied
	StaffRevert    = "revert"     // what a request changed undone
)

// Release is a staff member's decision to decide again a request that was quarantined
// (rejected), from its stored bytes, as from a commune: staff vouch for its sender.
type Release struct {
	By string
	// Commune is the commune the request is decided as from.
	Commune string
	// AddSender, when not "", is the bare address declared for the commune from then on.
	AddSender string
	// Reason is why the request had been quarantined, kept in the history.
	Reason string
	// target is the folder the message is in, where it stays.
	target sql.NullString
}

// StaffAction is one action of a staff member, where one of RequestID, SchoolID, CommuneID
// says what it was about (0: none).
type StaffAction struct {
	Kind      string
	By        string
	At        time.Time
	RequestID int64
	SchoolID  int64
	CommuneID int64
	Detail    string // in French, for the history
}

// recordStaffAction writes a, in the transaction of its effects, and returns its id.
func recordStaffAction(ctx context.Context, q queryer, a StaffAction) (int64, error) {
	null := func(id int64) sql.NullInt64 { return sql.NullInt64{Int64: id, Valid: id != 0} }
	var id int64
	err := q.QueryRowContext(ctx, `INSERT INTO staff_actions (kind, by, at, request_id, school_id, commune_id, detail) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		a.Kind, a.By, fmtTime(a.At), null(a.RequestID), null(a.SchoolID), null(a.CommuneID), a.Detail).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("record staff action %s by %s: %w", a.Kind, a.By, err)
	}
	return id, nil
}

// release writes, in a decision's transaction, what a staff release adds to it: the staff
// action, which the changes of the request name, and the sender declared.
func release(ctx context.Context, q queryer, r *Release, requestID, communeID int64, at time.Time) error {
	id, err := recordStaffAction(ctx, q, StaffAction{Kind: StaffRelease, By: r.By, At: at, RequestID: requestID, CommuneID: communeID, Detail: templates.StaffReleased(r.Reason)})
	if err != nil {
		return err
	}
	if _, err := q.ExecContext(ctx, `UPDATE changes SET staff_action_id = ? WHERE request_id = ?`, id, requestID); err != nil {
		return fmt.Errorf("release request %d: %w", requestID, err)
	}
	// The message stays in the folder it was quarantined to: never moved, never deleted.
	if _, err := q.ExecContext(ctx, `UPDATE requests SET target = ? WHERE id = ?`, r.target, requestID); err != nil {
		return fmt.Errorf("release request %d: %w", requestID, err)
	}
	if r.AddSender == "" {
		return nil
	}
	addr := strings.ToLower(strings.TrimSpace(r.AddSender))
	if _, err := q.ExecContext(ctx, `INSERT INTO commune_senders (commune_id, address, added_at, added_by, request_id) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (address, commune_id) DO NOTHING`, communeID, addr, fmtTime(at), r.By, requestID); err != nil {
		return fmt.Errorf("declare sender %s: %w", addr, err)
	}
	_, err = recordStaffAction(ctx, q, StaffAction{Kind: StaffAddSender, By: r.By, At: at, RequestID: requestID, CommuneID: communeID, Detail: templates.StaffSenderAdded(addr)})
	return err
}

// SenderCommune returns the commune for which staff declared the bare address addr, or
// ErrNotFound (an indexed look-up: read per decision, so that a running daemon sees a sender
// declared by `intaked release --add-sender` at once).
func (db *DB) SenderCommune(ctx context.Context, addr string) (string, error) {
	var name string
	err := db.queryRowCached(ctx, `SELECT c.name FROM commune_senders cs JOIN communes c ON c.id = cs.commune_id WHERE cs.address = ? ORDER BY cs.id LIMIT 1`,
		strings.ToLower(strings.TrimSpace(addr))).Scan(&name)
	if errors.Is(err, sql.ErrNoRows) {
		return "", ErrNotFound
	}
	return name, err
}

// StoreSenders returns the senders staff declared, by commune name: they add to the
// configuration's.
func (db *DB) StoreSenders(ctx context.Context) (map[string][]string, error) {
	rows, err := db.db.QueryContext(ctx, `SELECT c.name, cs.address FROM commune_senders cs JOIN communes c ON c.id = cs.commune_id ORDER BY cs.id`)
	if err != nil {
		return nil, fmt.Errorf("read declared senders: %w", err)
	}
	defer rows.Close()
	out := map[string][]string{}
	for rows.Next() {
		var c, a string
		if err := rows.Scan(&c, &a); err != nil {
			return nil, err
		}
		out[c] = append(out[c], a)
	}
	return out, rows.Err()
}

// RequestLine is what became of one message received, for `intaked requests`.
type RequestLine struct {
	ID         int64
	ReceivedAt time.Time
	Commune    string // "" when none
	Sender     string
	Subject    string
	State      convention.RequestState
	Reason     string
	// Changes counts the changes the request made to schools; an update of the same
	// administrator's details is not one (convention.ChangeAdminDetails).
	Changes     int
	RefusedRows int
}

// RequestFilter selects requests: each field left zero selects all.
type RequestFilter struct {
	Commune string
	State   convention.RequestState
	Since   time.Time
	// CommuneID selects one commune's requests by its id (the console's pages).
	CommuneID int64
	// Sender selects the requests of one bare address, lower case (the console's search).
	Sender string
	// Unhandled leaves out the requests a staff member marked handled (MarkHandled sets their
	// handled_at).
	Unhandled bool
}

// Requests returns the decided requests that f selects, newest first. A request still being
// decided (claimed) is left out. The query has at most three variables, and is served by the
// indexes on received_at, (commune_id, received_at), (state, received_at) and, for the forwarded
// messages still to handle, requests_forwarded_unhandled.
func (db *DB) Requests(ctx context.Context, f RequestFilter) ([]RequestLine, error) {
	query, args := requestsQuery(f)
	out, err := queryList(ctx, db.db, scanRequestLine, query, args...)
	if err != nil {
		return nil, fmt.Errorf("list requests: %w", err)
	}
	return out, nil
}

// scanRequestLine reads the row of requestsQuery rows is on.
func scanRequestLine(rows *sql.Rows) (RequestLine, error) {
	var s RequestLine
	var at string
	err := rows.Scan(&s.ID, &at, &s.Commune, &s.Sender, &s.Subject, &s.State, &s.Reason, &s.Changes, &s.RefusedRows)
	s.ReceivedAt = parseTime(at)
	return s, err
}

// countedChange is the SQL test a change's kind passes when the change counts among a request's
// changes (requests, the digest, the "déjà reçu" answer): an update of the same administrator's
// details is no change, and a removal held for staff, or dropped, changes nothing (once
// confirmed, its scheduled removal counts, once).
const countedChange = `NOT IN ('admin_details', 'hold_remove', 'drop_remove')`

// requestsQuery is the query of Requests for f, and its arguments.
func requestsQuery(f RequestFilter) (string, []any) {
	where, args := requestsWhere(f)
	return `SELECT r.id, r.received_at, coalesce(c.name, ''), coalesce(r.sender, ''), coalesce(r.subject, ''), r.state, coalesce(r.reason, ''),
		(SELECT count(*) FROM changes ch WHERE ch.request_id = r.id AND ch.kind ` + countedChange + `),
		CASE WHEN r.refused_rows IS NULL
			THEN (SELECT count(*) FROM (SELECT 1 FROM problems p WHERE p.request_id = r.id AND p.severity = 'error' GROUP BY p.file, p.sheet, p.row))
			ELSE (SELECT coalesce(sum(value), 0) FROM json_each(r.refused_rows)) END
		FROM requests r LEFT JOIN communes c ON c.id = r.commune_id
		` + where + ` ORDER BY r.received_at DESC, r.id DESC`, args
}

// requestsWhere is the WHERE clause on requests r that selects what f selects, and its
// arguments.
func requestsWhere(f RequestFilter) (string, []any) {
	var where []string
	var args []any
	if f.Commune != "" {
		where = append(where, `r.commune_id = (SELECT id FROM communes WHERE name = ?)`)
		args = append(args, f.Commune)
	}
	switch {
	case f.State == convention.StateForwarded && f.Unhandled:
		// Literal, and without the "not claimed" it implies (which requests_state_received
		// would serve), so that the partial index of the forwarded messages still to handle
		// serves it: their count walks those, not every message forwarded over the years.
		where = append(where, `r.state = 'forwarded' AND r.handled_at IS NULL`)
	case f.State != "":
		where = append(where, `r.state <> 'claimed'`, `r.state = ?`)
		args = append(args, f.State)
	default:
		where = append(where, `r.state <> 'claimed'`)
	}
	if !f.Since.IsZero() {
		where = append(where, `r.received_at >= ?`)
		args = append(args, fmtTime(f.Since))
	}
	if f.CommuneID != 0 {
		where = append(where, `r.commune_id = ?`)
		args = append(args, f.CommuneID)
	}
	if f.Sender != "" {
		where = append(where, `r.sender = ?`)
		args = append(args, f.Sender)
	}
	if f.Unhandled && f.State != convention.StateForwarded {
		where = append(where, `r.handled_at IS NULL`) // set by MarkHandled
	}
	return `WHERE ` + strings.Join(where, " AND "), args
}

// RequestByID returns request id as it stands, or ErrNotFound.
func (db *DB) RequestByID(ctx context.Context, id int64) (*Request, error) {
	return getRequest(ctx, db.db, `id = ?`, id)
}

// RequestReason returns why request id was decided as it was ("" when no reason was given).
func (db *DB) RequestReason(ctx context.Context, id int64) (string, error) {
	var reason sql.NullString
	err := db.db.QueryRowContext(ctx, `SELECT reason FROM requests WHERE id = ?`, id).Scan(&reason)
	if errors.Is(err, sql.ErrNoRows) {
		return "", ErrNotFound
	}
	return reason.String, err
}

// PendingUAIs returns the UAIs of the schools of commune whose access is still to open.
func (db *DB) PendingUAIs(ctx context.Context, commune string) ([]string, error) {
	out, err := queryColumn[string](ctx, db.db, `SELECT s.uai FROM schools s WHERE s.commune_id = (SELECT id FROM communes WHERE name = ?) AND s.status = 'pending' ORDER BY s.uai`, commune)
	if err != nil {
		return nil, fmt.Errorf("pending schools of %s: %w", commune, err)
	}
	return out, nil
}

// HistoryEntry is one change in a school's history, with the request or job that made it and,
// for a change made by hand, the staff member who made it.
type HistoryEntry struct {
	At        time.Time
	Kind      convention.ChangeKind
	RequestID int64  // 0: none
	Job       string // the calendar's job, or "activate" for an activation by hand
	By        string // the staff member, "" when none
	Staff     string // the staff action's kind, "" when none
	Detail    string // the staff action's detail
}

// History returns the history of the school uai, oldest first, or ErrNotFound.
func (db *DB) History(ctx context.Context, uai string) ([]HistoryEntry, error) {
	var schoolID int64
	err := db.db.QueryRowContext(ctx, `SELECT id FROM schools WHERE uai = ?`, uai).Scan(&schoolID)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("school %s: %w", uai, ErrNotFound)
	} else if err != nil {
		return nil, err
	}
	out, err := queryList(ctx, db.db, func(rows *sql.Rows) (HistoryEntry, error) {
		var e HistoryEntry
		var at string
		err := rows.Scan(&at, &e.Kind, &e.RequestID, &e.Job, &e.By, &e.Staff, &e.Detail)
		e.At = parseTime(at)
		return e, err
	}, `SELECT ch.at, ch.kind, coalesce(ch.request_id, 0), coalesce(ch.job, ''), coalesce(sa.by, ''), coalesce(sa.kind, ''), coalesce(sa.detail, '')
		FROM changes ch LEFT JOIN staff_actions sa ON sa.id = ch.staff_action_id WHERE ch.school_id = ? ORDER BY ch.at, ch.id`, schoolID)
	if err != nil {
		return nil, fmt.Errorf("history of %s: %w", uai, err)
	}
	return out, nil
}

// forgetDecision removes what the quarantine of request id wrote of its files and problems,
// before r decides it again, and keeps in r the folder the message is in.
func forgetDecision(ctx context.Context, q queryer, id int64, r *Release) error {
	if err := q.QueryRowContext(ctx, `SELECT target FROM requests WHERE id = ?`, id).Scan(&r.target); err != nil {
		return fmt.Errorf("release request %d: %w", id, err)
	}
	for _, table := range []string{"attachments", "problems"} {
		if _, err := q.ExecContext(ctx, `DELETE FROM `+table+` WHERE request_id = ?`, id); err != nil {
			return fmt.Errorf("release request %d: %w", id, err)
		}
	}
	return nil
}

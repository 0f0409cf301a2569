package sqlite

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/laclasse/intake/convention"
	"github.com/laclasse/intake/templates"
)

// Held removals: a list that would remove too many of a commune's schools (convention.HoldRule)
// has its removals recorded as held, not scheduled; staff confirm them (they become scheduled
// removals) or drop them (the schools stay), and the action is recorded with who did it.

// StaffDropHeld is the staff action that drops held removals (StaffConfirm applies them).
const StaffDropHeld = "drop_held"

// ErrNothingHeld is returned by ResolveHeld for a request that holds no removal (any more).
var ErrNothingHeld = errors.New("no held removal")

// HeldRemoval is a removal waiting for staff.
type HeldRemoval struct {
	RequestID  int64
	Commune    string
	ReceivedAt time.Time // the receipt of the list that asked for it
	HeldAt     time.Time
	UAI        string
	Name       string
}

const heldQuery = `SELECT h.request_id, c.name, r.received_at, h.held_at, s.uai, s.name FROM held_removals h
	JOIN requests r ON r.id = h.request_id JOIN schools s ON s.id = h.school_id JOIN communes c ON c.id = s.commune_id
	WHERE h.state = 'held' `

// HeldRemovals returns every removal still waiting for staff, by request then UAI.
func (db *DB) HeldRemovals(ctx context.Context) ([]HeldRemoval, error) {
	return heldRemovals(ctx, db.db, "ORDER BY h.request_id, s.uai")
}

// HeldRemovals returns every removal still waiting for staff, by request then UAI.
func (t *Tx) HeldRemovals() ([]HeldRemoval, error) {
	return heldRemovals(t.ctx, t.tx, "ORDER BY h.request_id, s.uai")
}

func heldRemovals(ctx context.Context, q queryer, rest string, args ...any) ([]HeldRemoval, error) {
	out, err := queryAll(ctx, q, func(rows *sql.Rows) (HeldRemoval, error) {
		var h HeldRemoval
		var received, held string
		err := rows.Scan(&h.RequestID, &h.Commune, &received, &held, &h.UAI, &h.Name)
		h.ReceivedAt, h.HeldAt = parseTime(received), parseTime(held)
		return h, err
	}, heldQuery+rest, args...)
	if err != nil {
		return nil, fmt.Errorf("read held removals: %w", err)
	}
	return out, nil
}

// Resolve is a staff decision on the held removals of one request.
type Resolve struct {
	RequestID int64
	By        string    // who decided, recorded in each school's history
	At        time.Time // when
	// Drop keeps the schools instead of removing them.
	Drop bool
	// RemoveAt returns the date a confirmed removal takes effect, from the receipt of the list
	// that asked for it (convention.Calendar.RemovalDate).
	RemoveAt func(receivedAt time.Time) time.Time
}

// ResolveHeld confirms or drops, in one transaction, every removal request r.RequestID holds:
// confirmed, each school is scheduled for removal (remove_at) as a normal removal would be;
// dropped, each school stays. Each school's history records the staff action and who did it,
// and the request is then "applied". It returns the removals resolved (RemoveAt filled when
// confirmed), ErrNotFound for an unknown request and ErrNothingHeld for a request that holds
// none.
func (db *DB) ResolveHeld(ctx context.Context, r Resolve) ([]convention.Change, error) {
	tx, err := db.begin(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	var received string
	var communeID sql.NullInt64
	err = tx.QueryRowContext(ctx, `SELECT received_at, commune_id FROM requests WHERE id = ?`, r.RequestID).Scan(&received, &communeID)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("request %d: %w", r.RequestID, ErrNotFound)
	} else if err != nil {
		return nil, fmt.Errorf("resolve held removals of request %d: %w", r.RequestID, err)
	}
	rows, err := tx.QueryContext(ctx, `SELECT h.id, s.id, s.uai, s.name, s.admin, s.status, s.remove_at FROM held_removals h JOIN schools s ON s.id = h.school_id
		WHERE h.request_id = ? AND h.state = 'held' ORDER BY s.uai`, r.RequestID)
	if err != nil {
		return nil, fmt.Errorf("resolve held removals of request %d: %w", r.RequestID, err)
	}
	type held struct {
		id, schoolID          int64
		uai, name, admin      string
		status                string
		alreadyRemovedOrSched bool
	}
	var list []held
	for rows.Next() {
		var h held
		var removeAt sql.NullString
		if err := rows.Scan(&h.id, &h.schoolID, &h.uai, &h.name, &h.admin, &h.status, &removeAt); err != nil {
			rows.Close()
			return nil, err
		}
		h.alreadyRemovedOrSched = h.status == string(convention.StatusRemoved) || removeAt.Valid
		list = append(list, h)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if len(list) == 0 {
		return nil, fmt.Errorf("request %d: %w", r.RequestID, ErrNothingHeld)
	}
	kind, state := StaffConfirm, "confirmed"
	if r.Drop {
		kind, state = StaffDropHeld, "dropped"
	}
	actionID, err := recordStaffAction(ctx, tx, StaffAction{Kind: kind, By: r.By, At: r.At, RequestID: r.RequestID, CommuneID: communeID.Int64,
		Detail: templates.StaffHeldDecided(r.Drop, r.RequestID, len(list))})
	if err != nil {
		return nil, err
	}
	at := fmtTime(r.At)
	removeAt := r.RemoveAt(parseTime(received))
	var out []convention.Change
	for _, h := range list {
		ch := convention.Change{Kind: convention.ChangeDropRemoval, UAI: h.uai, Name: h.name, At: r.At}
		var removeCol sql.NullString
		if !r.Drop {
			ch.Kind, ch.RemoveAt = convention.ChangeScheduleRemov, removeAt
			removeCol = sql.NullString{String: fmtTime(removeAt), Valid: true}
			// A school removed or scheduled meanwhile (a termination, a later list) keeps
			// its date; the hold is resolved all the same.
			if !h.alreadyRemovedOrSched {
				if _, _, err := applyTo(ctx, tx, h.schoolID, ch, r.At); err != nil {
					return nil, fmt.Errorf("confirm the removal of %s: %w", h.uai, err)
				}
			}
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO changes (school_id, request_id, job, kind, at, after, detail, staff_action_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
			h.schoolID, r.RequestID, "staff:"+kind, ch.Kind, at, h.admin, encodeJSON(ch), actionID); err != nil {
			return nil, fmt.Errorf("record the %s of %s: %w", ch.Kind, h.uai, err)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE held_removals SET state = ?, decided_at = ?, decided_by = ?, remove_at = ? WHERE id = ?`,
			state, at, r.By, removeCol, h.id); err != nil {
			return nil, fmt.Errorf("resolve the held removal of %s: %w", h.uai, err)
		}
		out = append(out, ch)
	}
	reason := templates.ReasonHeldConfirmed(len(list), r.By, r.At)
	if r.Drop {
		reason = templates.ReasonHeldDropped(len(list), r.By, r.At)
	}
	if _, err := tx.ExecContext(ctx, `UPDATE requests SET state = ?, reason = ? WHERE id = ? AND state = ?`, convention.StateApplied, reason, r.RequestID, convention.StateHeld); err != nil {
		return nil, fmt.Errorf("resolve held removals of request %d: %w", r.RequestID, err)
	}
	return out, tx.Commit()
}

// heldOfCommuneQuery reads the removals that other requests hold for staff among a commune's
// schools: from its schools (schools_commune), each looked up among the removals held only
// (held_removals_held_school, partial), so that it costs a lookup a school of the commune,
// never a walk of the removals held in the whole store nor of those decided over the years.
// CROSS JOIN keeps that order. The caller puts them in order.
const heldOfCommuneQuery = `SELECT h.id, h.request_id, s.id, s.uai, s.name, s.admin FROM schools s CROSS JOIN held_removals h
		WHERE s.commune_id = ? AND h.school_id = s.id AND h.state = 'held' AND h.request_id <> ?`

// settleHeld brings the removals that earlier lists of the commune hold in line with the list
// of request requestID, which named the schools named (a row, accepted or refused) and holds
// again the schools reheld. A held school the list names again stays: its held removal is
// dropped, and the school's history records it against this list, so that a later confirm
// cannot remove a school the commune has since listed. A school the list holds again is held
// once, by this list: the earlier hold is dropped without a history entry (this list's
// hold_remove is the entry). An earlier request left with nothing held is then "applied".
func settleHeld(ctx context.Context, tx queryer, communeID, requestID int64, named, reheld []string, at string) error {
	isNamed, isReheld := map[string]bool{}, map[string]bool{}
	for _, u := range named {
		isNamed[u] = true
	}
	for _, u := range reheld {
		isReheld[u] = true
	}
	rows, err := tx.QueryContext(ctx, heldOfCommuneQuery, communeID, requestID)
	if err != nil {
		return fmt.Errorf("settle held removals: %w", err)
	}
	type earlier struct {
		id, requestID, schoolID int64
		uai, name, admin        string
	}
	var list []earlier
	for rows.Next() {
		var e earlier
		if err := rows.Scan(&e.id, &e.requestID, &e.schoolID, &e.uai, &e.name, &e.admin); err != nil {
			rows.Close()
			return fmt.Errorf("settle held removals: %w", err)
		}
		list = append(list, e)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("settle held removals: %w", err)
	}
	slices.SortFunc(list, func(a, b earlier) int { return cmp.Compare(a.id, b.id) })
	by := settledBy(requestID)
	touched := map[int64]bool{}
	for _, e := range list {
		if !isReheld[e.uai] && !isNamed[e.uai] {
			continue
		}
		if _, err := tx.ExecContext(ctx, `UPDATE held_removals SET state = 'dropped', decided_at = ?, decided_by = ? WHERE id = ?`, at, by, e.id); err != nil {
			return fmt.Errorf("drop the held removal of %s: %w", e.uai, err)
		}
		touched[e.requestID] = true
		if isReheld[e.uai] {
			continue
		}
		ch := convention.Change{Kind: convention.ChangeDropRemoval, UAI: e.uai, Name: e.name, At: parseTime(at)}
		if _, err := tx.ExecContext(ctx, `INSERT INTO changes (school_id, request_id, kind, at, after, detail) VALUES (?, ?, ?, ?, ?, ?)`,
			e.schoolID, requestID, ch.Kind, at, e.admin, encodeJSON(ch)); err != nil {
			return fmt.Errorf("record the dropped removal of %s: %w", e.uai, err)
		}
	}
	for id := range touched {
		if _, err := tx.ExecContext(ctx, `UPDATE requests SET state = ? WHERE id = ? AND state = ?
			AND NOT EXISTS (SELECT 1 FROM held_removals WHERE request_id = ? AND state = 'held')`,
			convention.StateApplied, id, convention.StateHeld, id); err != nil {
			return fmt.Errorf("settle held removals of request %d: %w", id, err)
		}
		if err := heldReason(ctx, tx, id, templates.ReasonHeldSettled(requestID)); err != nil {
			return err
		}
	}
	return nil
}

// heldReason sets the reason of request id to what is true now of the removals it held: how
// many still wait for staff, of how many schools of its commune; or, when none does, settled.
func heldReason(ctx context.Context, tx queryer, id int64, settled string) error {
	var held, schools int
	if err := tx.QueryRowContext(ctx, `SELECT (SELECT count(*) FROM held_removals WHERE request_id = r.id AND state = 'held'),
		(SELECT count(*) FROM schools s WHERE s.commune_id = r.commune_id AND s.status <> 'removed') FROM requests r WHERE r.id = ?`, id).Scan(&held, &schools); err != nil {
		return fmt.Errorf("reason of request %d: %w", id, err)
	}
	reason := settled
	if held > 0 {
		reason = templates.ReasonHeld(held, schools)
	}
	if _, err := tx.ExecContext(ctx, `UPDATE requests SET reason = ? WHERE id = ?`, reason, id); err != nil {
		return fmt.Errorf("reason of request %d: %w", id, err)
	}
	return nil
}

// settledBy is the decided_by of a held removal that the list of request requestID settled.
func settledBy(requestID int64) string { return fmt.Sprintf("request:%d", requestID) }

// unsettleHeld puts back the held removals that the list of request requestID settled
// (settleHeld), when staff revert that request: each school whose removal an earlier list held,
// and that no other request holds, is held again by that earlier list, which is "held" again. It
// returns the schools held again, for their history.
func unsettleHeld(ctx context.Context, tx queryer, requestID int64) ([]HeldRemoval, error) {
	rows, err := tx.QueryContext(ctx, `SELECT h.id, h.request_id, r.received_at, s.uai, s.name FROM held_removals h JOIN schools s ON s.id = h.school_id
		JOIN requests r ON r.id = h.request_id WHERE h.state = 'dropped' AND h.decided_by = ? AND s.status <> 'removed' AND s.remove_at IS NULL
		AND NOT EXISTS (SELECT 1 FROM held_removals o WHERE o.school_id = h.school_id AND o.state = 'held') ORDER BY s.uai`, settledBy(requestID))
	if err != nil {
		return nil, fmt.Errorf("hold again what request %d settled: %w", requestID, err)
	}
	var ids []int64
	var out []HeldRemoval
	for rows.Next() {
		var id int64
		var h HeldRemoval
		var received string
		if err := rows.Scan(&id, &h.RequestID, &received, &h.UAI, &h.Name); err != nil {
			rows.Close()
			return nil, fmt.Errorf("hold again what request %d settled: %w", requestID, err)
		}
		h.ReceivedAt = parseTime(received)
		ids, out = append(ids, id), append(out, h)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for i, id := range ids {
		if _, err := tx.ExecContext(ctx, `UPDATE held_removals SET state = 'held', decided_at = NULL, decided_by = NULL WHERE id = ?`, id); err != nil {
			return nil, fmt.Errorf("hold again the removal of %s: %w", out[i].UAI, err)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE requests SET state = ? WHERE id = ? AND state = ?`, convention.StateHeld, out[i].RequestID, convention.StateApplied); err != nil {
			return nil, fmt.Errorf("hold again the removal of %s: %w", out[i].UAI, err)
		}
	}
	for _, h := range out {
		if err := heldReason(ctx, tx, h.RequestID, ""); err != nil {
			return nil, err
		}
	}
	return out, nil
}

package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/laclasse/intake/convention"
)

// TestForwardedToHandleOnTheirIndex: the forwarded messages still to handle, their page and
// their count, are read from requests_forwarded_unhandled, which holds those alone: the count on
// "Aujourd'hui" walks what is left to handle, never every message forwarded over the years.
func TestForwardedToHandleOnTheirIndex(t *testing.T) {
	db, _ := open(t)
	f := RequestFilter{State: convention.StateForwarded, Unhandled: true}
	query, args := requestsQuery(f)
	where, _ := requestsWhere(f)
	for name, q := range map[string]string{"page": query + ` LIMIT 50 OFFSET 0`, "count": `SELECT count(*) FROM requests r ` + where} {
		plan := strings.Join(queryPlan(t, db, q, args...), "\n")
		if !strings.Contains(plan, "USING INDEX requests_forwarded_unhandled") && !strings.Contains(plan, "USING COVERING INDEX requests_forwarded_unhandled") {
			t.Errorf("the %s of the forwarded messages to handle is not read from requests_forwarded_unhandled:\n%s", name, plan)
		}
		if name == "count" && !strings.HasPrefix(plan, "SCAN r USING COVERING INDEX requests_forwarded_unhandled") {
			t.Errorf("the count of the forwarded messages to handle reads their rows:\n%s", plan)
		}
		if strings.Contains(plan, "USE TEMP B-TREE FOR ORDER BY") {
			t.Errorf("the %s of the forwarded messages to handle sorts them:\n%s", name, plan)
		}
	}
}

// TestHandledSurvivesMigration: a store whose staff marked forwarded messages handled before
// migration 0016 keeps them handled: the migration sets their handled_at from the staff
// actions, and "Aujourd'hui" lists only the others, as it did.
func TestHandledSurvivesMigration(t *testing.T) {
	ctx := context.Background()
	db, path := open(t)
	var ids []int64
	for uid := uint32(1); uid <= 4; uid++ {
		ids = append(ids, decideForwarded(t, db, uid))
	}
	handled := map[int64]bool{ids[0]: true, ids[2]: true}
	for id := range handled {
		if err := db.MarkHandled(ctx, id, "camille@grandlyon.example", t0.Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
	}
	db.Close()

	// Back to the schema before 0016, with the staff actions as they were recorded.
	raw, err := sql.Open("sqlite", fileURI(path))
	if err != nil {
		t.Fatal(err)
	}
	for _, stmt := range []string{`DROP TRIGGER staff_actions_handled_at`, `DROP INDEX requests_forwarded_unhandled`, `ALTER TABLE requests DROP COLUMN handled_at`, `PRAGMA user_version = 15`} {
		if _, err := raw.Exec(stmt); err != nil {
			t.Fatalf("%s: %v", stmt, err)
		}
	}
	raw.Close()

	db, err = Open(ctx, path, func() time.Time { return t0 })
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	th, err := db.WaitingForStaff(ctx, 10)
	if err != nil {
		t.Fatal(err)
	}
	var left []int64
	for _, r := range th.Forwarded {
		left = append(left, r.ID)
	}
	if th.ForwardedTotal != 2 || len(left) != 2 || handled[left[0]] || handled[left[1]] {
		t.Errorf("after the migration, to handle: %v (%d in all), want %d and %d", left, th.ForwardedTotal, ids[3], ids[1])
	}
	for id := range handled {
		if err := db.MarkHandled(ctx, id, "x", t0.Add(2*time.Hour)); !errors.Is(err, ErrAlreadyHandled) {
			t.Errorf("request %d marked handled again after the migration: %v", id, err)
		}
	}
	if err := db.MarkHandled(ctx, ids[1], "x", t0.Add(2*time.Hour)); err != nil {
		t.Fatal(err)
	}
	if th, err := db.WaitingForStaff(ctx, 10); err != nil || th.ForwardedTotal != 1 || len(th.Forwarded) != 1 || th.Forwarded[0].ID != ids[3] {
		t.Errorf("after one more handled: %+v (%v), want request %d alone", th.Forwarded, err, ids[3])
	}
}

// TestHandledByAnOlderBinary: a message marked handled by a writer that knows nothing of
// handled_at (a daemon still running the binary of before migration 0016, whose first command
// of the new binary migrated the store) is handled for the new one too: the store's trigger sets
// it from the staff action.
func TestHandledByAnOlderBinary(t *testing.T) {
	ctx := context.Background()
	db, _ := open(t)
	a, b := decideForwarded(t, db, 1), decideForwarded(t, db, 2)
	// What the binary of before wrote: the staff action alone.
	if _, err := db.db.ExecContext(ctx, `INSERT INTO staff_actions (kind, by, at, request_id, commune_id, detail) VALUES ('handled', 'camille', ?, ?, 1, 'x')`, fmtTime(t0), a); err != nil {
		t.Fatal(err)
	}
	th, err := db.WaitingForStaff(ctx, 10)
	if err != nil {
		t.Fatal(err)
	}
	if th.ForwardedTotal != 1 || len(th.Forwarded) != 1 || th.Forwarded[0].ID != b {
		t.Errorf("to handle: %+v (%d in all), want request %d alone", th.Forwarded, th.ForwardedTotal, b)
	}
	if err := db.MarkHandled(ctx, a, "x", t0.Add(time.Hour)); !errors.Is(err, ErrAlreadyHandled) {
		t.Errorf("request %d, handled by the older binary, marked handled again: %v", a, err)
	}
	var at string
	if err := db.db.QueryRowContext(ctx, `SELECT handled_at FROM requests WHERE id = ?`, a).Scan(&at); err != nil || at != fmtTime(t0) {
		t.Errorf("handled_at = %q (%v), want the action's time %q", at, err, fmtTime(t0))
	}
}

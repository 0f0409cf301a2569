package sqlite

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/laclasse/intake/convention"
)

// decideHeld adds two schools with one request, then holds their removal with a second.
func decideHeld(t *testing.T, db *DB) int64 {
	t.Helper()
	ctx := context.Background()
	r1, _ := db.Claim(ctx, MessageKey{"INBOX", 1, 1}, t0, []byte("a"))
	if _, err := db.Decide(ctx, DecideInput{RequestID: r1.ID, Commune: "Givors"}, func(DecideView) (*convention.Decision, error) {
		return &convention.Decision{State: convention.StateApplied, Commune: "Givors", Target: "Traites", Changes: []convention.Change{addition("0690101K"), addition("0690114Z")}}, nil
	}); err != nil {
		t.Fatal(err)
	}
	r2, _ := db.Claim(ctx, MessageKey{"INBOX", 1, 2}, t0, []byte("b"))
	hold := func(uai string) convention.Change {
		return convention.Change{Kind: convention.ChangeHoldRemoval, UAI: uai, At: t0, Derived: true}
	}
	if _, err := db.Decide(ctx, DecideInput{RequestID: r2.ID, Commune: "Givors"}, func(DecideView) (*convention.Decision, error) {
		return &convention.Decision{State: convention.StateHeld, Commune: "Givors", Target: "Traites", Changes: []convention.Change{hold("0690101K"), hold("0690114Z")}}, nil
	}); err != nil {
		t.Fatalf("a held request is stored: %v", err)
	}
	return r2.ID
}

func TestResolveHeld(t *testing.T) {
	ctx := context.Background()
	july := time.Date(2027, 7, 1, 0, 0, 0, 0, time.UTC)
	removeAt := func(time.Time) time.Time { return july }
	t.Run("Confirm", func(t *testing.T) {
		db, _ := open(t)
		id := decideHeld(t, db)
		held, err := db.HeldRemovals(ctx)
		if err != nil || len(held) != 2 || held[0].RequestID != id || held[0].Commune != "Givors" {
			t.Fatalf("HeldRemovals = %+v, %v", held, err)
		}
		for _, s := range mustSchools(t, db) {
			if s.RemoveAt != nil {
				t.Fatalf("a held removal is scheduled: %+v", s)
			}
		}
		changes, err := db.ResolveHeld(ctx, Resolve{RequestID: id, By: "agent", At: t0.Add(time.Hour), RemoveAt: removeAt})
		if err != nil || len(changes) != 2 || changes[0].Kind != convention.ChangeScheduleRemov {
			t.Fatalf("ResolveHeld = %+v, %v", changes, err)
		}
		for _, s := range mustSchools(t, db) {
			if s.RemoveAt == nil || !s.RemoveAt.Equal(july) {
				t.Errorf("confirmed %s: remove_at %v", s.UAI, s.RemoveAt)
			}
		}
		if r, _ := db.RequestByID(ctx, id); r.State != convention.StateApplied {
			t.Errorf("request state %q, want applied once nothing is held", r.State)
		}
		if held, _ := db.HeldRemovals(ctx); len(held) != 0 {
			t.Errorf("still held: %+v", held)
		}
		if _, err := db.ResolveHeld(ctx, Resolve{RequestID: id, By: "agent", At: t0, RemoveAt: removeAt}); !errors.Is(err, ErrNothingHeld) {
			t.Errorf("second confirm: %v, want ErrNothingHeld", err)
		}
		h, err := db.History(ctx, "0690101K")
		if err != nil || h[len(h)-1].By != "agent" || h[len(h)-1].Staff != StaffConfirm {
			t.Errorf("history %+v, %v", h, err)
		}
	})
	t.Run("Drop", func(t *testing.T) {
		db, _ := open(t)
		id := decideHeld(t, db)
		if _, err := db.ResolveHeld(ctx, Resolve{RequestID: id, By: "agent", At: t0, Drop: true, RemoveAt: removeAt}); err != nil {
			t.Fatal(err)
		}
		for _, s := range mustSchools(t, db) {
			if s.RemoveAt != nil || s.Status != convention.StatusPending {
				t.Errorf("dropped %s: %+v", s.UAI, s)
			}
		}
	})
	t.Run("ErrNotFound", func(t *testing.T) {
		db, _ := open(t)
		if _, err := db.ResolveHeld(ctx, Resolve{RequestID: 99, By: "agent", At: t0, RemoveAt: removeAt}); !errors.Is(err, ErrNotFound) {
			t.Errorf("unknown request: %v", err)
		}
	})
}

func mustSchools(t *testing.T, db *DB) []convention.School {
	t.Helper()
	s, err := db.Schools(context.Background())
	if err != nil || len(s) == 0 {
		t.Fatalf("schools: %v, %v", s, err)
	}
	return s
}

// TestRebuiltRequestsKeepReferences: migration 5 rebuilds requests (its CHECK on state); every
// row that referenced a request still does, and the new states are accepted.
func TestRebuiltRequestsKeepReferences(t *testing.T) {
	ctx := context.Background()
	db := openSchema1(t)
	rows, err := db.db.QueryContext(ctx, "PRAGMA foreign_key_check")
	if err != nil {
		t.Fatal(err)
	}
	if rows.Next() {
		t.Error("foreign_key_check reports rows that lost their request")
	}
	rows.Close()
	var children int
	if err := db.db.QueryRowContext(ctx, `SELECT (SELECT count(*) FROM attachments) + (SELECT count(*) FROM changes WHERE request_id IS NOT NULL)`).Scan(&children); err != nil || children == 0 {
		t.Fatalf("children of requests: %d, %v", children, err)
	}
	for _, state := range []string{"forwarded", "held", "reverted"} {
		if _, err := db.db.ExecContext(ctx, `UPDATE requests SET state = ? WHERE id = (SELECT min(id) FROM requests)`, state); err != nil {
			t.Errorf("state %q refused: %v", state, err)
		}
	}
}

package sqlite

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/laclasse/intake/convention"
)

// TestStoredStateIsApplied: whatever moves a school (a list's changes, an activation, a
// confirmed hold, a revert), the registry stored is the history replayed through
// convention.School.Apply (SchoolsAt): the state machine lives in convention/ once.
func TestStoredStateIsApplied(t *testing.T) {
	ctx := context.Background()
	db, _ := open(t)
	day := func(n int) time.Time { return t0.AddDate(0, 0, n) }
	decide := func(uid uint32, at time.Time, state convention.RequestState, changes ...convention.Change) int64 {
		t.Helper()
		r, err := db.Claim(ctx, MessageKey{"INBOX", 1, uid}, at, []byte{byte(uid)})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.Decide(ctx, DecideInput{RequestID: r.ID, Commune: "Givors"}, func(DecideView) (*convention.Decision, error) {
			return &convention.Decision{State: state, Commune: "Givors", Target: "Traites", Changes: changes}, nil
		}); err != nil {
			t.Fatal(err)
		}
		return r.ID
	}
	same := func(when string, at time.Time) {
		t.Helper()
		stored := map[string]convention.School{}
		for _, s := range mustSchools(t, db) {
			stored[s.UAI] = s
		}
		replayed, err := db.SchoolsAt(ctx, at)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range replayed {
			s := stored[r.UAI]
			if r.Name != s.Name || r.Status != s.Status || r.Admin != s.Admin || !r.DueAt.Equal(s.DueAt) || !r.ReceivedAt.Equal(s.ReceivedAt) ||
				!sameTime(r.RemoveAt, s.RemoveAt) || !sameTime(r.ActiveAt, s.ActiveAt) || !sameTime(r.RemovedAt, s.RemovedAt) {
				t.Errorf("%s: %s replays as\n%+v\nstored as\n%+v", when, r.UAI, r, s)
			}
		}
		if len(replayed) != len(stored) {
			t.Errorf("%s: %d schools replayed, %d stored", when, len(replayed), len(stored))
		}
	}
	at := func(c convention.Change, when time.Time) convention.Change { c.At = when; return c }
	july := time.Date(2027, 7, 1, 0, 0, 0, 0, time.UTC)

	decide(1, day(0), convention.StateApplied, addition("0690101K"), addition("0690114Z"), addition("0690102L"), addition("0690103M"))
	if _, err := db.ActivateAs(ctx, []string{"0690101K", "0690114Z", "0690103M"}, day(1), "agent"); err != nil {
		t.Fatal(err)
	}
	same("after the adhesion and its activation", day(1))

	admin := at(addition("0690101K"), day(2))
	admin.Kind, admin.Admin, admin.Before, admin.DueAt = convention.ChangeAdmin, convention.Contact{LastName: "NOUVEAU", Email: "n@y.fr"}, &convention.Contact{LastName: "X", Email: "x@y.fr"}, convention.DueAt(day(2))
	rename := at(addition("0690114Z"), day(2))
	rename.Kind, rename.Name = convention.ChangeRename, "École renommée"
	details := at(addition("0690102L"), day(2))
	details.Kind, details.Admin.Role = convention.ChangeAdminDetails, "Directrice"
	removal := convention.Change{Kind: convention.ChangeScheduleRemov, UAI: "0690103M", At: day(2), RemoveAt: july}
	hold := convention.Change{Kind: convention.ChangeHoldRemoval, UAI: "0690102L", At: day(2), Derived: true}
	second := decide(2, day(2), convention.StateHeld, admin, rename, details, removal, hold)
	same("after a list of every kind of change", day(2))

	if _, err := db.ResolveHeld(ctx, Resolve{RequestID: second, By: "agent", At: day(3), RemoveAt: func(time.Time) time.Time { return july }}); err != nil {
		t.Fatal(err)
	}
	same("after a confirmed hold", day(3))

	if _, err := db.Revert(ctx, RevertInput{RequestID: second, By: "agent", At: day(4)}, func(RevertView) ([]convention.OutgoingMail, error) { return nil, nil }); err != nil {
		t.Fatal(err)
	}
	same("after the revert", day(4))
	for _, s := range mustSchools(t, db) {
		if s.UAI == "0690114Z" && s.Name != "École 0690114Z" {
			t.Errorf("the rename was not undone: %q", s.Name)
		}
		if s.UAI == "0690101K" && (s.Status != convention.StatusActive || s.Admin.Email != "x@y.fr" || !s.DueAt.Equal(convention.DueAt(t0))) {
			t.Errorf("the change of administrator the directory never made is not undone to the school as it was: %+v", s)
		}
		if s.RemoveAt != nil {
			t.Errorf("%s keeps a removal after the revert: %v", s.UAI, s.RemoveAt)
		}
	}

	decide(3, day(5), convention.StateApplied, at(addition("0690104N"), day(5)), convention.Change{Kind: convention.ChangeScheduleRemov, UAI: "0690101K", At: day(5), RemoveAt: day(6)})
	if _, err := db.RunJob(ctx, "yearly-update:test", day(6), func(tx *Tx) ([]convention.OutgoingMail, error) {
		_, err := tx.RemoveDue(day(6), nil)
		return nil, err
	}); err != nil {
		t.Fatal(err)
	}
	same("after a removal at the yearly update", day(6))
}

func sameTime(a, b *time.Time) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	return a.Equal(*b)
}

// TestRevertGivesRightsBack: a change of administrator that the directory carried out, once
// reverted, leaves the school pending with the previous administrator and queues the work that
// gives them the rights back (and takes them from the one reverted); a change never carried out
// leaves no work behind.
func TestRevertGivesRightsBack(t *testing.T) {
	ctx := context.Background()
	for _, carried := range []bool{true, false} {
		db, _ := open(t)
		r1, _ := db.Claim(ctx, MessageKey{"INBOX", 1, 1}, t0, []byte("a"))
		if _, err := db.Decide(ctx, DecideInput{RequestID: r1.ID, Commune: "Givors"}, func(DecideView) (*convention.Decision, error) {
			return &convention.Decision{State: convention.StateApplied, Commune: "Givors", Target: "Traites", Changes: []convention.Change{addition("0690101K")}}, nil
		}); err != nil {
			t.Fatal(err)
		}
		if _, err := db.ActivateAs(ctx, []string{"0690101K"}, t0.Add(time.Hour), "agent"); err != nil {
			t.Fatal(err)
		}
		ch := addition("0690101K")
		ch.Kind, ch.Admin, ch.Before = convention.ChangeAdmin, convention.Contact{LastName: "NOUVEAU", Email: "n@y.fr"}, &convention.Contact{LastName: "X", Email: "x@y.fr"}
		r2, _ := db.Claim(ctx, MessageKey{"INBOX", 1, 2}, t0, []byte("b"))
		if _, err := db.Decide(ctx, DecideInput{RequestID: r2.ID, Commune: "Givors"}, func(DecideView) (*convention.Decision, error) {
			return &convention.Decision{State: convention.StateApplied, Commune: "Givors", Target: "Traites", Changes: []convention.Change{ch}}, nil
		}); err != nil {
			t.Fatal(err)
		}
		if carried {
			task, err := db.NextTask(ctx, t0.Add(48*time.Hour))
			if err != nil || task.Kind != convention.TaskChangeAdmin {
				t.Fatalf("NextTask = %+v, %v; want the change of administrator", task, err)
			}
			if err := db.TaskDone(ctx, task.ID, t0.Add(2*time.Hour)); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := db.Revert(ctx, RevertInput{RequestID: r2.ID, By: "agent", At: t0.Add(3 * time.Hour)}, func(RevertView) ([]convention.OutgoingMail, error) { return nil, nil }); err != nil {
			t.Fatal(err)
		}
		s := mustSchools(t, db)[0]
		task, err := db.NextTask(ctx, t0.Add(48*time.Hour))
		switch {
		case s.Admin.Email != "x@y.fr":
			t.Errorf("carried %v: administrator %+v after the revert", carried, s.Admin)
		case carried && (s.Status != convention.StatusPending || err != nil || task.Kind != convention.TaskChangeAdmin || task.Before == nil || task.Before.Email != "n@y.fr"):
			t.Errorf("carried out, then reverted: %s, task %+v (%v); want pending, the rights given back", s.Status, task, err)
		case !carried && (s.Status != convention.StatusActive || !errors.Is(err, ErrNoneDue)):
			t.Errorf("never carried out, then reverted: %s, task %+v (%v); want active as before, no work", s.Status, task, err)
		}
	}
}

package sqlite

import (
	"context"
	"errors"
	"testing"

	"github.com/laclasse/intake/convention"
)

// TestAccessNotifier: an activation by hand or confirmed by the directory queues the "accès
// ouvert" mail in its own transaction, once; a notifier that fails leaves the school pending.
func TestAccessNotifier(t *testing.T) {
	ctx := context.Background()
	db, _ := open(t)
	r, _ := db.Claim(ctx, MessageKey{"INBOX", 1, 1}, t0, []byte("m"))
	if _, err := db.Decide(ctx, DecideInput{RequestID: r.ID}, func(DecideView) (*convention.Decision, error) {
		return &convention.Decision{State: convention.StateApplied, Commune: "Givors", Target: "Traites",
			Changes: []convention.Change{addition("0690101K"), addition("0690114Z"), addition("0690026D")}}, nil
	}); err != nil {
		t.Fatal(err)
	}
	var heard []AccessOpened
	fail := false
	db.SetAccessNotifier(func(_ context.Context, a AccessOpened) ([]convention.OutgoingMail, error) {
		if fail {
			return nil, errors.New("cannot compose")
		}
		heard = append(heard, a)
		return []convention.OutgoingMail{{Kind: "access_open", From: "p@l.fr", To: []string{a.School.Admin.Email}, Data: []byte("open " + a.School.UAI)}}, nil
	})

	t.Run("ByHand", func(t *testing.T) {
		if _, err := db.Activate(ctx, []string{"0690101K"}, t0); err != nil {
			t.Fatal(err)
		}
		if _, err := db.Activate(ctx, []string{"0690101K"}, t0); err != nil {
			t.Fatal(err)
		}
		if len(heard) != 1 || heard[0].School.UAI != "0690101K" || heard[0].School.Commune != "Givors" || heard[0].School.Status != convention.StatusActive {
			t.Fatalf("heard %+v", heard)
		}
	})
	t.Run("ByTheDirectory", func(t *testing.T) {
		for {
			task, err := db.NextTask(ctx, t0.Add(1))
			if errors.Is(err, ErrNoneDue) {
				break
			} else if err != nil {
				t.Fatal(err)
			}
			if task.School.UAI == "0690026D" {
				fail = true
				if err := db.TaskDone(ctx, task.ID, t0); err == nil {
					t.Error("TaskDone succeeded though the notifier failed")
				}
				fail = false
				if err := db.TaskFailed(ctx, task.ID, errors.New("later"), true, t0); err != nil {
					t.Fatal(err)
				}
				continue
			}
			if err := db.TaskDone(ctx, task.ID, t0); err != nil {
				t.Fatal(err)
			}
		}
		if len(heard) != 2 || heard[1].School.UAI != "0690114Z" {
			t.Fatalf("heard %+v", heard)
		}
		schools, _ := db.Schools(ctx)
		for _, s := range schools {
			if s.UAI == "0690026D" && s.Status != convention.StatusPending {
				t.Errorf("a failed announcement activated %s anyway", s.UAI)
			}
		}
	})
	ms, err := db.DueOutgoing(ctx, t0, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(ms) != 2 || ms[0].Kind != "access_open" || string(ms[0].Data) != "open 0690101K" || string(ms[1].Data) != "open 0690114Z" {
		t.Fatalf("outbox %+v", ms)
	}
}

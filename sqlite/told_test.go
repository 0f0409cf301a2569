package sqlite

import (
	"context"
	"testing"
	"time"

	"github.com/laclasse/intake/convention"
)

// TestAdminDetailsAndRights: the same administrator's new details change the school's contact
// and nothing else (no directory work, status and due date kept), and revert restores them; a
// real change of administrator is directory work that RightsChanges names with both
// administrators; the last list's sender is known for each commune.
func TestAdminDetailsAndRights(t *testing.T) {
	ctx := context.Background()
	db, _ := open(t)
	decide := func(uid uint32, sender string, ch convention.Change) int64 {
		t.Helper()
		r, _ := db.Claim(ctx, MessageKey{"INBOX", 1, uid}, t0, []byte{byte(uid)})
		if _, err := db.Decide(ctx, DecideInput{RequestID: r.ID, Commune: "Givors"}, func(DecideView) (*convention.Decision, error) {
			return &convention.Decision{State: convention.StateApplied, Commune: "Givors", Sender: sender, Target: "Traites", Changes: []convention.Change{ch}}, nil
		}); err != nil {
			t.Fatal(err)
		}
		return r.ID
	}
	rights := func() []RightsChange {
		t.Helper()
		var out []RightsChange
		if _, err := db.RunJob(ctx, "rights-"+time.Now().String(), t0, func(tx *Tx) ([]convention.OutgoingMail, error) {
			var err error
			out, err = tx.RightsChanges(t0.Add(-time.Hour), t0.Add(time.Hour))
			return nil, err
		}); err != nil {
			t.Fatal(err)
		}
		return out
	}
	add := addition("0690101K")
	decide(1, "secretariat@givors.fr", add)
	if _, err := db.Activate(ctx, []string{"0690101K"}, t0); err != nil {
		t.Fatal(err)
	}
	details := add.Admin
	details.Role = "Directrice"
	before := add.Admin
	id := decide(2, "mairie@givors.fr", convention.Change{Kind: convention.ChangeAdminDetails, UAI: "0690101K", Before: &before, Admin: details, At: t0})
	s := mustSchools(t, db)[0]
	if s.Status != convention.StatusActive || s.Admin != details {
		t.Fatalf("after new details: %+v", s)
	}
	if r := rights(); len(r) != 0 {
		t.Fatalf("new details made directory work: %+v", r)
	}
	infos, err := db.Communes(ctx)
	if err != nil || infos[0].Name != "Givors" || infos[0].LastSender != "mairie@givors.fr" || infos[1].LastSender != "" {
		t.Fatalf("communes: %v %+v", err, infos)
	}
	v, err := db.Revert(ctx, RevertInput{RequestID: id, By: "test", At: t0}, func(RevertView) ([]convention.OutgoingMail, error) { return nil, nil })
	if err != nil || len(v.Undone) != 0 {
		t.Fatalf("revert: %v %+v", err, v)
	}
	if s := mustSchools(t, db)[0]; s.Admin != add.Admin || s.Status != convention.StatusActive {
		t.Fatalf("after revert: %+v", s)
	}

	marie := convention.Contact{FirstName: "Marie", LastName: "Durand", Email: "marie.durand@ac-lyon.fr"}
	decide(3, "mairie@givors.fr", convention.Change{Kind: convention.ChangeAdmin, UAI: "0690101K", Before: &before, Admin: marie, At: t0, DueAt: convention.DueAt(t0)})
	r := rights()
	if len(r) != 1 || r[0].State != "waiting" || r[0].After != marie || r[0].Before == nil || *r[0].Before != add.Admin {
		t.Fatalf("rights = %+v", r)
	}
	if _, err := db.Activate(ctx, []string{"0690101K"}, t0); err != nil {
		t.Fatal(err)
	}
	if r := rights(); len(r) != 1 || r[0].State != "done" {
		t.Fatalf("after activation by hand, in the window: %+v", r)
	}
}

package sqlite

import (
	"context"
	"fmt"
	"testing"

	"github.com/laclasse/intake/convention"
)

// TestDecisionsReuseStatements checks that a message's claim and decision prepare their SQL once
// for the life of the store, not once per message: the second message of the same shape
// prepares nothing.
func TestDecisionsReuseStatements(t *testing.T) {
	ctx := context.Background()
	db, _ := open(t)
	handle := func(uid uint32) {
		t.Helper()
		r, err := db.Claim(ctx, MessageKey{"INBOX", 1, uid}, t0, []byte(fmt.Sprintf("message %d", uid)))
		if err != nil {
			t.Fatal(err)
		}
		uai := fmt.Sprintf("069%04dA", uid)
		if _, err := db.Decide(ctx, DecideInput{RequestID: r.ID, Commune: "Givors", MessageID: fmt.Sprintf("m%d@givors.fr", uid), UAIs: []string{uai},
			Attachments: []string{fmt.Sprintf("%064d", uid)}}, func(DecideView) (*convention.Decision, error) {
			return &convention.Decision{State: convention.StateApplied, Commune: "Givors", Target: "Traites", Changes: []convention.Change{addition(uai)},
				Attachments: []convention.AttachmentRecord{{Filename: "liste.xlsx", Format: "xlsx", SHA256: fmt.Sprintf("%064d", uid)}},
				Outgoing:    []convention.OutgoingMail{{Kind: "reply", From: "ent@grandlyon.example", To: []string{"mairie@givors.fr"}, Data: []byte("Subject: x\r\n\r\nx")}}}, nil
		}); err != nil {
			t.Fatal(err)
		}
	}
	handle(1)
	db.stmts.mu.Lock()
	first := db.stmts.prepares
	db.stmts.mu.Unlock()
	if first == 0 {
		t.Fatal("no statement kept prepared")
	}
	for uid := uint32(2); uid <= 4; uid++ {
		handle(uid)
	}
	db.stmts.mu.Lock()
	defer db.stmts.mu.Unlock()
	if db.stmts.prepares != first {
		t.Errorf("%d statements prepared for the first message, %d after three more of the same shape", first, db.stmts.prepares)
	}
}

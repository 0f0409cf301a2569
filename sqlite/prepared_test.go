package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/laclasse/intake/convention"
)

// TestDecisionsReuseStatements checks that a message's claim and decision prepare their SQL once
// for the life of the store, not once per message: the second message of the same shape
// prepares nothing. So do the mailbox's and the outbox's calls around them, and the queries of
// many rows.
func TestDecisionsReuseStatements(t *testing.T) {
	ctx := context.Background()
	db, _ := open(t)
	handle := func(uid uint32) {
		t.Helper()
		if _, err := db.RequestByKey(ctx, MessageKey{"INBOX", 1, uid}); !errors.Is(err, ErrNotFound) {
			t.Fatal(err)
		}
		if _, err := db.SenderCommune(ctx, "mairie@givors.fr"); !errors.Is(err, ErrNotFound) {
			t.Fatal(err)
		}
		r, err := db.Claim(ctx, MessageKey{"INBOX", 1, uid}, t0, []byte(fmt.Sprintf("message %d", uid)))
		if err != nil {
			t.Fatal(err)
		}
		defer func() {
			due, err := db.DueOutgoing(ctx, t0, 50)
			if err != nil || len(due) != 1 {
				t.Fatalf("due: %v, %v", due, err)
			}
			if err := db.MarkSent(ctx, due[0].ID, t0); err != nil {
				t.Fatal(err)
			}
			if err := db.MarkMoved(ctx, r.ID); err != nil {
				t.Fatal(err)
			}
		}()
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
	for _, q := range []string{"w.request_id = requests.id WHERE mailbox = ?", "FROM commune_senders", dueOutgoingQuery, "UPDATE outbox SET sent_at",
		"UPDATE requests SET moved_at", heldOfCommuneQuery, schoolRowsQuery + otherCommunesWhere} {
		kept := false
		for query := range db.stmts.stmts {
			kept = kept || strings.Contains(query, q)
		}
		if !kept {
			t.Errorf("%q is not kept prepared", q)
		}
	}
}

// TestQueryWhileItsRowsAreOpen: a query run again in a transaction while the rows it returned
// before are still read (a loop over them) gives its own rows and leaves the first ones whole:
// both would otherwise step the one SQLite statement the connection keeps prepared.
func TestQueryWhileItsRowsAreOpen(t *testing.T) {
	ctx := context.Background()
	db, _ := open(t)
	for i := range 4 {
		if err := cacheDecide(t, db, uint32(i+1), "Givors", nil, nil, addition(fmt.Sprintf("069000%dA", i))); err != nil {
			t.Fatal(err)
		}
	}
	const query = `SELECT uai FROM schools WHERE uai >= ? ORDER BY uai`
	tx, err := db.begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	uais := func(rows *sql.Rows) []string {
		t.Helper()
		var out []string
		for rows.Next() {
			var u string
			if err := rows.Scan(&u); err != nil {
				t.Fatal(err)
			}
			out = append(out, u)
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		return out
	}
	for round := range 2 { // the second round runs on the statement the first kept prepared
		outer, err := tx.QueryContext(ctx, query, "0690000A")
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for outer.Next() {
			var u string
			if err := outer.Scan(&u); err != nil {
				t.Fatal(err)
			}
			got = append(got, u)
			inner, err := tx.QueryContext(ctx, query, "0690002A")
			if err != nil {
				t.Fatal(err)
			}
			if in := uais(inner); !slices.Equal(in, []string{"0690002A", "0690003A"}) {
				t.Errorf("round %d: the query run inside the loop read %v", round, in)
			}
			if _, err := tx.ExecContext(ctx, query, "0690003A"); err != nil {
				t.Fatal(err)
			}
		}
		if err := outer.Err(); err != nil {
			t.Fatal(err)
		}
		outer.Close()
		if want := []string{"0690000A", "0690001A", "0690002A", "0690003A"}; !slices.Equal(got, want) {
			t.Errorf("round %d: the loop read %v, want %v", round, got, want)
		}
	}
	db.stmts.mu.Lock()
	defer db.stmts.mu.Unlock()
	if db.stmts.stmts[query] == nil {
		t.Error("the query was never kept prepared")
	}
}

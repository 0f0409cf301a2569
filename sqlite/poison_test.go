package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/laclasse/intake/convention"
)

// TestDecideManySchools: a decision that names 40,000 schools, more than SQLite takes variables
// in one statement (32,766), and whose message carries 40,000 files (their hashes), reads its
// view (the schools named that exist, and the commune's) and writes its changes.
func TestDecideManySchools(t *testing.T) {
	ctx := context.Background()
	db, _ := open(t)
	const n = 40_000
	uais := make([]string, n)
	hashes := make([]string, n)
	for i := range uais {
		d := fmt.Sprintf("%07d", 690000+i)
		uais[i] = d + string(convention.UAICheckLetter(d))
		hashes[i] = fmt.Sprintf("%064x", i)
	}
	// Grigny already has a few of them, and one school of its own that the list does not name.
	r0, _ := db.Claim(ctx, MessageKey{"INBOX", 1, 1}, t0, []byte("m0"))
	if _, err := db.Decide(ctx, DecideInput{RequestID: r0.ID, Commune: "Grigny"}, func(DecideView) (*convention.Decision, error) {
		return &convention.Decision{State: convention.StateApplied, Commune: "Grigny", Target: "Traites",
			Changes: []convention.Change{addition(uais[0]), addition(uais[n/2]), addition(uais[n-1]), addition("0699999B")}}, nil
	}); err != nil {
		t.Fatal(err)
	}
	r, _ := db.Claim(ctx, MessageKey{"INBOX", 1, 2}, t0, []byte("m"))
	_, err := db.Decide(ctx, DecideInput{RequestID: r.ID, MessageID: "big@givors.fr", Commune: "Givors", UAIs: uais, Attachments: hashes}, func(v DecideView) (*convention.Decision, error) {
		if len(v.Registry) != 3 || v.DuplicateOf != 0 {
			t.Errorf("view: %d schools (want the 3 named), duplicate of %d", len(v.Registry), v.DuplicateOf)
		}
		return &convention.Decision{State: convention.StateApplied, Commune: "Givors", Target: "Traites", Changes: []convention.Change{addition(uais[1])}}, nil
	})
	if err != nil {
		t.Fatalf("decide over 40,000 schools: %v", err)
	}
	// Grigny names them all: its view holds the ones that exist and its own.
	r2, _ := db.Claim(ctx, MessageKey{"INBOX", 1, 3}, t0, []byte("m2"))
	_, err = db.Decide(ctx, DecideInput{RequestID: r2.ID, MessageID: "big@grigny.fr", Commune: "Grigny", UAIs: uais, Attachments: hashes}, func(v DecideView) (*convention.Decision, error) {
		if len(v.Registry) != 5 {
			t.Errorf("view: %d schools, want 5", len(v.Registry))
		}
		return &convention.Decision{State: convention.StateRefused, Commune: "Grigny", Target: "Traites"}, nil
	})
	if err != nil {
		t.Fatalf("decide over 40,000 schools: %v", err)
	}
}

// TestDuplicateQueryUsesIndex: finding the same files from the same commune starts from the
// files' hashes (attachments_sha256), whatever the number of files.
func TestDuplicateQueryUsesIndex(t *testing.T) {
	db, _ := open(t)
	plan := queryPlan(t, db, `SELECT a.request_id FROM attachments a WHERE a.sha256 IN (SELECT value FROM json_each(?))`, `["h1","h2"]`)
	if !strings.Contains(strings.Join(plan, "\n"), "attachments_sha256") {
		t.Errorf("plan does not use attachments_sha256:\n%s", strings.Join(plan, "\n"))
	}
	where, args := registryOfWhere("Givors", nil)
	if len(args) != 2 || !strings.Contains(where, "json_each") {
		t.Errorf("registry query %q with %d variables, want 2", where, len(args))
	}
}

// TestRecordAttempt counts the failed attempts at a request until it is decided.
func TestRecordAttempt(t *testing.T) {
	ctx := context.Background()
	db, _ := open(t)
	r, _ := db.Claim(ctx, MessageKey{"INBOX", 1, 1}, t0, []byte("m"))
	for want := 1; want <= 3; want++ {
		n, err := db.RecordAttempt(ctx, r.ID, errors.New("boom"), t0.Add(time.Minute))
		if err != nil || n != want {
			t.Fatalf("attempt %d: %d, %v", want, n, err)
		}
	}
	if _, err := db.Decide(ctx, DecideInput{RequestID: r.ID}, func(DecideView) (*convention.Decision, error) {
		return &convention.Decision{State: convention.StateRejected, Target: "Rejetes", Reason: "x"}, nil
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := db.RecordAttempt(ctx, r.ID, errors.New("boom"), t0); !errors.Is(err, ErrAlreadyDecided) {
		t.Fatalf("attempt at a decided request: %v, want ErrAlreadyDecided", err)
	}
}

// TestUndeliverable: a mail refused for good is never due again, is listed by FailedMails in its
// window, and is counted apart from the mail waiting.
func TestUndeliverable(t *testing.T) {
	ctx := context.Background()
	db, _ := open(t)
	for _, to := range [][]string{{"gone@givors.fr"}, {"a@givors.fr", "gone@givors.fr"}, {"b@givors.fr"}} {
		if err := db.Enqueue(ctx, convention.OutgoingMail{Kind: "reply", From: "p@l.fr", To: to, Data: []byte("x")}); err != nil {
			t.Fatal(err)
		}
	}
	ms, _ := db.DueOutgoing(ctx, t0, 10)
	if len(ms) != 3 {
		t.Fatalf("due: %d", len(ms))
	}
	at := t0.Add(time.Minute)
	if err := db.MarkUndeliverable(ctx, ms[0].ID, []string{"gone@givors.fr"}, errors.New("550 no such mailbox"), at); err != nil {
		t.Fatal(err)
	}
	if err := db.MarkSent(ctx, ms[1].ID, at); err != nil {
		t.Fatal(err)
	}
	if err := db.MarkUndeliverable(ctx, ms[1].ID, []string{"gone@givors.fr"}, errors.New("550 no such mailbox"), at); err != nil {
		t.Fatal(err)
	}
	due, _ := db.DueOutgoing(ctx, t0.AddDate(1, 0, 0), 10)
	if len(due) != 1 || due[0].ID != ms[2].ID {
		t.Fatalf("due a year later: %+v, want only the third", due)
	}
	failed, err := db.FailedMails(ctx, t0, t0.Add(time.Hour))
	if err != nil || len(failed) != 2 {
		t.Fatalf("failed: %+v, %v", failed, err)
	}
	if f := failed[0]; f.ID != ms[0].ID || f.Delivered || strings.Join(f.To, ",") != "gone@givors.fr" || !f.FailedAt.Equal(at) || f.Error != "550 no such mailbox" {
		t.Errorf("failed[0] = %+v", f)
	}
	if f := failed[1]; f.ID != ms[1].ID || !f.Delivered || strings.Join(f.To, ",") != "gone@givors.fr" {
		t.Errorf("failed[1] = %+v", f)
	}
	if later, _ := db.FailedMails(ctx, t0.Add(time.Hour), t0.Add(2*time.Hour)); len(later) != 0 {
		t.Errorf("failed mails outside the window: %+v", later)
	}
	if st, err := db.Outbox(ctx); err != nil || st.Waiting != 1 || st.Failed != 1 {
		t.Errorf("outbox: %+v, %v; want 1 waiting, 1 failed", st, err)
	}
	errs, err := db.LastErrors(ctx, 10)
	if err != nil || len(errs) != 2 {
		t.Errorf("last errors: %+v, %v; want the two refusals", errs, err)
	}
}

// TestNoQueryScalesItsVariables keeps the rule of TestDecideManySchools for every query to come:
// a list goes to SQLite as one JSON array (json_each), never as one variable per item. The one
// exception is batch.go's multi-row INSERTs of a decision's history, a bounded chunk at a time
// (TestChunkedInsertsAreBounded).
func TestNoQueryScalesItsVariables(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") || name == "batch.go" {
			continue
		}
		src, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		for _, bad := range []string{`strings.Repeat(",?"`, `strings.Repeat("?,"`, `strings.Repeat(", ?"`, `= "?"`} {
			if strings.Contains(string(src), bad) {
				t.Errorf("%s builds a query with one variable per item (%s): pass a JSON array to json_each(?)", name, bad)
			}
		}
	}
}

// TestChunkedInsertsAreBounded: the multi-row INSERTs of a decision's history and directory work
// have a bounded number of variables however long the list (SQLite refuses more than 32,766),
// and a few statements, one per chunk size, write a list of any length.
func TestChunkedInsertsAreBounded(t *testing.T) {
	for _, c := range []struct {
		inserts []string
		columns int
	}{{insertChanges, changeColumns}, {insertTasks, taskColumns}} {
		for i, q := range c.inserts {
			if n := strings.Count(q, "?"); n != c.columns<<i || n > 2000 {
				t.Errorf("chunk %d: %d variables, want %d and at most 2000", i, n, c.columns<<i)
			}
		}
	}
}

// TestUnavailable: a store held by another writer is unavailable; a statement SQLite refuses,
// or a constraint, is not.
func TestUnavailable(t *testing.T) {
	ctx := context.Background()
	_, path := open(t)
	hold, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer hold.Close()
	conn, err := hold.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "BEGIN EXCLUSIVE"); err != nil {
		t.Fatal(err)
	}
	defer conn.ExecContext(ctx, "ROLLBACK")
	other, err := sql.Open("sqlite", path+"?_pragma=busy_timeout(10)")
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	_, busy := other.ExecContext(ctx, "INSERT INTO meta (key, value) VALUES ('x', 'y')")
	_, syntax := other.ExecContext(ctx, "INSERT INTO nowhere VALUES (1)")
	for _, tc := range []struct {
		name string
		err  error
		want bool
	}{
		{"Busy", fmt.Errorf("claim: %w", busy), true},
		{"ConnDone", sql.ErrConnDone, true},
		{"NoSuchTable", syntax, false},
		{"NotFound", ErrNotFound, false},
		{"Other", errors.New("x"), false},
	} {
		if tc.err == nil {
			t.Fatalf("%s: no error to classify", tc.name)
		}
		if got := Unavailable(tc.err); got != tc.want {
			t.Errorf("%s: Unavailable(%v) = %v, want %v", tc.name, tc.err, got, tc.want)
		}
	}
}

package sqlite

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/laclasse/intake/convention"
)

// decideWith claims message uid and decides it with problems and one reply to to.
func decideWith(t *testing.T, db *DB, uid uint32, problems []convention.Problem, maxReplies int, to string) *convention.Decision {
	t.Helper()
	ctx := context.Background()
	req, err := db.Claim(ctx, MessageKey{"INBOX", 1, uid}, t0, []byte("From: x@y\r\n\r\nbody"))
	if err != nil {
		t.Fatal(err)
	}
	d, err := db.Decide(ctx, DecideInput{RequestID: req.ID, Commune: "Givors", MaxRepliesPerAddress: maxReplies}, func(DecideView) (*convention.Decision, error) {
		return &convention.Decision{State: convention.StateRefused, Commune: "Givors", Target: "Traites", Problems: problems,
			Outgoing: []convention.OutgoingMail{{Kind: "reply", From: "us@x", To: []string{to}, Data: []byte("reply")}}}, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func badRows(n int) []convention.Problem {
	var out []convention.Problem
	for i := range n {
		// Two errors on each row: a row counts once, under its first error's field.
		out = append(out, convention.Problem{File: "a.csv", Sheet: "S", Row: i + 2, Field: "email", Severity: convention.SeverityError, Message: "adresse invalide"},
			convention.Problem{File: "a.csv", Sheet: "S", Row: i + 2, Field: "phone", Severity: convention.SeverityError, Message: "téléphone invalide"})
	}
	return append(out, convention.Problem{File: "a.csv", Sheet: "S", Row: 1, Field: "file", Severity: convention.SeverityWarning, Message: "remarque"})
}

// TestStoredProblemsBounded: the store keeps the first MaxStoredProblems problems and counts
// them all, for the summaries and the reports.
func TestStoredProblemsBounded(t *testing.T) {
	db, _ := open(t)
	ctx := context.Background()
	decideWith(t, db, 1, badRows(3000), 0, "a@givors.fr")
	var stored int
	if err := db.db.QueryRow(`SELECT count(*) FROM problems`).Scan(&stored); err != nil {
		t.Fatal(err)
	}
	if stored != MaxStoredProblems {
		t.Errorf("%d problems stored, want %d", stored, MaxStoredProblems)
	}
	facts, err := db.RequestFacts(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(facts) != 1 || fmt.Sprint(facts[0].RefusedRows) != "map[email:3000]" {
		t.Errorf("refused rows: %+v, want 3000 under email", facts)
	}
	reqs, err := db.RequestsBetween(ctx, t0.Add(-time.Hour), t0.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if len(reqs) != 1 || reqs[0].Errors != 6000 {
		t.Errorf("summary: %+v, want 6000 errors", reqs)
	}
}

// TestRepliesBoundedPerAddress: past the bound, a decision queues no mail to the address and
// records it as withheld; other addresses are not affected.
func TestRepliesBoundedPerAddress(t *testing.T) {
	db, _ := open(t)
	ctx := context.Background()
	for i := range 4 {
		d := decideWith(t, db, uint32(i+1), nil, 3, "Robot@Givors.fr")
		if want := i < 3; (len(d.Outgoing) == 1) != want {
			t.Errorf("message %d: %d mails queued", i+1, len(d.Outgoing))
		}
	}
	if d := decideWith(t, db, 10, nil, 3, "someone@givors.fr"); len(d.Outgoing) != 1 {
		t.Errorf("another address: %d mails queued, want 1", len(d.Outgoing))
	}
	reqs, err := db.RequestsBetween(ctx, t0.Add(-time.Hour), t0.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	var withheld []string
	for _, r := range reqs {
		withheld = append(withheld, r.RepliesWithheld...)
	}
	if fmt.Sprint(withheld) != "[robot@givors.fr]" {
		t.Errorf("withheld: %v, want the fourth reply to robot@givors.fr", withheld)
	}
}

// TestPurgeBefore: the purge empties raw messages and mails older than the cutoff, and the
// counts of a request decided before they were recorded (an older schema) survive it.
func TestPurgeBefore(t *testing.T) {
	db, _ := open(t)
	ctx := context.Background()
	decideWith(t, db, 1, badRows(5), 0, "a@givors.fr")
	// As an older binary wrote it: no counts on the request.
	if _, err := db.db.Exec(`UPDATE requests SET errors = NULL, warnings = NULL, refused_rows = NULL`); err != nil {
		t.Fatal(err)
	}
	if _, err := db.db.Exec(`UPDATE outbox SET sent_at = ?`, fmtTime(t0)); err != nil {
		t.Fatal(err)
	}
	before, err := db.RequestFacts(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var purged Purged
	at := t0.AddDate(2, 1, 0)
	if _, err := db.RunJob(ctx, "purge:test", at, func(tx *Tx) ([]convention.OutgoingMail, error) {
		purged, err = tx.PurgeBefore(at.AddDate(-2, 0, 0))
		return nil, err
	}); err != nil {
		t.Fatal(err)
	}
	if purged.Messages != 1 || purged.Mails != 1 {
		t.Errorf("purged %+v, want one message and one mail", purged)
	}
	var raw, data, problems, errs int
	if err := db.db.QueryRow(`SELECT (SELECT length(raw) FROM request_raws), (SELECT length(data) FROM outbox), (SELECT count(*) FROM problems), (SELECT errors FROM requests)`).
		Scan(&raw, &data, &problems, &errs); err != nil {
		t.Fatal(err)
	}
	if raw != 0 || data != 0 || problems != 0 || errs != 10 {
		t.Errorf("after the purge: raw %d, mail %d, problems %d, errors counted %d; want 0, 0, 0, 10", raw, data, problems, errs)
	}
	after, err := db.RequestFacts(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(after) != fmt.Sprint(before) {
		t.Errorf("the reports' counts changed:\n%+v\n%+v", before, after)
	}
}

package sqlite

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/laclasse/intake/convention"
)

// TestConsoleQueriesUseIndexes: every read of a console page is served by an index, so that a
// page costs the same with 45,000 schools, 2,000 communes and ten years of requests. The one
// search by a part of a name reads the schools' names (the only way to find "Pasteur" in
// "École élémentaire Louis Pasteur"), bounded by its LIMIT.
func TestConsoleQueriesUseIndexes(t *testing.T) {
	db, _ := open(t)
	now := fmtTime(t0)
	reqQuery := func(f RequestFilter) (string, []any) {
		q, args := requestsQuery(f)
		return q + ` LIMIT 50 OFFSET 0`, args
	}
	forwarded, fargs := reqQuery(RequestFilter{State: convention.StateForwarded, Unhandled: true})
	quarantined, qargs := reqQuery(RequestFilter{State: convention.StateRejected})
	ofCommune, cargs := reqQuery(RequestFilter{CommuneID: 1})
	ofSender, sargs := reqQuery(RequestFilter{Sender: "a@b.fr"})
	for _, q := range []struct {
		name, query string
		args        []any
		scans       []string
	}{
		{"activations due", `SELECT c.name, s.uai, s.name, s.due_at FROM schools s JOIN communes c ON c.id = s.commune_id
		WHERE s.status = 'pending' AND s.due_at < ? ORDER BY s.due_at, s.uai LIMIT 50 OFFSET 0`, []any{now}, []string{"SCAN s", "SCAN schools"}},
		{"activations counted", `SELECT count(*) FROM schools WHERE status = 'pending' AND due_at < ?`, []any{now}, []string{"SCAN schools"}},
		// The partial index of those still to handle is walked, no more (TestForwardedToHandleOnTheirIndex).
		{"forwarded to handle", forwarded, fargs, []string{"SCAN r USING INDEX requests_received_at", "SCAN r USING INDEX requests_state_received", "SEARCH r USING INDEX requests_state_received", "SCAN requests", "USE TEMP B-TREE FOR ORDER BY"}},
		{"quarantine", quarantined, qargs, []string{"SCAN r", "SCAN requests"}},
		{"a commune's requests", ofCommune, cargs, []string{"SCAN r", "SCAN requests"}},
		{"a sender's requests", ofSender, sargs, []string{"SCAN r", "SCAN requests"}},
		{"a commune's schools", schoolsQuery + `WHERE s.commune_id = ? ORDER BY s.status = 'removed', s.name, s.uai LIMIT 100 OFFSET 0`, []any{1}, []string{"SCAN s", "SCAN schools"}},
		{"a school", schoolsQuery + `WHERE s.uai = ?`, []any{"0690001A"}, []string{"SCAN s", "SCAN schools"}},
		{"the schools by UAI", schoolsQuery + `ORDER BY s.uai LIMIT 100 OFFSET 0`, nil, []string{"USE TEMP B-TREE"}},
		{"a request's mails", `SELECT id FROM outbox WHERE request_id = ? ORDER BY id LIMIT 200`, []any{1}, []string{"SCAN outbox"}},
		{"a request's changes", `SELECT s.uai FROM changes ch JOIN schools s ON s.id = ch.school_id LEFT JOIN staff_actions sa ON sa.id = ch.staff_action_id
		WHERE ch.request_id = ? ORDER BY ch.at, ch.id LIMIT 1000`, []any{1}, []string{"SCAN ch", "SCAN changes", "SCAN s"}},
		{"a commune's staff actions", `SELECT kind FROM staff_actions WHERE commune_id = ? ORDER BY id DESC LIMIT 200`, []any{1}, []string{"SCAN staff_actions"}},
		{"a commune's senders", `SELECT address FROM commune_senders WHERE commune_id = ? ORDER BY id LIMIT 200`, []any{1}, []string{"SCAN commune_senders"}},
		{"a commune's events", `SELECT c.name FROM communes c JOIN schools s ON s.commune_id = c.id JOIN changes ch ON ch.school_id = s.id WHERE c.name = ? ORDER BY ch.at, ch.id`,
			[]any{"Givors"}, []string{"SCAN s", "SCAN ch", "SCAN c"}},
		{"held requests", `SELECT h.request_id, count(*) FROM held_removals h JOIN requests r ON r.id = h.request_id WHERE h.state = 'held' GROUP BY h.request_id ORDER BY h.request_id LIMIT 50`,
			nil, []string{"SCAN r", "SCAN h USING INDEX", "SCAN held_removals"}}, // the partial index of the waiting ones is walked, no more
	} {
		plan := queryPlan(t, db, q.query, q.args...)
		for _, d := range plan {
			for _, scan := range q.scans {
				if strings.HasPrefix(d, scan) {
					t.Errorf("%s: %q in the plan:\n%s", q.name, scan, strings.Join(plan, "\n"))
				}
			}
		}
	}
}

// decideForwarded stores a request forwarded to staff, of Givors, with a reply mail.
func decideForwarded(t *testing.T, db *DB, uid uint32) int64 {
	t.Helper()
	ctx := context.Background()
	req, err := db.Claim(ctx, MessageKey{"INBOX", 1, uid}, t0, []byte("From: a@mairie-givors.fr\r\n\r\nune question"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Decide(ctx, DecideInput{RequestID: req.ID, Commune: "Givors"}, func(DecideView) (*convention.Decision, error) {
		return &convention.Decision{State: convention.StateForwarded, Commune: "Givors", Target: "Traites", Sender: "a@mairie-givors.fr",
			Outgoing: []convention.OutgoingMail{{Kind: KindAcknowledgement, From: "us@x", To: []string{"a@mairie-givors.fr"}, Data: []byte("Subject: Re: q\r\n\r\nbien reçu")}}}, nil
	}); err != nil {
		t.Fatal(err)
	}
	return req.ID
}

func TestMarkHandled(t *testing.T) {
	ctx := context.Background()
	db, _ := open(t)
	id := decideForwarded(t, db, 11)
	other := decideForwarded(t, db, 12)
	waiting := func() []int64 {
		t.Helper()
		w, err := db.WaitingForStaff(ctx, 10)
		if err != nil {
			t.Fatal(err)
		}
		var ids []int64
		for _, r := range w.Forwarded {
			ids = append(ids, r.ID)
		}
		if w.ForwardedTotal != len(ids) {
			t.Errorf("%d forwarded counted, %d listed", w.ForwardedTotal, len(ids))
		}
		return ids
	}
	if got := waiting(); len(got) != 2 {
		t.Fatalf("forwarded to handle: %v, want both", got)
	}
	if err := db.MarkHandled(ctx, id, "camille@grandlyon.example", t0.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if got := waiting(); len(got) != 1 || got[0] != other {
		t.Errorf("forwarded to handle after one handled: %v, want [%d]", got, other)
	}
	if err := db.MarkHandled(ctx, id, "x", t0); !errors.Is(err, ErrAlreadyHandled) {
		t.Errorf("handled twice: %v", err)
	}
	r, err := db.RequestDetail(ctx, id)
	if err != nil || r.Handled == nil || r.Handled.By != "camille@grandlyon.example" || r.Commune != "Givors" {
		t.Fatalf("RequestDetail = %+v, %v", r, err)
	}
	applied := decideHeld(t, db)
	if err := db.MarkHandled(ctx, applied, "x", t0); !errors.Is(err, ErrNotForwarded) {
		t.Errorf("a held request marked handled: %v", err)
	}
	if err := db.MarkHandled(ctx, 999, "x", t0); !errors.Is(err, ErrNotFound) {
		t.Errorf("an unknown request marked handled: %v", err)
	}
}

func TestResend(t *testing.T) {
	ctx := context.Background()
	db, _ := open(t)
	id := decideForwarded(t, db, 1)
	mails, err := db.RequestMails(ctx, id)
	if err != nil || len(mails) != 1 || mails[0].Kind != KindAcknowledgement || mails[0].To[0] != "a@mairie-givors.fr" {
		t.Fatalf("RequestMails = %+v, %v", mails, err)
	}
	if err := db.MarkSent(ctx, mails[0].ID, t0); err != nil {
		t.Fatal(err)
	}
	got, err := db.Resend(ctx, mails[0].ID, "camille", t0.Add(time.Hour))
	if err != nil || got != id {
		t.Fatalf("Resend = %d, %v", got, err)
	}
	mails, _ = db.RequestMails(ctx, id)
	if len(mails) != 2 || string(mails[1].Data) != string(mails[0].Data) || mails[1].SentAt != nil || mails[1].To[0] != "a@mairie-givors.fr" {
		t.Fatalf("after a resend: %+v", mails)
	}
	due, _ := db.DueOutgoing(ctx, t0.Add(2*time.Hour), 10)
	if len(due) != 1 || due[0].ID != mails[1].ID {
		t.Errorf("due after a resend: %+v", due)
	}
	acts, _ := db.RequestStaffActions(ctx, id)
	if len(acts) != 1 || acts[0].Kind != StaffResend || acts[0].By != "camille" {
		t.Errorf("staff actions: %+v", acts)
	}
	// A mail of our own (no request), or purged, is not sent again.
	if err := db.Enqueue(ctx, convention.OutgoingMail{Kind: "digest", From: "us@x", To: []string{"staff@x"}, Data: []byte("d")}); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Resend(ctx, mails[1].ID+1, "camille", t0); !errors.Is(err, ErrNotResendable) {
		t.Errorf("a digest resent: %v", err)
	}
	if _, err := db.Resend(ctx, 999, "camille", t0); !errors.Is(err, ErrNotResendable) {
		t.Errorf("an unknown mail resent: %v", err)
	}
}

func TestRecordTerminationAs(t *testing.T) {
	ctx := context.Background()
	db, _ := open(t)
	decideHeld(t, db)
	received := time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC)
	effective := time.Date(2027, 3, 2, 0, 0, 0, 0, time.UTC)
	if err := db.RecordTerminationAs(ctx, "Givors", received, effective, "camille"); err != nil {
		t.Fatal(err)
	}
	c, err := db.CommuneByINSEE(ctx, "69091")
	if err != nil || c.Termination == nil || !c.Termination.EffectiveAt.Equal(effective) || c.Name != "Givors" || c.Pending != 2 {
		t.Fatalf("CommuneByINSEE = %+v, %v", c, err)
	}
	acts, err := db.CommuneStaffActions(ctx, c.ID)
	if err != nil || len(acts) != 1 || acts[0].Kind != StaffTerminate || acts[0].By != "camille" {
		t.Fatalf("staff actions of Givors: %+v, %v", acts, err)
	}
	h, _ := db.History(ctx, "0690101K")
	last := h[len(h)-1]
	if last.Kind != convention.ChangeScheduleRemov || last.By != "camille" || last.Staff != StaffTerminate {
		t.Errorf("the school's history ends with %+v, want the termination by camille", last)
	}
}

func TestConsoleReads(t *testing.T) {
	ctx := context.Background()
	db, _ := open(t)
	decideHeld(t, db)
	decideForwarded(t, db, 3)
	t.Run("PendingDue", func(t *testing.T) {
		due, total, err := db.PendingDue(ctx, t0.Add(15*24*time.Hour), Page{Limit: 1})
		if err != nil || total != 2 || len(due) != 1 || due[0].Commune != "Givors" {
			t.Fatalf("PendingDue = %+v, %d, %v", due, total, err)
		}
		if _, total, _ := db.PendingDue(ctx, t0, Page{}); total != 0 {
			t.Errorf("%d due before they were added", total)
		}
	})
	t.Run("Held", func(t *testing.T) {
		held, err := db.HeldRequests(ctx, Page{})
		if err != nil || len(held) != 1 || held[0].Schools != 2 || held[0].Commune != "Givors" {
			t.Fatalf("HeldRequests = %+v, %v", held, err)
		}
		if ids, _ := db.HeldFor(ctx, "0690101K"); len(ids) != 1 || ids[0] != held[0].RequestID {
			t.Errorf("HeldFor = %v", ids)
		}
	})
	t.Run("Pages", func(t *testing.T) {
		communes, total, err := db.CommunePage(ctx, Page{})
		if err != nil || total != 2 || communes[0].Name != "Givors" || communes[0].Pending != 2 {
			t.Fatalf("CommunePage = %+v, %d, %v", communes, total, err)
		}
		schools, total, err := db.SchoolPage(ctx, Page{Limit: 1, Offset: 1})
		if err != nil || total != 2 || len(schools) != 1 || schools[0].UAI != "0690114Z" {
			t.Fatalf("SchoolPage = %+v, %d, %v", schools, total, err)
		}
		if _, err := db.SchoolByUAI(ctx, "0000000A"); !errors.Is(err, ErrNotFound) {
			t.Errorf("an unknown school: %v", err)
		}
	})
	t.Run("Search", func(t *testing.T) {
		for term, want := range map[string]int{"0690101k": 1, "école": 0, "%": 0, "a@mairie-givors.fr": 0, "": 0} {
			f, err := db.Search(ctx, term)
			if err != nil || len(f.Schools) != want {
				t.Errorf("Search(%q): %d schools, %v; want %d", term, len(f.Schools), err, want)
			}
		}
		f, _ := db.Search(ctx, "A@Mairie-Givors.fr")
		if len(f.Requests) != 1 {
			t.Errorf("search by a sender: %+v", f.Requests)
		}
		if f, _ := db.Search(ctx, "griG"); len(f.Communes) != 1 || f.Communes[0] != "Grigny" {
			t.Errorf("search for a commune: %+v", f.Communes)
		}
	})
}

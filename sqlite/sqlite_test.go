package sqlite

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/laclasse/intake/convention"
)

var t0 = time.Date(2026, 9, 14, 8, 0, 0, 0, time.UTC)

func open(t *testing.T) (*DB, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "intake.db")
	db, err := Open(context.Background(), path, func() time.Time { return t0 })
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := db.SyncCommunes(context.Background(), []convention.Commune{{Name: "Givors", INSEE: "69091"}, {Name: "Grigny", INSEE: "69096"}}); err != nil {
		t.Fatal(err)
	}
	return db, path
}

func TestOpen(t *testing.T) {
	ctx := context.Background()
	t.Run("ReopenKeepsData", func(t *testing.T) {
		db, path := open(t)
		if _, err := db.Claim(ctx, MessageKey{"INBOX", 1, 1}, t0, []byte("x")); err != nil {
			t.Fatal(err)
		}
		db.Close()
		db2, err := Open(ctx, path, nil)
		if err != nil {
			t.Fatal(err)
		}
		defer db2.Close()
		if _, err := db2.RequestByKey(ctx, MessageKey{"INBOX", 1, 1}); err != nil {
			t.Fatalf("claim lost across reopen: %v", err)
		}
	})
	t.Run("PathWithURICharacters", func(t *testing.T) {
		// '#', '?' and '%' mean something in a file: URI; the store must still be the file
		// asked for, with its pragmas (WAL).
		dir := filepath.Join(t.TempDir(), "a#b?c%41d", "e f")
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(dir, "intake.db")
		db, err := Open(ctx, path, nil)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		var mode string
		if err := db.db.QueryRow("PRAGMA journal_mode").Scan(&mode); err != nil {
			t.Fatal(err)
		}
		if mode != "wal" {
			t.Errorf("journal_mode = %q, want wal: the pragmas were not applied", mode)
		}
		var file string
		if err := db.db.QueryRow("SELECT file FROM pragma_database_list WHERE name = 'main'").Scan(&file); err != nil {
			t.Fatal(err)
		}
		if file != path {
			t.Errorf("opened %q, want %q", file, path)
		}
		if _, err := os.Stat(path); err != nil {
			t.Errorf("store not created where asked: %v", err)
		}
		entries, _ := os.ReadDir(filepath.Dir(dir))
		if len(entries) != 1 {
			t.Errorf("files next to the store's directory: %v, want only %q", entries, filepath.Base(dir))
		}
	})
	t.Run("ErrNewerSchema", func(t *testing.T) {
		db, path := open(t)
		if _, err := db.db.Exec("PRAGMA user_version = 99"); err != nil {
			t.Fatal(err)
		}
		db.Close()
		_, err := Open(ctx, path, nil)
		if !errors.Is(err, ErrNewerSchema) {
			t.Fatalf("want ErrNewerSchema, got %v", err)
		}
	})
}

func TestClaim(t *testing.T) {
	ctx := context.Background()
	db, _ := open(t)
	key := MessageKey{"INBOX", 7, 42}
	r1, err := db.Claim(ctx, key, t0, []byte("raw"))
	if err != nil {
		t.Fatal(err)
	}
	r2, err := db.Claim(ctx, key, t0.Add(time.Hour), []byte("other"))
	if err != nil {
		t.Fatal(err)
	}
	if r1.ID != r2.ID || string(r2.Raw) != "raw" || !r2.ReceivedAt.Equal(t0) || r2.State != convention.StateClaimed {
		t.Fatalf("a second claim must return the first: %+v vs %+v", r1, r2)
	}
}

func addition(uai string) convention.Change {
	return convention.Change{Kind: convention.ChangeAdd, UAI: uai, Name: "École " + uai, Admin: convention.Contact{LastName: "X", Email: "x@y.fr"}, At: t0, DueAt: convention.DueAt(t0)}
}

func TestDecide(t *testing.T) {
	ctx := context.Background()
	t.Run("AllOrNothing", func(t *testing.T) {
		db, _ := open(t)
		r, _ := db.Claim(ctx, MessageKey{"INBOX", 1, 1}, t0, []byte("m"))
		_, err := db.Decide(ctx, DecideInput{RequestID: r.ID}, func(DecideView) (*convention.Decision, error) {
			return &convention.Decision{State: convention.StateApplied, Commune: "Givors", Target: "Traites",
				Changes: []convention.Change{addition("0690101K"), {Kind: convention.ChangeAdmin, UAI: "0690114Z"}}}, nil
		})
		if err == nil {
			t.Fatal("a change to an unknown school must fail the decision")
		}
		schools, _ := db.Schools(ctx)
		if len(schools) != 0 {
			t.Fatalf("half a decision was written: %+v", schools)
		}
		r2, _ := db.RequestByKey(ctx, r.Key)
		if r2.State != convention.StateClaimed {
			t.Fatalf("state = %s, want claimed", r2.State)
		}
	})
	t.Run("OK", func(t *testing.T) {
		db, _ := open(t)
		r, _ := db.Claim(ctx, MessageKey{"INBOX", 1, 1}, t0, []byte("m"))
		d, err := db.Decide(ctx, DecideInput{RequestID: r.ID, MessageID: "a@b"}, func(v DecideView) (*convention.Decision, error) {
			if len(v.Registry) != 0 || v.DuplicateOf != 0 {
				t.Errorf("view = %+v", v)
			}
			return &convention.Decision{State: convention.StateApplied, Commune: "Givors", Target: "Traites", MessageID: "a@b",
				Attachments: []convention.AttachmentRecord{{Filename: "l.xlsx", Format: "xlsx", SHA256: "h1"}},
				Changes:     []convention.Change{addition("0690101K")},
				Outgoing:    []convention.OutgoingMail{{Kind: "reply", From: "p@l.fr", To: []string{"s@g.fr"}, Data: []byte("reply")}}}, nil
		})
		if err != nil || d.State != convention.StateApplied {
			t.Fatal(err)
		}
		schools, _ := db.Schools(ctx)
		if len(schools) != 1 || schools[0].Status != convention.StatusPending || !schools[0].DueAt.Equal(t0.Add(14*24*time.Hour)) || schools[0].Commune != "Givors" {
			t.Fatalf("registry = %+v", schools)
		}
		if _, err := db.Decide(ctx, DecideInput{RequestID: r.ID}, nil); !errors.Is(err, ErrAlreadyDecided) {
			t.Fatalf("deciding twice: %v", err)
		}
		ms, err := db.DueOutgoing(ctx, t0, 1)
		if err != nil || len(ms) != 1 || string(ms[0].Data) != "reply" {
			t.Fatalf("outbox: %v %+v", err, ms)
		}

		// The same Message-ID again, or the same file from the same commune: a duplicate.
		for i, in := range []DecideInput{{MessageID: "a@b"}, {MessageID: "other@b", Commune: "Givors", Attachments: []string{"h1"}}} {
			r2, _ := db.Claim(ctx, MessageKey{"INBOX", 1, uint32(10 + i)}, t0, []byte("m"))
			in.RequestID = r2.ID
			_, err := db.Decide(ctx, in, func(v DecideView) (*convention.Decision, error) {
				if v.DuplicateOf != r.ID {
					t.Errorf("case %d: DuplicateOf = %d, want %d", i, v.DuplicateOf, r.ID)
				}
				return &convention.Decision{State: convention.StateDuplicate, Target: "Traites"}, nil
			})
			if err != nil {
				t.Fatal(err)
			}
		}
		// The same file from another commune is not a duplicate.
		r3, _ := db.Claim(ctx, MessageKey{"INBOX", 1, 20}, t0, []byte("m"))
		_, _ = db.Decide(ctx, DecideInput{RequestID: r3.ID, MessageID: "z@b", Commune: "Grigny", Attachments: []string{"h1"}}, func(v DecideView) (*convention.Decision, error) {
			if v.DuplicateOf != 0 {
				t.Errorf("another commune's file counted as a duplicate")
			}
			return &convention.Decision{State: convention.StateRefused, Target: "Traites"}, nil
		})
	})
}

func TestOutbox(t *testing.T) {
	ctx := context.Background()
	db, _ := open(t)
	if err := db.Enqueue(ctx, convention.OutgoingMail{Kind: "digest", From: "a@b.fr", To: []string{"c@d.fr"}, Data: []byte("1")}); err != nil {
		t.Fatal(err)
	}
	ms, err := db.DueOutgoing(ctx, t0, 10)
	if err != nil || len(ms) != 1 {
		t.Fatalf("due: %v %+v", err, ms)
	}
	if err := db.MarkFailed(ctx, ms[0].ID, errors.New("451 later"), t0.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	if ms, err := db.DueOutgoing(ctx, t0, 10); err != nil || len(ms) != 0 {
		t.Fatalf("a failed mail must wait for its retry time: %v %+v", err, ms)
	}
	ms, err = db.DueOutgoing(ctx, t0.Add(time.Minute), 10)
	if err != nil || len(ms) != 1 || ms[0].Attempts != 1 {
		t.Fatalf("retry: %v %+v", err, ms)
	}
	if err := db.MarkSent(ctx, ms[0].ID, t0); err != nil {
		t.Fatal(err)
	}
	if st, _ := db.Outbox(ctx); st.Waiting != 0 {
		t.Fatalf("outbox still has %d", st.Waiting)
	}

	// In batches, oldest first, without the ones waiting for their retry time.
	for i := 0; i < 5; i++ {
		if err := db.Enqueue(ctx, convention.OutgoingMail{Kind: "reply", From: "a@b.fr", To: []string{"c@d.fr"}, Data: []byte{byte('a' + i)}}); err != nil {
			t.Fatal(err)
		}
	}
	ms, err = db.DueOutgoing(ctx, t0, 10)
	if err != nil || len(ms) != 5 {
		t.Fatalf("DueOutgoing: %d mails, %v", len(ms), err)
	}
	if err := db.MarkFailed(ctx, ms[1].ID, errors.New("451"), t0.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	ms, err = db.DueOutgoing(ctx, t0, 3)
	var got string
	for _, m := range ms {
		got += string(m.Data)
	}
	if err != nil || got != "acd" {
		t.Fatalf("DueOutgoing(limit 3) = %q, %v; want \"acd\"", got, err)
	}
}

func TestRunJob(t *testing.T) {
	ctx := context.Background()
	db, _ := open(t)
	mail := []convention.OutgoingMail{{Kind: "digest", From: "a@b.fr", To: []string{"c@d.fr"}, Data: []byte("1")}}
	for i, want := range []bool{true, false} {
		ran, err := db.RunJob(ctx, "digest:2026-09-15T07:00", t0, func(*Tx) ([]convention.OutgoingMail, error) { return mail, nil })
		if err != nil || ran != want {
			t.Fatalf("run %d: ran=%v err=%v, want %v", i, ran, err, want)
		}
	}
	if st, _ := db.Outbox(ctx); st.Waiting != 1 {
		t.Fatalf("a job run twice queued %d mails", st.Waiting)
	}
	last, err := db.LastJobRun(ctx, "digest:")
	if err != nil || last == nil || !last.Equal(t0) {
		t.Fatalf("LastJobRun = %v, %v", last, err)
	}
}

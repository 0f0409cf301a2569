package intake

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"

	"github.com/laclasse/intake/convention"
	"github.com/laclasse/intake/intake/mailparse"
	"github.com/laclasse/intake/internal/memserver"
	"github.com/laclasse/intake/internal/samples"
	"github.com/laclasse/intake/sheet"
	"github.com/laclasse/intake/sqlite"
)

var now = time.Date(2026, 9, 14, 10, 0, 0, 0, time.UTC)

type fixture struct {
	imap    *memserver.IMAP
	store   *sqlite.DB
	watcher *Watcher
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	ctx := context.Background()
	im, err := memserver.StartIMAP("p", "s")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { im.Close() })
	clock := func() time.Time { return now }
	store, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "i.db"), clock)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	if err := store.SyncCommunes(ctx, samples.Communes()); err != nil {
		t.Fatal(err)
	}
	h := &Handler{
		Store: store, Communes: samples.Communes(), From: samples.Mailbox, Processed: "Traites", Rejected: "Rejetes",
		Calendar:    convention.DefaultCalendar(time.UTC),
		SheetLimits: sheet.DefaultLimits(), MailLimits: mailparse.DefaultLimits(), Now: clock,
	}
	w := &Watcher{
		Config: MailboxConfig{Address: im.Addr, TLS: "none", Username: "p", Password: "s", Mailbox: "INBOX", Processed: "Traites", Rejected: "Rejetes",
			PollInterval: time.Second, CommandTimeout: 10 * time.Second},
		Store: store, Handler: h, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Now: clock,
	}
	return &fixture{imap: im, store: store, watcher: w}
}

func (f *fixture) outboxSize(t *testing.T) int {
	t.Helper()
	st, err := f.store.Outbox(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return st.Waiting
}

// uidValidity returns INBOX's UIDVALIDITY.
func (f *fixture) uidValidity(t *testing.T) uint32 {
	t.Helper()
	cl, err := f.imap.Client()
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	sel, err := cl.Select("INBOX", nil).Wait()
	if err != nil {
		t.Fatal(err)
	}
	return sel.UIDValidity
}

func (f *fixture) count(t *testing.T, box string) int {
	t.Helper()
	n, err := f.imap.Count(box)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// TestRecovery puts the store in the state each crash point leaves and checks that the next run
// finishes the work once: no message left, no reply lost, none doubled.
func TestRecovery(t *testing.T) {
	ctx := context.Background()
	c := samples.Scenario()[0]
	t.Run("CrashAfterClaim", func(t *testing.T) {
		f := newFixture(t)
		if err := f.imap.Append("INBOX", c.Message.Raw(), c.Message.Date); err != nil {
			t.Fatal(err)
		}
		key := sqlite.MessageKey{Mailbox: "INBOX", UIDValidity: f.uidValidity(t), UID: 1}
		if _, err := f.store.Claim(ctx, key, c.Message.Date, c.Message.Raw()); err != nil {
			t.Fatal(err)
		}
		if err := f.watcher.RunOnce(ctx); err != nil {
			t.Fatal(err)
		}
		if f.count(t, "INBOX") != 0 || f.count(t, "Traites") != 1 || f.outboxSize(t) != 1 {
			t.Fatalf("INBOX %d, Traites %d, outbox %d", f.count(t, "INBOX"), f.count(t, "Traites"), f.outboxSize(t))
		}
	})
	t.Run("CrashAfterDecide", func(t *testing.T) {
		f := newFixture(t)
		if err := f.imap.Append("INBOX", c.Message.Raw(), c.Message.Date); err != nil {
			t.Fatal(err)
		}
		key := sqlite.MessageKey{Mailbox: "INBOX", UIDValidity: f.uidValidity(t), UID: 1}
		req, err := f.store.Claim(ctx, key, c.Message.Date, c.Message.Raw())
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.watcher.Handler.Decide(ctx, req); err != nil {
			t.Fatal(err)
		}
		if err := f.watcher.RunOnce(ctx); err != nil {
			t.Fatal(err)
		}
		if f.count(t, "INBOX") != 0 || f.count(t, "Traites") != 1 || f.outboxSize(t) != 1 {
			t.Fatalf("INBOX %d, Traites %d, outbox %d (want 0, 1, 1)", f.count(t, "INBOX"), f.count(t, "Traites"), f.outboxSize(t))
		}
		schools, _ := f.store.Schools(ctx)
		if len(schools) != len(c.Schools) {
			t.Fatalf("registry has %d schools, want %d", len(schools), len(c.Schools))
		}
	})
	t.Run("UIDValidityChanged", func(t *testing.T) {
		// The same message under new keys (a rebuilt mailbox) is recognised by its Message-ID.
		f := newFixture(t)
		if err := f.imap.Append("INBOX", c.Message.Raw(), c.Message.Date); err != nil {
			t.Fatal(err)
		}
		if err := f.watcher.RunOnce(ctx); err != nil {
			t.Fatal(err)
		}
		if err := f.store.SetMailboxState(ctx, "INBOX", 1, 99, now); err != nil { // pretend the old validity was 1
			t.Fatal(err)
		}
		if err := f.imap.Append("INBOX", c.Message.Raw(), c.Message.Date); err != nil {
			t.Fatal(err)
		}
		if err := f.watcher.RunOnce(ctx); err != nil {
			t.Fatal(err)
		}
		if f.outboxSize(t) != 1 || f.count(t, "Traites") != 2 {
			t.Fatalf("outbox %d, Traites %d (want 1, 2)", f.outboxSize(t), f.count(t, "Traites"))
		}
	})
}

// TestMoveKeepsOthers checks that a message flagged \Deleted by someone else is neither handled
// nor expunged with ours.
func TestMoveKeepsOthers(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	c := samples.Scenario()[0]
	if err := f.imap.Append("INBOX", c.Message.Raw(), c.Message.Date); err != nil {
		t.Fatal(err)
	}
	if err := f.watcher.RunOnce(ctx); err != nil {
		t.Fatal(err)
	}
	// A message of someone else's, flagged \Deleted, must stay where it is.
	cl, err := f.imap.Client()
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	cmd := cl.Append("INBOX", int64(len(c.Message.Raw())), &imap.AppendOptions{Flags: []imap.Flag{imap.FlagDeleted}})
	_, _ = cmd.Write(c.Message.Raw())
	_ = cmd.Close()
	if _, err := cmd.Wait(); err != nil {
		t.Fatal(err)
	}
	if err := f.watcher.RunOnce(ctx); err != nil {
		t.Fatal(err)
	}
	if n := f.count(t, "INBOX"); n != 1 {
		t.Fatalf("INBOX holds %d, want the other's message still there", n)
	}
}

// TestMovesInSets checks a pass longer than one batch of moves: every message lands in its own
// folder, once, and every request is recorded as moved.
func TestMovesInSets(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	n := 2*moveBatch + 7
	for i := 0; i < n; i++ {
		m := samples.Message{
			From: "Secrétariat <secretariat@mairie-givors.fr>", To: samples.Mailbox, Subject: fmt.Sprintf("Écoles %d", i),
			MessageID: fmt.Sprintf("batch-%d@mairie-givors.fr", i), Date: now,
			Attachments: []samples.Attachment{{Name: "ecoles.csv", ContentType: "text/csv", Data: samples.CSV(samples.Rows(100+i, 1))}},
		}
		if i%3 == 2 { // not a commune's address: refused, to the other folder
			m.From = "Quelqu'un <quelquun@example.org>"
		}
		if err := f.imap.Append("INBOX", m.Raw(), now); err != nil {
			t.Fatal(err)
		}
	}
	if err := f.watcher.RunOnce(ctx); err != nil {
		t.Fatal(err)
	}
	refused := n / 3
	if got := f.count(t, "INBOX"); got != 0 {
		t.Errorf("INBOX holds %d, want 0", got)
	}
	if got := f.count(t, "Traites"); got != n-refused {
		t.Errorf("Traites holds %d, want %d", got, n-refused)
	}
	if got := f.count(t, "Rejetes"); got != refused {
		t.Errorf("Rejetes holds %d, want %d", got, refused)
	}
	validity := f.uidValidity(t)
	for uid := uint32(1); uid <= uint32(n); uid++ {
		req, err := f.store.RequestByKey(ctx, sqlite.MessageKey{Mailbox: "INBOX", UIDValidity: validity, UID: uid})
		if err != nil {
			t.Fatalf("message %d: %v", uid, err)
		}
		if !req.Moved {
			t.Errorf("message %d moved to %s but not recorded as moved", uid, req.Target)
		}
		want := "Traites"
		if uid%3 == 0 {
			want = "Rejetes"
		}
		if req.Target != want {
			t.Errorf("message %d: target %q, want %q", uid, req.Target, want)
		}
	}
}

package intake

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/laclasse/intake/convention"
	"github.com/laclasse/intake/internal/samples"
	"github.com/laclasse/intake/sqlite"
)

// TestBoundedRetry: a message whose handling fails for a reason of its own is tried once per
// pass, no sooner than its retry time, MaxAttempts times, then quarantined (rejected folder,
// nothing applied, no reply) with its reason; every pass goes on with the next message and
// succeeds.
func TestBoundedRetry(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	// A commune the handler knows and the store does not: deciding its message fails, every
	// time, in the decision's transaction (a stand-in for any bug met on one message).
	ghost := convention.Commune{Name: "Fantôme", INSEE: "69999", Senders: []string{"@mairie-fantome.fr"}}
	f.watcher.Handler.Communes = append(f.watcher.Handler.Communes, ghost)
	poison := samples.Message{From: "Mairie <ecoles@mairie-fantome.fr>", To: samples.Mailbox, Subject: "Liste\x1b[31m des écoles", MessageID: "poison@mairie-fantome.fr",
		Date: now, Attachments: []samples.Attachment{{Name: "e.xlsx", ContentType: samples.XLSXType, Data: samples.XLSX("Fantôme", samples.Rows(901, 2))}}}
	if err := f.imap.Append("INBOX", poison.Raw(), now); err != nil {
		t.Fatal(err)
	}
	good := samples.Scenario()[0]
	if err := f.imap.Append("INBOX", good.Message.Raw(), good.Message.Date); err != nil {
		t.Fatal(err)
	}
	key := sqlite.MessageKey{Mailbox: "INBOX", UIDValidity: f.uidValidity(t), UID: 1}
	clock := now
	f.watcher.Now = func() time.Time { return clock }
	f.watcher.Handler.Now = f.watcher.Now
	for pass := 1; pass <= MaxAttempts; pass++ {
		if err := f.watcher.RunOnce(ctx); err != nil {
			t.Fatalf("pass %d: %v", pass, err)
		}
		req, err := f.store.RequestByKey(ctx, key)
		if err != nil {
			t.Fatal(err)
		}
		if pass < MaxAttempts {
			if req.Attempts != pass || !req.RetryAt.After(clock) || req.RetryAt.After(clock.Add(retryPolicy.Cap(pass))) {
				t.Fatalf("pass %d: %d attempts, retry at %v (now %v)", pass, req.Attempts, req.RetryAt, clock)
			}
			// A pass before the retry time leaves it as it is.
			if err := f.watcher.RunOnce(ctx); err != nil {
				t.Fatal(err)
			}
			if again, _ := f.store.RequestByKey(ctx, key); again.Attempts != pass || again.State != convention.StateClaimed {
				t.Fatalf("pass %d: tried again before its retry time: %d attempts, %s", pass, again.Attempts, again.State)
			}
			clock = req.RetryAt
		}
		if f.count(t, "Traites") != 1 {
			t.Fatalf("pass %d: the next message was not handled (Traites %d)", pass, f.count(t, "Traites"))
		}
		if pass < MaxAttempts {
			if req.State != convention.StateClaimed || f.count(t, "INBOX") != 1 || f.count(t, "Rejetes") != 0 {
				t.Fatalf("pass %d: request %s, INBOX %d, Rejetes %d; want it claimed and left in INBOX", pass, req.State, f.count(t, "INBOX"), f.count(t, "Rejetes"))
			}
			continue
		}
		if req.State != convention.StateRejected || f.count(t, "INBOX") != 0 || f.count(t, "Rejetes") != 1 {
			t.Fatalf("after %d attempts: request %s, INBOX %d, Rejetes %d; want it quarantined", pass, req.State, f.count(t, "INBOX"), f.count(t, "Rejetes"))
		}
	}
	sums, err := f.store.RequestsBetween(ctx, now.AddDate(0, 0, -1), now.AddDate(0, 0, 1))
	if err != nil {
		t.Fatal(err)
	}
	var q *sqlite.RequestSummary
	for i := range sums {
		if sums[i].State == convention.StateRejected {
			q = &sums[i]
		}
	}
	if q == nil || !strings.Contains(q.Reason, "erreur en traitant ce message") || !strings.Contains(q.Reason, "Fantôme") ||
		!strings.Contains(q.Reason, fmt.Sprintf("%d essais", MaxAttempts)) || !strings.Contains(q.Reason, "à traiter à la main") {
		t.Fatalf("quarantined request for the summary: %+v", q)
	}
	if !strings.Contains(q.Sender, "ecoles@mairie-fantome.fr") || q.Subject != "Liste [31m des écoles" {
		t.Errorf("summary line: sender %q, subject %q", q.Sender, q.Subject)
	}
	if q.Changes != 0 {
		t.Errorf("a quarantined message applied %d changes", q.Changes)
	}
	if n := f.outboxSize(t); n != 1 {
		t.Errorf("outbox holds %d mails, want only the other message's reply", n)
	}
	schools, _ := f.store.Schools(ctx)
	for _, s := range schools {
		if s.Commune == ghost.Name {
			t.Errorf("school %s of the quarantined message in the registry", s.UAI)
		}
	}
}

// TestOwnedByMessage: the store's, the disk's and the network's errors, and the end of ctx, are
// not counted against a message; anything else is.
func TestOwnedByMessage(t *testing.T) {
	for _, tc := range []struct {
		name string
		err  error
		want bool
	}{
		{"Canceled", fmt.Errorf("decide: %w", context.Canceled), false},
		{"Deadline", context.DeadlineExceeded, false},
		{"IMAPTimeout", fmt.Errorf("fetch 3: %w", errTimeout), false},
		{"Network", &net.OpError{Op: "read", Net: "tcp", Err: syscall.ECONNRESET}, false},
		{"DiskFull", fmt.Errorf("write: %w", syscall.ENOSPC), false},
		{"File", &os.PathError{Op: "open", Path: "/x", Err: syscall.EIO}, false},
		{"Panic", &PanicError{Value: "index out of range"}, true},
		{"Compose", errors.New("compose: failed to write header field"), true},
		{"NoRows", fmt.Errorf("commune: %w", errors.New("sql: no rows in result set")), true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := OwnedByMessage(tc.err); got != tc.want {
				t.Errorf("OwnedByMessage(%v) = %v, want %v", tc.err, got, tc.want)
			}
		})
	}
}

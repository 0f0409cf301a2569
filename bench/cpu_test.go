package bench

import (
	"context"
	"errors"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/laclasse/intake/convention"
	"github.com/laclasse/intake/intake"
	"github.com/laclasse/intake/intake/mailparse"
	"github.com/laclasse/intake/internal/samples"
	"github.com/laclasse/intake/sheet"
	"github.com/laclasse/intake/sqlite"
	"github.com/laclasse/intake/templates"
)

// BenchmarkBacklogMessage is the daemon's work on one message of the backlog (issue 17 §2),
// in process and without the servers: what the mailbox goroutine asks of the store
// (RequestByKey, Claim), the decision (intake.Handler.Decide: the MIME walk, the spreadsheet,
// the registry, the reply), the move recorded every 50 messages, and the outbox's reading of
// the due mails and "sent" records. The store starts empty and fills as in the backlog, so
// compare runs of the same length:
//
//	go test -run '^$' -bench BacklogMessage -benchtime 2000x -count 3 ./bench/
func BenchmarkBacklogMessage(b *testing.B) {
	ctx := context.Background()
	loc, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		b.Fatal(err)
	}
	at := receivedDay.Add(time.Hour)
	now := func() time.Time { return at }
	st, err := sqlite.Open(ctx, filepath.Join(b.TempDir(), "intake.db"), now)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { st.Close() })
	if err := st.SyncCommunes(ctx, samples.Communes()); err != nil {
		b.Fatal(err)
	}
	h := &intake.Handler{Store: st, Communes: samples.Communes(), From: samples.Mailbox, FromName: templates.FromName, Signature: templates.Signature,
		Processed: "Traites", Rejected: "Rejetes", Calendar: convention.DefaultCalendar(loc), SheetLimits: sheet.DefaultLimits(),
		MailLimits: mailparse.DefaultLimits(), StaffTo: []string{"ent@grandlyon.example"}, Now: now}
	msgs := generate(b.N, backlogMessage)
	var moved []int64
	b.ReportAllocs()
	cpu0 := processCPU(b)
	b.ResetTimer()
	for i := range b.N {
		key := sqlite.MessageKey{Mailbox: "INBOX", UIDValidity: 1, UID: uint32(i + 1)}
		if _, err := st.RequestByKey(ctx, key); !errors.Is(err, sqlite.ErrNotFound) {
			b.Fatalf("message %d: %v", i, err)
		}
		req, err := st.Claim(ctx, key, receivedDay.Add(time.Duration(i)*time.Second), msgs[i].raw)
		if err != nil {
			b.Fatal(err)
		}
		d, err := h.Decide(ctx, req)
		if err != nil {
			b.Fatal(err)
		}
		if d.State != convention.StateApplied {
			b.Fatalf("message %d: %s (%s)", i, d.State, d.Reason)
		}
		if moved = append(moved, req.ID); len(moved) == 50 || i == b.N-1 {
			if err := st.MarkMoved(ctx, moved...); err != nil {
				b.Fatal(err)
			}
			moved = moved[:0]
		}
		due, err := st.DueOutgoing(ctx, at, 50)
		if err != nil {
			b.Fatal(err)
		}
		for _, m := range due {
			if err := st.MarkSent(ctx, m.ID, at); err != nil {
				b.Fatal(err)
			}
		}
		if len(due) == 0 {
			b.Fatalf("message %d: no reply queued", i)
		}
	}
	b.StopTimer()
	b.ReportMetric(float64((processCPU(b)-cpu0).Microseconds())/1000/float64(b.N), "cpu-ms/op")
}

// processCPU is the user + system CPU time of this process so far: the benchmark's time per
// operation includes the waits for fsync, which cost no CPU.
func processCPU(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

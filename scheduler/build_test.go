package scheduler

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	"github.com/laclasse/intake/convention"
	"github.com/laclasse/intake/sqlite"
)

// openStore opens the store at path as another process would (a CLI command, a second daemon):
// a pool and a write turn of its own.
func openStore(t *testing.T, path string, now func() time.Time) *sqlite.DB {
	t.Helper()
	db, err := sqlite.Open(context.Background(), path, now)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// queued returns the mails of kind waiting in the outbox of db.
func queued(t *testing.T, db *sqlite.DB, now time.Time, kind string) []convention.OutgoingMail {
	t.Helper()
	mails, err := db.DueOutgoing(context.Background(), now.Add(time.Hour), 100)
	if err != nil {
		t.Fatal(err)
	}
	var out []convention.OutgoingMail
	for _, m := range mails {
		if m.Kind == kind {
			out = append(out, m)
		}
	}
	return out
}

// writeMeanwhile checks that a writer of another process and one of the scheduler's own get the
// store's write transaction at once, while a job builds: each queues a mail of its own, with a
// deadline shorter than the store's busy timeout (5 s).
func writeMeanwhile(t *testing.T, stores ...*sqlite.DB) {
	t.Helper()
	for i, db := range stores {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		err := db.Enqueue(ctx, convention.OutgoingMail{Kind: "meanwhile", From: "a@b.fr", To: []string{"c@d.fr"}, Data: []byte("Subject: x\r\n\r\nx\r\n")})
		cancel()
		if err != nil {
			t.Errorf("writer %d, while the job builds: %v; the job holds the store's write transaction", i, err)
		}
	}
}

// statementMail is the mail a builder of the tests makes.
func statementMail() []convention.OutgoingMail {
	return []convention.OutgoingMail{{Kind: "fee-statement", From: "partenariat@laclasse.com", To: []string{"tresorier@metropole.fr"}, Data: []byte("Subject: redevance\r\n\r\nci-joint\r\n")}}
}

// TestBuildOutsideTheWriteTransaction: while a job's Build makes its mail, other writers (another
// process, and the daemon's own) write to the store; the mail built is queued once, with the
// occurrence's record.
func TestBuildOutsideTheWriteTransaction(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 8, 31, 6, 30, 0, 0, time.UTC)
	building, release := make(chan struct{}), make(chan struct{})
	s, path := newBuildScheduler(t, &now, Job{Name: "fee-statement", Spec: "0 7 * * *",
		Build: func(ctx context.Context, _, occ time.Time) ([]convention.OutgoingMail, error) {
			close(building)
			<-release
			return statementMail(), nil
		}})
	other := openStore(t, path, s.Now)
	if _, err := s.Due(ctx); err != nil {
		t.Fatal(err)
	}
	now = now.Add(time.Hour)
	type result struct {
		n   int
		err error
	}
	done := make(chan result, 1)
	go func() {
		n, err := s.Due(ctx)
		done <- result{n, err}
	}()
	select {
	case <-building:
	case r := <-done:
		t.Fatalf("Due returned %d, %v without building", r.n, r.err)
	}
	writeMeanwhile(t, other, s.Store)
	close(release)
	if r := <-done; r.err != nil || r.n != 1 {
		t.Fatalf("Due = %d, %v; want the occurrence recorded", r.n, r.err)
	}
	if got := queued(t, other, now, "fee-statement"); len(got) != 1 {
		t.Fatalf("%d statements queued, want 1", len(got))
	}
	if got := queued(t, other, now, "meanwhile"); len(got) != 2 {
		t.Errorf("%d mails of the writers queued, want 2", len(got))
	}
	if n, err := s.Due(ctx); err != nil || n != 0 {
		t.Fatalf("a second Due ran %d, %v", n, err)
	}
	if got := queued(t, other, now, "fee-statement"); len(got) != 1 {
		t.Fatalf("%d statements queued after a second Due, want 1", len(got))
	}
}

// TestBuildCrashRunsAgain: a daemon that stops while it builds (its context ends) records
// nothing and queues nothing; the next start builds the occurrence again and queues its mail once.
func TestBuildCrashRunsAgain(t *testing.T) {
	now := time.Date(2026, 8, 31, 6, 30, 0, 0, time.UTC)
	builds := 0
	ctx, stop := context.WithCancel(context.Background())
	job := Job{Name: "fee-statement", Spec: "0 7 * * *",
		Build: func(bctx context.Context, _, occ time.Time) ([]convention.OutgoingMail, error) {
			builds++
			if bctx == ctx {
				stop() // the daemon is stopped halfway through the build
				<-bctx.Done()
				return nil, bctx.Err()
			}
			return statementMail(), nil
		}}
	s, path := newBuildScheduler(t, &now, job)
	if _, err := s.Due(context.Background()); err != nil {
		t.Fatal(err)
	}
	now = now.Add(time.Hour)
	if _, err := s.Due(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("Due, stopped while building = %v", err)
	}
	if done, err := s.Store.JobDone(context.Background(), occurrenceName("fee-statement", time.Date(2026, 8, 31, 7, 0, 0, 0, time.UTC))); err != nil || done {
		t.Fatalf("the occurrence stopped while building is recorded (%v, %v): it would never be sent", done, err)
	}
	if got := queued(t, s.Store, now, "fee-statement"); len(got) != 0 {
		t.Fatalf("%d statements queued by a build that stopped", len(got))
	}

	// The next start: the same file, another process.
	restarted := &Scheduler{Store: openStore(t, path, s.Now), Location: time.UTC, Now: s.Now,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Jobs: []Job{job}}
	if n, err := restarted.Due(context.Background()); err != nil || n != 1 {
		t.Fatalf("Due after the restart = %d, %v; want the occurrence built again", n, err)
	}
	if n, err := restarted.Due(context.Background()); err != nil || n != 0 {
		t.Fatalf("a second Due ran %d, %v", n, err)
	}
	if builds != 2 {
		t.Errorf("built %d times, want 2", builds)
	}
	if got := queued(t, restarted.Store, now, "fee-statement"); len(got) != 1 {
		t.Fatalf("%d statements queued, want 1", len(got))
	}
}

// TestBuildRecordedMeanwhile: an occurrence another process records while this one builds it
// queues nothing more: its mail is queued once, by the process that recorded it.
func TestBuildRecordedMeanwhile(t *testing.T) {
	now := time.Date(2026, 8, 31, 6, 30, 0, 0, time.UTC)
	var other *sqlite.DB
	occ := time.Date(2026, 8, 31, 7, 0, 0, 0, time.UTC)
	s, path := newBuildScheduler(t, &now, Job{Name: "fee-statement", Spec: "0 7 * * *",
		Build: func(ctx context.Context, _, occ time.Time) ([]convention.OutgoingMail, error) {
			if _, err := other.RunJob(ctx, occurrenceName("fee-statement", occ), occ, func(*sqlite.Tx) ([]convention.OutgoingMail, error) {
				return statementMail(), nil
			}); err != nil {
				return nil, err
			}
			return statementMail(), nil
		}})
	other = openStore(t, path, s.Now)
	if _, err := s.Due(context.Background()); err != nil {
		t.Fatal(err)
	}
	now = now.Add(time.Hour)
	if n, err := s.Due(context.Background()); err != nil || n != 0 {
		t.Fatalf("Due = %d, %v; the occurrence was recorded by the other process", n, err)
	}
	if done, err := s.Store.JobDone(context.Background(), occurrenceName("fee-statement", occ)); err != nil || !done {
		t.Fatalf("JobDone = %v, %v", done, err)
	}
	if got := queued(t, s.Store, now, "fee-statement"); len(got) != 1 {
		t.Fatalf("%d statements queued, want 1", len(got))
	}
}

// TestReportJobsBuild: the fee statement and the activity report are built outside the store's
// write transaction, and their mail, with its spreadsheet, is queued with their record.
func TestReportJobsBuild(t *testing.T) {
	ctx := context.Background()
	loc, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 8, 31, 6, 30, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	path := filepath.Join(t.TempDir(), "s.db")
	store, other := openStore(t, path, clock), openStore(t, path, clock)
	start := time.Date(2024, 3, 15, 0, 0, 0, 0, loc)
	cal := Calendar{Dates: convention.DefaultCalendar(loc), From: "partenariat@laclasse.com", Metropole: []string{"suivi@metropole.fr"}, Now: clock,
		Reports: &ReportCalendar{Store: store, Communes: []CommuneDates{{Name: "Givors", INSEE: "69091", ConventionStart: &start}},
			PerSchoolEUR: 150, TreasurerTo: []string{"tresorier@metropole.fr"}, FeeSpec: "0 7 * * *", ActivitySpec: "0 7 * * *"}}
	for _, tc := range []struct{ job, attachment string }{
		{"fee-statement", "redevance-laclasse-2026-2027.xlsx"},
		{"activity-report", "bilan-laclasse-2025-2026.xlsx"},
	} {
		t.Run(tc.job, func(t *testing.T) {
			var job *Job
			for _, j := range cal.Jobs() {
				if j.Name == tc.job {
					job = &j
				}
			}
			if job == nil || job.Build == nil || job.Run != nil {
				t.Fatalf("%s: %+v; want a job that builds its mail outside the write transaction", tc.job, job)
			}
			// The slow part of the build (a statement of every commune) stands between its start
			// and its end: other writers go on meanwhile.
			build := job.Build
			job.Build = func(ctx context.Context, prev, occ time.Time) ([]convention.OutgoingMail, error) {
				writeMeanwhile(t, other, store)
				return build(ctx, prev, occ)
			}
			now = time.Date(2026, 8, 31, 6, 30, 0, 0, time.UTC)
			s := &Scheduler{Store: store, Location: loc, Now: clock, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Jobs: []Job{*job}}
			if _, err := s.Due(ctx); err != nil {
				t.Fatal(err)
			}
			now = now.Add(24 * time.Hour) // 1 September, 6:30 UTC: the 7:00 (Paris) occurrence is due
			if n, err := s.Due(ctx); err != nil || n != 1 {
				t.Fatalf("Due = %d, %v", n, err)
			}
			mails := queued(t, store, now, tc.job)
			if len(mails) != 1 || !bytes.Contains(mails[0].Data, []byte(tc.attachment)) {
				t.Fatalf("%d mails queued; want one with %s", len(mails), tc.attachment)
			}
		})
	}
}

// newBuildScheduler returns a scheduler of jobs in UTC on a fresh store, whose clock the test
// moves through now, and the store's file.
func newBuildScheduler(t *testing.T, now *time.Time, jobs ...Job) (*Scheduler, string) {
	t.Helper()
	clock := func() time.Time { return *now }
	path := filepath.Join(t.TempDir(), "s.db")
	return &Scheduler{Store: openStore(t, path, clock), Location: time.UTC, Now: clock,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Jobs: jobs}, path
}

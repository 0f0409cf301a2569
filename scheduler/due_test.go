package scheduler

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/laclasse/intake/convention"
	"github.com/laclasse/intake/sqlite"
)

// newTestScheduler returns a scheduler on a fresh store, whose clock the test moves through now.
func newTestScheduler(t *testing.T, now *time.Time, jobs ...Job) *Scheduler {
	t.Helper()
	clock := func() time.Time { return *now }
	store, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "s.db"), clock)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	return &Scheduler{Store: store, Location: time.UTC, Now: clock, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Jobs: jobs}
}

// TestDueRunsEveryJob: a job that keeps failing does not keep the others from running, and each
// failure is reported.
func TestDueRunsEveryJob(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 6, 1, 6, 30, 0, 0, time.UTC)
	errDigest, errWeekly := errors.New("digest exploded"), errors.New("weekly exploded")
	var renewals int
	results := map[string]int{}
	fail := func(err error) func(context.Context, *sqlite.Tx, time.Time, time.Time) ([]convention.OutgoingMail, error) {
		return func(context.Context, *sqlite.Tx, time.Time, time.Time) ([]convention.OutgoingMail, error) {
			return nil, err
		}
	}
	s := newTestScheduler(t, &now,
		Job{Name: "digest", Spec: "0 7 * * *", Run: fail(errDigest)},
		Job{Name: "renewal", Spec: "0 7 * * *", Run: func(context.Context, *sqlite.Tx, time.Time, time.Time) ([]convention.OutgoingMail, error) {
			renewals++
			return nil, nil
		}},
		Job{Name: "weekly", Spec: "0 7 * * *", Run: fail(errWeekly)},
	)
	s.OnRun = func(job, result string) { results[job+"/"+result]++ }
	if _, err := s.Due(ctx); err != nil {
		t.Fatal(err)
	}
	now = now.Add(time.Hour)
	n, err := s.Due(ctx)
	if n != 1 || renewals != 1 {
		t.Fatalf("the renewal, after a failing job, ran %d times (%d recorded); want once", renewals, n)
	}
	if !errors.Is(err, errDigest) || !errors.Is(err, errWeekly) {
		t.Fatalf("Due = %v; want both failures", err)
	}
	if !strings.Contains(err.Error(), "digest") || !strings.Contains(err.Error(), "weekly") {
		t.Errorf("the error does not name each job: %v", err)
	}
	if len(failures(err)) != 2 {
		t.Errorf("failures(%v) = %d errors, want 2", err, len(failures(err)))
	}
	want := map[string]int{"digest/failed": 1, "renewal/ok": 1, "weekly/failed": 1}
	for k, v := range want {
		if results[k] != v {
			t.Errorf("OnRun results = %v, want %v", results, want)
			break
		}
	}
	// The failed occurrences are not recorded: they are tried again.
	if _, err := s.Due(ctx); !errors.Is(err, errDigest) {
		t.Fatalf("the failed digest is not tried again: %v", err)
	}
}

// TestDueCatchUpOnce: after downtime, a CatchUpOnce job (the digest, the weekly overview) runs
// once for the whole gap, with prev the occurrence before the first missed; the missed ones are
// recorded, and a job without CatchUpOnce still runs once per occurrence.
func TestDueCatchUpOnce(t *testing.T) {
	ctx := context.Background()
	start := time.Date(2026, 6, 1, 6, 30, 0, 0, time.UTC)
	now := start
	type run struct{ prev, occ time.Time }
	var digests []run
	var renewals int
	results := map[string]int{}
	s := newTestScheduler(t, &now,
		Job{Name: "digest", Spec: "0 7 * * *", CatchUpOnce: true, Run: func(_ context.Context, _ *sqlite.Tx, prev, occ time.Time) ([]convention.OutgoingMail, error) {
			digests = append(digests, run{prev, occ})
			return nil, nil
		}},
		Job{Name: "renewal", Spec: "0 7 * * *", Run: func(context.Context, *sqlite.Tx, time.Time, time.Time) ([]convention.OutgoingMail, error) {
			renewals++
			return nil, nil
		}},
	)
	s.OnRun = func(job, result string) { results[job+"/"+result]++ }
	at7 := func(day int) time.Time { return time.Date(2026, 6, day, 7, 0, 0, 0, time.UTC) }
	if _, err := s.Due(ctx); err != nil {
		t.Fatal(err)
	}

	// Stopped from the start until 5 June: five digests missed, never run before.
	now = time.Date(2026, 6, 5, 8, 0, 0, 0, time.UTC)
	n, err := s.Due(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(digests) != 1 || !digests[0].occ.Equal(at7(5)) || !digests[0].prev.Equal(start) {
		t.Fatalf("digests after the gap: %v; want one, for 5 June, covering from the calendar's start %v", digests, start)
	}
	if renewals != 5 {
		t.Errorf("the renewal (not CatchUpOnce) ran %d times, want once per missed occurrence (5)", renewals)
	}
	if n != 10 || results["digest/ok"] != 1 || results["digest/merged"] != 4 {
		t.Errorf("recorded %d occurrences, results %v; want 10, the digest once ok and 4 merged", n, results)
	}
	if last, err := s.Store.LastJobRun(ctx, "digest:"); err != nil || !last.Equal(at7(5)) {
		t.Fatalf("the ledger's last digest = %v, %v; want %v", last, err, at7(5))
	}
	if n, _ := s.Due(ctx); n != 0 {
		t.Fatalf("a second call recorded %d occurrences again", n)
	}

	// One day later: the ordinary digest, from the previous one.
	now = time.Date(2026, 6, 6, 8, 0, 0, 0, time.UTC)
	if _, err := s.Due(ctx); err != nil {
		t.Fatal(err)
	}
	if len(digests) != 2 || !digests[1].prev.Equal(at7(5)) || !digests[1].occ.Equal(at7(6)) {
		t.Fatalf("the next day's digest: %v", digests[1:])
	}

	// Stopped three days: one digest from the last one sent to the last one missed.
	now = time.Date(2026, 6, 9, 8, 0, 0, 0, time.UTC)
	if _, err := s.Due(ctx); err != nil {
		t.Fatal(err)
	}
	if len(digests) != 3 || !digests[2].prev.Equal(at7(6)) || !digests[2].occ.Equal(at7(9)) {
		t.Fatalf("digests after a three-day gap: %v; want one from 6 June 7:00 to 9 June 7:00", digests[2:])
	}

	// Stopped two years, longer than maxCatchUp days: still one digest, up to the last day missed.
	now = time.Date(2028, 6, 9, 8, 0, 0, 0, time.UTC)
	if _, err := s.Due(ctx); err != nil {
		t.Fatal(err)
	}
	want := time.Date(2028, 6, 9, 7, 0, 0, 0, time.UTC)
	if len(digests) != 4 || !digests[3].prev.Equal(at7(9)) || !digests[3].occ.Equal(want) {
		t.Fatalf("digests after a two-year gap: %v; want one from 9 June 2026 to %v", digests[3:], want)
	}
	if _, err := s.Due(ctx); err != nil || len(digests) != 4 {
		t.Fatalf("a second call after the long gap: %v, %d digests; want no new one", err, len(digests))
	}
}

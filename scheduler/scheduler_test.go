package scheduler

import (
	"context"
	"io"
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	"github.com/laclasse/intake/convention"
	"github.com/laclasse/intake/sqlite"
)

// TestDue: occurrences missed while stopped are caught up once each, in order; a stale one is
// recorded without running; nothing before the calendar's first run is caught up.
func TestDue(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 6, 1, 8, 30, 0, 0, time.UTC)
	store, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "s.db"), func() time.Time { return now })
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	var ran, staleRan []time.Time
	s := &Scheduler{
		Store: store, Location: time.UTC, Now: func() time.Time { return now }, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
		Jobs: []Job{
			{Name: "hourly", Spec: "0 * * * *", Run: func(_ context.Context, _ *sqlite.Tx, prev, occ time.Time) ([]convention.OutgoingMail, error) {
				ran = append(ran, occ)
				return nil, nil
			}},
			{Name: "reminder", Spec: "0 9 * * *", Stale: func(occ, now time.Time) bool { return now.Sub(occ) > 2*time.Hour },
				Run: func(_ context.Context, _ *sqlite.Tx, _, occ time.Time) ([]convention.OutgoingMail, error) {
					staleRan = append(staleRan, occ)
					return nil, nil
				}},
		},
	}
	if n, err := s.Due(ctx); err != nil || n != 0 {
		t.Fatalf("first run: %d, %v; nothing before the calendar's start is caught up", n, err)
	}
	now = now.Add(3 * time.Hour) // 11:30: stopped through 9:00, 10:00, 11:00
	if n, err := s.Due(ctx); err != nil || n != 4 {
		t.Fatalf("catch-up: %d occurrences recorded, %v; want 3 hourly and 1 reminder", n, err)
	}
	if len(ran) != 3 || ran[0].Hour() != 9 || ran[2].Hour() != 11 {
		t.Fatalf("hourly ran at %v", ran)
	}
	if len(staleRan) != 0 {
		t.Fatalf("the 9:00 reminder, 2h30 late, must be recorded, not run: %v", staleRan)
	}
	if n, _ := s.Due(ctx); n != 0 {
		t.Fatalf("a second call ran %d occurrences again", n)
	}
	next := s.Next(now)
	if !next["hourly"].Equal(time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)) {
		t.Fatalf("Next = %v", next)
	}
}

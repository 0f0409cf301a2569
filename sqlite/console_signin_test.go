package sqlite

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"
)

// TestConsoleLinkOnceUnderRace: a one-time link used by many at the same moment signs in one.
func TestConsoleLinkOnceUnderRace(t *testing.T) {
	db, _ := open(t)
	ctx := context.Background()
	now := time.Date(2026, 9, 14, 9, 0, 0, 0, time.UTC)
	if err := db.CreateConsoleLink(ctx, "h1", ConsoleLink{Role: "gestion", Name: "Camille", CreatedAt: now, ExpiresAt: now.Add(15 * time.Minute)}); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	won, lost := 0, 0
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			l, err := db.UseConsoleLink(ctx, "h1", now.Add(time.Minute))
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil && l.Name == "Camille" && l.Role == "gestion":
				won++
			case errors.Is(err, ErrNotFound):
				lost++
			default:
				t.Errorf("use: %+v, %v", l, err)
			}
		}()
	}
	wg.Wait()
	if won != 1 || lost != 7 {
		t.Errorf("%d uses signed in and %d were refused, want 1 and 7", won, lost)
	}
}

// TestConsoleSessionIdle: a session ends after its idle time without use, and each use (at
// most one write a minute) pushes the end back.
func TestConsoleSessionIdle(t *testing.T) {
	db, _ := open(t)
	ctx := context.Background()
	now := time.Date(2026, 9, 14, 9, 0, 0, 0, time.UTC)
	idle := 30 * time.Minute
	if err := db.CreateConsoleSession(ctx, "s1", ConsoleSession{Method: "link", Name: "Camille", Role: "gestion", CSRF: "c", CreatedAt: now}, idle); err != nil {
		t.Fatal(err)
	}
	if s, err := db.ConsoleSession(ctx, "s1", now.Add(29*time.Minute), idle); err != nil || s.CSRF != "c" || !s.LastSeenAt.Equal(now.Add(29*time.Minute)) {
		t.Fatalf("at 29 minutes: %+v, %v", s, err)
	}
	if _, err := db.ConsoleSession(ctx, "s1", now.Add(58*time.Minute), idle); err != nil {
		t.Fatalf("29 minutes after its last use: %v", err)
	}
	if _, err := db.ConsoleSession(ctx, "s1", now.Add(89*time.Minute), idle); !errors.Is(err, ErrNotFound) {
		t.Fatalf("31 minutes after its last use: %v, want ErrNotFound", err)
	}
	// An idle session is forgotten, not merely refused.
	if _, err := db.ConsoleSession(ctx, "s1", now.Add(58*time.Minute), idle); !errors.Is(err, ErrNotFound) {
		t.Errorf("an ended session came back: %v", err)
	}
}

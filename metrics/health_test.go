package metrics

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"
)

func TestHealthCheck(t *testing.T) {
	start := t0.Add(-time.Hour)
	ok := func(context.Context) error { return nil }
	at := func(tm time.Time) func() time.Time { return func() time.Time { return tm } }
	for _, tc := range []struct {
		name string
		h    HealthCheck
		want string // "" for healthy, else a part of the error
	}{
		{name: "nothing to check", h: HealthCheck{}},
		{name: "store down", h: HealthCheck{Ping: func(context.Context) error { return errors.New("disk I/O error") }, LastPoll: at(t0), MaxPollAge: time.Minute}, want: "store does not answer: disk I/O error"},
		{name: "recent poll", h: HealthCheck{Ping: ok, LastPoll: at(t0.Add(-30 * time.Second)), MaxPollAge: time.Minute, Started: start}},
		{name: "poll just at the limit", h: HealthCheck{Ping: ok, LastPoll: at(t0.Add(-time.Minute)), MaxPollAge: time.Minute}},
		{name: "stale poll", h: HealthCheck{Ping: ok, LastPoll: at(t0.Add(-5 * time.Minute)), MaxPollAge: time.Minute, Started: start}, want: "last successful mailbox poll 5m0s ago, at 2026-03-02T08:25:00Z (max 1m0s)"},
		{name: "no poll, in grace", h: HealthCheck{Ping: ok, LastPoll: at(time.Time{}), MaxPollAge: time.Minute, Started: t0.Add(-30 * time.Second)}},
		{name: "no poll, grace over", h: HealthCheck{Ping: ok, LastPoll: at(time.Time{}), MaxPollAge: time.Minute, Started: t0.Add(-2 * time.Minute)}, want: "no successful mailbox poll in the 2m0s since start"},
		{name: "no poll, no start", h: HealthCheck{Ping: ok, LastPoll: at(time.Time{}), MaxPollAge: time.Minute}, want: "no successful mailbox poll yet"},
		{name: "no max age", h: HealthCheck{Ping: ok, LastPoll: at(time.Time{})}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.h.Now = at(t0)
			err := tc.h.Check(context.Background())
			switch {
			case tc.want == "" && err != nil:
				t.Errorf("Check: %v, want healthy", err)
			case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
				t.Errorf("Check: %v, want an error with %q", err, tc.want)
			}
		})
	}
}

func TestHealthCheckPassesContextAndWraps(t *testing.T) {
	type key struct{}
	cause := errors.New("database is locked")
	h := HealthCheck{Ping: func(ctx context.Context) error {
		if ctx.Value(key{}) != "v" {
			t.Error("Ping did not get the caller's context")
		}
		return cause
	}}
	err := h.Check(context.WithValue(context.Background(), key{}, "v"))
	if !errors.Is(err, cause) {
		t.Errorf("Check: %v, want it to wrap the store's error", err)
	}
}

func TestHealthCheckDefaultClock(t *testing.T) {
	h := HealthCheck{LastPoll: time.Now, MaxPollAge: time.Minute}
	if err := h.Check(context.Background()); err != nil {
		t.Errorf("Check with the real clock and a poll just now: %v", err)
	}
}

func TestHealthCheckOnHealthz(t *testing.T) {
	h := HealthCheck{
		Ping:       func(context.Context) error { return nil },
		LastPoll:   func() time.Time { return t0.Add(-10 * time.Minute) },
		MaxPollAge: 3 * time.Minute,
		Now:        func() time.Time { return t0 },
	}
	body := scrape(t, Handler(New(), h.Check), "/healthz", 503)
	if !strings.HasPrefix(body, "last successful mailbox poll 10m0s ago") {
		t.Errorf("/healthz says %q", body)
	}
}

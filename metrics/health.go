package metrics

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// HealthCheck tells whether the daemon is healthy: its store answers and it has polled the
// mailbox lately. Its Check is meant for Handler's /healthz and for the systemd watchdog; for
// the watchdog, leave LastPoll nil: a restart cures a stuck daemon, not a mail server that is
// down, and a poll age check would have systemd restart the daemon again and again meanwhile.
//
// Before the first poll, the daemon is given a grace period of MaxPollAge from Started: it is
// healthy during it (if the store answers) and unhealthy after it. A zero Started gives no
// grace: the check fails until the first poll.
type HealthCheck struct {
	// Ping tells whether the store answers; nil skips this check.
	Ping func(ctx context.Context) error
	// LastPoll returns the end of the last successful poll of the mailbox, the zero time if
	// there was none; nil skips this check, and so does a MaxPollAge of 0.
	LastPoll func() time.Time
	// MaxPollAge is how old the last successful poll may be. Take a few poll intervals, so
	// that one slow or failed poll is not enough to fail the check.
	MaxPollAge time.Duration
	// Started is when the daemon started, the start of the grace period.
	Started time.Time
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// Check returns nil when the daemon is healthy and otherwise an error saying why. Its messages
// hold no secret: they are fixed phrases, times, and the store's error.
func (h HealthCheck) Check(ctx context.Context) error {
	if h.Ping != nil {
		if err := h.Ping(ctx); err != nil {
			return fmt.Errorf("store does not answer: %w", err)
		}
	}
	if h.LastPoll == nil || h.MaxPollAge <= 0 {
		return nil
	}
	now := time.Now
	if h.Now != nil {
		now = h.Now
	}
	t := now()
	last := h.LastPoll()
	if last.IsZero() {
		if h.Started.IsZero() {
			return errors.New("no successful mailbox poll yet")
		}
		if since := t.Sub(h.Started); since > h.MaxPollAge {
			return fmt.Errorf("no successful mailbox poll in the %s since start (max %s)", since.Round(time.Second), h.MaxPollAge)
		}
		return nil
	}
	if age := t.Sub(last); age > h.MaxPollAge {
		return fmt.Errorf("last successful mailbox poll %s ago, at %s (max %s)", age.Round(time.Second), last.UTC().Format(time.RFC3339), h.MaxPollAge)
	}
	return nil
}

// Package backoff is in charge of the one retry delay of the daemon: every component that tries
// something again (the mailbox connection, the outbox, the laclasse.com client and its
// provisioner) waits a capped exponential delay with jitter computed here, so that a change of
// policy is made once.
package backoff

import (
	"context"
	"math/rand/v2"
	"time"
)

// Policy is a capped exponential backoff: Base before the first retry, doubled each time, never
// more than Max. The delay returned is "equal jitter": half of it fixed, half random, so that
// clients that failed together do not retry together.
type Policy struct {
	Base time.Duration
	Max  time.Duration
}

// Delay returns the wait before retry number attempt (1 for the first retry). attempt < 1 counts
// as 1.
func (p Policy) Delay(attempt int) time.Duration {
	d := p.Cap(attempt)
	half := d / 2
	return half + rand.N(d-half+1)
}

// Cap returns the upper bound of Delay(attempt), without jitter.
func (p Policy) Cap(attempt int) time.Duration {
	if attempt < 1 {
		attempt = 1
	}
	d := p.Max
	if attempt-1 < 62 {
		if b := p.Base << (attempt - 1); b > 0 && b < d {
			d = b
		}
	}
	if d <= 0 {
		d = p.Base
	}
	return d
}

// Sleep waits d, or until ctx is done, and returns ctx's error in that case.
func Sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

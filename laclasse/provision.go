package laclasse

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/laclasse/intake/convention"
	"github.com/laclasse/intake/internal/backoff"
)

// Queue is the work waiting for the directory, as the provisioner needs it.
type Queue interface {
	NextTask(ctx context.Context, now time.Time) (*convention.Task, error)
	TaskDone(ctx context.Context, id int64, at time.Time) error
	TaskFailed(ctx context.Context, id int64, cause error, permanent bool, retryAt time.Time) error
}

// Provisioner carries the registry's changes to laclasse.com's directory: it opens schools and
// their administrators, hands the rights to a new administrator, carries the same
// administrator's new details to their account, and takes the rights away from a removed school. A school becomes active only once the API confirmed it.
type Provisioner struct {
	Client *Client
	Queue  Queue
	Now    func() time.Time
	Logger *slog.Logger
	// IsNone reports whether an error of NextTask means "nothing due".
	IsNone func(error) bool
}

// Do carries out one task.
func (p *Provisioner) Do(ctx context.Context, t *convention.Task) error {
	switch t.Kind {
	case convention.TaskActivate:
		return p.Client.Activate(ctx, t.School)
	case convention.TaskChangeAdmin:
		if t.Before == nil {
			return p.Client.Activate(ctx, t.School)
		}
		return p.Client.ChangeAdmin(ctx, t.School.UAI, *t.Before, t.School.Admin, t.School.Name)
	case convention.TaskRemove:
		return p.Client.Remove(ctx, t.School.UAI)
	case convention.TaskUpdateAdmin:
		return p.Client.UpdateAdmin(ctx, t.School.UAI, t.School.Admin)
	}
	return fmt.Errorf("unknown task %q", t.Kind)
}

// retryDelay is 1 minute doubling up to 6 hours, with jitter: the client already retried the
// request itself; this is for a directory down for a while.
func retryDelay(attempts int) time.Duration {
	return backoff.Policy{Base: time.Minute, Max: 6 * time.Hour}.Delay(attempts)
}

// Flush carries out every task due now, and returns how many the directory confirmed. A task the
// API refuses (4xx) is set aside with the API's message for the Métropole's digest; any other
// failure is tried again later.
func (p *Provisioner) Flush(ctx context.Context) (int, error) {
	done := 0
	tried := map[int64]bool{}
	for ctx.Err() == nil {
		t, err := p.Queue.NextTask(ctx, p.Now())
		if err != nil {
			if p.IsNone != nil && p.IsNone(err) {
				return done, nil
			}
			return done, err
		}
		if tried[t.ID] {
			return done, nil // retried in this pass already
		}
		tried[t.ID] = true
		err = p.Do(ctx, t)
		if err == nil {
			if err := p.Queue.TaskDone(context.WithoutCancel(ctx), t.ID, p.Now()); err != nil {
				return done, err
			}
			done++
			p.Logger.Info("laclasse directory updated", "task", t.ID, "kind", t.Kind, "uai", t.School.UAI)
			continue
		}
		if ctx.Err() != nil && errors.Is(err, ctx.Err()) {
			return done, ctx.Err()
		}
		permanent := IsPermanent(err)
		retry := p.Now().Add(retryDelay(t.Attempts + 1))
		p.Logger.Warn("laclasse directory refused a task", "task", t.ID, "kind", t.Kind, "uai", t.School.UAI, "permanent", permanent, "err", err)
		if err := p.Queue.TaskFailed(context.WithoutCancel(ctx), t.ID, err, permanent, retry); err != nil {
			return done, err
		}
	}
	return done, ctx.Err()
}

// Package scheduler is in charge of the convention's calendar: it runs each job at the times its
// cron spec names, in the Métropole's time zone, and on start it runs every occurrence that fell
// due while the daemon was stopped. A job occurrence is a name (digest:2026-11-29T07:00) written in
// the store's ledger in the same transaction as its effects, so none runs twice.
package scheduler

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/robfig/cron/v3"

	"github.com/laclasse/intake/convention"
	"github.com/laclasse/intake/sqlite"
)

// Job is one of the calendar's jobs.
type Job struct {
	Name string // the ledger prefix, e.g. "digest"
	Spec string // standard 5-field cron spec, in the scheduler's location
	// Run makes the job's effects for the occurrence at occ, the previous one being prev (zero
	// the first time), through tx: they commit with the ledger's record of the occurrence.
	Run func(ctx context.Context, tx *sqlite.Tx, prev, occ time.Time) ([]convention.OutgoingMail, error)
	// Stale reports whether an occurrence that is only caught up now is pointless (a reminder
	// whose deadline passed): it is recorded, not run. Nil means never stale.
	Stale func(occ, now time.Time) bool
}

// Scheduler runs jobs.
type Scheduler struct {
	Store    *sqlite.DB
	Location *time.Location
	Jobs     []Job
	Now      func() time.Time
	Logger   *slog.Logger
	// AfterRun is called after a tick that ran something (e.g. to flush the outbox).
	AfterRun func(ctx context.Context)
	// OnRun is called with the job's name after each occurrence recorded (metrics).
	OnRun func(job string)
}

// maxCatchUp bounds how many missed occurrences of one job are caught up.
const maxCatchUp = 400

func occurrenceName(job string, t time.Time) string {
	return job + ":" + t.Format("2006-01-02T15:04")
}

// Due runs every occurrence of every job that fell due up to now and is not in the ledger. A job
// that never ran starts from the calendar's first run on this store.
func (s *Scheduler) Due(ctx context.Context) (ran int, err error) {
	now := s.Now().In(s.Location)
	start, err := s.Store.CalendarStart(ctx, now)
	if err != nil {
		return 0, err
	}
	for _, j := range s.Jobs {
		sched, err := cron.ParseStandard(j.Spec)
		if err != nil {
			return ran, fmt.Errorf("job %s: %w", j.Name, err)
		}
		last, err := s.Store.LastJobRun(ctx, j.Name+":")
		if err != nil {
			return ran, err
		}
		from := start.In(s.Location).Add(-time.Second) // an occurrence at the very first instant counts
		if last != nil {
			from = last.In(s.Location)
		}
		var occs []time.Time
		for t := sched.Next(from); !t.After(now) && len(occs) < maxCatchUp; t = sched.Next(t) {
			occs = append(occs, t)
		}
		prev := time.Time{}
		if last != nil {
			prev = *last
		}
		for _, occ := range occs {
			name := occurrenceName(j.Name, occ)
			stale := j.Stale != nil && j.Stale(occ, now)
			sent := 0
			done, err := s.Store.RunJob(ctx, name, occ, func(tx *sqlite.Tx) ([]convention.OutgoingMail, error) {
				if stale {
					return nil, nil // recorded, not run: too late to be of use
				}
				mails, err := j.Run(ctx, tx, prev, occ)
				sent = len(mails)
				return mails, err
			})
			if err != nil {
				return ran, err
			}
			if done {
				ran++
				s.Logger.Info("job ran", "job", name, "mails", sent, "stale", stale)
				if s.OnRun != nil {
					s.OnRun(j.Name)
				}
			}
			prev = occ
		}
	}
	return ran, nil
}

// Run runs due jobs now and then at every tick of their specs, until ctx ends.
func (s *Scheduler) Run(ctx context.Context) error {
	tick := make(chan struct{}, 1)
	c := cron.New(cron.WithLocation(s.Location))
	for _, j := range s.Jobs {
		if _, err := c.AddFunc(j.Spec, func() {
			select {
			case tick <- struct{}{}:
			default:
			}
		}); err != nil {
			return fmt.Errorf("job %s: %w", j.Name, err)
		}
	}
	c.Start()
	defer c.Stop()
	for {
		if n, err := s.Due(ctx); err != nil {
			s.Logger.Error("calendar job failed", "err", err)
			if rerr := s.Store.RecordError(ctx, "calendar", s.Now(), err); rerr != nil {
				s.Logger.Error("record error", "err", rerr)
			}
		} else if n > 0 && s.AfterRun != nil {
			s.AfterRun(ctx)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-tick:
		}
	}
}

// Next returns each job's next occurrence after now.
func (s *Scheduler) Next(now time.Time) map[string]time.Time {
	out := map[string]time.Time{}
	for _, j := range s.Jobs {
		if sched, err := cron.ParseStandard(j.Spec); err == nil {
			out[j.Name] = sched.Next(now.In(s.Location))
		}
	}
	return out
}

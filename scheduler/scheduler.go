// Package scheduler is in charge of the convention's calendar: it runs each job at the times its
// cron spec names, in the Métropole's time zone, and on start it runs every occurrence that fell
// due while the daemon was stopped. A job occurrence is a name (digest:2026-11-29T07:00) written in
// the store's ledger in the same transaction as its effects, so none runs twice.
package scheduler

import (
	"context"
	"errors"
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
	// the first time), through tx: they commit with the ledger's record of the occurrence. It
	// may be nil for a job whose Build makes everything.
	Run func(ctx context.Context, tx *sqlite.Tx, prev, occ time.Time) ([]convention.OutgoingMail, error)
	// Stale reports whether an occurrence that is only caught up now is pointless (a reminder
	// whose deadline passed): it is recorded, not run. Nil means never stale.
	Stale func(occ, now time.Time) bool
	// CatchUpOnce makes a job whose run covers the time since the previous one (a summary) run
	// once when several of its occurrences fell due at once, after downtime: the last one runs,
	// with prev the occurrence before the first missed, and the others are recorded as covered
	// by it. One digest then covers the whole gap instead of one per missed day.
	CatchUpOnce bool
	// Before, when set, does the work of an occurrence that must not hold the store's write
	// transaction (a download), just before Run; an error leaves the occurrence to the next
	// tick, unrecorded.
	Before func(ctx context.Context, occ time.Time) error
	// Build, when set, makes the mail of an occurrence whose making must not hold the store's
	// write transaction (a spreadsheet of every commune): it reads the store in its own read
	// transactions and builds outside any. What it returns is queued, after Run's mail (Run may
	// be nil), in the short transaction that records the occurrence: a crash or an error before
	// that commit leaves the occurrence unrecorded, to be built again at the next tick, and an
	// occurrence another process recorded meanwhile queues nothing. Not called for a stale one.
	Build func(ctx context.Context, prev, occ time.Time) ([]convention.OutgoingMail, error)
}

// The results of a job occurrence, the values OnRun is given.
const (
	ResultOK     = "ok"     // run, its effects committed with its record
	ResultStale  = "stale"  // recorded, not run: caught up too late to be of use
	ResultMerged = "merged" // recorded, covered by a later occurrence of a CatchUpOnce job
	ResultFailed = "failed" // not recorded: it runs again at the next tick
)

// Scheduler runs jobs.
type Scheduler struct {
	Store    *sqlite.DB
	Location *time.Location
	Jobs     []Job
	Now      func() time.Time
	Logger   *slog.Logger
	// AfterRun is called after a tick that ran something (e.g. to flush the outbox).
	AfterRun func(ctx context.Context)
	// OnRun is called with the job's name and the result (one of the Result constants) after
	// each occurrence recorded or failed (metrics).
	OnRun func(job, result string)
}

// maxCatchUp bounds how many missed occurrences of one job are caught up (or, for a CatchUpOnce
// job, recorded as covered by its one run).
const maxCatchUp = 400

// maxScan bounds the search for a CatchUpOnce job's last missed occurrence: ten years of a job
// that runs every five minutes.
const maxScan = 10 * 366 * 24 * 12

func occurrenceName(job string, t time.Time) string {
	return job + ":" + t.Format("2006-01-02T15:04")
}

// Due runs every occurrence of every job that fell due up to now and is not in the ledger. A job
// that never ran starts from the calendar's first run on this store. A job that fails does not
// stop the others: every job is tried, and the error joins each failure (its later occurrences
// wait for the next call, so that they run in order).
func (s *Scheduler) Due(ctx context.Context) (ran int, err error) {
	now := s.Now().In(s.Location)
	start, err := s.Store.CalendarStart(ctx, now)
	if err != nil {
		return 0, err
	}
	var errs []error
	for _, j := range s.Jobs {
		n, err := s.due(ctx, j, start, now)
		ran += n
		if err != nil {
			errs = append(errs, err)
			s.onRun(j.Name, ResultFailed)
		}
	}
	return ran, errors.Join(errs...)
}

// due runs the occurrences of j that fell due up to now and are not in the ledger, in order, and
// stops at the first that fails.
func (s *Scheduler) due(ctx context.Context, j Job, start, now time.Time) (ran int, err error) {
	sched, err := cron.ParseStandard(j.Spec)
	if err != nil {
		return 0, fmt.Errorf("job %s: %w", j.Name, err)
	}
	last, err := s.Store.LastJobRun(ctx, j.Name+":")
	if err != nil {
		return 0, fmt.Errorf("job %s: %w", j.Name, err)
	}
	from := start.In(s.Location).Add(-time.Second) // an occurrence at the very first instant counts
	if last != nil {
		from = last.In(s.Location)
	}
	var occs, merged []time.Time
	if j.CatchUpOnce {
		// One run covers the whole gap, however long: find its last occurrence, and record at
		// most maxCatchUp of the ones it covers.
		for t, n := sched.Next(from), 0; !t.After(now) && n < maxScan; t, n = sched.Next(t), n+1 {
			if len(occs) == 1 {
				if len(merged) == maxCatchUp {
					merged = merged[1:]
				}
				merged = append(merged, occs[0])
				occs = occs[:0]
			}
			occs = append(occs, t)
		}
	} else {
		for t := sched.Next(from); !t.After(now) && len(occs) < maxCatchUp; t = sched.Next(t) {
			occs = append(occs, t)
		}
	}
	prev := time.Time{}
	if last != nil {
		prev = *last
	}
	if len(merged) > 0 && prev.IsZero() {
		prev = start // the job never ran: the gap starts with the calendar
	}
	for _, occ := range occs {
		name := occurrenceName(j.Name, occ)
		stale := j.Stale != nil && j.Stale(occ, now)
		sent := 0
		if j.Before != nil && !stale {
			if err := j.Before(ctx, occ); err != nil {
				return ran, fmt.Errorf("job %s: %w", name, err)
			}
		}
		var built []convention.OutgoingMail
		if j.Build != nil && !stale {
			var err error
			if built, err = j.Build(ctx, prev, occ); err != nil {
				return ran, fmt.Errorf("job %s: %w", name, err)
			}
		}
		done, err := s.Store.RunJob(ctx, name, occ, func(tx *sqlite.Tx) ([]convention.OutgoingMail, error) {
			if stale {
				return nil, nil // recorded, not run: too late to be of use
			}
			var mails []convention.OutgoingMail
			if j.Run != nil {
				var err error
				if mails, err = j.Run(ctx, tx, prev, occ); err != nil {
					return nil, err
				}
			}
			mails = append(mails, built...)
			sent = len(mails)
			return mails, nil
		})
		if err != nil {
			return ran, err
		}
		if done {
			ran++
			result := ResultOK
			if stale {
				result = ResultStale
			}
			s.Logger.Info("job ran", "job", name, "mails", sent, "stale", stale, "covers_from", prev)
			s.onRun(j.Name, result)
		}
		prev = occ
	}
	// The occurrences the last one covered are recorded after it, so that a crash in between
	// loses nothing: the ledger's latest occurrence is always one that ran.
	for _, occ := range merged {
		name := occurrenceName(j.Name, occ)
		done, err := s.Store.RunJob(ctx, name, occ, func(*sqlite.Tx) ([]convention.OutgoingMail, error) { return nil, nil })
		if err != nil {
			return ran, err
		}
		if done {
			ran++
			s.Logger.Info("job occurrence covered by a later run", "job", name)
			s.onRun(j.Name, ResultMerged)
		}
	}
	return ran, nil
}

func (s *Scheduler) onRun(job, result string) {
	if s.OnRun != nil {
		s.OnRun(job, result)
	}
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
		n, err := s.Due(ctx)
		if err != nil {
			for _, e := range failures(err) {
				s.Logger.Error("calendar job failed", "err", e)
				if rerr := s.Store.RecordError(ctx, "calendar", s.Now(), e); rerr != nil {
					s.Logger.Error("record error", "err", rerr)
				}
			}
		}
		if n > 0 && s.AfterRun != nil {
			s.AfterRun(ctx)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-tick:
		}
	}
}

// failures returns the errors errors.Join put in err, or err alone.
func failures(err error) []error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		return j.Unwrap()
	}
	return []error{err}
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

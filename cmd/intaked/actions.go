package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
	"sync/atomic"
	"time"

	"github.com/laclasse/intake/console"
	"github.com/laclasse/intake/convention"
	"github.com/laclasse/intake/intake"
	"github.com/laclasse/intake/intake/mailparse"
	"github.com/laclasse/intake/report"
	"github.com/laclasse/intake/scheduler"
	"github.com/laclasse/intake/sqlite"
)

// staffActions is what staff do, for the CLI's commands (activate, release, confirm, revert,
// terminate, report) and the console's buttons alike: one implementation, so that the two
// cannot disagree. Each action records who did it (by) with its effects.
type staffActions struct {
	store *sqlite.DB
	now   func() time.Time
	// under is the configuration in use and the calendar built from it, replaced when the
	// running daemon reloads its configuration (use): the console keeps one staffActions.
	under atomic.Pointer[actionsConfig]
}

// config returns the configuration in use.
func (a *staffActions) config() *Config { return a.under.Load().cfg }

// actionsConfig is the configuration staff actions run under.
type actionsConfig struct {
	cfg *Config
	// sched gives the calendar's next runs; nil: built from cfg when asked.
	sched *scheduler.Scheduler
}

var _ console.Actions = (*staffActions)(nil)

// newStaffActions returns the staff actions on store under cfg; sched may be nil.
func newStaffActions(cfg *Config, store *sqlite.DB, now func() time.Time, sched *scheduler.Scheduler) *staffActions {
	a := &staffActions{store: store, now: now}
	a.use(cfg, sched)
	return a
}

// use makes the actions run under cfg and sched from then on.
func (a *staffActions) use(cfg *Config, sched *scheduler.Scheduler) {
	a.under.Store(&actionsConfig{cfg: cfg, sched: sched})
}

// wiredActions returns the staff actions of m's daemon on store, under cfg and sched: the same
// value at each reload, so that the console, started once, follows the configuration.
func (m *Main) wiredActions(cfg *Config, store *sqlite.DB, sched *scheduler.Scheduler) *staffActions {
	if m.actions == nil || m.actions.store != store {
		m.actions = newStaffActions(cfg, store, m.Now, sched)
	} else {
		m.actions.use(cfg, sched)
	}
	return m.actions
}

// communeName returns the configuration's name of the commune name (any case), or
// console.ErrUnknownCommune.
func (a *staffActions) communeName(name string) (string, error) {
	for _, c := range a.config().CommuneList() {
		if strings.EqualFold(c.Name, strings.TrimSpace(name)) {
			return c.Name, nil
		}
	}
	return "", fmt.Errorf("%w: %q", console.ErrUnknownCommune, name)
}

// Activate marks the schools uais (or every pending school of commune) as opened by hand.
func (a *staffActions) Activate(ctx context.Context, by, commune string, uais []string) ([]convention.School, error) {
	if commune != "" {
		name, err := a.communeName(commune)
		if err != nil {
			return nil, err
		}
		if uais, err = a.store.PendingUAIs(ctx, name); err != nil {
			return nil, err
		}
		if len(uais) == 0 {
			return []convention.School{}, nil
		}
	}
	norm := make([]string, 0, len(uais))
	for _, u := range uais {
		norm = append(norm, convention.NormalizeUAI(u))
	}
	return a.store.ActivateAs(ctx, norm, a.now(), by)
}

// Release decides the quarantined request id again as from commune, and queues its reply.
func (a *staffActions) Release(ctx context.Context, by string, id int64, commune string, addSender bool) (console.Released, error) {
	var out console.Released
	if commune != "" {
		var err error
		if commune, err = a.communeName(commune); err != nil {
			return out, err
		}
	}
	req, err := a.store.RequestByID(ctx, id)
	if err != nil {
		return out, fmt.Errorf("request %d: %w", id, err)
	}
	sender := intake.ReleaseSender(req, mailparse.DefaultLimits())
	if commune == "" {
		// The sender's commune, by the configuration or a sender staff declared.
		if cm, ok := convention.CommuneOf(a.config().CommuneList(), sender); ok && sender != "" {
			commune = cm.Name
		} else if name, err := a.store.SenderCommune(ctx, sender); err == nil && sender != "" {
			commune = name
		} else {
			return out, fmt.Errorf("%w: the sender %q of request %d", console.ErrNeedCommune, sender, id)
		}
	}
	r := sqlite.Release{By: by, Commune: commune}
	if addSender {
		if sender == "" {
			return out, fmt.Errorf("request %d: %w", id, console.ErrNoSender)
		}
		r.AddSender = sender
	}
	if r.Reason, err = a.store.RequestReason(ctx, id); err != nil {
		return out, err
	}
	d, err := newHandler(a.config(), a.store, a.now).Release(ctx, req, r)
	if err != nil {
		return out, fmt.Errorf("release request %d: %w", id, err)
	}
	return console.Released{Commune: d.Commune, State: d.State, Changes: len(d.Changes), Outgoing: len(d.Outgoing), SenderAdded: r.AddSender}, nil
}

// ResolveHeld confirms (or drops) the removals request id holds.
func (a *staffActions) ResolveHeld(ctx context.Context, by string, id int64, drop bool) ([]convention.Change, error) {
	cal := a.config().ConventionCalendar()
	now := a.now()
	return a.store.ResolveHeld(ctx, sqlite.Resolve{
		RequestID: id, By: by, At: now, Drop: drop,
		RemoveAt: func(receivedAt time.Time) time.Time { return cal.RemovalDate(receivedAt, now) },
	})
}

// Revert undoes request id and queues the mail that tells the commune.
func (a *staffActions) Revert(ctx context.Context, by string, id int64) (*sqlite.RevertView, error) {
	now := a.now()
	return a.store.Revert(ctx, sqlite.RevertInput{RequestID: id, By: by, At: now}, func(v sqlite.RevertView) ([]convention.OutgoingMail, error) {
		return revertMail(a.config(), v, now)
	})
}

// MarkHandled records the forwarded message of request id handled.
func (a *staffActions) MarkHandled(ctx context.Context, by string, id int64) error {
	return a.store.MarkHandled(ctx, id, by, a.now())
}

// Resend queues mail outboxID again.
func (a *staffActions) Resend(ctx context.Context, by string, outboxID int64) (int64, error) {
	return a.store.Resend(ctx, outboxID, by, a.now())
}

// Terminate records commune's notice of termination, received on received, and schedules the
// removal of its schools on the anniversary it takes effect ("en respectant un préavis de trois
// mois"), recorded as done by by.
func (a *staffActions) Terminate(ctx context.Context, by, commune string, received time.Time) (time.Time, error) {
	var start *time.Time
	name := ""
	for _, cd := range a.config().CommuneDates() {
		if strings.EqualFold(cd.Name, strings.TrimSpace(commune)) {
			name, start = cd.Name, cd.ConventionStart
		}
	}
	if name == "" {
		return time.Time{}, fmt.Errorf("%w: %q", console.ErrUnknownCommune, commune)
	}
	if start == nil {
		return time.Time{}, fmt.Errorf("commune %s: %w", name, console.ErrNoConventionStart)
	}
	eff := convention.TerminationDate(*start, received)
	if err := a.store.RecordTerminationAs(ctx, name, received, eff, by); err != nil {
		return time.Time{}, fmt.Errorf("record the termination of %s: %w", name, err)
	}
	return eff, nil
}

// schoolYear checks year ("2025-2026").
func (a *staffActions) schoolYear(year string) error {
	if _, _, err := report.ParseSchoolYear(year, a.config().Location()); err != nil {
		return fmt.Errorf("%w: %v", console.ErrBadYear, err)
	}
	return nil
}

// FeeStatement draws the fee statement of year from the store's facts of that year.
func (a *staffActions) FeeStatement(ctx context.Context, year string) (report.FeeStatement, error) {
	if err := a.schoolYear(year); err != nil {
		return report.FeeStatement{}, err
	}
	facts, err := scheduler.YearFacts(ctx, a.store, a.config().CommuneDates(), year, a.config().Location())
	if err != nil {
		return report.FeeStatement{}, err
	}
	return report.Fees(facts, year, a.config().Fees.PerSchoolEUR, a.config().Location()), nil
}

// ActivityReport draws the activity report of year, and the schools counted year by year for
// its chart.
func (a *staffActions) ActivityReport(ctx context.Context, year string) (report.ActivityReport, map[string]map[string]int, error) {
	if err := a.schoolYear(year); err != nil {
		return report.ActivityReport{}, nil, err
	}
	loc := a.config().Location()
	facts, err := scheduler.YearFacts(ctx, a.store, a.config().CommuneDates(), year, loc)
	if err != nil {
		return report.ActivityReport{}, nil, err
	}
	return report.Activity(facts, year, loc), scheduler.History(facts, year, loc), nil
}

// Report writes the spreadsheet of kind for year.
func (a *staffActions) Report(ctx context.Context, kind, year string, w io.Writer) error {
	switch kind {
	case console.ReportFees:
		st, err := a.FeeStatement(ctx, year)
		if err != nil {
			return err
		}
		return report.WriteFeesXLSX(w, st)
	case console.ReportActivity:
		ar, history, err := a.ActivityReport(ctx, year)
		if err != nil {
			return err
		}
		return report.WriteActivityXLSX(w, ar, history)
	}
	return fmt.Errorf("report %q: want %s or %s", kind, console.ReportFees, console.ReportActivity)
}

// Communes returns what the configuration says of each commune, with its convention's dates as
// of now.
func (a *staffActions) Communes(ctx context.Context, now time.Time) ([]console.CommuneSettings, error) {
	terms, err := a.store.Terminations(ctx)
	if err != nil {
		return nil, err
	}
	starts := map[string]*time.Time{}
	for _, cd := range a.config().CommuneDates() {
		starts[cd.Name] = cd.ConventionStart
	}
	var out []console.CommuneSettings
	for _, c := range a.config().CommuneList() {
		cs := console.CommuneSettings{Name: c.Name, INSEE: c.INSEE, Senders: c.Senders, Notify: c.Notify, ConventionStart: starts[c.Name]}
		if start := cs.ConventionStart; start != nil {
			if notice, ok := terms[c.Name]; ok {
				cs.TerminatesAt = convention.TerminationDate(*start, notice)
			} else {
				cs.NextAnniversary = convention.NextAnniversary(*start, now)
				cs.NoticeDeadline = convention.NoticeDeadline(cs.NextAnniversary)
			}
		}
		out = append(out, cs)
	}
	return out, nil
}

// Fee returns what commune owes for the school year of now, read from its schools only.
func (a *staffActions) Fee(ctx context.Context, commune string, now time.Time) (console.Fee, error) {
	loc := a.config().Location()
	fee := console.Fee{Year: convention.SchoolYear(now, loc), PerSchoolEUR: a.config().Fees.PerSchoolEUR}
	for _, cd := range a.config().CommuneDates() {
		if !strings.EqualFold(cd.Name, commune) {
			continue
		}
		facts, err := scheduler.CommuneFacts(ctx, a.store, cd)
		if err != nil {
			return fee, fmt.Errorf("fee of %s: %w", commune, err)
		}
		for _, c := range report.Fees(facts, fee.Year, fee.PerSchoolEUR, loc).Communes {
			fee.Schools, fee.AmountEUR = c.Schools, c.AmountEUR
		}
		return fee, nil
	}
	return fee, fmt.Errorf("%w: %q", console.ErrUnknownCommune, commune)
}

// NextRuns returns the calendar's jobs with their next and last runs, soonest first.
func (a *staffActions) NextRuns(ctx context.Context, now time.Time) ([]console.Run, error) {
	u := a.under.Load()
	sched := u.sched
	if sched == nil {
		sched = newScheduler(u.cfg, newCalendar(u.cfg, a.store, u.cfg.Laclasse != nil, a.now), a.store, a.now, nil)
	}
	next := sched.Next(now)
	out := make([]console.Run, 0, len(next))
	for j, at := range next {
		last, err := a.store.LastJobRun(ctx, j+":")
		if err != nil {
			return nil, fmt.Errorf("last run of %s: %w", j, err)
		}
		out = append(out, console.Run{Job: j, Next: at, Last: last})
	}
	sort.Slice(out, func(i, k int) bool {
		if !out[i].Next.Equal(out[k].Next) {
			return out[i].Next.Before(out[k].Next)
		}
		return out[i].Job < out[k].Job
	})
	return out, nil
}

// Mailbox names the folder watched and its server.
func (a *staffActions) Mailbox() (folder, server string) {
	return a.config().IMAP.Mailbox, a.config().IMAP.Address
}

// usageOf turns the errors of an action that come from what was asked (an unknown request,
// commune or year) into usage errors (exit 2), as the CLI's commands always did.
func usageOf(err error) error {
	for _, e := range []error{sqlite.ErrNotFound, sqlite.ErrNotRevertible, intake.ErrNotReleasable, console.ErrNeedCommune,
		console.ErrUnknownCommune, console.ErrNoSender, console.ErrBadYear} {
		if errors.Is(err, e) {
			return fmt.Errorf("%w: %v", errUsage, err)
		}
	}
	return err
}

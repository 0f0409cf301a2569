package console

import (
	"net/http"
	"time"

	"github.com/laclasse/intake/convention"
	"github.com/laclasse/intake/sqlite"
	"github.com/laclasse/intake/templates"
)

// todayLimit bounds each list of the first page; each links to its whole list.
const todayLimit = 20

// soonDays is how near a due date shows on the first page ("activations due within 3 days").
const soonDays = 3

// todayData is the first page: what waits for staff, the activations due, the daemon's health
// (what `intaked status` shows) and the calendar's next runs.
type todayData struct {
	ToHandle  sqlite.ToHandle
	Overdue   []pendingRow
	Soon      []pendingRow
	DueTotal  int
	Health    health
	Runs      []Run
	Codes     map[string]string
	RunsError bool
}

// pendingRow is a school to open, with the days left (negative: overdue).
type pendingRow struct {
	sqlite.PendingSchool
	INSEE    string
	DaysLeft int
}

// health is the mailbox, the configuration, the outbox and the last errors.
type health struct {
	Folder, Server string
	Mailboxes      []sqlite.MailboxStatus
	Config         sqlite.ConfigState
	Outbox         sqlite.OutboxStats
	Errors         []sqlite.ErrorRecord
}

// today is the page staff land on: what is to handle today.
func (s *Server) today(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	now := s.now()
	d := todayData{Codes: s.communeCodes(ctx)}
	var err error
	if d.ToHandle, err = s.store.WaitingForStaff(ctx, todayLimit); err != nil {
		s.fail(w, r, "read what waits for staff", err)
		return
	}
	s.localLines(d.ToHandle.Forwarded)
	s.localLines(d.ToHandle.Quarantined)
	for i := range d.ToHandle.Held {
		d.ToHandle.Held[i].ReceivedAt = s.local(d.ToHandle.Held[i].ReceivedAt)
	}
	due, total, err := s.store.PendingDue(ctx, now.AddDate(0, 0, soonDays), sqlite.Page{Limit: sqlite.MaxPage})
	if err != nil {
		s.fail(w, r, "read the activations due", err)
		return
	}
	d.DueTotal = total
	for _, p := range s.pendingRows(due, d.Codes, now) {
		if p.DueAt.Before(now) {
			d.Overdue = append(d.Overdue, p)
		} else {
			d.Soon = append(d.Soon, p)
		}
	}
	if d.Health, err = s.health(r); err != nil {
		s.fail(w, r, "read the daemon's health", err)
		return
	}
	if s.actions != nil {
		if d.Runs, err = s.actions.NextRuns(ctx, now); err != nil {
			s.log.Warn("console: read the calendar", "err", err)
			d.RunsError = true
		}
		for i := range d.Runs {
			d.Runs[i].Next, d.Runs[i].Last = s.local(d.Runs[i].Next), s.localPtr(d.Runs[i].Last)
		}
	}
	s.show(w, r, "today", "today", templates.ConsoleTodayTitle, d)
}

// health reads what `intaked status` shows.
func (s *Server) health(r *http.Request) (health, error) {
	ctx := r.Context()
	var h health
	if s.actions != nil {
		h.Folder, h.Server = s.actions.Mailbox()
	}
	var err error
	if h.Mailboxes, err = s.store.Mailboxes(ctx); err != nil {
		return h, err
	}
	for i := range h.Mailboxes {
		h.Mailboxes[i].LastPoll = s.localPtr(h.Mailboxes[i].LastPoll)
	}
	if h.Config, err = s.store.ConfigState(ctx); err != nil {
		return h, err
	}
	h.Config.LoadedAt, h.Config.FailedAt = s.localPtr(h.Config.LoadedAt), s.localPtr(h.Config.FailedAt)
	if h.Outbox, err = s.store.Outbox(ctx); err != nil {
		return h, err
	}
	h.Outbox.Oldest = s.localPtr(h.Outbox.Oldest)
	if h.Errors, err = s.store.LastErrors(ctx, 5); err != nil {
		return h, err
	}
	for i := range h.Errors {
		h.Errors[i].At = s.local(h.Errors[i].At)
	}
	return h, nil
}

// localLines puts the times of lines in the Métropole's zone.
func (s *Server) localLines(lines []sqlite.RequestLine) {
	for i := range lines {
		lines[i].ReceivedAt = s.local(lines[i].ReceivedAt)
	}
}

// pendingRows gives each pending school its commune's code and its days left at now.
func (s *Server) pendingRows(list []sqlite.PendingSchool, codes map[string]string, now time.Time) []pendingRow {
	out := make([]pendingRow, 0, len(list))
	for _, p := range list {
		p.DueAt = s.local(p.DueAt)
		out = append(out, pendingRow{PendingSchool: p, INSEE: codes[p.Commune], DaysLeft: convention.DaysLeft(now, p.DueAt, s.loc())})
	}
	return out
}

package main

import (
	"context"
	"fmt"
	"os"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/laclasse/intake/convention"
)

// statusCmd prints one screen for operators: the mailbox, the activations waiting, the
// calendar's next runs, the outbox and the last errors.
func (m *Main) statusCmd(ctx context.Context, args []string) error {
	c := m.command("status", true)
	if err := c.parse(args); err != nil {
		return err
	}
	cfg, store, err := c.open(ctx)
	if err != nil {
		return err
	}
	defer store.Close()
	loc := cfg.Location()
	now := m.Now()
	when := func(t time.Time) string {
		if t.IsZero() {
			return "never"
		}
		return t.In(loc).Format("2006-01-02 15:04:05 MST")
	}
	out := m.Stdout
	tw := tabwriter.NewWriter(out, 0, 2, 2, ' ', 0)

	fmt.Fprintf(out, "Mailbox %s on %s\n", cfg.IMAP.Mailbox, cfg.IMAP.Address)
	boxes, err := store.Mailboxes(ctx)
	if err != nil {
		return err
	}
	if len(boxes) == 0 {
		fmt.Fprintln(out, "  never polled")
	}
	for _, b := range boxes {
		last := time.Time{}
		if b.LastPoll != nil {
			last = *b.LastPoll
		}
		fmt.Fprintf(out, "  %s: UIDVALIDITY %d, last UID %d, last successful poll %s (%s ago)\n", b.Mailbox, b.UIDValidity, b.LastUID, when(last), now.Sub(last).Round(time.Second))
	}

	cs, err := store.ConfigState(ctx)
	if err != nil {
		return err
	}
	switch {
	case cs.LoadedAt == nil:
		fmt.Fprintln(out, "\nConfiguration: never loaded by a running daemon")
	case cs.FailedAt != nil:
		fmt.Fprintf(out, "\nConfiguration: RELOAD FAILED %s, running on the one loaded %s: %s\n", when(*cs.FailedAt), when(*cs.LoadedAt), oneLine(cs.Error))
	default:
		fmt.Fprintf(out, "\nConfiguration: in use since %s, no failed reload\n", when(*cs.LoadedAt))
	}

	if err := directoryStatus(ctx, out, cfg, store, when); err != nil {
		return err
	}

	fmt.Fprintln(out, "\nPending activations")
	schools, err := store.Schools(ctx)
	if err != nil {
		return err
	}
	type counts struct{ pending, overdue int }
	by := map[string]*counts{}
	for _, s := range schools {
		if s.Status != convention.StatusPending {
			continue
		}
		c := by[s.Commune]
		if c == nil {
			c = &counts{}
			by[s.Commune] = c
		}
		c.pending++
		if s.DueAt.Before(now) {
			c.overdue++
		}
	}
	if len(by) == 0 {
		fmt.Fprintln(out, "  none")
	}
	names := make([]string, 0, len(by))
	for n := range by {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(tw, "  %s\t%d pending\t%d overdue\n", n, by[n].pending, by[n].overdue)
	}
	tw.Flush()

	fmt.Fprintln(out, "\nCalendar: next runs")
	d := m.wire(cfg, store)
	next := d.scheduler.Next(now)
	jobs := make([]string, 0, len(next))
	for j := range next {
		jobs = append(jobs, j)
	}
	sort.Slice(jobs, func(i, k int) bool { return next[jobs[i]].Before(next[jobs[k]]) })
	for _, j := range jobs {
		last, _ := store.LastJobRun(ctx, j+":")
		lastS := "never"
		if last != nil {
			lastS = when(*last)
		}
		fmt.Fprintf(tw, "  %s\tnext %s\tlast %s\n", j, when(next[j]), lastS)
	}
	tw.Flush()

	ob, err := store.Outbox(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "\nOutbox: %d waiting", ob.Waiting)
	if ob.Oldest != nil {
		fmt.Fprintf(out, ", oldest queued %s", when(*ob.Oldest))
	}
	if ob.Failed > 0 {
		fmt.Fprintf(out, "; %d refused for good by the SMTP server (see the daily digest)", ob.Failed)
	}
	fmt.Fprintln(out)

	fmt.Fprintln(out, "\nLast errors")
	errs, err := store.LastErrors(ctx, 10)
	if err != nil {
		return err
	}
	if len(errs) == 0 {
		fmt.Fprintln(out, "  none")
	}
	for _, e := range errs {
		fmt.Fprintf(tw, "  %s\t%s\t%s\n", when(e.At), e.Component, e.Message)
	}
	return tw.Flush()
}

// backupCmd writes an online, consistent copy of the store, while the daemon runs.
func (m *Main) backupCmd(ctx context.Context, args []string) error {
	c := m.command("backup", false)
	if err := c.parse(args); err != nil {
		return err
	}
	if c.fs.NArg() != 1 {
		return fmt.Errorf("%w: backup needs the output file: intaked backup --config FILE OUT.db", errUsage)
	}
	dest := c.fs.Arg(0)
	if _, err := os.Stat(dest); err == nil {
		return fmt.Errorf("backup: %s already exists", dest)
	}
	_, store, err := c.open(ctx)
	if err != nil {
		return err
	}
	defer store.Close()
	if err := createPrivate(dest); err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	if err := store.Backup(ctx, dest); err != nil {
		os.Remove(dest)
		return err
	}
	fmt.Fprintf(m.Stdout, "backup written to %s\n", dest)
	return nil
}

// oneLine is s on one line, its line breaks and runs of spaces made single spaces.
func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

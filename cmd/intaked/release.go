package main

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/laclasse/intake/console"
	"github.com/laclasse/intake/convention"
	"github.com/laclasse/intake/smtp"
	"github.com/laclasse/intake/sqlite"
	"github.com/laclasse/intake/templates"
)

// releaseCmd decides a quarantined request again, from its stored bytes, as from a commune, and
// answers it as usual: the reply is queued in the outbox, and the daemon (within 15 seconds) or
// the next `run --once` sends it. The command sends nothing itself, so that a mail is never sent
// by two processes at once.
func (m *Main) releaseCmd(ctx context.Context, args []string) error {
	c := m.command("release", true)
	commune := c.fs.String("commune", "", "the commune the request is from (default: the one its sender matches)")
	addSender := c.fs.Bool("add-sender", false, "declare the request's sender for the commune from then on")
	by := staffFlag(c)
	if err := c.parse(args); err != nil {
		return err
	}
	if c.fs.NArg() != 1 {
		return fmt.Errorf("%w: release needs one request ID (see `intaked requests --state rejected`)", errUsage)
	}
	id, err := strconv.ParseInt(c.fs.Arg(0), 10, 64)
	if err != nil || id <= 0 {
		return fmt.Errorf("%w: request ID %q is not a number", errUsage, c.fs.Arg(0))
	}
	cfg, err := m.loadConfig(*c.path)
	if err != nil {
		return err
	}
	if *commune != "" {
		if *commune, err = configCommune(cfg, *commune); err != nil {
			return err
		}
	}
	store, err := m.openStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer store.Close()
	d, err := newStaffActions(cfg, store, m.Now, nil).Release(ctx, staffMember(*by), id, *commune, *addSender)
	switch {
	case errors.Is(err, sqlite.ErrNotFound):
		return fmt.Errorf("%w: no request %d", errUsage, id)
	case errors.Is(err, console.ErrNeedCommune):
		return fmt.Errorf("%w: %v: --commune NAME is required", errUsage, err)
	case errors.Is(err, console.ErrNoSender):
		return fmt.Errorf("%w: request %d: its sender cannot be read, so it cannot be declared", errUsage, id)
	case err != nil:
		return usageOf(err)
	}
	fmt.Fprint(m.Stdout, templates.CLIReleased(id, d.Commune, requestStateFR(d.State), d.Changes, d.Outgoing))
	if d.SenderAdded != "" {
		fmt.Fprint(m.Stdout, templates.CLISenderDeclared(d.SenderAdded, d.Commune))
	}
	return nil
}

// revertCmd undoes what a request changed that is still in effect, records it in each school's
// history with who did it, and tells the commune (the mail is queued like a reply).
func (m *Main) revertCmd(ctx context.Context, args []string) error {
	c := m.command("revert", true)
	by := staffFlag(c)
	if err := c.parse(args); err != nil {
		return err
	}
	if c.fs.NArg() != 1 {
		return fmt.Errorf("%w: revert needs one request ID (see `intaked requests`)", errUsage)
	}
	id, err := strconv.ParseInt(c.fs.Arg(0), 10, 64)
	if err != nil || id <= 0 {
		return fmt.Errorf("%w: request ID %q is not a number", errUsage, c.fs.Arg(0))
	}
	cfg, store, err := c.open(ctx)
	if err != nil {
		return err
	}
	defer store.Close()
	loc := cfg.Location()
	v, err := newStaffActions(cfg, store, m.Now, nil).Revert(ctx, staffMember(*by), id)
	if errors.Is(err, sqlite.ErrNotFound) || errors.Is(err, sqlite.ErrNotRevertible) {
		return fmt.Errorf("%w: %v", errUsage, err)
	} else if err != nil {
		return err
	}
	fmt.Fprint(m.Stdout, templates.CLIReverted(id, v.Commune, v.ReceivedAt.In(loc).Format("02/01/2006"), len(v.Undone)))
	for _, u := range v.Undone {
		line := templates.RevertLine{UAI: u.UAI, School: tableText(u.Name), What: revertWhat(u), Restored: tableText(u.Restored)}
		fmt.Fprintf(m.Stdout, "  %s\n", templates.RevertLineText(line))
	}
	return nil
}

// revertWhat names, for the mail's template, what undoing u did.
func revertWhat(u sqlite.Undone) string {
	switch u.Kind {
	case convention.ChangeAdd, convention.ChangeReadd:
		return "add"
	case convention.ChangeAdmin:
		return "admin"
	case convention.ChangeRename:
		return "rename"
	case convention.ChangeScheduleRemov:
		if u.Executed {
			return "removed"
		}
		return "removal"
	case convention.ChangeHoldRemoval:
		return "held"
	}
	return string(u.Kind)
}

// revertMail is the mail that tells the commune its request was undone, to the address that
// sent it.
func revertMail(cfg *Config, v sqlite.RevertView, now time.Time) ([]convention.OutgoingMail, error) {
	if v.Sender == "" {
		return nil, nil
	}
	r := templates.Revert{Commune: v.Commune, Subject: v.Subject, ReceivedAt: v.ReceivedAt.In(cfg.Location()).Format("02/01/2006"), Signature: signature}
	for _, u := range v.Undone {
		r.Undone = append(r.Undone, templates.RevertLine{UAI: u.UAI, School: u.Name, What: revertWhat(u), Restored: u.Restored})
	}
	for _, h := range v.Reheld {
		r.HeldAgain = append(r.HeldAgain, templates.RevertHeld{UAI: h.UAI, School: h.Name, RequestID: h.RequestID, ReceivedAt: h.ReceivedAt.In(cfg.Location()).Format("02/01/2006")})
	}
	rendered, err := templates.RenderRevert(r)
	if err != nil {
		return nil, err
	}
	to := []string{v.Sender}
	data, err := smtp.Compose(smtp.Mail{From: cfg.SMTP.From, FromName: fromName, To: to, Subject: rendered.Subject, Date: now, Text: rendered.Text, HTML: rendered.HTML})
	if err != nil {
		return nil, fmt.Errorf("compose the notice of a revert: %w", err)
	}
	return []convention.OutgoingMail{{Kind: "revert_notice", From: cfg.SMTP.From, To: to, Data: data}}, nil
}

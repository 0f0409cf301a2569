package main

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	"github.com/laclasse/intake/sqlite"
	"github.com/laclasse/intake/templates"
)

// confirmCmd is `intaked confirm --config F [--now RFC3339] [--by NAME] [--drop] ID` (a
// contract): it applies the removals request ID holds (they become scheduled removals, taking
// effect at the yearly update as a normal removal would), or with --drop keeps the schools. The
// staff action is recorded with who did it in each school's history. A usage error exits 2; a
// request that holds no removal exits 1.
func (m *Main) confirmCmd(ctx context.Context, args []string) error {
	c := m.command("confirm", true)
	by := staffFlag(c)
	drop := c.fs.Bool("drop", false, "drop the held removals: the schools stay")
	if err := c.parse(args); err != nil {
		return err
	}
	if c.fs.NArg() != 1 {
		return fmt.Errorf("%w: confirm takes one request ID", errUsage)
	}
	id, err := strconv.ParseInt(c.fs.Arg(0), 10, 64)
	if err != nil || id <= 0 {
		return fmt.Errorf("%w: %q is not a request ID", errUsage, c.fs.Arg(0))
	}
	cfg, store, err := c.open(ctx)
	if err != nil {
		return err
	}
	defer store.Close()
	cal := cfg.ConventionCalendar()
	changes, err := newStaffActions(cfg, store, m.Now, nil).ResolveHeld(ctx, staffMember(*by), id, *drop)
	switch {
	case errors.Is(err, sqlite.ErrNothingHeld):
		return errors.New(templates.CLINothingHeld(id))
	case errors.Is(err, sqlite.ErrNotFound):
		return errors.New(templates.CLINoRequest(id))
	case err != nil:
		return err
	}
	for _, ch := range changes {
		if *drop {
			fmt.Fprint(m.Stdout, templates.CLIRemovalDropped(ch.UAI, ch.Name))
		} else {
			fmt.Fprint(m.Stdout, templates.CLIRemovalConfirmed(ch.UAI, ch.Name, cal.RemovalDay(ch.RemoveAt)))
		}
	}
	return nil
}

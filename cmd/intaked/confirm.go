package main

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/laclasse/intake/sqlite"
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
	now := m.Now()
	changes, err := store.ResolveHeld(ctx, sqlite.Resolve{
		RequestID: id, By: staffMember(*by), At: now, Drop: *drop,
		RemoveAt: func(receivedAt time.Time) time.Time { return cal.RemovalDate(receivedAt, now) },
	})
	switch {
	case errors.Is(err, sqlite.ErrNothingHeld):
		return fmt.Errorf("la demande n° %d n'a aucun retrait en attente de confirmation", id)
	case errors.Is(err, sqlite.ErrNotFound):
		return fmt.Errorf("la demande n° %d n'existe pas", id)
	case err != nil:
		return err
	}
	for _, ch := range changes {
		if *drop {
			fmt.Fprintf(m.Stdout, "%s %s : retrait abandonné, l'école reste\n", ch.UAI, ch.Name)
		} else {
			fmt.Fprintf(m.Stdout, "%s %s : retrait confirmé, le %s\n", ch.UAI, ch.Name, cal.RemovalDay(ch.RemoveAt))
		}
	}
	return nil
}

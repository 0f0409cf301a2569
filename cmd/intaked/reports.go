package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/laclasse/intake/console"
	"github.com/laclasse/intake/convention"
	"github.com/laclasse/intake/report"
	"github.com/laclasse/intake/templates"
)

// reportCmd is `intaked report fees|activity`.
func (m *Main) reportCmd(ctx context.Context, args []string) error {
	if len(args) == 0 || (args[0] != "fees" && args[0] != "activity") {
		return fmt.Errorf("%w: intaked report fees|activity --config FILE --year 2025-2026 [-o FILE.xlsx]", errUsage)
	}
	kind := args[0]
	c := m.command("report "+kind, false)
	year := c.fs.String("year", "", "school year, e.g. 2025-2026")
	out := c.fs.String("o", "", "write the spreadsheet (xlsx) to this file")
	asJSON := false
	if kind == "fees" {
		c.fs.BoolVar(&asJSON, "json", false, "print the statement as JSON")
	}
	if err := c.parse(args[1:]); err != nil {
		return err
	}
	cfg, store, err := c.open(ctx)
	if err != nil {
		return err
	}
	defer store.Close()
	if _, _, err := report.ParseSchoolYear(*year, cfg.Location()); err != nil {
		return fmt.Errorf("%w: --year: %v", errUsage, err)
	}
	acts := newStaffActions(cfg, store, m.Now, nil)
	var buf bytes.Buffer
	if kind == "fees" {
		st, err := acts.FeeStatement(ctx, *year)
		if err != nil {
			return err
		}
		if *out != "" {
			if err := report.WriteFeesXLSX(&buf, st); err != nil {
				return err
			}
		}
		if asJSON {
			if err := writeJSON(m.Stdout, st); err != nil {
				return err
			}
		} else {
			tw := tabwriter.NewWriter(m.Stdout, 0, 2, 2, ' ', 0)
			fmt.Fprint(tw, templates.CLIFeesTitle(st.Year, st.PerSchoolEUR))
			fmt.Fprintln(tw, templates.CLIFeesHeader)
			for _, c := range st.Communes {
				fmt.Fprintf(tw, "%s\t%s\t%d\t%d €\n", c.Name, c.INSEE, c.Schools, c.AmountEUR)
			}
			fmt.Fprintf(tw, "TOTAL\t\t\t%d €\n", st.TotalEUR)
			tw.Flush()
		}
	} else {
		ar, history, err := acts.ActivityReport(ctx, *year)
		if err != nil {
			return err
		}
		if *out != "" {
			if err := report.WriteActivityXLSX(&buf, ar, history); err != nil {
				return err
			}
		}
		fmt.Fprintln(m.Stdout, report.ActivitySummaryFR(ar))
	}
	if *out != "" {
		if err := writePrivate(*out, buf.Bytes()); err != nil {
			return err
		}
		fmt.Fprintf(m.Stderr, "written to %s\n", *out)
	}
	return nil
}

// terminateCmd records a commune's notice of termination: its schools are removed on the
// anniversary it takes effect, "en respectant un préavis de trois mois".
func (m *Main) terminateCmd(ctx context.Context, args []string) error {
	c := m.command("terminate", false)
	name := c.fs.String("commune", "", "the commune's name")
	received := c.fs.String("received", "", "the day the registered letter was received, YYYY-MM-DD")
	by := staffFlag(c)
	if err := c.parse(args); err != nil {
		return err
	}
	cfg, store, err := c.open(ctx)
	if err != nil {
		return err
	}
	defer store.Close()
	loc := cfg.Location()
	at, err := time.ParseInLocation("2006-01-02", *received, loc)
	if err != nil {
		return fmt.Errorf("%w: --received: %q is not a date YYYY-MM-DD", errUsage, *received)
	}
	var start *time.Time
	commune := ""
	for _, cd := range cfg.CommuneDates() {
		if strings.EqualFold(cd.Name, *name) {
			commune, start = cd.Name, cd.ConventionStart
		}
	}
	eff, err := newStaffActions(cfg, store, m.Now, nil).Terminate(ctx, staffMember(*by), *name, at)
	switch {
	case errors.Is(err, console.ErrUnknownCommune):
		return fmt.Errorf("%w: --commune: no commune %q in the configuration", errUsage, *name)
	case errors.Is(err, console.ErrNoConventionStart):
		return fmt.Errorf("commune %s has no convention_start in the configuration: its anniversary is unknown", commune)
	case err != nil:
		return err
	}
	deadline := convention.NoticeDeadline(convention.NextAnniversary(*start, at))
	fmt.Fprint(m.Stdout, templates.CLITerminated(commune, at.Format("02/01/2006"), deadline.Format("02/01/2006"), eff.In(loc).Format("02/01/2006")))
	return nil
}

package scheduler

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/laclasse/intake/convention"
	"github.com/laclasse/intake/report"
	"github.com/laclasse/intake/smtp"
	"github.com/laclasse/intake/sqlite"
	"github.com/laclasse/intake/templates"
)

// CommuneDates is a commune's convention as the configuration dates it.
type CommuneDates struct {
	Name            string
	INSEE           string
	ConventionStart *time.Time
}

// Facts gathers from the store what the reports need: each school's spans in the convention,
// the requests with their refused rows, the changes and the renewals by default, as the store
// stood at one instant. It reads in one read transaction, which no writer waits for. The reports
// read YearFacts; Facts, the whole store read plainly, is the reference the tests hold it to.
func Facts(ctx context.Context, store *sqlite.DB, communes []CommuneDates) (report.Facts, error) {
	var f report.Facts
	insee := map[string]string{}
	for _, c := range communes {
		f.Communes = append(f.Communes, report.CommuneFact{Name: c.Name, INSEE: c.INSEE, ConventionStart: c.ConventionStart})
		insee[strings.ToLower(c.Name)] = c.INSEE
	}
	rf, err := store.ReportFacts(ctx)
	if err != nil {
		return f, err
	}
	addEvents(&f, rf.Events, insee)
	for _, r := range rf.Requests {
		f.Requests = append(f.Requests, report.RequestFact{Commune: r.Commune, ReceivedAt: r.ReceivedAt, State: string(r.State), RefusedRows: r.RefusedRows})
	}
	f.Renewals = rf.Renewals
	return f, nil
}

// YearFacts gathers from the store what the reports of one school year (year, "2025-2026", in
// loc) need, and no more: every school's spans in the convention and its first activation, the
// changes and the requests of the year, the renewals. The fee statement, the activity report and
// its history drawn from them are those drawn from Facts, without reading ten years of changes.
func YearFacts(ctx context.Context, store *sqlite.DB, communes []CommuneDates, year string, loc *time.Location) (report.Facts, error) {
	var f report.Facts
	start, end, err := report.ParseSchoolYear(year, loc)
	if err != nil {
		return f, err
	}
	insee := map[string]string{}
	for _, c := range communes {
		f.Communes = append(f.Communes, report.CommuneFact{Name: c.Name, INSEE: c.INSEE, ConventionStart: c.ConventionStart})
		insee[strings.ToLower(c.Name)] = c.INSEE
	}
	yf, err := store.YearFacts(ctx, start, end)
	if err != nil {
		return f, err
	}
	// The communes the whole history names, after the declared ones (whose names and codes win):
	// the activity report lists every one, whatever the year of its facts.
	for _, name := range yf.Communes {
		f.Communes = append(f.Communes, report.CommuneFact{Name: name})
	}
	addEvents(&f, yf.Spans, insee)
	f.Changes = nil
	for _, e := range yf.Changes {
		f.Changes = append(f.Changes, report.ChangeFact{Commune: e.Commune, UAI: e.UAI, Kind: string(e.Kind), At: e.At})
	}
	for _, r := range yf.Requests {
		f.Requests = append(f.Requests, report.RequestFact{Commune: r.Commune, ReceivedAt: r.ReceivedAt, State: string(r.State), RefusedRows: r.RefusedRows})
	}
	f.Renewals = yf.Renewals
	return f, nil
}

// CommuneFacts gathers the facts of one commune's schools only (its spans and changes), enough
// for its fee (report.Fees): read on the commune's index, for the console's page of it.
func CommuneFacts(ctx context.Context, store *sqlite.DB, c CommuneDates) (report.Facts, error) {
	f := report.Facts{Communes: []report.CommuneFact{{Name: c.Name, INSEE: c.INSEE, ConventionStart: c.ConventionStart}}}
	events, err := store.CommuneEvents(ctx, c.Name)
	if err != nil {
		return f, err
	}
	addEvents(&f, events, map[string]string{strings.ToLower(c.Name): c.INSEE})
	return f, nil
}

// addEvents adds to f each school's spans in the convention and its changes, from its history
// events (oldest first); insee gives each commune's code by its lower-case name.
func addEvents(f *report.Facts, events []sqlite.SchoolEvent, insee map[string]string) {
	index := map[string]int{}
	for _, e := range events {
		i, ok := index[e.UAI]
		if !ok {
			i = len(f.Schools)
			index[e.UAI] = i
			f.Schools = append(f.Schools, report.SchoolHistory{Commune: e.Commune, INSEE: insee[strings.ToLower(e.Commune)], UAI: e.UAI, Name: e.Name})
		}
		s := &f.Schools[i]
		open := len(s.Spans) > 0 && s.Spans[len(s.Spans)-1].To.IsZero()
		switch e.Kind {
		case convention.ChangeAdd, convention.ChangeReadd:
			if s.ReceivedAt.IsZero() {
				s.ReceivedAt = e.At
			}
			if !open {
				s.Spans = append(s.Spans, report.Span{From: e.At})
			}
		case convention.ChangeRemove:
			if open {
				s.Spans[len(s.Spans)-1].To = e.At
			}
		case convention.ChangeActivate:
			if s.ActivatedAt == nil {
				at := e.At
				s.ActivatedAt = &at
			}
		}
		f.Changes = append(f.Changes, report.ChangeFact{Commune: e.Commune, UAI: e.UAI, Kind: string(e.Kind), At: e.At})
	}
}

// History counts each commune's schools, school year by school year, up to year, for the
// activity report's chart.
func History(f report.Facts, year string, loc *time.Location) map[string]map[string]int {
	out := map[string]map[string]int{}
	start, _, err := report.ParseSchoolYear(year, loc)
	if err != nil {
		return out
	}
	first := start.Year()
	for _, s := range f.Schools {
		for _, sp := range s.Spans {
			if y := sp.From.In(loc).Year() - 1; y < first {
				first = y
			}
		}
	}
	var years []string
	for y := first; y <= start.Year(); y++ {
		years = append(years, fmt.Sprintf("%d-%d", y, y+1))
	}
	return report.SchoolsByYear(f, years, loc)
}

// ReportCalendar holds what the reports' jobs need beyond the calendar.
type ReportCalendar struct {
	Store        *sqlite.DB
	Communes     []CommuneDates
	PerSchoolEUR int
	TreasurerTo  []string
	FeeSpec      string
	ActivitySpec string
	DatesSpec    string
	Terminations func(ctx context.Context) (map[string]time.Time, error)
}

// feeStatement sends the treasurer the fee statement of the school year that starts. It is built
// outside the store's write transaction (Job.Build): a statement of 2,000 communes must not
// keep the other writers waiting.
func (c Calendar) feeStatement(r ReportCalendar) Job {
	return Job{Name: "fee-statement", Spec: r.FeeSpec, Build: func(ctx context.Context, _, occ time.Time) ([]convention.OutgoingMail, error) {
		year := convention.SchoolYear(occ, c.loc())
		f, err := YearFacts(ctx, r.Store, r.Communes, year, c.loc())
		if err != nil {
			return nil, err
		}
		st := report.Fees(f, year, r.PerSchoolEUR, c.loc())
		var buf bytes.Buffer
		if err := report.WriteFeesXLSX(&buf, st); err != nil {
			return nil, err
		}
		fs := templates.FeeStatement{SchoolYear: year, PerSchoolEUR: st.PerSchoolEUR, TotalEUR: st.TotalEUR}
		for _, cf := range st.Communes {
			fs.Communes = append(fs.Communes, templates.FeeCommune{Name: cf.Name, INSEE: cf.INSEE, Schools: cf.Schools, AmountEUR: cf.AmountEUR})
		}
		rendered, err := templates.RenderFeeStatement(fs)
		if err != nil {
			return nil, err
		}
		to := r.TreasurerTo
		if len(to) == 0 {
			to = c.Metropole
		}
		m, err := c.mail("fee-statement", to, rendered,
			smtp.File{Name: "redevance-laclasse-" + year + ".xlsx", ContentType: xlsxType, Data: buf.Bytes()})
		if err != nil {
			return nil, err
		}
		return []convention.OutgoingMail{m}, nil
	}}
}

// activityReport sends the follow-up committee's report on the school year that ended, built
// outside the store's write transaction (Job.Build).
func (c Calendar) activityReport(r ReportCalendar) Job {
	return Job{Name: "activity-report", Spec: r.ActivitySpec, Build: func(ctx context.Context, _, occ time.Time) ([]convention.OutgoingMail, error) {
		year := convention.SchoolYear(occ.AddDate(-1, 0, 0), c.loc())
		f, err := YearFacts(ctx, r.Store, r.Communes, year, c.loc())
		if err != nil {
			return nil, err
		}
		ar := report.Activity(f, year, c.loc())
		var buf bytes.Buffer
		if err := report.WriteActivityXLSX(&buf, ar, History(f, year, c.loc())); err != nil {
			return nil, err
		}
		rendered, err := templates.RenderActivityReport(templates.ActivityReport{SchoolYear: year, Paragraphs: strings.Split(strings.TrimSpace(report.ActivitySummaryFR(ar)), "\n\n")})
		if err != nil {
			return nil, err
		}
		m, err := c.mail("activity-report", c.Metropole, rendered,
			smtp.File{Name: "bilan-laclasse-" + year + ".xlsx", ContentType: xlsxType, Data: buf.Bytes()})
		if err != nil {
			return nil, err
		}
		return []convention.OutgoingMail{m}, nil
	}}
}

// conventionDates reminds the Métropole a month before each notice deadline and before each
// removal a termination causes, and removes the schools of a terminated convention on its day.
func (c Calendar) conventionDates(r ReportCalendar) Job {
	day := func(t time.Time) string { return t.In(c.loc()).Format("2006-01-02") }
	return Job{Name: "convention-dates", Spec: r.DatesSpec, Run: func(ctx context.Context, tx *sqlite.Tx, _, occ time.Time) ([]convention.OutgoingMail, error) {
		terms, err := r.Terminations(ctx)
		if err != nil {
			return nil, err
		}
		removed, err := tx.RemoveTerminated(occ)
		if err != nil {
			return nil, err
		}
		var notes []templates.ConventionNote
		for _, s := range removed {
			notes = append(notes, templates.ConventionNote{Kind: templates.NoteRemoved, Commune: s.Commune, UAI: s.UAI, School: s.Name})
		}
		for _, cd := range r.Communes {
			if cd.ConventionStart == nil {
				continue
			}
			start := cd.ConventionStart.In(c.loc())
			if end, ok := terms[cd.Name]; ok {
				eff := convention.TerminationDate(start, end)
				if day(eff.AddDate(0, -1, 0)) == day(occ) {
					notes = append(notes, templates.ConventionNote{Kind: templates.NoteEnds, Commune: cd.Name, At: eff, NoticeReceived: end.In(c.loc())})
				}
				continue
			}
			anniv := convention.NextAnniversary(start, occ)
			deadline := convention.NoticeDeadline(anniv)
			if day(deadline.AddDate(0, -1, 0)) == day(occ) {
				notes = append(notes, templates.ConventionNote{Kind: templates.NoteAnniversary, Commune: cd.Name, At: anniv, Deadline: deadline})
			}
		}
		if len(notes) == 0 {
			return nil, nil
		}
		rendered, err := templates.RenderConventionDates(templates.ConventionDates{Notes: notes})
		if err != nil {
			return nil, err
		}
		return c.toMetropole("convention-dates", rendered, nil)
	}}
}

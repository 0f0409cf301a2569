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
// the requests with their refused rows, the changes and the renewals by default.
func Facts(ctx context.Context, store *sqlite.DB, communes []CommuneDates) (report.Facts, error) {
	var f report.Facts
	insee := map[string]string{}
	for _, c := range communes {
		f.Communes = append(f.Communes, report.CommuneFact{Name: c.Name, INSEE: c.INSEE, ConventionStart: c.ConventionStart})
		insee[strings.ToLower(c.Name)] = c.INSEE
	}
	events, err := store.SchoolEvents(ctx)
	if err != nil {
		return f, err
	}
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
	reqs, err := store.RequestFacts(ctx)
	if err != nil {
		return f, err
	}
	for _, r := range reqs {
		f.Requests = append(f.Requests, report.RequestFact{Commune: r.Commune, ReceivedAt: r.ReceivedAt, State: string(r.State), RefusedRows: r.RefusedRows})
	}
	if f.Renewals, err = store.Renewals(ctx); err != nil {
		return f, err
	}
	return f, nil
}

// History counts each commune's schools, school year by school year, up to year, for the
// activity report's chart.
func History(f report.Facts, year string, perSchool int, loc *time.Location) map[string]map[string]int {
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
	for y := first; y <= start.Year(); y++ {
		sy := fmt.Sprintf("%d-%d", y, y+1)
		for _, c := range report.Fees(f, sy, perSchool, loc).Communes {
			if out[c.Name] == nil {
				out[c.Name] = map[string]int{}
			}
			out[c.Name][sy] = c.Schools
		}
	}
	return out
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

// feeStatement sends the treasurer the fee statement of the school year that starts.
func (c Calendar) feeStatement(r ReportCalendar) Job {
	return Job{Name: "fee-statement", Spec: r.FeeSpec, Run: func(ctx context.Context, _ *sqlite.Tx, _, occ time.Time) ([]convention.OutgoingMail, error) {
		year := convention.SchoolYear(occ, c.loc())
		f, err := Facts(ctx, r.Store, r.Communes)
		if err != nil {
			return nil, err
		}
		st := report.Fees(f, year, r.PerSchoolEUR, c.loc())
		var buf bytes.Buffer
		if err := report.WriteFeesXLSX(&buf, st); err != nil {
			return nil, err
		}
		var lines []string
		for _, cf := range st.Communes {
			lines = append(lines, fmt.Sprintf("- %s (%s) : %d %s, %d €", cf.Name, cf.INSEE, cf.Schools, plural(cf.Schools, "école", "écoles"), cf.AmountEUR))
		}
		text := fmt.Sprintf("Bonjour,\n\nVoici l'état de la redevance laclasse.com pour l'année scolaire %s : %d € par école et par an, dû forfaitairement même en cas d'année non pleine.\n\n%s\n\nTotal : %d €.\n\nLe détail par commune et par école est dans le tableur ci-joint.\n\nCe message est envoyé automatiquement par intaked.\n",
			year, st.PerSchoolEUR, strings.Join(lines, "\n"), st.TotalEUR)
		to := r.TreasurerTo
		if len(to) == 0 {
			to = c.Metropole
		}
		m, err := c.mail("fee-statement", to, templates.Rendered{Subject: "Laclasse.com : redevance de l'année scolaire " + year, Text: text, HTML: templates.PlainHTML(text)},
			smtp.File{Name: "redevance-laclasse-" + year + ".xlsx", ContentType: xlsxType, Data: buf.Bytes()})
		if err != nil {
			return nil, err
		}
		return []convention.OutgoingMail{m}, nil
	}}
}

// activityReport sends the follow-up committee's report on the school year that ended.
func (c Calendar) activityReport(r ReportCalendar) Job {
	return Job{Name: "activity-report", Spec: r.ActivitySpec, Run: func(ctx context.Context, _ *sqlite.Tx, _, occ time.Time) ([]convention.OutgoingMail, error) {
		year := convention.SchoolYear(occ.AddDate(-1, 0, 0), c.loc())
		f, err := Facts(ctx, r.Store, r.Communes)
		if err != nil {
			return nil, err
		}
		ar := report.Activity(f, year, c.loc())
		var buf bytes.Buffer
		if err := report.WriteActivityXLSX(&buf, ar, History(f, year, r.PerSchoolEUR, c.loc())); err != nil {
			return nil, err
		}
		text := report.ActivitySummaryFR(ar) + "\n\nLe bilan détaillé, avec ses graphiques, est dans le tableur ci-joint.\n\nCe message est envoyé automatiquement par intaked.\n"
		m, err := c.mail("activity-report", c.Metropole, templates.Rendered{Subject: "Laclasse.com : bilan d'activité " + year, Text: text, HTML: templates.PlainHTML(text)},
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
		var notes []string
		for _, s := range removed {
			notes = append(notes, fmt.Sprintf("- %s : école %s %s retirée (fin de la convention) ; droits d'administration à retirer dans laclasse.com.", s.Commune, s.UAI, s.Name))
		}
		for _, cd := range r.Communes {
			if cd.ConventionStart == nil {
				continue
			}
			start := cd.ConventionStart.In(c.loc())
			if end, ok := terms[cd.Name]; ok {
				eff := report.TerminationDate(start, end)
				if day(eff.AddDate(0, -1, 0)) == day(occ) {
					notes = append(notes, fmt.Sprintf("- %s : la convention prend fin le %s (préavis reçu le %s) ; ses écoles seront retirées ce jour-là.", cd.Name, templates.FrenchDate(eff), templates.FrenchDate(end.In(c.loc()))))
				}
				continue
			}
			anniv := report.NextAnniversary(start, occ)
			deadline := report.NoticeDeadline(anniv)
			if day(deadline.AddDate(0, -1, 0)) == day(occ) {
				notes = append(notes, fmt.Sprintf("- %s : la convention arrive à son anniversaire le %s ; un préavis doit être reçu au plus tard le %s pour y mettre fin, sinon elle est reconduite pour un an.", cd.Name, templates.FrenchDate(anniv), templates.FrenchDate(deadline)))
			}
		}
		if len(notes) == 0 {
			return nil, nil
		}
		text := "Bonjour,\n\nÉchéances des conventions laclasse.com :\n\n" + strings.Join(notes, "\n") + "\n\nCe message est envoyé automatiquement par intaked.\n"
		return c.toMetropole("convention-dates", templates.Rendered{Subject: "Laclasse.com : échéances des conventions", Text: text, HTML: templates.PlainHTML(text)}, nil)
	}}
}

func plural(n int, one, many string) string {
	if n > 1 {
		return many
	}
	return one
}

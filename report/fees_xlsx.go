package report

import (
	"io"

	"github.com/laclasse/intake/templates"
)

// WriteFeesXLSX writes the fee statement as a spreadsheet ready for the treasurer: a sheet
// "Synthèse" with, by commune, its INSEE code, its number of schools and its amount, and a total
// row; then one sheet per commune listing its schools with their dates (received, activated,
// removed) and their fee. Totals are SUM formulas written with their value. Everything the reader
// sees is in French.
func WriteFeesXLSX(w io.Writer, s FeeStatement) error {
	title := templates.FeesTitle(s.Year)
	b, err := newWorkbook(title, templates.FeesSubject)
	if err != nil {
		return err
	}
	defer b.close()

	start, end := "", ""
	if !s.Start.IsZero() {
		start, end = frenchDate(s.Start), frenchDate(lastDay(s.End))
	}
	rule := templates.FeesRule(eurosFR(s.PerSchoolEUR), start, end)
	summary := table{
		title: title,
		note:  rule,
		columns: []column{
			{"Commune", 30, textCol},
			{"Code INSEE", 12, textCol},
			{templates.FeesSchoolsColumn, 14, countCol},
			{"Montant", 16, euroCol},
		},
		empty: templates.FeesNone,
	}
	schools := 0
	for _, c := range s.Communes {
		summary.rows = append(summary.rows, []any{c.Name, c.INSEE, c.Schools, c.AmountEUR})
		schools += c.Schools
	}
	summary.total = []any{"Total", nil, summary.sumFormula(3, schools), summary.sumFormula(4, s.TotalEUR)}
	if err := b.write(b.reserve("Synthèse"), summary); err != nil {
		return err
	}

	for _, c := range s.Communes {
		t := table{
			title: templates.FeesCommuneTitle(c.Name, s.Year),
			note: templates.FeesCommuneNote(c.Name, c.INSEE,
				templates.Schools(c.Schools), eurosFR(s.PerSchoolEUR), eurosFR(c.AmountEUR)),
			columns: []column{
				{"UAI", 12, textCol},
				{"École", 40, textCol},
				{templates.FeesReceivedOn, 12, dateCol},
				{templates.FeesActivatedOn, 12, dateCol},
				{templates.FeesRemovedOn, 12, dateCol},
				{"Montant", 14, euroCol},
			},
		}
		for _, l := range c.Lines {
			t.rows = append(t.rows, []any{l.UAI, l.Name, l.ReceivedAt, l.ActivatedAt, l.RemovedAt, l.AmountEUR})
		}
		t.total = []any{"Total", templates.Schools(len(c.Lines)), nil, nil, nil, t.sumFormula(6, c.AmountEUR)}
		if err := b.write(b.reserve(c.Name), t); err != nil {
			return err
		}
	}
	return b.finish(w)
}

package report

import (
	"fmt"
	"io"
)

// WriteFeesXLSX writes the fee statement as a spreadsheet ready for the treasurer: a sheet
// "Synthèse" with, by commune, its INSEE code, its number of schools and its amount, and a total
// row; then one sheet per commune listing its schools with their dates (received, activated,
// removed) and their fee. Totals are SUM formulas written with their value. Everything the reader
// sees is in French.
func WriteFeesXLSX(w io.Writer, s FeeStatement) error {
	title := "Redevance laclasse.com — année scolaire " + s.Year
	b, err := newWorkbook(title, "Redevance due par les communes au titre de la convention laclasse.com")
	if err != nil {
		return err
	}
	defer b.close()

	rule := fmt.Sprintf("Forfait de %s par école et par année scolaire, dû même en cas d'année non pleine", eurosFR(s.PerSchoolEUR))
	if !s.Start.IsZero() {
		rule += fmt.Sprintf(" : il est dû pour chaque école inscrite (en attente d'ouverture ou active) au moins un jour entre le %s et le %s.",
			frenchDate(s.Start), frenchDate(lastDay(s.End)))
	} else {
		rule += "."
	}
	summary := table{
		title: title,
		note:  rule,
		columns: []column{
			{"Commune", 30, textCol},
			{"Code INSEE", 12, textCol},
			{"Nombre d'écoles", 14, countCol},
			{"Montant", 16, euroCol},
		},
		empty: "Aucune école à facturer pour cette année scolaire.",
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
			title: fmt.Sprintf("%s — redevance laclasse.com, année scolaire %s", c.Name, s.Year),
			note: fmt.Sprintf("Commune %s (code INSEE %s) : %s × %s = %s.", c.Name, c.INSEE,
				countFR(c.Schools, "école", "écoles"), eurosFR(s.PerSchoolEUR), eurosFR(c.AmountEUR)),
			columns: []column{
				{"UAI", 12, textCol},
				{"École", 40, textCol},
				{"Reçue le", 12, dateCol},
				{"Activée le", 12, dateCol},
				{"Retirée le", 12, dateCol},
				{"Montant", 14, euroCol},
			},
		}
		for _, l := range c.Lines {
			t.rows = append(t.rows, []any{l.UAI, l.Name, l.ReceivedAt, l.ActivatedAt, l.RemovedAt, l.AmountEUR})
		}
		t.total = []any{"Total", countFR(len(c.Lines), "école", "écoles"), nil, nil, nil, t.sumFormula(6, c.AmountEUR)}
		if err := b.write(b.reserve(c.Name), t); err != nil {
			return err
		}
	}
	return b.finish(w)
}

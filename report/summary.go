package report

import (
	"slices"

	"github.com/laclasse/intake/templates"
)

// ActivitySummaryFR writes the activity report as a few French paragraphs of plain text, for the
// body of the mail that carries the spreadsheet: the schools and communes, the year's changes,
// the delays to open access against the convention's two weeks, the messages and the main
// reasons rows were refused, and the lists renewed by default. The words are templates'.
func ActivitySummaryFR(r ActivityReport) string {
	s := templates.ActivitySummary{
		Year:           r.Year,
		Known:          !r.Start.IsZero(),
		Start:          r.Start,
		Total:          summaryCommune(r.Total),
		ConventionDays: int(conventionDays()),
	}
	if !s.Known {
		return templates.ActivitySummaryText(s)
	}
	s.LastDay = lastDay(r.End)
	for _, c := range r.Communes {
		s.Communes = append(s.Communes, summaryCommune(c))
	}
	for _, state := range append(slices.Clone(requestStates), staffStates...) {
		s.RequestsByState = append(s.RequestsByState, templates.Tally{Key: state, N: r.Total.RequestsByState[state]})
	}
	for _, f := range refusedFields(r.Total.RefusedByField) {
		s.RefusedByField = append(s.RefusedByField, templates.Tally{Key: f, N: r.Total.RefusedByField[f]})
	}
	return templates.ActivitySummaryText(s)
}

// summaryCommune is what the summary says of one commune's year, or of the total.
func summaryCommune(c CommuneActivity) templates.ActivityCommune {
	return templates.ActivityCommune{
		Name: c.Name, SchoolsAtStart: c.SchoolsAtStart, SchoolsAtEnd: c.SchoolsAtEnd,
		Added: c.Added, Removed: c.Removed, Activations: c.Activations, AdminChanges: c.AdminChanges,
		Requests: c.Requests, RefusedRows: c.RefusedRows, Renewed: c.Renewals > 0,
		Delays: templates.ActivityDelays{Received: c.Delays.Received, Activated: c.Delays.Activated, Within: c.Delays.Within,
			MedianDays: c.Delays.MedianDays, MaxDays: c.Delays.MaxDays},
	}
}

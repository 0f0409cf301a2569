package report

import (
	"fmt"
	"io"
	"sort"
	"unicode"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"

	"github.com/laclasse/intake/convention"
	"github.com/laclasse/intake/templates"
)

// requestStates are the states of a message, in the order the sheets show them.
var requestStates = []string{"applied", "refused", "rejected", "duplicate", "ignored"}

// staffStates are the states of a message that put a person in the loop (issue 14): a reply
// forwarded to staff, a list whose removals wait for staff, a list staff undid. The sheet shows
// them after the refused rows, so that the columns before keep their place.
var staffStates = []string{"forwarded", "held", "reverted"}

// unattributed labels the line of the messages from senders that are no declared commune.
const unattributed = templates.ActivityUnattributed

// WriteActivityXLSX writes the activity report as a spreadsheet for the follow-up committee:
//   - "Synthèse": by commune, the schools at the start and at the end of the year, the additions,
//     removals, activations and changes of administrator, the messages received, the rows
//     refused and whether the list was renewed by default;
//   - "Délais d'activation": the delays to open access against the convention's two weeks, with
//     a column chart of the median and maximum delay by commune and the two weeks as a line;
//   - "Demandes": the messages received by commune and by outcome;
//   - "Lignes refusées": the rows refused by commune and by reason;
//   - "Évolution": the schools by commune over the school years history gives (commune → school
//     year → number of schools), with a column chart.
//
// Totals of counts are SUM formulas written with their value.
func WriteActivityXLSX(w io.Writer, r ActivityReport, history map[string]map[string]int) error {
	title := templates.ActivityTitle(r.Year)
	b, err := newWorkbook(title, templates.ActivitySubject)
	if err != nil {
		return err
	}
	defer b.close()
	if err := writeActivitySummary(b, r, title); err != nil {
		return err
	}
	for _, write := range []func(*workbook, ActivityReport) error{writeDelays, writeRequests, writeRefusedRows} {
		if err := write(b, r); err != nil {
			return err
		}
	}
	if err := writeHistory(b, history); err != nil {
		return err
	}
	return b.finish(w)
}

// unattributedRequests counts the messages of the year from senders that are no declared commune.
func unattributedRequests(r ActivityReport) (n int, byState map[string]int) {
	byState = map[string]int{}
	n = r.Total.Requests
	for k, v := range r.Total.RequestsByState {
		byState[k] = v
	}
	for _, c := range r.Communes {
		n -= c.Requests
		for k, v := range c.RequestsByState {
			byState[k] -= v
		}
	}
	return n, byState
}

func yesNo(n int) string {
	if n > 0 {
		return "oui"
	}
	return "non"
}

func writeActivitySummary(b *workbook, r ActivityReport, title string) error {
	at := func(prefix string, d string) string {
		if d == "" {
			return prefix
		}
		return prefix + " " + d
	}
	startDay, endDay := "", ""
	note := templates.ActivityCounted
	if !r.Start.IsZero() {
		startDay, endDay = frenchDate(r.Start), frenchDate(lastDay(r.End))
		note = templates.ActivityPeriod(startDay, endDay)
	}
	t := table{
		title: title,
		note:  note,
		columns: []column{
			{"Commune", 26, textCol},
			{"Code INSEE", 10, textCol},
			{at(templates.ActivitySchoolsAt, startDay), 13, countCol},
			{at(templates.ActivitySchoolsAt, endDay), 13, countCol},
			{"Ajouts", 9, countCol},
			{"Radiations", 11, countCol},
			{"Activations", 11, countCol},
			{"Changements d'administrateur", 17, countCol},
			{"Messages reçus", 10, countCol},
			{"Lignes refusées", 10, countCol},
			{templates.ActivityRenewedColumn, 12, flagCol},
		},
		empty:     templates.ActivityNoCommune,
		landscape: true,
	}
	for _, c := range r.Communes {
		t.rows = append(t.rows, []any{c.Name, c.INSEE, c.SchoolsAtStart, c.SchoolsAtEnd, c.Added, c.Removed,
			c.Activations, c.AdminChanges, c.Requests, c.RefusedRows, yesNo(c.Renewals)})
	}
	if n, _ := unattributedRequests(r); n > 0 {
		t.rows = append(t.rows, []any{unattributed, nil, nil, nil, nil, nil, nil, nil, n, nil, nil})
	}
	tt := r.Total
	t.total = []any{"Total", nil,
		t.sumFormula(3, tt.SchoolsAtStart), t.sumFormula(4, tt.SchoolsAtEnd), t.sumFormula(5, tt.Added),
		t.sumFormula(6, tt.Removed), t.sumFormula(7, tt.Activations), t.sumFormula(8, tt.AdminChanges),
		t.sumFormula(9, tt.Requests), t.sumFormula(10, tt.RefusedRows),
		formula{fmt.Sprintf(`COUNTIF(%s:%s,"oui")`, cellName(11, firstRow), cellName(11, t.lastRow())), tt.Renewals},
	}
	return b.write(b.reserve("Synthèse"), t)
}

func writeDelays(b *workbook, r ActivityReport) error {
	days := int(conventionDays())
	name := b.reserve(templates.DelaysSheet)
	t := table{
		title: templates.DelaysTitle(r.Year),
		note:  templates.DelaysNote(days),
		columns: []column{
			{"Commune", 26, textCol},
			{"Écoles reçues", 10, countCol},
			{"Écoles activées", 10, countCol},
			{"Délai médian (jours)", 11, daysCol},
			{"Délai maximal (jours)", 11, daysCol},
			{"Délai prévu (jours)", 11, countCol},
			{templates.DelaysWithinColumn(days), 11, countCol},
			{templates.DelaysShareColumn(days), 12, percentCol},
		},
		empty:     templates.DelaysNone,
		landscape: true,
	}
	for _, c := range r.Communes {
		d := c.Delays
		if d.Received == 0 {
			continue
		}
		var median, maximum any
		if d.Activated > 0 {
			median, maximum = d.MedianDays, d.MaxDays
		}
		t.rows = append(t.rows, []any{c.Name, d.Received, d.Activated, median, maximum, days, d.Within, d.Share()})
	}
	d := r.Total.Delays
	var median, maximum any
	if d.Activated > 0 {
		median = d.MedianDays
		maximum = formula{fmt.Sprintf("MAX(%s:%s)", cellName(5, firstRow), cellName(5, t.lastRow())), d.MaxDays}
	}
	total := t.lastRow() + 1
	t.total = []any{"Total", t.sumFormula(2, d.Received), t.sumFormula(3, d.Activated), median, maximum, days,
		t.sumFormula(7, d.Within), formula{fmt.Sprintf("%s/%s", cellName(7, total), cellName(2, total)), d.Share()}}
	if len(t.rows) > 0 {
		first, last := firstRow, t.lastRow()
		series := func(col int) excelize.ChartSeries {
			return excelize.ChartSeries{Name: absCell(name, col, headerRow), Categories: absRange(name, 1, first, last), Values: absRange(name, col, first, last)}
		}
		chart := &excelize.Chart{
			Type:      excelize.Col,
			Series:    []excelize.ChartSeries{series(4), series(5)},
			Title:     chartTitle(templates.DelaysChart),
			Legend:    excelize.ChartLegend{Position: "bottom"},
			Dimension: chartSize(len(t.rows)),
			XAxis:     chartAxis(""),
			YAxis:     chartAxis("jours"),
			Format:    excelize.GraphicOptions{OffsetX: 4, OffsetY: 4},
		}
		promise := series(6)
		promise.Line = excelize.LineOptions{Width: 2.25, Dash: excelize.LineDashDash}
		promise.Fill = excelize.Fill{Type: "pattern", Color: []string{"C00000"}, Pattern: 1}
		promise.Marker = excelize.ChartMarker{Symbol: "none"}
		// A combination chart takes its axes from its last chart.
		line := &excelize.Chart{Type: excelize.Line, Series: []excelize.ChartSeries{promise}, XAxis: chart.XAxis, YAxis: chart.YAxis}
		t.charts = append(t.charts, placedChart{cell: cellName(1, total+3), chart: chart, combo: []*excelize.Chart{line}})
	}
	return b.write(name, t)
}

func writeRequests(b *workbook, r ActivityReport) error {
	t := table{
		title: templates.RequestsTitle(r.Year),
		note:  templates.RequestsNote,
		columns: []column{
			{"Commune", 26, textCol},
			{"Messages reçus", 10, countCol},
			{"Listes appliquées", 11, countCol},
			{"Messages refusés", 11, countCol},
			{"Hors convention", 11, countCol},
			{"En double", 10, countCol},
			{"Ignorés", 10, countCol},
			{"Lignes refusées", 10, countCol},
			{templates.RequestsForwardedColumn, 11, countCol},
			{"Retraits en attente", 11, countCol},
			{"Annulées", 10, countCol},
		},
		empty:     templates.RequestsNone,
		landscape: true,
	}
	row := func(name string, n int, byState map[string]int, refused int) []any {
		out := []any{name, n}
		for _, s := range requestStates {
			out = append(out, byState[s])
		}
		out = append(out, refused)
		for _, s := range staffStates {
			out = append(out, byState[s])
		}
		return out
	}
	for _, c := range r.Communes {
		t.rows = append(t.rows, row(c.Name, c.Requests, c.RequestsByState, c.RefusedRows))
	}
	if n, byState := unattributedRequests(r); n > 0 {
		t.rows = append(t.rows, row(unattributed, n, byState, r.Total.RefusedRows-sumRefused(r)))
	}
	tt := r.Total
	t.total = []any{"Total", t.sumFormula(2, tt.Requests)}
	for i, s := range requestStates {
		t.total = append(t.total, t.sumFormula(3+i, tt.RequestsByState[s]))
	}
	t.total = append(t.total, t.sumFormula(3+len(requestStates), tt.RefusedRows))
	for i, s := range staffStates {
		t.total = append(t.total, t.sumFormula(4+len(requestStates)+i, tt.RequestsByState[s]))
	}
	return b.write(b.reserve("Demandes"), t)
}

// sumRefused adds the communes' refused rows.
func sumRefused(r ActivityReport) int {
	n := 0
	for _, c := range r.Communes {
		n += c.RefusedRows
	}
	return n
}

// refusedFields returns the fields rows were refused for, the most frequent first.
func refusedFields(byField map[string]int) []string {
	var fields []string
	for f, n := range byField {
		if n > 0 {
			fields = append(fields, f)
		}
	}
	sort.Slice(fields, func(i, j int) bool {
		a, b := byField[fields[i]], byField[fields[j]]
		if a != b {
			return a > b
		}
		return reasonFR(fields[i]) < reasonFR(fields[j])
	})
	return fields
}

// capitalize puts the first letter in upper case: "Code UAI invalide".
func capitalize(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	return string(unicode.ToUpper(r)) + s[n:]
}

func writeRefusedRows(b *workbook, r ActivityReport) error {
	fields := refusedFields(r.Total.RefusedByField)
	t := table{
		title:     templates.RefusedTitle(r.Year),
		note:      templates.RefusedNote,
		columns:   []column{{"Commune", 26, textCol}},
		empty:     templates.RefusedNone,
		landscape: len(fields) > 4,
	}
	for _, f := range fields {
		t.columns = append(t.columns, column{capitalize(reasonFR(f)), 14, countCol})
	}
	t.columns = append(t.columns, column{"Total", 10, countCol})
	totalCol := len(t.columns)
	row := func(name string, byField map[string]int, n int, line int) []any {
		out := []any{name}
		for _, f := range fields {
			out = append(out, byField[f])
		}
		return append(out, formula{fmt.Sprintf("SUM(%s:%s)", cellName(2, line), cellName(totalCol-1, line)), n})
	}
	for _, c := range r.Communes {
		if c.RefusedRows > 0 {
			t.rows = append(t.rows, row(c.Name, c.RefusedByField, c.RefusedRows, firstRow+len(t.rows)))
		}
	}
	if n := r.Total.RefusedRows - sumRefused(r); n > 0 {
		rest := map[string]int{}
		for f, v := range r.Total.RefusedByField {
			rest[f] = v
		}
		for _, c := range r.Communes {
			for f, v := range c.RefusedByField {
				rest[f] -= v
			}
		}
		t.rows = append(t.rows, row(unattributed, rest, n, firstRow+len(t.rows)))
	}
	t.total = []any{"Total"}
	for i, f := range fields {
		t.total = append(t.total, t.sumFormula(2+i, r.Total.RefusedByField[f]))
	}
	t.total = append(t.total, t.sumFormula(totalCol, r.Total.RefusedRows))
	return b.write(b.reserve("Lignes refusées"), t)
}

func writeHistory(b *workbook, history map[string]map[string]int) error {
	name := b.reserve("Évolution")
	yearSet := map[string]bool{}
	var communes []string
	for c, years := range history {
		communes = append(communes, c)
		for y := range years {
			yearSet[y] = true
		}
	}
	var years []string
	for y := range yearSet {
		years = append(years, y)
	}
	sort.Strings(years)
	sortNamesFrench(communes)
	t := table{
		title:     templates.HistoryTitle,
		note:      templates.HistoryNote,
		columns:   []column{{"Commune", 26, textCol}},
		empty:     templates.HistoryNone,
		landscape: len(years) > 5,
	}
	for _, y := range years {
		t.columns = append(t.columns, column{y, 11, countCol})
	}
	for _, c := range communes {
		row := []any{c}
		for _, y := range years {
			row = append(row, history[c][y])
		}
		t.rows = append(t.rows, row)
	}
	if len(years) == 0 {
		t.rows = nil
	}
	t.total = []any{"Total"}
	for i, y := range years {
		n := 0
		for _, c := range communes {
			n += history[c][y]
		}
		t.total = append(t.total, t.sumFormula(2+i, n))
	}
	if len(t.rows) > 0 {
		first, last := firstRow, t.lastRow()
		chart := &excelize.Chart{
			Type:      excelize.Col,
			Title:     chartTitle(templates.HistoryChart),
			Legend:    excelize.ChartLegend{Position: "bottom"},
			Dimension: chartSize(len(t.rows) * max(1, len(years)) / 2),
			XAxis:     chartAxis(""),
			YAxis:     chartAxis("écoles"),
			Format:    excelize.GraphicOptions{OffsetX: 4, OffsetY: 4},
		}
		for i := range years {
			chart.Series = append(chart.Series, excelize.ChartSeries{
				Name: absCell(name, 2+i, headerRow), Categories: absRange(name, 1, first, last), Values: absRange(name, 2+i, first, last),
			})
		}
		t.charts = append(t.charts, placedChart{cell: cellName(1, last+4), chart: chart})
	}
	return b.write(name, t)
}

// chartTitle is a chart's title.
func chartTitle(s string) excelize.ChartTitle {
	return excelize.ChartTitle{Paragraph: []excelize.RichTextRun{{Text: s, Font: &excelize.Font{Family: fontFamily, Size: 13, Bold: true, Color: "262626"}}}}
}

// chartAxis is an axis with readable labels and, for a value axis, its title and grid lines.
func chartAxis(title string) excelize.ChartAxis {
	a := excelize.ChartAxis{Font: excelize.Font{Family: fontFamily, Size: 10, Color: "404040"}}
	if title != "" {
		a.MajorGridLines = true
		a.Title = excelize.ChartTitle{Paragraph: []excelize.RichTextRun{{Text: title, Font: &excelize.Font{Family: fontFamily, Size: 10, Color: "404040"}}}}
	}
	return a
}

// chartSize widens a chart with the number of its categories.
func chartSize(bars int) excelize.ChartDimension {
	return excelize.ChartDimension{Width: uint(min(1600, max(640, 160+60*bars))), Height: 380}
}

// conventionDays is the convention's delay to open access, in days.
func conventionDays() float64 { return convention.ActivationDelay.Hours() / 24 }

package report

import (
	"strings"
	"time"
)

// FeeStatement is what the communes owe for one school year: the convention's fee, per school,
// "dû forfaitairement même en cas d'année non pleine". Its JSON form is the contract with the
// treasurer's tools:
//
//	{"year":"2025-2026","per_school_eur":150,"communes":[{"name":"Givors","insee":"69091","schools":3,"amount_eur":450}],"total_eur":450}
type FeeStatement struct {
	Year         string `json:"year"`
	PerSchoolEUR int    `json:"per_school_eur"`
	// Communes owe for at least one school; they are sorted by name. A commune with no school in
	// the year owes nothing and is left out. Never nil, so that the JSON holds a list.
	Communes []CommuneFee `json:"communes"`
	TotalEUR int          `json:"total_eur"`
	// Start and End bound the school year: [1 September, 1 September of the next year).
	Start time.Time `json:"-"`
	End   time.Time `json:"-"`
}

// CommuneFee is what one commune owes.
type CommuneFee struct {
	Name      string `json:"name"`
	INSEE     string `json:"insee"`
	Schools   int    `json:"schools"`
	AmountEUR int    `json:"amount_eur"`
	// Lines are the schools the commune owes for, sorted by name, for the spreadsheet.
	Lines []FeeLine `json:"-"`
}

// FeeLine is one school a commune owes the fee for, with the dates that explain it. Dates are in
// the statement's time zone and as the registry stood at the end of the school year: an
// activation or a removal after it is left out, so that a statement drawn again later says the
// same.
type FeeLine struct {
	UAI  string
	Name string
	// ReceivedAt is the receipt of the document that first listed the school.
	ReceivedAt time.Time
	// ActivatedAt is the first activation, if it came before the end of the year.
	ActivatedAt *time.Time
	// RemovedAt is when the school left the convention, if it was out at the end of the year.
	RemovedAt *time.Time
	AmountEUR int
}

// Fees draws the fee statement of a school year ("2025-2026") in loc. A school counts for the year
// if it was pending or active on any day of it, that is if one of its spans meets [1 September,
// 1 September of the next year); it then owes the whole perSchoolEUR, even for part of the year.
// A school is counted once per commune, however many spans it had in the year.
//
// year should be checked with ParseSchoolYear first: when it is not a school year (or loc is
// nil), the statement owes nothing and lists no commune.
func Fees(f Facts, year string, perSchoolEUR int, loc *time.Location) FeeStatement {
	st := FeeStatement{Year: year, PerSchoolEUR: perSchoolEUR, Communes: []CommuneFee{}}
	start, end, err := ParseSchoolYear(year, loc)
	if err != nil {
		return st
	}
	st.Start, st.End = start, end
	communes := communesOf(f)
	byCommune := map[string]*CommuneFee{}
	for _, s := range schoolsOf(f) {
		if !s.inDuring(start, end) {
			continue
		}
		cf := byCommune[s.commune]
		if cf == nil {
			c := communes[s.commune]
			cf = &CommuneFee{Name: c.name, INSEE: c.insee}
			byCommune[s.commune] = cf
		}
		line := FeeLine{UAI: s.UAI, Name: s.Name, ReceivedAt: s.ReceivedAt, AmountEUR: perSchoolEUR}
		if line.ReceivedAt.IsZero() && len(s.Spans) > 0 {
			line.ReceivedAt = s.Spans[0].From
		}
		line.ReceivedAt = line.ReceivedAt.In(loc)
		if a := s.ActivatedAt; a != nil && a.Before(end) {
			t := a.In(loc)
			line.ActivatedAt = &t
		}
		if r := s.removedBy(end); r != nil {
			t := r.In(loc)
			line.RemovedAt = &t
		}
		cf.Lines = append(cf.Lines, line)
	}
	for _, cf := range byCommune {
		sortFrench(cf.Lines, func(l FeeLine) string { return l.Name }, func(a, b FeeLine) int { return strings.Compare(a.UAI, b.UAI) })
		cf.Schools = len(cf.Lines)
		cf.AmountEUR = cf.Schools * perSchoolEUR
		st.TotalEUR += cf.AmountEUR
		st.Communes = append(st.Communes, *cf)
	}
	sortFrench(st.Communes, func(c CommuneFee) string { return c.Name }, func(a, b CommuneFee) int { return strings.Compare(a.Name, b.Name) })
	return st
}

// SchoolsByYear counts, for each school year of years ("2025-2026") in loc, the schools each
// commune owes the fee for, exactly as Fees counts them and under the commune's name as Fees
// gives it (commune → school year → schools): the activity report's history, drawn in one pass
// over the facts instead of one statement a year. A commune owes nothing in a year it has no
// count for; a year that is not a school year counts nothing.
func SchoolsByYear(f Facts, years []string, loc *time.Location) map[string]map[string]int {
	type bounds struct {
		year       string
		start, end time.Time
	}
	var spans []bounds
	for _, y := range years {
		if start, end, err := ParseSchoolYear(y, loc); err == nil {
			spans = append(spans, bounds{y, start, end})
		}
	}
	out := map[string]map[string]int{}
	if len(spans) == 0 {
		return out
	}
	communes := communesOf(f)
	for _, s := range schoolsOf(f) {
		name := communes[s.commune].name
		for _, b := range spans {
			if !s.inDuring(b.start, b.end) {
				continue
			}
			if out[name] == nil {
				out[name] = map[string]int{}
			}
			out[name][b.year]++
		}
	}
	return out
}

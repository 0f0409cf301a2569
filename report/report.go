// Package report is in charge of what the Métropole owes the treasurer and the follow-up
// committee: the fee statement, the yearly activity report and the conventions' dates.
//
// The convention says that each school costs its commune a yearly fee, "dû forfaitairement même
// en cas d'année non pleine"; that a follow-up committee meets once a year on "le bilan d'activité
// annuel"; and that the convention runs one year from its notification, renews itself tacitly and
// may be ended at its anniversary "par lettre recommandée avec accusé de réception, en respectant
// un préavis de trois mois".
//
// The package works on Facts, which the caller loads from the store, and does no I/O of its own
// but writing the spreadsheets it is given a writer for. Everything a reader of the spreadsheets
// or of the summary sees is in French.
package report

import (
	"errors"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
)

// CommuneFact is a commune that signed the convention.
type CommuneFact struct {
	Name  string
	INSEE string
	// ConventionStart is the notification of the commune's convention, when known.
	ConventionStart *time.Time
}

// Span is a period when a school was pending or active: [From, To). A zero To means the school is
// still in.
type Span struct {
	From, To time.Time
}

// SchoolHistory is what the registry remembers of a school.
type SchoolHistory struct {
	Commune, INSEE, UAI, Name string
	// Spans are the periods when the school was pending or active.
	Spans []Span
	// ReceivedAt is the receipt of the document that first listed the school.
	ReceivedAt time.Time
	// ActivatedAt is the first activation, nil if access was never opened.
	ActivatedAt *time.Time
}

// RequestFact is a message received in the partnership mailbox.
type RequestFact struct {
	// Commune is "" when the sender is not a declared commune.
	Commune    string
	ReceivedAt time.Time
	// State is one of applied, refused, rejected, duplicate, ignored (convention.RequestState).
	State string
	// RefusedRows counts the rows the list had refused, by field: uai, email, phone, last_name…
	RefusedRows map[string]int
}

// ChangeFact is one change to one school.
type ChangeFact struct {
	Commune, UAI string
	// Kind is one of add, readd, change_admin, schedule_remove, remove, activate
	// (convention.ChangeKind).
	Kind string
	At   time.Time
}

// Facts is everything the reports are drawn from.
type Facts struct {
	Communes []CommuneFact
	Schools  []SchoolHistory
	Requests []RequestFact
	Changes  []ChangeFact
	// Renewals lists, by commune, the school years whose list was renewed by default because the
	// commune sent none during the yearly campaign.
	Renewals map[string][]string
}

// ParseSchoolYear reads a school year written "2025-2026" and returns its bounds in loc: from 1
// September of the first year, included, to 1 September of the second, excluded. The second year
// must follow the first.
func ParseSchoolYear(year string, loc *time.Location) (start, end time.Time, err error) {
	if loc == nil {
		return time.Time{}, time.Time{}, errors.New("report: no time zone given for the school year")
	}
	first, second, ok := strings.Cut(year, "-")
	if !ok || !fourDigits(first) || !fourDigits(second) {
		return time.Time{}, time.Time{}, fmt.Errorf("report: %q is not a school year such as 2025-2026", year)
	}
	y1, _ := strconv.Atoi(first)
	y2, _ := strconv.Atoi(second)
	if y2 != y1+1 {
		return time.Time{}, time.Time{}, fmt.Errorf("report: in the school year %q, %d does not follow %d", year, y2, y1)
	}
	return time.Date(y1, time.September, 1, 0, 0, 0, 0, loc), time.Date(y2, time.September, 1, 0, 0, 0, 0, loc), nil
}

// fourDigits reports whether s is a year written with four digits.
func fourDigits(s string) bool {
	if len(s) != 4 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// communeKey folds a commune's name the way the registry compares names: without regard to case.
func communeKey(name string) string { return strings.ToLower(strings.TrimSpace(name)) }

// commune is what the facts say of one commune.
type commune struct {
	name, insee string
	start       *time.Time
}

// communesOf gathers the communes the facts name, by communeKey: the declared ones first, then
// those only the schools, requests or changes name.
func communesOf(f Facts) map[string]*commune {
	m := map[string]*commune{}
	add := func(name, insee string) *commune {
		k := communeKey(name)
		if k == "" {
			return nil
		}
		c := m[k]
		if c == nil {
			c = &commune{name: strings.TrimSpace(name)}
			m[k] = c
		}
		if c.insee == "" {
			c.insee = strings.TrimSpace(insee)
		}
		return c
	}
	for _, c := range f.Communes {
		if cc := add(c.Name, c.INSEE); cc != nil && cc.start == nil {
			cc.start = c.ConventionStart
		}
	}
	for _, s := range f.Schools {
		add(s.Commune, s.INSEE)
	}
	for _, r := range f.Requests {
		add(r.Commune, "")
	}
	for _, c := range f.Changes {
		add(c.Commune, "")
	}
	for name := range f.Renewals {
		add(name, "")
	}
	return m
}

// school is one school of one commune, its histories merged should the facts list it twice.
type school struct {
	commune string // communeKey
	SchoolHistory
}

// schoolsOf merges the histories by commune and UAI and sorts each school's spans.
func schoolsOf(f Facts) []*school {
	var out []*school
	byKey := map[string]*school{}
	for _, h := range f.Schools {
		k := communeKey(h.Commune) + "\x00" + strings.ToUpper(strings.TrimSpace(h.UAI))
		s := byKey[k]
		if s == nil {
			s = &school{commune: communeKey(h.Commune), SchoolHistory: h}
			s.Spans = append([]Span(nil), h.Spans...)
			byKey[k] = s
			out = append(out, s)
			continue
		}
		s.Spans = append(s.Spans, h.Spans...)
		if s.Name == "" {
			s.Name = h.Name
		}
		if !h.ReceivedAt.IsZero() && (s.ReceivedAt.IsZero() || h.ReceivedAt.Before(s.ReceivedAt)) {
			s.ReceivedAt = h.ReceivedAt
		}
		if h.ActivatedAt != nil && (s.ActivatedAt == nil || h.ActivatedAt.Before(*s.ActivatedAt)) {
			s.ActivatedAt = h.ActivatedAt
		}
	}
	for _, s := range out {
		sort.SliceStable(s.Spans, func(i, j int) bool { return s.Spans[i].From.Before(s.Spans[j].From) })
	}
	return out
}

// open reports whether the span has no end.
func (sp Span) open() bool { return sp.To.IsZero() }

// empty reports whether the span holds no instant.
func (sp Span) empty() bool { return !sp.open() && !sp.To.After(sp.From) }

// during reports whether the span shares an instant with [start, end).
func (sp Span) during(start, end time.Time) bool {
	return !sp.empty() && sp.From.Before(end) && (sp.open() || sp.To.After(start))
}

// at reports whether the span holds the instant t.
func (sp Span) at(t time.Time) bool {
	return !sp.From.After(t) && (sp.open() || t.Before(sp.To))
}

// inDuring reports whether the school was pending or active on some instant of [start, end).
func (s *school) inDuring(start, end time.Time) bool {
	for _, sp := range s.Spans {
		if sp.during(start, end) {
			return true
		}
	}
	return false
}

// inAt reports whether the school was pending or active at the instant t.
func (s *school) inAt(t time.Time) bool {
	for _, sp := range s.Spans {
		if sp.at(t) {
			return true
		}
	}
	return false
}

// removedBy returns when the school last left the convention, if it was out at the last instant
// before end: the end of the last span that started before end, when that span ended before end.
func (s *school) removedBy(end time.Time) *time.Time {
	var last *Span
	for i := range s.Spans {
		if sp := &s.Spans[i]; !sp.empty() && sp.From.Before(end) {
			last = sp
		}
	}
	if last == nil || last.open() || !last.To.Before(end) {
		return nil
	}
	t := last.To
	return &t
}

// sortKey is a commune's or school's name folded for sorting the way a French reader expects:
// without regard to case or accents ("Écully" between "Dardilly" and "Feyzin").
func sortKey(s string) string { return foldAccents.Replace(strings.ToLower(s)) }

var foldAccents = strings.NewReplacer(
	"à", "a", "â", "a", "ä", "a", "á", "a", "ç", "c", "é", "e", "è", "e", "ê", "e", "ë", "e",
	"î", "i", "ï", "i", "í", "i", "ô", "o", "ö", "o", "ó", "o", "ù", "u", "û", "u", "ü", "u", "ú", "u",
	"ÿ", "y", "œ", "oe", "æ", "ae",
)

// sortFrench sorts s by the names name gives, by sortKey, then as tie orders them; each name is
// folded once, not at each comparison (a fee statement sorts 45,000 schools).
func sortFrench[T any](s []T, name func(T) string, tie func(a, b T) int) {
	keys := make([]string, len(s))
	order := make([]int, len(s))
	for i := range s {
		keys[i], order[i] = sortKey(name(s[i])), i
	}
	slices.SortFunc(order, func(a, b int) int {
		if c := strings.Compare(keys[a], keys[b]); c != 0 {
			return c
		}
		return tie(s[a], s[b])
	})
	sorted := make([]T, len(s))
	for i, j := range order {
		sorted[i] = s[j]
	}
	copy(s, sorted)
}

// sortNamesFrench sorts names by sortKey, then as written.
func sortNamesFrench(names []string) {
	sortFrench(names, func(n string) string { return n }, strings.Compare)
}

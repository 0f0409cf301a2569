package report

import (
	"math"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/laclasse/intake/convention"
)

// ActivityReport is the yearly activity report the follow-up committee meets on ("le bilan
// d'activité annuel").
type ActivityReport struct {
	Year string `json:"year"`
	// Start and End bound the school year: [1 September, 1 September of the next year).
	Start time.Time `json:"start"`
	End   time.Time `json:"end"`
	// Communes are sorted by name. A commune is listed when it had a school or some activity in
	// the year, or when its convention was notified before the end of the year (or its
	// notification is unknown): only a commune that joins later is left out.
	Communes []CommuneActivity `json:"communes"`
	// Total adds the communes up, and counts the messages from senders that are no declared
	// commune, which no commune's line holds. Its delays are worked out over every school, not
	// from the communes' medians.
	Total CommuneActivity `json:"total"`
}

// CommuneActivity is one commune's year, or the total.
type CommuneActivity struct {
	Name  string `json:"name"`
	INSEE string `json:"insee"`
	// SchoolsAtStart were pending or active at the first instant of the year (1 September,
	// 00:00); SchoolsAtEnd at its last instant (31 August, 24:00 less a moment).
	SchoolsAtStart int `json:"schools_at_start"`
	SchoolsAtEnd   int `json:"schools_at_end"`
	// Added counts the additions (add and readd), Removed the removals that took effect,
	// Activations the openings of access and AdminChanges the changes of administrator dated in
	// the year.
	Added        int `json:"added"`
	Removed      int `json:"removed"`
	Activations  int `json:"activations"`
	AdminChanges int `json:"admin_changes"`
	// Requests counts the messages received in the year, RequestsByState the same by state
	// (applied, refused, rejected, duplicate, ignored, forwarded, held, reverted).
	Requests        int            `json:"requests"`
	RequestsByState map[string]int `json:"requests_by_state"`
	// RefusedRows counts the rows refused in the lists received in the year, RefusedByField the
	// same by the field at fault (uai, email, phone…). Only the lists that were read count: those
	// of applied and refused messages; a duplicate is the same list again.
	RefusedRows    int            `json:"refused_rows"`
	RefusedByField map[string]int `json:"refused_by_field"`
	// Renewals is 1 when the commune's list for this school year was renewed by default (it sent
	// none during the campaign that prepared the year), 0 otherwise; in the total, the number of
	// such communes.
	Renewals int `json:"renewals"`
	// Delays are the delays to open access to the schools first received in the year.
	Delays Delays `json:"delays"`
}

// Delays measure the convention's promise to open access "dans les deux semaines suivant la
// réception du document", over the schools whose first list was received in the year. A delay
// runs from ReceivedAt to ActivatedAt and is counted in days of 24 hours, as
// convention.ActivationDelay is.
type Delays struct {
	// Received counts the schools first received in the year; Activated those of them whose
	// access was opened (even after the end of the year); Within those opened within
	// convention.ActivationDelay.
	Received  int `json:"received"`
	Activated int `json:"activated"`
	Within    int `json:"within"`
	// MedianDays and MaxDays are worked out over the activated schools, to a tenth of a day (the
	// median rounded, the maximum rounded up); both are 0 when none was.
	MedianDays float64 `json:"median_days"`
	MaxDays    float64 `json:"max_days"`
}

// Share returns the share of the schools received that were opened within the convention's two
// weeks, from 0 to 1: a school not opened at all counts against it. It is 0 when no school was
// received; check Received first.
func (d Delays) Share() float64 {
	if d.Received == 0 {
		return 0
	}
	return float64(d.Within) / float64(d.Received)
}

// NotActivated counts the schools received in the year whose access was not opened.
func (d Delays) NotActivated() int { return d.Received - d.Activated }

// delaySample gathers delays before they are summed up.
type delaySample struct {
	received, within int
	days             []float64
}

func (s *delaySample) add(receivedAt time.Time, activatedAt *time.Time) {
	s.received++
	if activatedAt == nil {
		return
	}
	d := max(activatedAt.Sub(receivedAt), 0)
	s.days = append(s.days, d.Hours()/24)
	if !activatedAt.After(convention.DueAt(receivedAt)) {
		s.within++
	}
}

func (s *delaySample) delays() Delays {
	d := Delays{Received: s.received, Activated: len(s.days), Within: s.within}
	if len(s.days) == 0 {
		return d
	}
	days := slices.Clone(s.days)
	sort.Float64s(days)
	n := len(days)
	d.MaxDays = days[n-1]
	if n%2 == 1 {
		d.MedianDays = days[n/2]
	} else {
		d.MedianDays = (days[n/2-1] + days[n/2]) / 2
	}
	d.MedianDays, d.MaxDays = math.Round(d.MedianDays*10)/10, ceilTenth(d.MaxDays)
	return d
}

// ceilTenth rounds a delay up to the tenth of a day the report shows, so that a maximum just over
// the two weeks never reads as 14,0 days. The small margin spares floating-point noise.
func ceilTenth(d float64) float64 { return math.Ceil(d*10-1e-9) / 10 }

// Activity draws the activity report of a school year ("2025-2026") in loc. Additions, removals,
// activations and changes of administrator are the changes dated in the year; requests are the
// messages received in it; renewals are the communes whose list for that year was renewed by
// default (Facts.Renewals naming the year).
//
// year should be checked with ParseSchoolYear first: when it is not a school year (or loc is
// nil), the report is empty but for its year.
func Activity(f Facts, year string, loc *time.Location) ActivityReport {
	r := ActivityReport{Year: year, Communes: []CommuneActivity{}}
	r.Total = newCommuneActivity("Total", "")
	start, end, err := ParseSchoolYear(year, loc)
	if err != nil {
		return r
	}
	r.Start, r.End = start, end
	in := func(t time.Time) bool { return !t.Before(start) && t.Before(end) }
	last := end.Add(-time.Nanosecond)

	communes := communesOf(f)
	lines := map[string]*CommuneActivity{}
	active := map[string]bool{} // communes with something to say this year
	line := func(k string) *CommuneActivity {
		a := lines[k]
		if a == nil {
			c := communes[k]
			na := newCommuneActivity(c.name, c.insee)
			a = &na
			lines[k] = a
		}
		return a
	}
	for k, c := range communes {
		line(k)
		if c.start == nil || c.start.Before(end) {
			active[k] = true
		}
	}

	samples := map[string]*delaySample{}
	var all delaySample
	schools := schoolsOf(f)
	communeOfUAI := map[string]string{}
	for _, s := range schools {
		k := s.commune
		communeOfUAI[strings.ToUpper(strings.TrimSpace(s.UAI))] = k
		if k == "" {
			continue
		}
		a := line(k)
		if s.inAt(start) {
			a.SchoolsAtStart++
			active[k] = true
		}
		if s.inAt(last) {
			a.SchoolsAtEnd++
			active[k] = true
		}
		if !s.ReceivedAt.IsZero() && in(s.ReceivedAt) {
			if samples[k] == nil {
				samples[k] = &delaySample{}
			}
			samples[k].add(s.ReceivedAt, s.ActivatedAt)
			all.add(s.ReceivedAt, s.ActivatedAt)
			active[k] = true
		}
	}

	for _, c := range f.Changes {
		if !in(c.At) {
			continue
		}
		k := communeKey(c.Commune)
		if k == "" {
			k = communeOfUAI[strings.ToUpper(strings.TrimSpace(c.UAI))]
		}
		if k == "" {
			continue
		}
		a := line(k)
		switch convention.ChangeKind(c.Kind) {
		case convention.ChangeAdd, convention.ChangeReadd:
			a.Added++
		case convention.ChangeRemove:
			a.Removed++
		case convention.ChangeActivate:
			a.Activations++
		case convention.ChangeAdmin:
			a.AdminChanges++
		default:
			continue
		}
		active[k] = true
	}

	for _, q := range f.Requests {
		if !in(q.ReceivedAt) {
			continue
		}
		k := communeKey(q.Commune)
		a := &r.Total // a message from no declared commune: the total only
		if k != "" {
			a = line(k)
			active[k] = true
		}
		a.Requests++
		a.RequestsByState[q.State]++
		if q.State == string(convention.StateApplied) || q.State == string(convention.StateHeld) || q.State == string(convention.StateRefused) {
			for field, n := range q.RefusedRows {
				if n > 0 {
					a.RefusedRows += n
					a.RefusedByField[field] += n
				}
			}
		}
	}

	for name, years := range f.Renewals {
		k := communeKey(name)
		if k != "" && slices.Contains(years, year) {
			line(k).Renewals = 1
			active[k] = true
		}
	}

	for k, a := range lines {
		if !active[k] {
			continue
		}
		if s := samples[k]; s != nil {
			a.Delays = s.delays()
		}
		r.Communes = append(r.Communes, *a)
		r.Total.add(*a)
	}
	r.Total.Delays = all.delays()
	sortFrench(r.Communes, func(c CommuneActivity) string { return c.Name }, func(a, b CommuneActivity) int { return strings.Compare(a.Name, b.Name) })
	return r
}

func newCommuneActivity(name, insee string) CommuneActivity {
	return CommuneActivity{Name: name, INSEE: insee, RequestsByState: map[string]int{}, RefusedByField: map[string]int{}}
}

// add adds a commune's counts to the total (not its delays, which the total works out anew).
func (t *CommuneActivity) add(a CommuneActivity) {
	t.SchoolsAtStart += a.SchoolsAtStart
	t.SchoolsAtEnd += a.SchoolsAtEnd
	t.Added += a.Added
	t.Removed += a.Removed
	t.Activations += a.Activations
	t.AdminChanges += a.AdminChanges
	t.Requests += a.Requests
	for k, n := range a.RequestsByState {
		t.RequestsByState[k] += n
	}
	t.RefusedRows += a.RefusedRows
	for k, n := range a.RefusedByField {
		t.RefusedByField[k] += n
	}
	t.Renewals += a.Renewals
}

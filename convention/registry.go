package convention

import (
	"sort"
	"strings"
	"time"
)

// School is a school in the registry, with its administrator and the dates the convention sets.
type School struct {
	Commune    string
	UAI        string
	Name       string
	Status     Status
	Admin      Contact
	ReceivedAt time.Time  // receipt of the document that listed it
	DueAt      time.Time  // the date by which access must be opened
	ActiveAt   *time.Time // when access was opened
	RemoveAt   *time.Time // a removal waiting for the yearly update
	RemovedAt  *time.Time
}

// ChangeKind names what a change does to a school.
type ChangeKind string

const (
	ChangeAdd           ChangeKind = "add"             // a new school, pending
	ChangeReadd         ChangeKind = "readd"           // a removed school listed again, pending
	ChangeAdmin         ChangeKind = "change_admin"    // a new administrator
	ChangeRename        ChangeKind = "rename"          // the school's name changed
	ChangeScheduleRemov ChangeKind = "schedule_remove" // a removal waiting for the yearly update
	ChangeCancelRemoval ChangeKind = "cancel_removal"  // a school listed again before its removal
	ChangeActivate      ChangeKind = "activate"        // access opened
	ChangeRemove        ChangeKind = "remove"          // the school left the convention
	// ChangeHoldRemoval is a removal a list asks for that waits for staff: the list would take
	// out too many of the commune's schools (HoldRule). Confirmed by staff, it is recorded as schedule_remove.
	ChangeHoldRemoval ChangeKind = "hold_remove"
	ChangeDropRemoval ChangeKind = "drop_remove" // staff dropped a held removal: the school stays
	// ChangeAdminDetails is the same administrator (SameAdministrator) with new details: the
	// Fonction, the spelling of a name, the phone. It is not a change of administrator: no new
	// two weeks, no rights moved in the directory (only the account's details updated, TaskUpdateAdmin),
	// nothing said to the commune; the history keeps both.
	ChangeAdminDetails ChangeKind = "admin_details"
)

// Change is one change to one school, as a request (or a job) causes it.
type Change struct {
	Kind     ChangeKind
	UAI      string
	Name     string
	Before   *Contact // the previous administrator, for change_admin
	Admin    Contact  // the administrator after the change
	At       time.Time
	DueAt    time.Time // for add and readd
	RemoveAt time.Time // for schedule_remove and hold_remove (the date it would take effect)
	Sheet    string    // where the row that asked for it stands
	Row      int
	Derived  bool // deduced by comparing a full list with the registry, not asked for in a row
}

// Plan is what a list does to a commune's registry.
type Plan struct {
	Changes   []Change
	Unchanged []SchoolEntry // rows that change nothing
	Problems  []Problem     // rows refused against the registry (e.g. a school of another commune)
	// Schools is how many schools of the commune the registry held before the list, removed
	// ones aside: what a share of removals is measured against.
	Schools int
}

// Held returns the removals the plan holds for staff (hold_remove).
func (p Plan) Held() []Change {
	var out []Change
	for _, ch := range p.Changes {
		if ch.Kind == ChangeHoldRemoval {
			out = append(out, ch)
		}
	}
	return out
}

// PlanInput is what Plan needs to know.
type PlanInput struct {
	Commune    string
	ReceivedAt time.Time
	// Registry holds every school known, of every commune, by UAI.
	Registry map[string]School
	// List is the list received; only its accepted rows are considered.
	List []SchoolEntry
	// FullList says the list is the commune's whole list for next year: schools of the
	// registry missing from it are to be removed at the yearly update.
	FullList bool
	// YearlyUpdate is when removals take effect.
	YearlyUpdate time.Time
	// Refused are the schools named by the list's refused rows (List.RefusedUAIs): a full list
	// that refuses a school's row still names it, so that school is kept as it is.
	Refused []string
	// Hold says when the list's removals are too many to apply without staff.
	Hold HoldRule
	// Words writes the problems PlanList finds for the commune to read (templates.PlanWords);
	// without it they have no message.
	Words PlanWords
}

// PlanWords says the problems PlanList finds in a list in the commune's language; the words are
// templates', which this package does not import.
type PlanWords interface {
	// SchoolOfAnotherCommune: a row names a school that belongs to owner, not to commune.
	SchoolOfAnotherCommune(uai, owner, commune string) string
	// RemovalOfInactiveSchool: a row removes a school the commune does not have.
	RemovalOfInactiveSchool(uai string) string
}

// say writes a problem with in.Words, or gives "" without them.
func (in PlanInput) say(f func(PlanWords) string) string {
	if in.Words == nil {
		return ""
	}
	return f(in.Words)
}

// PlanList works out the changes a commune's list makes to the registry. Additions and changes of
// administrator take effect at once ("dans les deux semaines suivant la réception du document");
// removals wait for the yearly update.
func PlanList(in PlanInput) Plan {
	var p Plan
	seen := map[string]bool{}
	for _, uai := range in.Refused {
		seen[uai] = true // named, if refused: not "absente de la liste reçue"
	}
	for _, s := range in.Registry {
		if strings.EqualFold(s.Commune, in.Commune) && s.Status != StatusRemoved {
			p.Schools++
		}
	}
	for _, e := range in.List {
		cur, known := in.Registry[e.UAI]
		if known && !strings.EqualFold(cur.Commune, in.Commune) {
			p.Problems = append(p.Problems, Problem{
				Sheet: e.Sheet, Row: e.Row, Field: "uai", Severity: SeverityError,
				Message: in.say(func(w PlanWords) string { return w.SchoolOfAnotherCommune(e.UAI, cur.Commune, in.Commune) }),
			})
			continue
		}
		seen[e.UAI] = true
		ch := Change{UAI: e.UAI, Name: e.Name, Admin: e.Admin, At: in.ReceivedAt, Sheet: e.Sheet, Row: e.Row}
		if e.Action == ActionRemove {
			switch {
			case !known || cur.Status == StatusRemoved:
				p.Problems = append(p.Problems, Problem{
					Sheet: e.Sheet, Row: e.Row, Field: "uai", Severity: SeverityWarning,
					Message: in.say(func(w PlanWords) string { return w.RemovalOfInactiveSchool(e.UAI) }),
				})
			case cur.RemoveAt != nil:
				p.Unchanged = append(p.Unchanged, e)
			default:
				ch.Kind, ch.RemoveAt, ch.Admin = ChangeScheduleRemov, in.YearlyUpdate, cur.Admin
				if ch.Name == "" {
					ch.Name = cur.Name
				}
				p.Changes = append(p.Changes, ch)
			}
			continue
		}
		if !known || cur.Status == StatusRemoved {
			ch.Kind, ch.DueAt = ChangeAdd, DueAt(in.ReceivedAt)
			if known {
				ch.Kind = ChangeReadd
			}
			p.Changes = append(p.Changes, ch)
			continue
		}
		changed := false
		if cur.RemoveAt != nil {
			c := ch
			c.Kind, c.Admin = ChangeCancelRemoval, cur.Admin
			p.Changes = append(p.Changes, c)
			changed = true
		}
		if !SameAdministrator(cur.Admin, e.Admin) {
			c := ch
			c.Kind, c.DueAt = ChangeAdmin, DueAt(in.ReceivedAt)
			before := cur.Admin
			c.Before = &before
			p.Changes = append(p.Changes, c)
			changed = true
		} else if admin, differs := UpdatedAdministrator(cur.Admin, e.Admin); differs {
			// The same person, spelt or reached differently: the registry keeps the new details,
			// recorded in the history; for the commune the row changes nothing.
			c := ch
			c.Kind, c.Admin = ChangeAdminDetails, admin
			before := cur.Admin
			c.Before = &before
			p.Changes = append(p.Changes, c)
		}
		if e.Name != "" && e.Name != cur.Name {
			c := ch
			c.Kind = ChangeRename
			p.Changes = append(p.Changes, c)
			changed = true
		}
		if !changed {
			p.Unchanged = append(p.Unchanged, e)
		}
	}
	if in.FullList {
		var missing []School
		for _, s := range in.Registry {
			if strings.EqualFold(s.Commune, in.Commune) && s.Status != StatusRemoved && s.RemoveAt == nil && !seen[s.UAI] {
				missing = append(missing, s)
			}
		}
		sort.Slice(missing, func(i, j int) bool { return missing[i].UAI < missing[j].UAI })
		for _, s := range missing {
			p.Changes = append(p.Changes, Change{Kind: ChangeScheduleRemov, UAI: s.UAI, Name: s.Name, Admin: s.Admin, At: in.ReceivedAt, RemoveAt: in.YearlyUpdate, Derived: true})
		}
	}
	// What a full list leaves out is held when it is too much; a row that asks for a removal
	// (Radiation) says what it means and applies as usual.
	removals := 0
	for _, ch := range p.Changes {
		if ch.Kind == ChangeScheduleRemov && ch.Derived {
			removals++
		}
	}
	if in.Hold.Holds(removals, p.Schools) {
		for i := range p.Changes {
			if p.Changes[i].Kind == ChangeScheduleRemov && p.Changes[i].Derived {
				p.Changes[i].Kind = ChangeHoldRemoval
			}
		}
	}
	return p
}

// HoldRule says when a full list leaves out too many of a commune's schools for their removal
// to be applied without staff looking first: a one-row list in the campaign would otherwise take
// out every other school. Only the removals deduced from a full list count, not the rows that ask
// for one. Either bound triggers; a zero bound is off.
type HoldRule struct {
	// OverShare holds removals of more than this share of the commune's schools (0.34: more than
	// a third).
	OverShare float64
	// OverCount holds more than this many removals.
	OverCount int
}

// Holds reports whether removing n of the commune's total schools must wait for staff.
func (r HoldRule) Holds(n, total int) bool {
	if n == 0 {
		return false
	}
	if r.OverCount > 0 && n > r.OverCount {
		return true
	}
	return r.OverShare > 0 && total > 0 && float64(n) > r.OverShare*float64(total)
}

// NextYearlyUpdate returns the first yearly update (month/day in loc) strictly after t. The
// convention: the Métropole applies the changes "avant le 20 août".
func NextYearlyUpdate(t time.Time, month time.Month, day int, loc *time.Location) time.Time {
	lt := t.In(loc)
	u := time.Date(lt.Year(), month, day, 0, 0, 0, 0, loc)
	if !u.After(t) {
		u = time.Date(lt.Year()+1, month, day, 0, 0, 0, 0, loc)
	}
	return u
}

package convention

import (
	"fmt"
	"testing"
	"time"
)

// givorsRegistry returns n active schools of Givors, UAIs "S00".."S<n-1>".
func givorsRegistry(n int) map[string]School {
	m := map[string]School{}
	for i := 0; i < n; i++ {
		uai := fmt.Sprintf("S%02d", i)
		m[uai] = School{Commune: "Givors", UAI: uai, Name: "École " + uai, Status: StatusActive, Admin: Contact{LastName: "MARTIN", FirstName: "Mehdi", Email: "m@x.fr"}}
	}
	return m
}

func count(p Plan, k ChangeKind) int {
	n := 0
	for _, ch := range p.Changes {
		if ch.Kind == k {
			n++
		}
	}
	return n
}

func TestPlanListRefusedRowKeepsItsSchool(t *testing.T) {
	received := time.Date(2027, 5, 10, 8, 0, 0, 0, time.UTC)
	reg := givorsRegistry(3)
	keep := []SchoolEntry{{UAI: "S00", Name: "École S00", Admin: reg["S00"].Admin}}
	t.Run("OK", func(t *testing.T) {
		// S01's row was refused (a typo in a phone) but names it: only S02 is left out.
		p := PlanList(PlanInput{Commune: "Givors", ReceivedAt: received, Registry: reg, List: keep, FullList: true, Refused: []string{"S01"}})
		if count(p, ChangeScheduleRemov) != 1 || p.Changes[0].UAI != "S02" {
			t.Fatalf("plan = %+v, want S02 alone to be removed", p.Changes)
		}
	})
	t.Run("WithoutRefused", func(t *testing.T) {
		p := PlanList(PlanInput{Commune: "Givors", ReceivedAt: received, Registry: reg, List: keep, FullList: true})
		if count(p, ChangeScheduleRemov) != 2 {
			t.Fatalf("plan = %+v, want S01 and S02 removed", p.Changes)
		}
	})
}

func TestRefusedUAIs(t *testing.T) {
	got := RefusedUAIs([]Problem{
		{Severity: SeverityError, UAI: "A"}, {Severity: SeverityError, UAI: "A"}, {Severity: SeverityWarning, UAI: "B"},
		{Severity: SeverityError}, {Severity: SeverityError, UAI: "C"},
	})
	if fmt.Sprint(got) != "[A C]" {
		t.Fatalf("RefusedUAIs = %v, want [A C]", got)
	}
}

func TestHoldRule(t *testing.T) {
	r := HoldRule{OverShare: 0.34, OverCount: 3}
	for _, c := range []struct {
		n, total int
		want     bool
	}{
		{0, 5, false}, {1, 3, false}, {1, 2, true}, {2, 6, false}, {3, 6, true}, {3, 20, false}, {4, 20, true}, {1, 1, true},
	} {
		if got := r.Holds(c.n, c.total); got != c.want {
			t.Errorf("Holds(%d of %d) = %v, want %v", c.n, c.total, got, c.want)
		}
	}
	if (HoldRule{}).Holds(50, 50) {
		t.Error("the zero rule holds nothing")
	}
	if !(HoldRule{OverCount: 3}).Holds(4, 100) || (HoldRule{OverCount: 3}).Holds(3, 3) {
		t.Error("OverCount alone")
	}
}

func TestPlanListHoldsRemovals(t *testing.T) {
	received := time.Date(2027, 5, 10, 8, 0, 0, 0, time.UTC)
	reg := givorsRegistry(5)
	rule := HoldRule{OverShare: 0.34, OverCount: 3}
	t.Run("OneRowList", func(t *testing.T) {
		// A one-row list in the campaign: four of five schools would go.
		p := PlanList(PlanInput{Commune: "Givors", ReceivedAt: received, Registry: reg, FullList: true, Hold: rule,
			List: []SchoolEntry{{UAI: "S00", Name: "École S00", Admin: Contact{LastName: "DUPONT", FirstName: "Léa", Email: "l@x.fr"}}, {UAI: "NEW", Name: "Nouvelle"}}})
		if len(p.Held()) != 4 || count(p, ChangeScheduleRemov) != 0 || p.Schools != 5 {
			t.Fatalf("plan = %+v, want 4 removals held of 5 schools", p)
		}
		if count(p, ChangeAdd) != 1 || count(p, ChangeAdmin) != 1 {
			t.Fatalf("plan = %+v: additions and changes of administrator apply as usual", p.Changes)
		}
	})
	t.Run("FewRemovals", func(t *testing.T) {
		var list []SchoolEntry
		for _, uai := range []string{"S00", "S01", "S02", "S03"} {
			list = append(list, SchoolEntry{UAI: uai, Name: reg[uai].Name, Admin: reg[uai].Admin})
		}
		p := PlanList(PlanInput{Commune: "Givors", ReceivedAt: received, Registry: reg, FullList: true, Hold: rule, List: list})
		if len(p.Held()) != 0 || count(p, ChangeScheduleRemov) != 1 {
			t.Fatalf("plan = %+v, want one removal scheduled", p.Changes)
		}
	})
	t.Run("AskedRemovalsApply", func(t *testing.T) {
		// Rows that ask for a removal (Radiation) say what they mean: they are not held.
		var list []SchoolEntry
		for _, uai := range []string{"S00", "S01", "S02", "S03"} {
			list = append(list, SchoolEntry{UAI: uai, Action: ActionRemove})
		}
		p := PlanList(PlanInput{Commune: "Givors", ReceivedAt: received, Registry: reg, Hold: rule, List: list})
		if len(p.Held()) != 0 || count(p, ChangeScheduleRemov) != 4 {
			t.Fatalf("plan = %+v, want 4 removals scheduled", p.Changes)
		}
	})
}

func TestRemovalDate(t *testing.T) {
	paris, _ := time.LoadLocation("Europe/Paris")
	cal := DefaultCalendar(paris)
	received := time.Date(2027, 5, 10, 8, 0, 0, 0, time.UTC)
	july := time.Date(2027, 7, 1, 0, 0, 0, 0, paris)
	if got := cal.RemovalDate(received, received); !got.Equal(july) {
		t.Errorf("RemovalDate at receipt = %v, want %v", got, july)
	}
	if got := cal.RemovalDate(received, time.Date(2027, 6, 1, 0, 0, 0, 0, paris)); !got.Equal(july) {
		t.Errorf("confirmed in June: %v, want %v", got, july)
	}
	if got, want := cal.RemovalDate(received, time.Date(2027, 7, 2, 0, 0, 0, 0, paris)), time.Date(2028, 7, 1, 0, 0, 0, 0, paris); !got.Equal(want) {
		t.Errorf("confirmed after the yearly update: %v, want %v", got, want)
	}
	// The day reads the same in every time zone it is stored in.
	if got := cal.RemovalDay(july.UTC()); got != "01/07/2027" {
		t.Errorf("RemovalDay = %q, want 01/07/2027", got)
	}
}

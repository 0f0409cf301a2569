package convention

import (
	"testing"
	"time"
)

func TestPlanList(t *testing.T) {
	paris, _ := time.LoadLocation("Europe/Paris")
	received := time.Date(2026, 9, 14, 8, 0, 0, 0, time.UTC)
	july := NextYearlyUpdate(received, time.July, 1, paris)
	if want := time.Date(2027, 7, 1, 0, 0, 0, 0, paris); !july.Equal(want) {
		t.Fatalf("NextYearlyUpdate = %v, want %v", july, want)
	}
	admin := Contact{LastName: "MARTIN", FirstName: "Mehdi", Role: "Directeur", Email: "m@x.fr", Phone: "+33472103140"}
	other := Contact{LastName: "DUPONT", FirstName: "Léa", Role: "Directrice", Email: "l@x.fr", Phone: "+33472103141"}
	registry := map[string]School{
		"0690101K": {Commune: "Givors", UAI: "0690101K", Name: "A", Status: StatusActive, Admin: admin},
		"0690114Z": {Commune: "Givors", UAI: "0690114Z", Name: "B", Status: StatusActive, Admin: admin},
		"0690127N": {Commune: "Givors", UAI: "0690127N", Name: "C", Status: StatusRemoved, Admin: admin},
		"0690402M": {Commune: "Grigny", UAI: "0690402M", Name: "D", Status: StatusActive, Admin: admin},
	}
	kinds := func(p Plan) map[string]ChangeKind {
		m := map[string]ChangeKind{}
		for _, c := range p.Changes {
			m[c.UAI] = c.Kind
		}
		return m
	}
	t.Run("Additions", func(t *testing.T) {
		p := PlanList(PlanInput{Commune: "Givors", ReceivedAt: received, Registry: registry, YearlyUpdate: july, List: []SchoolEntry{
			{UAI: "0690140C", Name: "New", Admin: admin},
			{UAI: "0690127N", Name: "C", Admin: admin},
			{UAI: "0690101K", Name: "A", Admin: admin},
		}})
		k := kinds(p)
		if k["0690140C"] != ChangeAdd || k["0690127N"] != ChangeReadd || len(p.Changes) != 2 || len(p.Unchanged) != 1 {
			t.Fatalf("plan = %+v", p)
		}
		if !p.Changes[0].DueAt.Equal(received.Add(14 * 24 * time.Hour)) {
			t.Errorf("due = %v", p.Changes[0].DueAt)
		}
	})
	t.Run("ChangeAdminAndRemove", func(t *testing.T) {
		p := PlanList(PlanInput{Commune: "Givors", ReceivedAt: received, Registry: registry, YearlyUpdate: july, List: []SchoolEntry{
			{UAI: "0690101K", Name: "A", Admin: other, Action: ActionChangeAdmin},
			{UAI: "0690114Z", Name: "B", Admin: admin, Action: ActionRemove},
		}})
		k := kinds(p)
		if k["0690101K"] != ChangeAdmin || k["0690114Z"] != ChangeScheduleRemov {
			t.Fatalf("plan = %+v", p)
		}
		for _, c := range p.Changes {
			if c.Kind == ChangeAdmin && (c.Before == nil || c.Before.Email != "m@x.fr") {
				t.Errorf("the old administrator is not kept: %+v", c)
			}
			if c.Kind == ChangeScheduleRemov && !c.RemoveAt.Equal(july) {
				t.Errorf("removal at %v, want the yearly update %v", c.RemoveAt, july)
			}
		}
	})
	t.Run("ErrOtherCommune", func(t *testing.T) {
		p := PlanList(PlanInput{Commune: "Givors", ReceivedAt: received, Registry: registry, List: []SchoolEntry{{UAI: "0690402M", Admin: admin, Sheet: "S", Row: 4}}})
		if len(p.Changes) != 0 || len(p.Problems) != 1 || p.Problems[0].Row != 4 || p.Problems[0].Severity != SeverityError {
			t.Fatalf("plan = %+v", p)
		}
	})
	t.Run("FullListDerivesRemovals", func(t *testing.T) {
		p := PlanList(PlanInput{Commune: "Givors", ReceivedAt: received, Registry: registry, FullList: true, YearlyUpdate: july, List: []SchoolEntry{{UAI: "0690101K", Name: "A", Admin: admin}}})
		if k := kinds(p); k["0690114Z"] != ChangeScheduleRemov || len(p.Changes) != 1 || !p.Changes[0].Derived {
			t.Fatalf("plan = %+v", p)
		}
	})
}

func TestCommuneAccepts(t *testing.T) {
	c := Commune{Senders: []string{"secretariat@mairie-givors.fr", "@ville-givors.fr"}}
	for addr, want := range map[string]bool{
		"Secretariat@Mairie-Givors.fr": true,
		"jean@ville-givors.fr":         true,
		"jean@evil-ville-givors.fr":    false,
		"jean@ville-givors.fr.evil":    false,
		"other@mairie-givors.fr":       false,
		"":                             false,
	} {
		if got := c.Accepts(addr); got != want {
			t.Errorf("Accepts(%q) = %v, want %v", addr, got, want)
		}
	}
}

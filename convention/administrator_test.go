package convention

import (
	"testing"
	"time"
)

func TestSameAdministrator(t *testing.T) {
	jean := Contact{LastName: "MARTIN", FirstName: "Jean", Role: "Directeur", Email: "jean.martin@ac-lyon.fr", Phone: "+33472103140"}
	for _, tc := range []struct {
		name string
		b    Contact
		same bool
	}{
		{"Identical", jean, true},
		{"OtherFonction", Contact{LastName: "MARTIN", FirstName: "Jean", Role: "Directeur d'école", Email: "jean.martin@ac-lyon.fr", Phone: "+33472103140"}, true},
		{"OtherPhone", Contact{LastName: "MARTIN", FirstName: "Jean", Email: "jean.martin@ac-lyon.fr", Phone: "+33478000000"}, true},
		{"CaseAccentsSpaces", Contact{LastName: " Martín ", FirstName: "JEAN", Email: " Jean.Martin@AC-Lyon.fr", Phone: "+33472103140"}, true},
		{"NoFonctionNoPhone", Contact{LastName: "MARTIN", FirstName: "Jean", Email: "jean.martin@ac-lyon.fr"}, true},
		{"OtherEmailSameName", Contact{LastName: "MARTIN", FirstName: "Jean", Email: "j.martin@ac-lyon.fr"}, false},
		{"SameEmailOtherName", Contact{LastName: "DURAND", FirstName: "Marie", Email: "jean.martin@ac-lyon.fr"}, false},
		{"OtherPerson", Contact{LastName: "DURAND", FirstName: "Marie", Email: "marie.durand@ac-lyon.fr"}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := SameAdministrator(jean, tc.b); got != tc.same {
				t.Errorf("SameAdministrator(%+v, %+v) = %v, want %v", jean, tc.b, got, tc.same)
			}
		})
	}
	if foldName("Jean-Pierre  Éloïse") != foldName("jean pierre eloise") {
		t.Errorf("foldName: %q, %q", foldName("Jean-Pierre  Éloïse"), foldName("jean pierre eloise"))
	}
}

func TestPlanListSameAdministrator(t *testing.T) {
	received := time.Date(2026, 6, 3, 8, 0, 0, 0, time.UTC)
	jean := Contact{LastName: "MARTIN", FirstName: "Jean", Role: "Directeur", Email: "jean.martin@ac-lyon.fr", Phone: "+33472103140"}
	due := received.AddDate(0, 0, -30)
	registry := map[string]School{"0690101K": {Commune: "Givors", UAI: "0690101K", Name: "A", Status: StatusActive, Admin: jean, DueAt: due}}
	plan := func(admin Contact) Plan {
		return PlanList(PlanInput{Commune: "Givors", ReceivedAt: received, Registry: registry, List: []SchoolEntry{{UAI: "0690101K", Name: "A", Admin: admin}}})
	}
	t.Run("Identical", func(t *testing.T) {
		if p := plan(jean); len(p.Changes) != 0 || len(p.Unchanged) != 1 {
			t.Fatalf("plan = %+v", p)
		}
	})
	t.Run("OnlyDetails", func(t *testing.T) {
		listed := Contact{LastName: "Martin", FirstName: "jean", Role: "Directeur d'école", Email: "Jean.Martin@ac-lyon.fr"}
		p := plan(listed)
		if len(p.Changes) != 1 || len(p.Unchanged) != 1 {
			t.Fatalf("plan = %+v", p)
		}
		ch := p.Changes[0]
		if ch.Kind != ChangeAdminDetails || !ch.DueAt.IsZero() || ch.Before == nil || *ch.Before != jean {
			t.Fatalf("change = %+v", ch)
		}
		// The row's spelling and Fonction, the registry's phone (the row gave none).
		if want := (Contact{LastName: "Martin", FirstName: "jean", Role: "Directeur d'école", Email: "jean.martin@ac-lyon.fr", Phone: "+33472103140"}); ch.Admin != want {
			t.Errorf("admin = %+v, want %+v", ch.Admin, want)
		}
	})
	t.Run("RealChange", func(t *testing.T) {
		marie := Contact{LastName: "DURAND", FirstName: "Marie", Email: "marie.durand@ac-lyon.fr"}
		p := plan(marie)
		if len(p.Changes) != 1 || p.Changes[0].Kind != ChangeAdmin || !p.Changes[0].DueAt.Equal(DueAt(received)) {
			t.Fatalf("plan = %+v", p)
		}
	})
}

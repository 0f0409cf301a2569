package scheduler

import (
	"testing"

	"github.com/laclasse/intake/convention"
)

// TestSchoolsByCommune: the yearly reminder and the renewal find each commune's schools still in
// the convention, whatever the case of its name, from one grouping of the registry.
func TestSchoolsByCommune(t *testing.T) {
	schools := []convention.School{
		{UAI: "0690001A", Commune: "Givors", Status: convention.StatusActive},
		{UAI: "0690002B", Commune: "GIVORS", Status: convention.StatusPending},
		{UAI: "0690003C", Commune: "Givors", Status: convention.StatusRemoved},
		{UAI: "0690004D", Commune: "Oullins", Status: convention.StatusActive},
	}
	g := schoolsByCommune(schools)
	if got := g[communeKey("givors")]; len(got) != 2 || got[0].UAI != "0690001A" || got[1].UAI != "0690002B" {
		t.Errorf("Givors: %+v, want 0690001A and 0690002B (the removed school left out)", got)
	}
	if got := g[communeKey("Oullins")]; len(got) != 1 {
		t.Errorf("Oullins: %+v, want one school", got)
	}
	if got := g[communeKey("Bron")]; len(got) != 0 {
		t.Errorf("Bron: %+v, want none", got)
	}
}

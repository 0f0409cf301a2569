package intake

import (
	"strings"
	"testing"

	"github.com/laclasse/intake/convention"
	"github.com/laclasse/intake/internal/samples"
)

// TestPlanProblemsInFrench: the problems PlanList finds when it sets a list against the registry
// reach the decision in the commune's words (templates.PlanWords), not empty.
func TestPlanProblemsInFrench(t *testing.T) {
	f := newFixture(t)
	rows := samples.Rows(101, 2)
	rows[0].Action, rows[1].Action = "Radiation", "Inchangé"
	d := decideRaw(t, f, 1, samples.Message{From: "secretariat@mairie-givors.fr", To: samples.Mailbox, Subject: "Liste", MessageID: "radiation@test",
		Attachments: []samples.Attachment{{Name: "e.xlsx", ContentType: samples.XLSXType, Data: samples.XLSX("Givors", rows)}}}.Raw())
	want := "L'école " + rows[0].UAI + " demandée en radiation ne figure pas parmi les écoles actives de la commune : rien à faire."
	var got []string
	for _, p := range d.Problems {
		if p.Severity == convention.SeverityWarning && p.Field == "uai" {
			got = append(got, p.Message)
		}
	}
	if len(got) != 1 || got[0] != want {
		t.Errorf("problems about the UAI %q, want [%q]", got, want)
	}
	for _, p := range d.Problems {
		if strings.TrimSpace(p.Message) == "" {
			t.Errorf("a problem without a message: %+v", p)
		}
	}
}

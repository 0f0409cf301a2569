package templates

import (
	"strings"
	"testing"
	"time"
)

// TestRenderTold: the digest says, by name, whose rights to give and take, in each of its three
// states; the renewal report names the communes nobody could tell, text and HTML.
func TestRenderTold(t *testing.T) {
	at := time.Date(2027, 1, 15, 7, 0, 0, 0, time.UTC)
	line := DigestRights{Commune: "Givors", UAI: "0690123A", Name: "École Jaurès", To: "Marie Durand", ToContact: "marie.durand@ac-lyon.fr", From: "Jean Martin", DueAt: at}
	for state, want := range map[string]string{
		"todo":    "Donner les droits (profil ADM) à Marie Durand (marie.durand@ac-lyon.fr) et les retirer à Jean Martin pour l'école 0690123A École Jaurès (Givors), avant le",
		"done":    "Fait : droits donnés à Marie Durand (marie.durand@ac-lyon.fr) et retirés à Jean Martin pour l'école 0690123A",
		"pending": "En cours (l'annuaire ne l'a pas encore confirmé) : donner les droits à Marie Durand",
	} {
		t.Run(state, func(t *testing.T) {
			l := line
			l.State = state
			d := Digest{From: at.Add(-24 * time.Hour), To: at, Rights: []DigestRights{l}}
			if d.Empty() {
				t.Fatal("a digest with rights to move is not empty")
			}
			r, err := RenderDigest(d)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(r.Text, want) {
				t.Errorf("text lacks %q:\n%s", want, r.Text)
			}
			if !strings.Contains(r.HTML, "Marie Durand") || !strings.Contains(r.HTML, "Jean Martin") {
				t.Errorf("HTML lacks the names:\n%s", r.HTML)
			}
		})
	}
	t.Run("Unreached", func(t *testing.T) {
		rep := RenewalReport{SchoolYear: "2027-2028", At: at, Renewed: []RenewedCommune{{Name: "Oullins", Schools: 2}, {Name: "Givors", Schools: 3}}, Unreached: []string{"Oullins"}}
		r, err := RenderRenewalReport(rep)
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range []string{r.Text, r.HTML} {
			if !strings.Contains(s, "À prévenir par vos soins (1)") || !strings.Contains(s, "Oullins.") || strings.Contains(s, "chaque commune en a été informée.") {
				t.Errorf("the report does not name the commune nobody could tell:\n%s", s)
			}
		}
		rep.Unreached = nil
		if r, _ := RenderRenewalReport(rep); !strings.Contains(r.Text, "chaque commune en a été informée.") {
			t.Errorf("every commune told:\n%s", r.Text)
		}
	})
}

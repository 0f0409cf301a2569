package templates

import (
	"strings"
	"testing"
	"time"
)

// TestRenderHeld renders the held removals, text and HTML: in the reply (with the schools not
// listed counted) and in the digest.
func TestRenderHeld(t *testing.T) {
	at := time.Date(2027, 5, 10, 9, 0, 0, 0, time.UTC)
	july := time.Date(2027, 7, 1, 0, 0, 0, 0, time.UTC)
	held := SchoolLine{UAI: "0690101K", Name: "École Jean Jaurès", When: july, Derived: true}
	r, err := RenderReply(Reply{Commune: "Givors", Subject: "Liste", ReceivedAt: at, Files: []FileLine{{Name: "l.xlsx", Format: "xlsx"}},
		Held: []SchoolLine{held}, HeldCount: 4, HeldOf: 5, HeldMore: 3})
	if err != nil {
		t.Fatal(err)
	}
	want := "Cette liste retirerait 4 de vos 5 écoles : ces retraits attendent la confirmation de l'équipe laclasse.com, qui pourra vous contacter."
	for _, part := range []string{r.Text, r.HTML} {
		if !strings.Contains(part, "0690101K") || !strings.Contains(part, "3 autres écoles") {
			t.Errorf("the reply lacks the held schools:\n%s", part)
		}
	}
	if !strings.Contains(r.Text, want) || !strings.Contains(r.HTML, want) {
		t.Errorf("the reply does not say the removals are held:\n%s\n%s", r.Text, r.HTML)
	}
	d, err := RenderDigest(Digest{From: at, To: at, Held: []DigestHeld{{RequestID: 42, Commune: "Givors", ReceivedAt: at, RemoveAt: july, Schools: []string{"0690101K École Jean Jaurès"}}}})
	if err != nil {
		t.Fatal(err)
	}
	for _, part := range []string{d.Text, d.HTML} {
		for _, w := range []string{"Retraits en attente de confirmation", "Givors, demande n° 42", "0690101K", "1er juillet 2027"} {
			if !strings.Contains(part, w) {
				t.Errorf("the digest lacks %q:\n%s", w, part)
			}
		}
	}
}

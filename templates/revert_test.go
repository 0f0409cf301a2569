package templates

import (
	"strings"
	"testing"
)

func TestRenderRevert(t *testing.T) {
	for _, tc := range []struct {
		name string
		r    Revert
		want []string
	}{
		{"Undone", Revert{Commune: "Oullins", Subject: "Liste", ReceivedAt: "14/09/2026", Undone: []RevertLine{{UAI: "0690101K", School: "École Jaurès", What: "add"}, {UAI: "0690102L", School: "École Zola", What: "admin"}}, Signature: "L'équipe"},
			[]string{"demande d'Oullins", "14/09/2026", "« Liste »", "0690101K « École Jaurès » : ajout annulé", "0690102L « École Zola » : changement d'administrateur annulé", "L'équipe"}},
		{"Nothing", Revert{Commune: "Givors", ReceivedAt: "14/09/2026"}, []string{"rien à annuler"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, err := RenderRevert(tc.r)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(r.Subject, "annulée") {
				t.Errorf("subject %q", r.Subject)
			}
			for _, w := range tc.want {
				html := strings.ReplaceAll(r.HTML, "&#39;", "'")
				if !strings.Contains(r.Text, w) || !strings.Contains(html, w) {
					t.Errorf("%q missing:\n%s\n%s", w, r.Text, r.HTML)
				}
			}
		})
	}
}

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
			[]string{"commune d'Oullins du 14/09/2026", "14/09/2026", "« Liste »", "0690101K « École Jaurès » : ajout annulé", "0690102L « École Zola » : changement d'administrateur annulé", "L'équipe"}},
		{"Nothing", Revert{Commune: "Givors", ReceivedAt: "14/09/2026"}, []string{"rien à annuler"}},
		{"RenameAndHeldAgain", Revert{Commune: "Givors", ReceivedAt: "12/05/2026", Undone: []RevertLine{{UAI: "0690103M", School: "École Victor Hugo", What: "rename", Restored: "École Jules Ferry"}},
			HeldAgain: []RevertHeld{{UAI: "0690104N", School: "École Curie", RequestID: 2, ReceivedAt: "11/05/2026"}}},
			[]string{"0690103M « École Victor Hugo » : changement de nom annulé, l'école s'appelle de nouveau « École Jules Ferry »",
				"Retraits de nouveau en attente", "0690104N « École Curie » : retrait demandé par votre liste du 11/05/2026 (demande n° 2), en attente de confirmation"}},
		{"OnlyHeldAgain", Revert{Commune: "Givors", ReceivedAt: "12/05/2026", HeldAgain: []RevertHeld{{UAI: "0690104N", School: "École Curie", RequestID: 2, ReceivedAt: "11/05/2026"}}},
			[]string{"0690104N « École Curie »"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, err := RenderRevert(tc.r)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(r.Subject, "annulée") {
				t.Errorf("subject %q", r.Subject)
			}
			if len(tc.r.HeldAgain) > 0 && strings.Contains(r.Text, "rien à annuler") {
				t.Errorf("removals held again, yet the mail says there was nothing to undo:\n%s", r.Text)
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

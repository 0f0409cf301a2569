package templates

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

func TestRenderAdminChangeNotice(t *testing.T) {
	at := time.Date(2026, 9, 14, 9, 30, 0, 0, time.UTC)
	n := AdminChangeNotice{Commune: "Oullins", Sender: "Oullins Éducation <education@mairie-oullins.fr>", Subject: "Liste <écoles>", ReceivedAt: at,
		Changes: []AdminChange{{UAI: "0690101K", School: "École Jean Jaurès", Before: "Léa Martin", After: "Paul Roux"}}}
	r, err := RenderAdminChangeNotice(n)
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range []string{"commune d'Oullins", "14 septembre 2026 à 09 h 30", "Oullins Éducation <education@mairie-oullins.fr>",
		"« Liste <écoles> »", "0690101K École Jean Jaurès : Paul Roux remplace Léa Martin", "pas à l'origine de cette demande", "Métropole"} {
		if !strings.Contains(r.Text, w) {
			t.Errorf("text lacks %q:\n%s", w, r.Text)
		}
	}
	if !strings.Contains(r.HTML, "Liste &lt;écoles&gt;") || !strings.Contains(r.HTML, "&lt;education@mairie-oullins.fr&gt;") || !strings.Contains(r.Subject, "d'Oullins") {
		t.Errorf("subject %q, html:\n%s", r.Subject, r.HTML)
	}

	t.Run("Bounded", func(t *testing.T) {
		n.Changes = nil
		for i := range MaxNoticeLines + 5 {
			n.Changes = append(n.Changes, AdminChange{UAI: fmt.Sprint(i), School: "École", After: "X"})
		}
		r, err := RenderAdminChangeNotice(n)
		if err != nil {
			t.Fatal(err)
		}
		if got := strings.Count(r.Text, " : X"); got != MaxNoticeLines || !strings.Contains(r.Text, "et 5 autres écoles") {
			t.Errorf("%d lines listed:\n%s", got, r.Text)
		}
	})
}

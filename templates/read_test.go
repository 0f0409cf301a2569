package templates

import (
	"strings"
	"testing"
	"time"
)

func TestRenderAccessOpen(t *testing.T) {
	r, err := RenderAccessOpen(AccessOpen{Commune: "Oullins", UAI: "0690101K", School: "École Jean Jaurès", Admin: "Léa Martin",
		AdminEmail: "l.martin@ac-lyon.fr", AdminPhone: "04 72 10 31 40", Contact: "partenariat@grandlyon.example", Signature: "L'équipe"})
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range []string{"0690101K", "École Jean Jaurès", "Léa Martin", "04 72 10 31 40", "https://www.laclasse.com", "partenariat@grandlyon.example", "Oullins"} {
		if !strings.Contains(r.Text, w) || !strings.Contains(r.HTML, w) {
			t.Errorf("text or HTML lacks %q:\n%s\n%s", w, r.Text, r.HTML)
		}
	}
	if !strings.Contains(r.Subject, "accès ouvert") || !strings.Contains(r.Subject, "0690101K") {
		t.Errorf("subject %q", r.Subject)
	}
	t.Run("NoContact", func(t *testing.T) {
		r, err := RenderAccessOpen(AccessOpen{Commune: "Givors", UAI: "0690101K", School: "École"})
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(r.Text, "non renseigné") || !strings.Contains(r.Text, "répondez à ce message") {
			t.Errorf("text:\n%s", r.Text)
		}
	})
}

func TestRenderReplyRefusedRows(t *testing.T) {
	at := time.Date(2027, 6, 1, 9, 0, 0, 0, time.UTC)
	refused := []ProblemLine{
		{File: "ecoles.csv", Row: 12, Column: "F", UAI: "0690101K", School: "École Jaurès", Message: "adresse invalide"},
		{Sheet: "Écoles", Row: 3, Column: "A", School: "École Curie", Message: "UAI invalide"},
	}
	for _, tc := range []struct {
		name  string
		whole bool
		want  string
	}{
		{"CorrectedRowsOnly", false, "renvoyez-nous seulement les lignes corrigées"},
		{"WholeList", true, "renvoyez-nous la liste complète"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, err := RenderReply(Reply{Commune: "Oullins", ReceivedAt: at, Refused: refused, ResendWhole: tc.whole})
			if err != nil {
				t.Fatal(err)
			}
			for _, w := range []string{
				"fichier « ecoles.csv », ligne 12, colonne F (école 0690101K École Jaurès) : adresse invalide",
				"feuille « Écoles », ligne 3, colonne A (école École Curie) : UAI invalide",
				tc.want,
			} {
				if !strings.Contains(r.Text, w) {
					t.Errorf("text lacks %q:\n%s", w, r.Text)
				}
			}
			if !strings.Contains(r.HTML, tc.want) || !strings.Contains(r.HTML, "0690101K École Jaurès") {
				t.Errorf("HTML lacks %q or the school:\n%s", tc.want, r.HTML)
			}
		})
	}
}

func TestWhere(t *testing.T) {
	if got := Where("ecoles.csv", 12, true); got != "fichier « ecoles.csv », ligne 12" {
		t.Errorf("csv: %q", got)
	}
	if got := Where("Écoles", 7, false); got != "feuille « Écoles », ligne 7" {
		t.Errorf("sheet: %q", got)
	}
	if got := Where("Écoles", 0, false); got != "" {
		t.Errorf("no row: %q", got)
	}
}

func TestDigestCountsAccessOpened(t *testing.T) {
	at := time.Date(2027, 6, 1, 9, 0, 0, 0, time.UTC)
	d := Digest{From: at, To: at, AccessOpened: 3}
	if d.Empty() {
		t.Fatal("a digest with opened accesses is empty")
	}
	r, err := RenderDigest(d)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(r.Text, "accès ouverts : 3") || !strings.Contains(r.HTML, "accès ouverts : 3") {
		t.Errorf("digest:\n%s", r.Text)
	}
}

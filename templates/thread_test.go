package templates

import (
	"strings"
	"testing"
	"time"
)

func TestReplySubject(t *testing.T) {
	for _, tc := range []struct{ name, in, want string }{
		{"Plain", "Liste", "Re: Liste"},
		{"Piled", "RE: Re: TR: Liste", "Re: Liste"},
		{"NoSpaces", "re:RE:Fwd:Liste des écoles", "Re: Liste des écoles"},
		{"FrenchSpace", "RE : Réf. : Liste", "Re: Liste"},
		{"Counted", "Re[2]: AW: Fwd : Liste", "Re: Liste"},
		{"Accented", "RÉ: liste", "Re: liste"},
		{"NotAPrefix", "Relance : liste", "Re: Relance : liste"},
		{"Inside", "Liste Re: 2026", "Re: Liste Re: 2026"},
		{"OnlyPrefixes", "Re: RE:", "Re: laclasse.com"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := ReplySubject(tc.in); got != tc.want {
				t.Errorf("ReplySubject(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
	t.Run("Reply", func(t *testing.T) {
		r, err := RenderReply(Reply{Commune: "Givors", Subject: "RE: Re: TR: Liste", ReceivedAt: time.Now(), NoList: true})
		if err != nil || r.Subject != "Re: Liste" || !strings.Contains(r.HTML, "<title>Re: Liste</title>") {
			t.Errorf("%v: subject %q", err, r.Subject)
		}
	})
}

func TestThreadMails(t *testing.T) {
	at := time.Date(2026, 9, 14, 9, 30, 0, 0, time.UTC)
	f, err := RenderForward(Forward{Commune: "Givors", Sender: "M <m@givors.example>", Subject: "Re: <Liste>", ReceivedAt: at, Text: "Gardez <b>Jaurès</b>",
		Files: []ForwardFile{{Name: "a.pdf", Size: 3, Attached: true}, {Name: "b.pdf", Size: 4}}, ThreadSubject: "Re: Liste", ThreadAt: at, Acknowledged: true})
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range []string{"Gardez <b>Jaurès</b>", "« a.pdf » (3 octets) : jointe", "« b.pdf » (4 octets) : trop volumineuse", "14 septembre 2026 à 09 h 30", "la commune a été informée"} {
		if !strings.Contains(f.Text, w) {
			t.Errorf("forward text lacks %q:\n%s", w, f.Text)
		}
	}
	if !strings.Contains(f.HTML, "Gardez &lt;b&gt;Jaurès&lt;/b&gt;") || strings.Contains(f.HTML, "<b>Jaurès") {
		t.Errorf("forward HTML does not escape the text:\n%s", f.HTML)
	}
	a, err := RenderAlreadyReceived(AlreadyReceived{Commune: "Givors", Subject: "Fwd: Liste", EarlierAt: at, State: "refused", Reason: "aucune ligne valide", RefusedRows: 3})
	if err != nil {
		t.Fatal(err)
	}
	if a.Subject != "Re: Liste" || !strings.Contains(a.Text, "Nous avons déjà reçu ce fichier le 14 septembre 2026 à 09 h 30 ; voici ce qui a été fait : rien n'a été changé (aucune ligne valide), 3 lignes refusées.") {
		t.Errorf("subject %q:\n%s", a.Subject, a.Text)
	}
}

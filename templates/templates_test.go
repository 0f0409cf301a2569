package templates

import (
	"strings"
	"testing"
	"time"
)

// TestRender renders every template with data, so that a template that does not parse or does
// not run fails here rather than in the daemon.
func TestRender(t *testing.T) {
	at := time.Date(2027, 6, 1, 9, 0, 0, 0, time.UTC)
	school := SchoolLine{UAI: "0690101K", Name: "École Jean Jaurès", Admin: "Léa Martin (Directrice), l@x.fr, +33472103140", DueAt: at, When: at}
	ds := DigestSchool{Commune: "Oullins", UAI: "0690101K", Name: "École", Admin: "Léa Martin", DueAt: at}
	for _, tc := range []struct {
		name string
		f    func() (Rendered, error)
		want []string
	}{
		{"Reply", func() (Rendered, error) {
			return RenderReply(Reply{Commune: "Oullins", Subject: "Liste", ReceivedAt: at, Added: []SchoolLine{school}, DueAt: at,
				Refused: []ProblemLine{{Sheet: "Écoles", Row: 7, Column: "A", Message: "UAI invalide"}}})
		}, []string{"commune d'Oullins", "au plus tard le 1er juin 2027", "ligne 7, colonne A : UAI invalide"}},
		{"ReplyNoList", func() (Rendered, error) { return RenderReply(Reply{Commune: "Givors", ReceivedAt: at, NoList: true}) }, []string{"aucune liste d'écoles", "commune de Givors"}},
		{"ReplyTNEF", func() (Rendered, error) {
			return RenderReply(Reply{Commune: "Givors", ReceivedAt: at, NoList: true, TNEF: true})
		}, []string{"winmail.dat"}},
		{"Digest", func() (Rendered, error) { return RenderDigest(Digest{From: at, To: at, Overdue: []DigestSchool{ds}}) }, []string{"EN RETARD", "0690101K"}},
		{"Reminder", func() (Rendered, error) {
			return RenderReminder(Reminder{Commune: "Givors", SchoolYear: "2027-2028", Renewal: at, Schools: []SchoolLine{school}})
		}, []string{"2027-2028", "reconduite"}},
		{"RenewalNotice", func() (Rendered, error) {
			return RenderRenewalNotice(RenewalNotice{Commune: "Givors", SchoolYear: "2027-2028", At: at, Schools: []SchoolLine{school}})
		}, []string{"reconduite", "0690101K"}},
		{"RenewalReport", func() (Rendered, error) {
			return RenderRenewalReport(RenewalReport{SchoolYear: "2027-2028", At: at, Renewed: []RenewedCommune{{"Givors", 4}}, Sent: []string{"Vaulx-en-Velin"}})
		}, []string{"Givors : 4 écoles", "Vaulx-en-Velin"}},
		{"YearlyUpdate", func() (Rendered, error) { return RenderYearlyUpdate(YearlyUpdate{At: at, Removed: []DigestSchool{ds}}) }, []string{"retirées", "0690101K"}},
		{"MetropoleReminder", func() (Rendered, error) {
			return RenderMetropoleReminder(MetropoleReminder{Deadline: at, Pending: []DigestSchool{ds}, AdminChanges: []ChangeLine{{Commune: "Oullins", UAI: "0690101K", At: at}}})
		}, []string{"avant le 1er juin 2027", "Accès à ouvrir"}},
		{"Weekly", func() (Rendered, error) {
			return RenderWeekly(Weekly{From: at, To: at, Communes: []CommuneOverview{{Name: "Givors", Active: 3, Pending: 1, Overdue: 1}}, Upcoming: []string{"20 juin"}})
		}, []string{"Givors : 3 actives, 1 en attente (dont 1 en retard)"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, err := tc.f()
			if err != nil {
				t.Fatal(err)
			}
			if r.Subject == "" || strings.Contains(r.Subject, "\n") || !strings.Contains(r.HTML, "</html>") {
				t.Fatalf("subject %q, html %d bytes", r.Subject, len(r.HTML))
			}
			for _, w := range tc.want {
				if !strings.Contains(r.Text, w) {
					t.Errorf("text lacks %q:\n%s", w, r.Text)
				}
			}
		})
	}
}

package report

import (
	"strings"
	"testing"
)

func TestActivitySummaryFR(t *testing.T) {
	for _, tc := range []struct {
		name      string
		report    ActivityReport
		want, not []string
	}{
		{
			name:   "Fixture",
			report: Activity(activityFacts(), "2025-2026", paris),
			want: []string{
				"année scolaire 2025-2026, du 1er septembre 2025 au 31 août 2026",
				"Au 31 août 2026, 9 écoles de 3 communes bénéficiaient de laclasse.com",
				"contre 4 au 1er septembre 2025",
				"6 écoles ajoutées, 2 écoles retirées, 4 accès ouverts et 2 changements d'administrateur",
				"- Givors : 5 écoles au 31 août 2026 (2 au 1er septembre 2025), 4 ajouts, 1 radiation et 1 changement d'administrateur.",
				"- Grigny : 2 écoles au 31 août 2026 (1 au 1er septembre 2025), 1 ajout et 1 radiation, liste reconduite par défaut.",
				"- Pierre-Bénite : aucune école.",
				// Delays: 3.5, 6, 14 and 19 days; D never opened.
				"5 écoles ont été reçues pendant l'année ; 4 ont été activées",
				"délai médian de 10 jours et un délai maximal de 19 jours",
				"3 sur 5 (60\u00a0%) ont été activées dans les deux semaines prévues par la convention (14 jours)",
				"1 école n'a pas encore été activée.",
				"Givors (2 sur 4)",
				"7 messages reçus",
				"3 listes appliquées, 1 message refusé, 1 message d'un expéditeur hors convention (mis en quarantaine), 1 doublon et 1 message automatique ignoré",
				"7 lignes ont été refusées, principalement pour ces motifs : adresse e-mail invalide (3), code UAI invalide (3) et numéro de téléphone invalide (1).",
				"reconduite pour 1 commune : Grigny.",
			},
			not: []string{"Écully (", "Irigny"},
		},
		{
			name:   "NothingHappened",
			report: Activity(Facts{Communes: []CommuneFact{{Name: "Givors", INSEE: "69091"}}}, "2025-2026", paris),
			want: []string{
				"Au 31 août 2026, aucune école ne bénéficiait de laclasse.com (0 au 1er septembre 2025). Aucun ajout",
				"aucune nouvelle école n'a été reçue pendant l'année",
				"aucun message n'a été reçu",
				"Aucune liste n'a été reconduite par défaut",
				"- Givors : aucune école.",
			},
		},
		{
			name: "AllInTime",
			report: Activity(Facts{Schools: []SchoolHistory{schoolM}, Requests: []RequestFact{
				{Commune: "Écully", ReceivedAt: at(2026, 2, 2), State: "applied"},
			}}, "2025-2026", paris),
			want: []string{
				"1 école a été reçue pendant l'année ; 1 a été activée, avec un délai médian de 3,5 jours et un délai maximal de 3,5 jours.",
				"1 sur 1 (100\u00a0%) a été activée dans les deux semaines",
				"L'engagement a été tenu pour toutes les écoles.",
				"1 message reçu dans la boîte partenariat, dont 1 liste appliquée.",
				"Aucune ligne des listes reçues n'a été refusée.",
			},
			not: []string{"pas encore été activée"},
		},
		{
			name: "ManyReasons",
			report: Activity(Facts{Requests: []RequestFact{{Commune: "Givors", ReceivedAt: at(2026, 2, 2), State: "refused",
				RefusedRows: map[string]int{"uai": 5, "email": 4, "phone": 3, "last_name": 2, "role": 1}}}}, "2025-2026", paris),
			want: []string{"15 lignes ont été refusées, principalement pour ces motifs : code UAI invalide (5), adresse e-mail invalide (4), numéro de téléphone invalide (3) et autres motifs (3)."},
		},
		{
			name:   "NotASchoolYear",
			report: Activity(Facts{}, "2025", paris),
			want:   []string{"l'année scolaire « 2025 » n'est pas reconnue"},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := ActivitySummaryFR(tc.report)
			for _, w := range tc.want {
				if !strings.Contains(s, w) {
					t.Errorf("the summary lacks %q:\n%s", w, s)
				}
			}
			for _, n := range tc.not {
				if strings.Contains(s, n) {
					t.Errorf("the summary says %q:\n%s", n, s)
				}
			}
		})
	}
}

func TestFrenchNumbers(t *testing.T) {
	for _, tc := range []struct{ name, got, want string }{
		{"Euros", eurosFR(1050), "1\u00a0050\u00a0€"},
		{"Millions", intFR(1234567), "1\u00a0234\u00a0567"},
		{"Small", intFR(150), "150"},
		{"Negative", intFR(-1500), "-1\u00a0500"},
		{"Decimal", decimalFR(3.5), "3,5"},
		{"Whole", decimalFR(14), "14"},
		{"OneDay", daysFR(1), "1 jour"},
		{"Days", daysFR(2.5), "2,5 jours"},
		{"Percent", percentFR(0.6), "60\u00a0%"},
		{"NotQuiteAll", percentFR(0.999), "99\u00a0%"},
		{"NotQuiteNothing", percentFR(0.001), "1\u00a0%"},
		{"List", listFR([]string{"a", "b", "c"}), "a, b et c"},
		{"Reason", reasonFR("email"), "adresse e-mail invalide"},
		{"UnknownReason", reasonFR("sheet"), "autre motif (sheet)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.got != tc.want {
				t.Errorf("got %q, want %q", tc.got, tc.want)
			}
		})
	}
}

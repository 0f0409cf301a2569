package sheet

import (
	"testing"

	"github.com/laclasse/intake/convention"
)

// TestRefusedRowNamesItsSchool: a row refused for its phone still says which school it is about,
// so that a full list keeps that school; a row whose UAI is unreadable names none.
func TestRefusedRowNamesItsSchool(t *testing.T) {
	l, err := readString(t, "UAI;École;Nom;Prénom;Email;Téléphone\n"+
		"0690026D;École A;DUPONT;Jean;jean.dupont@ac-lyon.fr;0472000001\n"+
		"0690101K;École B;MARTIN;Léa;lea.martin@ac-lyon.fr;04 72 1\n"+
		"06901;École C;BLANC;Paul;paul.blanc@ac-lyon.fr;04 72 1\n")
	if err != nil {
		t.Fatal(err)
	}
	if len(l.Schools) != 1 {
		t.Fatalf("%d rows accepted, want 1: %+v", len(l.Schools), l.Problems)
	}
	byRow := map[int]string{}
	for _, p := range l.Problems {
		if p.Severity == convention.SeverityError {
			byRow[p.Row] = p.UAI
		}
	}
	if byRow[3] != "0690101K" || byRow[4] != "" {
		t.Fatalf("refused rows name %v, want row 3 = 0690101K and row 4 = none: %+v", byRow, l.Problems)
	}
	if got := l.RefusedUAIs(); len(got) != 1 || got[0] != "0690101K" {
		t.Fatalf("RefusedUAIs = %v", got)
	}
}

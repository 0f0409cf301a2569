package convention

import (
	"testing"
	"time"
)

func TestCheckDirectory(t *testing.T) {
	creteil := Commune{Name: "Créteil", INSEE: "94028"}
	school := DirectoryEntry{UAI: "0941873A", Name: "Ecole primaire Gaston Defferre", Type: "Ecole", Public: true, CommuneINSEE: "94028", State: "OUVERT"}
	row := SchoolEntry{UAI: "0941873A", Name: "École primaire Gaston-Defferre"}
	with := func(f func(*DirectoryEntry)) DirectoryEntry { e := school; f(&e); return e }
	for _, tc := range []struct {
		name  string
		row   SchoolEntry
		entry DirectoryEntry
		found bool
		want  []DirectoryFinding
	}{
		{"OK", row, school, true, nil},
		{"OKWithoutName", SchoolEntry{UAI: "0941873A"}, school, true, nil},
		{"ErrUnknown", row, DirectoryEntry{}, false, []DirectoryFinding{DirectoryUnknown}},
		{"ErrOtherCommune", row, with(func(e *DirectoryEntry) { e.CommuneINSEE = "94081" }), true, []DirectoryFinding{DirectoryOtherCommune}},
		{"ErrNotPrimary", row, with(func(e *DirectoryEntry) { e.Type = "Collège" }), true, []DirectoryFinding{DirectoryNotPrimary}},
		{"ErrOtherCommuneFirst", row, with(func(e *DirectoryEntry) { e.Type, e.CommuneINSEE = "Lycée", "94081" }), true, []DirectoryFinding{DirectoryOtherCommune}},
		{"Closing", row, with(func(e *DirectoryEntry) { e.State = "A FERMER" }), true, []DirectoryFinding{DirectoryClosingSoon}},
		{"ClosingWithAccent", row, with(func(e *DirectoryEntry) { e.State = "À fermer" }), true, []DirectoryFinding{DirectoryClosingSoon}},
		{"Opening", row, with(func(e *DirectoryEntry) { e.State = "A OUVRIR" }), true, nil},
		{"PrimaryWithAccent", row, with(func(e *DirectoryEntry) { e.Type = "École" }), true, nil},
		{"Private", row, with(func(e *DirectoryEntry) { e.Public = false }), true, []DirectoryFinding{DirectoryPrivate}},
		{"Renamed", SchoolEntry{UAI: "0941873A", Name: "Groupe scolaire Defferre"}, school, true, []DirectoryFinding{DirectoryRenamed}},
		{"RemovalNeverRefused", SchoolEntry{UAI: "0941873A", Action: ActionRemove}, DirectoryEntry{}, false, nil},
		{"ClosingPrivateRenamed", SchoolEntry{UAI: "0941873A", Name: "GS Defferre"}, with(func(e *DirectoryEntry) { e.State, e.Public = "A FERMER", false }), true,
			[]DirectoryFinding{DirectoryClosingSoon, DirectoryPrivate, DirectoryRenamed}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := CheckDirectory(tc.row, tc.entry, tc.found, creteil)
			if len(got) != len(tc.want) {
				t.Fatalf("got %v, want %v", got, tc.want)
			}
			for i := range got {
				if got[i] != tc.want[i] {
					t.Fatalf("got %v, want %v", got, tc.want)
				}
			}
			refused := len(got) > 0 && got[0].Refuses()
			if refused != (len(tc.want) > 0 && tc.want[0] != DirectoryClosingSoon && tc.want[0] != DirectoryPrivate && tc.want[0] != DirectoryRenamed) {
				t.Errorf("Refuses() = %v", refused)
			}
		})
	}
}

func TestSameSchoolName(t *testing.T) {
	for _, tc := range []struct {
		a, b string
		same bool
	}{
		{"Ecole élémentaire Robert Doisneau", "ÉCOLE ÉLÉMENTAIRE ROBERT-DOISNEAU", true},
		{"Ecole maternelle J. Prévert", "ecole maternelle j prevert", true},
		{"  Ecole   Jean Moulin ", "Ecole Jean Moulin", true},
		{"Ecole Jean Moulin", "Ecole Jean Monnet", false},
		{"Ecole Jean Moulin A", "Ecole Jean Moulin B", false},
	} {
		if got := SameSchoolName(tc.a, tc.b); got != tc.same {
			t.Errorf("SameSchoolName(%q, %q) = %v", tc.a, tc.b, got)
		}
	}
}

func TestDirectoryStateFailing(t *testing.T) {
	at := func(h int) *time.Time { v := time.Date(2026, 6, 1, h, 0, 0, 0, time.UTC); return &v }
	for _, tc := range []struct {
		name string
		st   DirectoryState
		want bool
	}{
		{"Never", DirectoryState{}, false},
		{"Loaded", DirectoryState{LoadedAt: at(1)}, false},
		{"FailedAfterLoad", DirectoryState{LoadedAt: at(1), FailedAt: at(2)}, true},
		{"CheckedAfterFailure", DirectoryState{LoadedAt: at(1), FailedAt: at(2), CheckedAt: at(3)}, false},
		{"FailedNeverLoaded", DirectoryState{FailedAt: at(2)}, true},
	} {
		if got := tc.st.Failing(); got != tc.want {
			t.Errorf("%s: Failing() = %v", tc.name, got)
		}
	}
}

func TestInCommune(t *testing.T) {
	for _, tc := range []struct {
		code, insee string
		want        bool
	}{
		{"94028", "94028", true},
		{"94081", "94028", false},
		{"69383", "69123", true}, // Lyon 3e
		{"69389", "69123", true},
		{"69390", "69123", false},
		{"75120", "75056", true},
		{"13216", "13055", true},
		{"69123", "69123", true},
		{"69381", "69091", false},
	} {
		if got := InCommune(tc.code, tc.insee); got != tc.want {
			t.Errorf("InCommune(%s, %s) = %v", tc.code, tc.insee, got)
		}
	}
}

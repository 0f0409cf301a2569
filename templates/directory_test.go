package templates

import "testing"

// TestDirectoryState: each etat of the directory in words, as `intaked directory` prints it.
func TestDirectoryState(t *testing.T) {
	for _, tc := range []struct {
		state   string
		closing bool
		want    string
	}{
		{"OUVERT", false, "ouverte"},
		{"A OUVRIR", false, "à ouvrir"},
		{"A FERMER", true, "à fermer"},
		{"", false, "-"},
		{"EN SOMMEIL", false, "EN SOMMEIL"},
	} {
		if got := DirectoryState(tc.state, tc.closing); got != tc.want {
			t.Errorf("DirectoryState(%q, %v) = %q, want %q", tc.state, tc.closing, got, tc.want)
		}
	}
}

// TestDirectoryLoaded: what `intaked directory --accept-shrink` says.
func TestDirectoryLoaded(t *testing.T) {
	if got, want := DirectoryLoaded(499, 615), "Annuaire de l'éducation chargé : 499 établissements (615 dans le précédent)."; got != want {
		t.Errorf("DirectoryLoaded = %q, want %q", got, want)
	}
	if got, want := DirectoryAlreadyInUse(615), "Ce fichier est déjà l'annuaire en service (615 établissements)."; got != want {
		t.Errorf("DirectoryAlreadyInUse = %q, want %q", got, want)
	}
}

package console

import (
	"context"
	"testing"
	"time"

	"github.com/laclasse/intake/convention"
)

// TestSchoolDirectoryState: a school's page gives its directory state: none loaded yet, its
// row (official name, nature, public or private, state), or its absence from the directory.
func TestSchoolDirectoryState(t *testing.T) {
	f := newPagesFixture(t)
	b := f.signedIn(t, RoleLecture)
	listed, absent := f.rows[0].UAI, f.rows[1].UAI
	wantIn(t, "before any directory", b.get("/ecoles/"+listed), "Annuaire de l'éducation", "L'annuaire n'a pas encore été chargé.")
	now := f.clock.Now()
	err := f.store.ReplaceDirectory(context.Background(), convention.DirectoryState{SHA256: "abc", LoadedAt: &now}, func(yield func(convention.DirectoryEntry) error) (int, error) {
		return 1, yield(convention.DirectoryEntry{UAI: listed, Name: "ECOLE PRIMAIRE OFFICIELLE", Type: "Ecole", Nature: "ECOLE DE NIVEAU ELEMENTAIRE", Public: false,
			CommuneINSEE: "69091", Commune: "Givors", Mail: "ce.officielle@ac-lyon.fr", State: convention.DirectoryClosing, Opened: time.Date(1975, 9, 1, 0, 0, 0, 0, time.UTC)})
	})
	if err != nil {
		t.Fatal(err)
	}
	wantIn(t, "a school in the directory", b.get("/ecoles/"+listed), "ECOLE PRIMAIRE OFFICIELLE", "Ecole – ECOLE DE NIVEAU ELEMENTAIRE", "privé", "Givors (69091)",
		"A FERMER, ouverte le 1er septembre 1975", "ce.officielle@ac-lyon.fr")
	wantIn(t, "a school not in the directory", b.get("/ecoles/"+absent), "Cette UAI n'est pas dans l'annuaire.")
}

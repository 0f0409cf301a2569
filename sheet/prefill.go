package sheet

import (
	"io"

	"github.com/laclasse/intake/convention"
)

// WritePrefilledModel is WriteModel with the "Écoles" sheet holding schools (their UAI and name,
// from the national directory), the administrator's columns and Action left empty for the commune
// to fill in, as for a first adhesion: the model sent with the reply to a commune's first
// message. Without schools it is the empty model.
func WritePrefilledModel(w io.Writer, format Format, schools []convention.SchoolEntry, address string) error {
	if address == "" {
		address = DefaultPartnershipAddress
	}
	rows, contacts := templateContent(nil)
	for _, s := range schools {
		rows = append(rows, []string{s.UAI, s.Name, "", "", "", "", "", ""})
	}
	return writeModel(w, format, rows, contacts, address)
}

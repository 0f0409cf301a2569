package templates

import (
	"bytes"
	"fmt"
	"html"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"
)

// TestReplyBounds: a reply lists the first lines of each section and counts the rest, in the
// text and the HTML part alike.
func TestReplyBounds(t *testing.T) {
	at := time.Date(2027, 6, 1, 9, 0, 0, 0, time.UTC)
	r := Reply{Commune: "Givors", ReceivedAt: at, DueAt: at, RefusedFile: RefusedRowsFilename}
	for i := range 700 {
		r.Added = append(r.Added, SchoolLine{UAI: fmt.Sprintf("U%04d", i), Name: "École", DueAt: at})
		r.Unchanged = append(r.Unchanged, SchoolLine{UAI: fmt.Sprintf("K%04d", i), Name: "École"})
	}
	for i := range 250 {
		r.Refused = append(r.Refused, ProblemLine{Sheet: "Écoles", Row: i + 4, Column: "F", Message: "adresse invalide"})
		r.Warnings = append(r.Warnings, ProblemLine{Sheet: "Écoles", Row: i + 4, Message: "remarque"})
	}
	if !r.Truncated() {
		t.Fatal("250 refused rows: want the reply truncated")
	}
	got, err := RenderReply(r)
	if err != nil {
		t.Fatal(err)
	}
	for part, body := range map[string]string{"text": got.Text, "html": html.UnescapeString(got.HTML)} {
		for _, want := range []string{"700 écoles ajoutées", "t 200 autres écoles", "250 lignes n'ont pas pu être prises en compte",
			"t 150 autres lignes refusées", "« lignes-refusees.xlsx »", "t 150 autres remarques", "700 écoles déjà enregistrées"} {
			if !strings.Contains(body, want) {
				t.Errorf("%s part: no %q", part, want)
			}
		}
		if n := strings.Count(body, "U0"); n != MaxSchoolLines {
			t.Errorf("%s part lists %d added schools, want %d", part, n, MaxSchoolLines)
		}
	}
	if n := strings.Count(got.Text, ", colonne F : adresse invalide"); n != MaxRefusedLines {
		t.Errorf("the text lists %d refused rows, want %d", n, MaxRefusedLines)
	}

	small := Reply{Commune: "Givors", ReceivedAt: at, Refused: r.Refused[:3]}
	if small.Truncated() {
		t.Error("3 refused rows: want the reply whole")
	}
	got, err = RenderReply(small)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(got.Text, "autres") || strings.Contains(got.Text, "premières") {
		t.Errorf("a short reply speaks of rows left out:\n%s", got.Text)
	}
}

// TestWriteRefusedRows: the spreadsheet holds every row, under French headers.
func TestWriteRefusedRows(t *testing.T) {
	rows := []ProblemLine{{File: "a.csv", Sheet: "Feuille 1", Row: 4, Column: "F", Message: "adresse invalide"}, {File: "a.csv", Sheet: "Feuille 1", Message: "fichier"}}
	var buf bytes.Buffer
	if err := WriteRefusedRows(&buf, rows); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(&buf)
	if err != nil {
		t.Fatal(err)
	}
	got, err := f.GetRows("Lignes refusées")
	if err != nil {
		t.Fatal(err)
	}
	want := "[[Fichier Feuille Ligne Colonne Motif] [a.csv Feuille 1 4 F adresse invalide] [a.csv Feuille 1   fichier]]"
	if fmt.Sprint(got) != want {
		t.Errorf("got %v\nwant %s", got, want)
	}
}

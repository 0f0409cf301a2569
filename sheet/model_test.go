package sheet

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
)

// TestModelXLSXReads checks what a commune sees of the xlsx model: it opens on its instructions,
// which name the configured address and say to leave Action empty for a first adhesion, and it
// prints on A4 with its text wrapped.
func TestModelXLSXReads(t *testing.T) {
	const address = "partenariat@metropole.example"
	var buf bytes.Buffer
	if err := WriteModel(&buf, FormatXLSX, nil, address); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(&buf)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if got := f.GetSheetName(f.GetActiveSheetIndex()); got != templateInstructions {
		t.Errorf("active sheet %q, want %q", got, templateInstructions)
	}
	rows, err := f.GetRows(templateInstructions)
	if err != nil {
		t.Fatal(err)
	}
	var text strings.Builder
	for _, r := range rows {
		text.WriteString(strings.Join(r, " ") + "\n")
	}
	for _, want := range []string{address, "Pour une première adhésion, laissez la colonne « Action » vide"} {
		if !strings.Contains(text.String(), want) {
			t.Errorf("the instructions do not say %q:\n%s", want, text.String())
		}
	}
	if strings.Contains(text.String(), "laclass.com@") {
		t.Errorf("the instructions still name the hard-coded address:\n%s", text.String())
	}
	for _, sh := range f.GetSheetList() {
		pl, err := f.GetPageLayout(sh)
		if err != nil {
			t.Fatal(err)
		}
		if pl.Size == nil || *pl.Size != 9 {
			t.Errorf("%s: paper size %v, want 9 (A4)", sh, pl.Size)
		}
	}
	for _, c := range []struct{ sheet, cell string }{{templateInstructions, "A3"}, {templateSchools, "B2"}} {
		id, err := f.GetCellStyle(c.sheet, c.cell)
		if err != nil {
			t.Fatal(err)
		}
		st, err := f.GetStyle(id)
		if err != nil {
			t.Fatal(err)
		}
		if st.Alignment == nil || !st.Alignment.WrapText {
			t.Errorf("%s!%s: text not wrapped (%+v)", c.sheet, c.cell, st.Alignment)
		}
	}
}

// TestModelODSReads checks the ods model: it opens on its instructions, names the address, and
// has an A4 page.
func TestModelODSReads(t *testing.T) {
	const address = "partenariat@metropole.example"
	var buf bytes.Buffer
	if err := WriteModel(&buf, FormatODS, nil, address); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(unzipMember(t, buf.Bytes(), "content.xml")), address) {
		t.Error("content.xml does not name the address")
	}
	if s := string(unzipMember(t, buf.Bytes(), "settings.xml")); !strings.Contains(s, `config:name="ActiveTable" config:type="string">Instructions<`) {
		t.Errorf("settings.xml does not open on the instructions: %s", s)
	}
	if s := string(unzipMember(t, buf.Bytes(), "styles.xml")); !strings.Contains(s, `fo:page-width="29.7cm" fo:page-height="21cm"`) {
		t.Errorf("styles.xml has no A4 page: %s", s)
	}
	if _, err := Read(context.Background(), "modele.ods", buf.Bytes(), DefaultLimits()); err != nil {
		t.Errorf("the model does not read back: %v", err)
	}
}

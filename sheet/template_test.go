package sheet

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/laclasse/intake/convention"
)

// templateList is a list to fill the model with: schools of a LibreOffice file, and contacts.
func templateList(t *testing.T) *convention.List {
	t.Helper()
	l, err := readFile(t, filepath.Join("testdata", "saint-fons-accents.xls"))
	if err != nil {
		t.Fatal(err)
	}
	l.Schools = append(l.Schools, convention.SchoolEntry{UAI: "0690026D", Name: "École « Les Lilas » & co",
		Admin: convention.Contact{LastName: "O'NEIL", FirstName: "Zoë", Role: "Enseignant(e)", Email: "z.oneil@ac-lyon.fr", Phone: "+41223456789"}})
	return l
}

func TestWriteTemplate(t *testing.T) {
	for _, format := range []Format{FormatXLSX, FormatODS, FormatCSV} {
		t.Run(string(format)+"/Empty", func(t *testing.T) {
			var buf bytes.Buffer
			if err := WriteTemplate(&buf, format, nil); err != nil {
				t.Fatal(err)
			}
			if got := Detect(buf.Bytes()); got != format {
				t.Errorf("Detect = %q", got)
			}
			l, err := Read(context.Background(), "modele."+string(format), buf.Bytes(), DefaultLimits())
			if err != nil {
				t.Fatalf("Read: %v", err)
			}
			if len(l.Schools) != 0 || len(l.Problems) != 0 || l.Commune.TechnicalReferent != nil || l.Commune.ProjectLead != nil {
				t.Errorf("empty model read as %+v", l)
			}
		})
		t.Run(string(format)+"/Filled", func(t *testing.T) {
			want := templateList(t)
			var buf bytes.Buffer
			if err := WriteTemplate(&buf, format, want); err != nil {
				t.Fatal(err)
			}
			l, err := Read(context.Background(), "liste."+string(format), buf.Bytes(), DefaultLimits())
			if err != nil {
				t.Fatalf("Read: %v", err)
			}
			if len(l.Problems) != 0 {
				t.Errorf("problems %+v", l.Problems)
			}
			if len(l.Schools) != len(want.Schools) {
				t.Fatalf("%d schools, want %d", len(l.Schools), len(want.Schools))
			}
			for i, s := range l.Schools {
				w := want.Schools[i]
				if s.UAI != w.UAI || s.Name != w.Name || s.Admin != w.Admin || s.Action != convention.ActionKeep || s.Sheet != "Écoles" && format != FormatCSV {
					t.Errorf("school %d\n got %+v\nwant %+v", i, s, w)
				}
			}
			if *l.Commune.TechnicalReferent != *want.Commune.TechnicalReferent || *l.Commune.ProjectLead != *want.Commune.ProjectLead {
				t.Errorf("contacts %+v %+v", l.Commune.TechnicalReferent, l.Commune.ProjectLead)
			}
		})
	}
	if err := WriteTemplate(&bytes.Buffer{}, FormatXLS, nil); err == nil {
		t.Error("WriteTemplate(xls) wrote something")
	}
}

// TestTemplateXLSXDropDowns checks the drop-down lists and sheets of the xlsx model.
func TestTemplateXLSXDropDowns(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteTemplate(&buf, FormatXLSX, nil); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(&buf)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if got := strings.Join(f.GetSheetList(), ","); got != "Écoles,Commune,Instructions" {
		t.Errorf("sheets %s", got)
	}
	dvs, err := f.GetDataValidations("Écoles")
	if err != nil || len(dvs) != 2 {
		t.Fatalf("data validations %+v, %v", dvs, err)
	}
	lists := dvs[0].Formula1 + dvs[1].Formula1
	for _, want := range []string{"Directrice", "Administrateur ENT", "Radiation", "Changement de responsable", "Inchangé"} {
		if !strings.Contains(lists, want) {
			t.Errorf("no %q in the drop-down lists %s", want, lists)
		}
	}
}

// TestTemplateODSValidations checks the content validations of the ods model.
func TestTemplateODSValidations(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteTemplate(&buf, FormatODS, nil); err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(buf.Bytes()[30:], []byte("mimetypeapplication/vnd.oasis.opendocument.spreadsheet")) {
		t.Error("mimetype is not the first member, stored")
	}
	content := string(unzipMember(t, buf.Bytes(), "content.xml"))
	for _, want := range []string{`table:content-validation table:name="fonction"`, `table:content-validation-name="action"`, "Changement de responsable"} {
		if !strings.Contains(content, want) {
			t.Errorf("content.xml has no %s", want)
		}
	}
}

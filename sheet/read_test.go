package sheet

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/laclasse/intake/convention"
)

// school is what a test expects of one accepted row.
type school struct {
	sheet  string
	row    int
	uai    string
	action convention.Action
	admin  convention.Contact
}

// problem is what a test expects of one problem: where, which field, and how bad.
type problem struct {
	sheet  string
	row    int
	column string
	field  string
	sev    convention.Severity
}

// checkList compares a list with what a test expects, field by field.
func checkList(t *testing.T, l *convention.List, schools []school, problems []problem, tech, lead *convention.Contact) {
	t.Helper()
	if len(l.Schools) != len(schools) {
		t.Errorf("%d schools, want %d: %+v", len(l.Schools), len(schools), l.Schools)
	}
	for i := range min(len(l.Schools), len(schools)) {
		g, w := l.Schools[i], schools[i]
		if g.Sheet != w.sheet || g.Row != w.row || g.UAI != w.uai || g.Action != w.action || g.Admin != w.admin {
			t.Errorf("school %d:\n got %s:%d %s %q %+v\nwant %s:%d %s %q %+v", i,
				g.Sheet, g.Row, g.UAI, g.Action, g.Admin, w.sheet, w.row, w.uai, w.action, w.admin)
		}
	}
	var got []problem
	for _, p := range l.Problems {
		got = append(got, problem{p.Sheet, p.Row, p.Column, p.Field, p.Severity})
		if p.Message == "" || !strings.HasSuffix(p.Message, ".") {
			t.Errorf("problem without a full sentence: %+v", p)
		}
	}
	if !slices.Equal(got, problems) {
		t.Errorf("problems:\n got %+v\nwant %+v\n(%+v)", got, problems, l.Problems)
	}
	for _, c := range []struct {
		name      string
		got, want *convention.Contact
	}{{"technical referent", l.Commune.TechnicalReferent, tech}, {"project lead", l.Commune.ProjectLead, lead}} {
		switch {
		case c.want == nil && c.got != nil:
			t.Errorf("%s %+v, want none", c.name, *c.got)
		case c.want != nil && c.got == nil:
			t.Errorf("no %s, want %+v", c.name, *c.want)
		case c.want != nil && *c.got != *c.want:
			t.Errorf("%s\n got %+v\nwant %+v", c.name, *c.got, *c.want)
		}
	}
}

func admin(last, first, role, email, phone string) convention.Contact {
	return convention.Contact{LastName: last, FirstName: first, Role: role, Email: email, Phone: phone}
}

const (
	sevE = convention.SeverityError
	sevW = convention.SeverityWarning
)

// TestReadODSTitlesMergedCells reads an ods written by LibreOffice: title rows, merged cells, a
// header on two rows (a merged "Administrateur" over Nom, Prénom…), a school name on two
// paragraphs, runs of spaces, a phone typed as a number, a note under the table, a whole column
// formatted over a million rows, and the commune's contacts on a second sheet as label/value
// rows.
func TestReadODSTitlesMergedCells(t *testing.T) {
	l, err := readFile(t, filepath.Join("testdata", "bron-titres-fusion.ods"))
	if err != nil {
		t.Fatal(err)
	}
	if l.Format != "ods" || l.File != "bron-titres-fusion.ods" {
		t.Errorf("format %q, file %q", l.Format, l.File)
	}
	if l.Schools[0].Name != "École maternelle Les Tilleuls" {
		t.Errorf("name on two paragraphs read as %q", l.Schools[0].Name)
	}
	checkList(t, l, []school{
		{"Écoles", 6, "0691201F", "", admin("LAMBERT", "Anne-Sophie", "Directrice", "anne-sophie.lambert@ac-lyon.fr", "+33478261234")},
		{"Écoles", 7, "0691214V", "", admin("NGUYEN", "Minh", "Directeur", "ce.0691214v@ac-lyon.fr", "+33478261235")},
		{"Écoles", 9, "0691240Y", "", admin("ROUX", "Céline", "Directrice", "celine.roux@ville-bron.fr", "+33478261237")},
		{"Écoles", 11, "0691253M", "", admin("BLANC", "Hugo", "", "hugo.blanc@ville-bron.fr", "+33612345678")},
	}, []problem{
		{"Écoles", 8, "F", "email", sevE},
		{"Écoles", 11, "E", "role", sevW},
	},
		&convention.Contact{LastName: "ROCHE", FirstName: "Damien", Role: "Technicien informatique", Email: "d.roche@ville-bron.fr", Phone: "+33472361300"},
		&convention.Contact{LastName: "MERCIER", FirstName: "Claire", Role: "Suivi du projet", Email: "c.mercier@ville-bron.fr", Phone: "+33472361313"},
	)
}

// TestReadXLSAccentsNumbers reads a BIFF8 xls written by LibreOffice: accents, lower-case UAI,
// upper-case addresses with spaces, phones typed as numbers, a wrong check letter, and the
// commune's contacts as a block of rows under the table.
func TestReadXLSAccentsNumbers(t *testing.T) {
	l, err := readFile(t, filepath.Join("testdata", "saint-fons-accents.xls"))
	if err != nil {
		t.Fatal(err)
	}
	const sh = "Liste écoles"
	checkList(t, l, []school{
		{sh, 2, "0692010K", "", admin("LEFÈVRE", "Éloïse", "Directrice", "eloise.lefevre@ac-lyon.fr", "+33472890101")},
		{sh, 3, "0692023Z", "", admin("GAUTHIER", "Françoise", "Directrice d'école", "ce.0692023z@ac-lyon.fr", "+33472890102")},
		{sh, 4, "0692036N", "", admin("NOËL", "Gaëlle", "Directrice", "gaelle.noel@ac-lyon.fr", "+33472890103")},
		{sh, 5, "0692049C", "", admin("D'ALMEIDA", "Loïc", "Directeur", "loic.dalmeida@ac-lyon.fr", "+33472890104")},
	}, []problem{
		{sh, 6, "A", "uai", sevE},
	},
		&convention.Contact{LastName: "GIRARD", FirstName: "Paul", Role: "Responsable SI", Email: "p.girard@saint-fons.fr", Phone: "+33478700000"},
		&convention.Contact{LastName: "BERNARD", FirstName: "Lucie", Role: "Directrice de l'éducation", Email: "l.bernard@saint-fons.fr", Phone: "+33478700001"},
	)
	if msg := l.Problems[0].Message; msg != "Le code UAI « 0692052G » est invalide : la lettre de contrôle devrait être F." {
		t.Errorf("message %q", msg)
	}
}

// TestReadCSVWindows1252Tabs reads a csv that LibreOffice wrote in Windows-1252 with tabs, a
// title line, a quoted field holding quotes and a semicolon, and a row without first name.
func TestReadCSVWindows1252Tabs(t *testing.T) {
	l, err := readFile(t, filepath.Join("testdata", "villeurbanne-tab-1252.csv"))
	if err != nil {
		t.Fatal(err)
	}
	const sh = "villeurbanne-tab-1252.csv"
	checkList(t, l, []school{
		{sh, 3, "0693101W", "", admin("MÜLLER", "Hélène", "Directrice", "helene.muller@ac-lyon.fr", "+33612345601")},
		{sh, 4, "0693114K", "", admin("FRANÇOIS", "Jérôme", "Directeur", "jerome.francois@ac-lyon.fr", "+33612345602")},
		{sh, 6, "0693140N", "", admin("CŒUR", "Maëlys", "Directrice", "maelys.coeur@ac-lyon.fr", "+33612345604")},
	}, []problem{
		{sh, 5, "D", "first_name", sevE},
	}, nil, nil)
	if l.Schools[1].Name != `École "Les Iris"; Croix-Luizet` {
		t.Errorf("quoted name read as %q", l.Schools[1].Name)
	}
}

// TestReadXLSXActionsContacts reads an xlsx written by LibreOffice: a list of changes with every
// action (an empty one keeps the school, an unknown one is refused), a removal without
// administrator, a UAI twice, a second sheet of schools, and the commune's contacts under their
// own header.
func TestReadXLSXActionsContacts(t *testing.T) {
	l, err := readFile(t, filepath.Join("testdata", "vaulx-actions-contacts.xlsx"))
	if err != nil {
		t.Fatal(err)
	}
	const sh = "Modifications 2025"
	checkList(t, l, []school{
		{sh, 4, "0694301A", convention.ActionAdd, admin("ARNAUD", "Inès", "Directrice", "ines.arnaud@ac-lyon.fr", "+33472041101")},
		{sh, 5, "0694314P", convention.ActionRemove, admin("", "", "", "", "")},
		{sh, 6, "0694327D", convention.ActionChangeAdmin, admin("BOYER", "Rémi", "Directeur", "remi.boyer@ac-lyon.fr", "+33472041103")},
		{sh, 7, "0694340T", convention.ActionKeep, admin("CARON", "Lise", "Directrice", "lise.caron@ac-lyon.fr", "+33472041104")},
		{"Maternelles", 2, "0692065V", "", admin("COLIN", "Agathe", "", "agathe.colin@ac-lyon.fr", "+33472041201")},
	}, []problem{
		{sh, 8, "A", "action", sevE},
		{sh, 9, "B", "uai", sevE},
		{"Maternelles", 1, "", "role", sevW},
	},
		&convention.Contact{LastName: "FAURE", FirstName: "Olivier", Role: "DSI", Email: "o.faure@mairie-vaulx.fr", Phone: "+33472048000"},
		&convention.Contact{LastName: "HAMON", FirstName: "Sarah", Role: "Chargée de mission", Email: "s.hamon@mairie-vaulx.fr", Phone: "+33472048001"},
	)
}

// readString reads a csv given as text.
func readString(t *testing.T, text string) (*convention.List, error) {
	t.Helper()
	return Read(context.Background(), "liste.csv", []byte(text), DefaultLimits())
}

// TestReadLayouts covers layouts LibreOffice files do not: contacts given in other shapes, a
// combined name column, notes in the table.
func TestReadLayouts(t *testing.T) {
	t.Run("ContactsSideBySide", func(t *testing.T) {
		l, err := readString(t, "UAI;École;Nom;Prénom;Email;Téléphone\n"+
			"0690026D;École A;DUPONT;Jean;jean.dupont@ac-lyon.fr;0472000001\n\n"+
			";Référent technique;Suivi du projet\n"+
			"Nom;MOREL;BLANC\nPrénom;Thierry;Isabelle\nCourriel;t.morel@ville.fr;i.blanc@ville.fr\nTél.;04 78 07 41 00;04 78 07 41 12\n")
		if err != nil {
			t.Fatal(err)
		}
		tech, lead := l.Commune.TechnicalReferent, l.Commune.ProjectLead
		if tech == nil || lead == nil || tech.Email != "t.morel@ville.fr" || tech.LastName != "MOREL" || lead.Phone != "+33478074112" || lead.FirstName != "Isabelle" {
			t.Errorf("contacts %+v %+v", tech, lead)
		}
	})
	t.Run("ContactsInline", func(t *testing.T) {
		l, err := readString(t, "UAI;École;Nom;Prénom;Email;Téléphone\n"+
			"0690026D;École A;DUPONT;Jean;jean.dupont@ac-lyon.fr;0472000001\n"+
			"Référent technique : Thierry MOREL, t.morel@ville.fr, 04 78 07 41 00\n"+
			"Email du chef de projet;i.blanc@ville.fr\n")
		if err != nil {
			t.Fatal(err)
		}
		tech, lead := l.Commune.TechnicalReferent, l.Commune.ProjectLead
		if tech == nil || tech.LastName != "MOREL" || tech.FirstName != "Thierry" || tech.Phone != "+33478074100" {
			t.Errorf("technical referent %+v", tech)
		}
		if lead == nil || lead.Email != "i.blanc@ville.fr" {
			t.Errorf("project lead %+v", lead)
		}
		if len(l.Schools) != 1 || len(l.Errors()) != 0 {
			t.Errorf("schools %+v problems %+v", l.Schools, l.Problems)
		}
	})
	t.Run("FullNameColumn", func(t *testing.T) {
		l, err := readString(t, "UAI,Directeur,Fonction,Mail,Tel\n0690026D,Mme DUPONT Marie,Directrice,m.dupont@ac-lyon.fr,472000001\n")
		if err != nil {
			t.Fatal(err)
		}
		if len(l.Schools) != 1 || l.Schools[0].Admin.LastName != "DUPONT" || l.Schools[0].Admin.FirstName != "Marie" {
			t.Errorf("schools %+v problems %+v", l.Schools, l.Problems)
		}
	})
	t.Run("NotesAndEmptyRowsSkipped", func(t *testing.T) {
		l, err := readString(t, "Liste des écoles\n\nUAI;École;Nom;Prénom;Email;Téléphone\n"+
			"0690026D;École A;DUPONT;Jean;jean.dupont@ac-lyon.fr;0472000001\n;;;;;\n"+
			"Écoles maternelles\n0690027E;École B;MARTIN;Lea;lea.martin@ac-lyon.fr;0472000002\n"+
			";École C;DURAND;Paul;;\n")
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, p := range l.Problems {
			got = append(got, fmt.Sprintf("%d %s %s %s", p.Row, p.Column, p.Field, p.Severity))
		}
		want := []string{"3  role warning", "8 A uai error", "8 E email error", "8 F phone error"}
		if !slices.Equal(got, want) || len(l.Schools) != 2 {
			t.Errorf("problems %q, want %q; schools %+v", got, want, l.Schools)
		}
	})
	t.Run("MissingColumnSaysSo", func(t *testing.T) {
		l, err := readString(t, "UAI;École;Nom;Prénom;Email\n0690026D;École A;DUPONT;Jean;jean.dupont@ac-lyon.fr\n")
		if err != nil {
			t.Fatal(err)
		}
		errs := l.Errors()
		if len(errs) != 1 || errs[0].Field != "phone" || errs[0].Column != "" || !strings.Contains(errs[0].Message, "colonne « Téléphone »") {
			t.Errorf("errors %+v", errs)
		}
	})
	t.Run("DuplicateAcrossSheets", func(t *testing.T) {
		// the second sheet of vaulx-actions-contacts.xlsx repeats no UAI; a csv has one sheet, so
		// the rule is checked within it
		l, err := readString(t, "UAI;Nom;Prénom;Email;Tél\n0690026D;A;B;a@b.fr;0472000001\n0690026d;C;D;c@d.fr;0472000002\n")
		if err != nil {
			t.Fatal(err)
		}
		if errs := l.Errors(); len(errs) != 1 || errs[0].Row != 3 || errs[0].Field != "uai" {
			t.Errorf("errors %+v", errs)
		}
	})
}

// TestReadUnreadable checks the files refused whole, each with its French reason.
func TestReadUnreadable(t *testing.T) {
	tests := []struct {
		name   string
		file   string
		data   []byte
		reason string
	}{
		{"Empty", "liste.xlsx", nil, "vide"},
		{"NoHeader", "liste.csv", []byte("bonjour\nvoici la liste\n"), "aucune ligne d'en-tête reconnue"},
		{"PDF", "liste.pdf", []byte("%PDF-1.7\n..."), "PDF"},
		{"HTMLAsXLS", "liste.xls", []byte("<html><body><table><tr><td>UAI</td></tr></table></body></html>"), "page web"},
		{"Binary", "liste.xls", []byte{0, 1, 2, 3, 4, 5, 6, 7, 8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}, "pas un tableur"},
		{"TooBig", "liste.csv", make([]byte, DefaultLimits().MaxFileSize+1), "dépasse la taille autorisée"},
		{"ZipWithoutSheet", "liste.zip", zipOf(t, map[string]string{"a.txt": "x"}), "archive zip"},
		{"BrokenZip", "liste.xlsx", []byte("PK\x03\x04garbage"), "endommagé"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l, err := Read(context.Background(), tt.file, tt.data, DefaultLimits())
			var ue *UnreadableError
			if !errors.As(err, &ue) || !strings.Contains(ue.Reason, tt.reason) {
				t.Fatalf("Read = %v, %v; want a reason with %q", l, err, tt.reason)
			}
		})
	}
}

func TestDetect(t *testing.T) {
	for _, tt := range []struct {
		file string
		want Format
	}{
		{"testdata/bron-titres-fusion.ods", FormatODS},
		{"testdata/saint-fons-accents.xls", FormatXLS},
		{"testdata/vaulx-actions-contacts.xlsx", FormatXLSX},
		{"testdata/villeurbanne-tab-1252.csv", FormatCSV},
		{"testdata/src/bron-titres-fusion.fods", FormatODS},
	} {
		t.Run(tt.file, func(t *testing.T) {
			if got := Detect(mustRead(t, tt.file)); got != tt.want {
				t.Errorf("Detect = %q, want %q", got, tt.want)
			}
		})
	}
	if got := Detect([]byte("%PDF-1.4")); got != FormatUnknown {
		t.Errorf("Detect(pdf) = %q", got)
	}
}

// TestReadFlatODS reads the LibreOffice source of an ods test file, a flat .fods document.
func TestReadFlatODS(t *testing.T) {
	l, err := readFile(t, filepath.Join("testdata", "src", "bron-titres-fusion.fods"))
	if err != nil {
		t.Fatal(err)
	}
	if len(l.Schools) != 4 || l.Commune.TechnicalReferent == nil {
		t.Errorf("schools %d, contacts %+v", len(l.Schools), l.Commune)
	}
}

func TestReadCanceled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := Read(ctx, "x.csv", []byte("UAI;Nom\n"), DefaultLimits())
	if !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v, want context.Canceled", err)
	}
}

// TestReadSeveralSheets reads a workbook whose schools are on two sheets: both are read, and a UAI
// of the first sheet repeated on the second is refused there, naming the first sheet.
func TestReadSeveralSheets(t *testing.T) {
	f := excelize.NewFile()
	defer f.Close()
	f.SetSheetName("Sheet1", "Élémentaires")
	f.NewSheet("Maternelles")
	rows := map[string][][]any{
		"Élémentaires": {{"UAI", "Nom", "Prénom", "Email", "Téléphone"}, {"0690026D", "DUPONT", "Jean", "j.dupont@ac-lyon.fr", "0472000001"}},
		"Maternelles":  {{"Liste des maternelles"}, {"Code RNE", "NOM", "Prénom", "Courriel", "Tél."}, {"0690026D", "MARTIN", "Léa", "l.martin@ac-lyon.fr", 472000002}, {"0690027E", "MARTIN", "Léa", "l.martin@ac-lyon.fr", 472000002}},
	}
	for sheet, rr := range rows {
		for i, r := range rr {
			f.SetSheetRow(sheet, fmt.Sprintf("A%d", i+1), &r)
		}
	}
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		t.Fatal(err)
	}
	l, err := Read(context.Background(), "x.xlsx", buf.Bytes(), DefaultLimits())
	if err != nil {
		t.Fatal(err)
	}
	errs := l.Errors()
	if len(l.Schools) != 2 || l.Schools[1].Sheet != "Maternelles" || l.Schools[1].Row != 4 || len(errs) != 1 ||
		errs[0].Sheet != "Maternelles" || errs[0].Row != 3 || !strings.Contains(errs[0].Message, "ligne 2 de la feuille « Élémentaires »") {
		t.Errorf("schools %+v\nerrors %+v", l.Schools, errs)
	}
}

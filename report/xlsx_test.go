package report

import (
	"archive/zip"
	"bytes"
	"context"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"
)

// cellCheck is what a cell should show: its raw value, or its formatted value (dates), and its
// formula if it has one.
type cellCheck struct {
	sheet, cell string
	want        string
	formatted   bool
	formula     string
}

func checkCells(t *testing.T, f *excelize.File, checks []cellCheck) {
	t.Helper()
	for _, c := range checks {
		var got string
		var err error
		if c.formatted {
			got, err = f.GetCellValue(c.sheet, c.cell)
		} else {
			got, err = f.GetCellValue(c.sheet, c.cell, excelize.Options{RawCellValue: true})
		}
		if err != nil {
			t.Errorf("%s!%s: %v", c.sheet, c.cell, err)
			continue
		}
		if got != c.want {
			t.Errorf("%s!%s = %q, want %q", c.sheet, c.cell, got, c.want)
		}
		formula, err := f.GetCellFormula(c.sheet, c.cell)
		if err != nil || formula != c.formula {
			t.Errorf("%s!%s formula = %q (%v), want %q", c.sheet, c.cell, formula, err, c.formula)
		}
	}
}

// zipFile returns one part of an xlsx file.
func zipFile(t *testing.T, xlsx []byte, name string) string {
	t.Helper()
	z, err := zip.NewReader(bytes.NewReader(xlsx), int64(len(xlsx)))
	if err != nil {
		t.Fatal(err)
	}
	r, err := z.Open(name)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	defer r.Close()
	b, err := io.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// numericFormula asserts that a cell of a sheet's XML holds the formula with its result as a
// number, so that a reader that does not recalculate shows the figure.
func numericFormula(t *testing.T, sheetXML, cell, formula, value string) {
	t.Helper()
	re := regexp.MustCompile(`<c r="` + cell + `"[^>]*>.*?</c>`)
	got := re.FindString(sheetXML)
	if !strings.Contains(got, "<f>"+formula+"</f><v>"+value+"</v>") || strings.Contains(got, `t="str"`) {
		t.Errorf("cell %s is %s, want the formula %s with the number %s", cell, got, formula, value)
	}
}

func openXLSX(t *testing.T, b []byte) *excelize.File {
	t.Helper()
	f, err := excelize.OpenReader(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

func TestWriteFeesXLSX(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteFeesXLSX(&buf, Fees(feeFacts(), "2025-2026", 150, paris)); err != nil {
		t.Fatal(err)
	}
	f := openXLSX(t, buf.Bytes())
	if got, want := f.GetSheetList(), []string{"Synthèse", "Écully", "Givors", "Grigny"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("sheets = %q, want %q", got, want)
	}
	checkCells(t, f, []cellCheck{
		{sheet: "Synthèse", cell: "A1", want: "Redevance laclasse.com — année scolaire 2025-2026"},
		{sheet: "Synthèse", cell: "A3", want: "Commune"},
		{sheet: "Synthèse", cell: "B3", want: "Code INSEE"},
		{sheet: "Synthèse", cell: "C3", want: "Nombre d'écoles"},
		{sheet: "Synthèse", cell: "D3", want: "Montant"},
		{sheet: "Synthèse", cell: "A4", want: "Écully"},
		{sheet: "Synthèse", cell: "B4", want: "69081"},
		{sheet: "Synthèse", cell: "C4", want: "1"},
		{sheet: "Synthèse", cell: "D4", want: "150"},
		{sheet: "Synthèse", cell: "A5", want: "Givors"},
		{sheet: "Synthèse", cell: "C5", want: "4"},
		{sheet: "Synthèse", cell: "D5", want: "600"},
		{sheet: "Synthèse", cell: "A6", want: "Grigny"},
		{sheet: "Synthèse", cell: "D6", want: "300"},
		{sheet: "Synthèse", cell: "A7", want: "Total"},
		{sheet: "Synthèse", cell: "C7", want: "7", formula: "SUM(C4:C6)"},
		{sheet: "Synthèse", cell: "D7", want: "1050", formula: "SUM(D4:D6)"},
		{sheet: "Givors", cell: "A1", want: "Givors — redevance laclasse.com, année scolaire 2025-2026"},
		{sheet: "Givors", cell: "A3", want: "UAI"},
		{sheet: "Givors", cell: "B3", want: "École"},
		{sheet: "Givors", cell: "C3", want: "Reçue le"},
		{sheet: "Givors", cell: "D3", want: "Activée le"},
		{sheet: "Givors", cell: "E3", want: "Retirée le"},
		{sheet: "Givors", cell: "F3", want: "Montant"},
		{sheet: "Givors", cell: "A4", want: "0690140C"},
		{sheet: "Givors", cell: "B4", want: "École Anatole France"},
		{sheet: "Givors", cell: "C4", want: "03/11/2025", formatted: true},
		{sheet: "Givors", cell: "D4", want: ""},
		{sheet: "Givors", cell: "A7", want: "0690127N"},
		{sheet: "Givors", cell: "D7", want: "05/09/2023", formatted: true},
		{sheet: "Givors", cell: "E7", want: "01/07/2026", formatted: true},
		{sheet: "Givors", cell: "F7", want: "150"},
		{sheet: "Givors", cell: "A8", want: "Total"},
		{sheet: "Givors", cell: "B8", want: "4 écoles"},
		{sheet: "Givors", cell: "F8", want: "600", formula: "SUM(F4:F7)"},
		{sheet: "Écully", cell: "A4", want: "0690026D"},
		{sheet: "Écully", cell: "F5", want: "150", formula: "SUM(F4:F4)"},
	})
	numericFormula(t, zipFile(t, buf.Bytes(), "xl/worksheets/sheet1.xml"), "D7", "SUM(D4:D6)", "1050")
	numericFormula(t, zipFile(t, buf.Bytes(), "xl/worksheets/sheet3.xml"), "F8", "SUM(F4:F7)", "600")

	// Ready for a treasurer: euro amounts, bold header, widths, frozen header, merged title.
	for _, cell := range []string{"D4", "D7"} {
		id, _ := f.GetCellStyle("Synthèse", cell)
		if st, err := f.GetStyle(id); err != nil || st.CustomNumFmt == nil || !strings.Contains(*st.CustomNumFmt, "€") {
			t.Errorf("Synthèse!%s is not in euros: %+v, %v", cell, st, err)
		}
	}
	id, _ := f.GetCellStyle("Givors", "C4")
	if st, err := f.GetStyle(id); err != nil || st.CustomNumFmt == nil || *st.CustomNumFmt != "dd/mm/yyyy" {
		t.Errorf("Givors!C4 is not a French date: %+v, %v", st, err)
	}
	id, _ = f.GetCellStyle("Synthèse", "A3")
	if st, err := f.GetStyle(id); err != nil || st.Font == nil || !st.Font.Bold {
		t.Errorf("the header is not bold: %+v, %v", st, err)
	}
	for _, sheet := range f.GetSheetList() {
		panes, err := f.GetPanes(sheet)
		if err != nil || !panes.Freeze || panes.YSplit != headerRow {
			t.Errorf("%s: panes = %+v, %v; want the header frozen", sheet, panes, err)
		}
	}
	if w, err := f.GetColWidth("Synthèse", "A"); err != nil || w != 30 {
		t.Errorf("column A is %v wide (%v)", w, err)
	}
	if merged, err := f.GetMergeCells("Synthèse"); err != nil || len(merged) == 0 || merged[0].GetStartAxis() != "A1" || merged[0].GetEndAxis() != "D1" {
		t.Errorf("title not merged over the table: %v, %v", merged, err)
	}

	convertToPDF(t, map[string][]byte{"redevance-2025-2026.xlsx": buf.Bytes()})
}

func TestWriteFeesXLSXEmpty(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteFeesXLSX(&buf, Fees(Facts{}, "2025-2026", 150, paris)); err != nil {
		t.Fatal(err)
	}
	f := openXLSX(t, buf.Bytes())
	if got := f.GetSheetList(); !reflect.DeepEqual(got, []string{"Synthèse"}) {
		t.Errorf("sheets = %q", got)
	}
	checkCells(t, f, []cellCheck{
		{sheet: "Synthèse", cell: "A4", want: "Aucune école à facturer pour cette année scolaire."},
		{sheet: "Synthèse", cell: "A5", want: ""},
	})
}

func TestWriteFeesXLSXSheetNames(t *testing.T) {
	var facts Facts
	for _, name := range []string{"Lyon/1er", "Lyon:1er", "'Quoted'", "Saint-Germain-au-Mont-d'Or et ses écoles [annexe]", "Synthèse", "history"} {
		facts.Schools = append(facts.Schools, SchoolHistory{Commune: name, UAI: "0690026D", Spans: []Span{{From: at(2025, 10, 1)}}})
	}
	var buf bytes.Buffer
	if err := WriteFeesXLSX(&buf, Fees(facts, "2025-2026", 150, paris)); err != nil {
		t.Fatal(err)
	}
	f := openXLSX(t, buf.Bytes())
	// Communes sort by name: the apostrophe before the letters.
	want := []string{"Synthèse", "Quoted", "history (2)", "Lyon-1er", "Lyon-1er (2)", "Saint-Germain-au-Mont-d'Or et s", "Synthèse (2)"}
	if got := f.GetSheetList(); !reflect.DeepEqual(got, want) {
		t.Errorf("sheets = %q\nwant     %q", got, want)
	}
	// Each sheet still titles its commune by its real name.
	checkCells(t, f, []cellCheck{{sheet: "Lyon-1er (2)", cell: "A1", want: "Lyon:1er — redevance laclasse.com, année scolaire 2025-2026"}})
}

func TestSheetNames(t *testing.T) {
	b, err := newWorkbook("t", "t")
	if err != nil {
		t.Fatal(err)
	}
	defer b.close()
	for _, tc := range []struct{ name, in, want string }{
		{"Plain", "Givors", "Givors"},
		{"Taken", "Givors", "Givors (2)"},
		{"TakenWhateverTheCase", "GIVORS", "GIVORS (3)"},
		{"Forbidden", `a[b]c:d*e?f/g\h`, "a-b-c-d-e-f-g-h"},
		{"Apostrophes", "'Oullins'", "Oullins"},
		{"InnerApostrophe", "Saint-Romain-au-Mont-d'Or", "Saint-Romain-au-Mont-d'Or"},
		{"Long", "Commune au nom vraiment beaucoup trop long", "Commune au nom vraiment beaucou"},
		{"LongAndTaken", "Commune au nom vraiment beaucoup trop long", "Commune au nom vraiment bea (2)"},
		{"ApostropheAtTheCut", "Abcdefghijklmnopqrstuvwxyz1234'5678", "Abcdefghijklmnopqrstuvwxyz1234"},
		{"Empty", " ", "Feuille"},
		{"Control", "Vaulx\ten-Velin", "Vaulx en-Velin"},
		{"Reserved", "History", "History (2)"},
		{"NotBMP", strings.Repeat("é", 29) + "😀", strings.Repeat("é", 29) + "😀"},
		{"NotBMPCut", strings.Repeat("e", 30) + "😀", strings.Repeat("e", 30)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := b.reserve(tc.in)
			if got != tc.want {
				t.Errorf("reserve(%q) = %q, want %q", tc.in, got, tc.want)
			}
			if _, err := b.f.NewSheet(got); err != nil {
				t.Errorf("excelize refuses %q: %v", got, err)
			}
		})
	}
}

func TestWriteActivityXLSX(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteActivityXLSX(&buf, Activity(activityFacts(), "2025-2026", paris), activityHistory()); err != nil {
		t.Fatal(err)
	}
	f := openXLSX(t, buf.Bytes())
	want := []string{"Synthèse", "Délais d'activation", "Demandes", "Lignes refusées", "Évolution"}
	if got := f.GetSheetList(); !reflect.DeepEqual(got, want) {
		t.Fatalf("sheets = %q, want %q", got, want)
	}
	const (
		summary = "Synthèse"
		delays  = "Délais d'activation"
		msgs    = "Demandes"
		refused = "Lignes refusées"
		years   = "Évolution"
	)
	checkCells(t, f, []cellCheck{
		{sheet: summary, cell: "A1", want: "Bilan d'activité laclasse.com — année scolaire 2025-2026"},
		{sheet: summary, cell: "C3", want: "Écoles au 1er septembre 2025"},
		{sheet: summary, cell: "D3", want: "Écoles au 31 août 2026"},
		{sheet: summary, cell: "A4", want: "Écully"},
		{sheet: summary, cell: "A5", want: "Givors"},
		{sheet: summary, cell: "C5", want: "2"},
		{sheet: summary, cell: "D5", want: "5"},
		{sheet: summary, cell: "E5", want: "4"},
		{sheet: summary, cell: "J5", want: "6"},
		{sheet: summary, cell: "K5", want: "non"},
		{sheet: summary, cell: "K6", want: "oui"},
		{sheet: summary, cell: "A7", want: "Pierre-Bénite"},
		{sheet: summary, cell: "A8", want: "(expéditeurs hors convention)"},
		{sheet: summary, cell: "I8", want: "1"},
		{sheet: summary, cell: "A9", want: "Total"},
		{sheet: summary, cell: "C9", want: "4", formula: "SUM(C4:C8)"},
		{sheet: summary, cell: "D9", want: "9", formula: "SUM(D4:D8)"},
		{sheet: summary, cell: "I9", want: "7", formula: "SUM(I4:I8)"},
		{sheet: summary, cell: "K9", want: "1", formula: `COUNTIF(K4:K8,"oui")`},

		{sheet: delays, cell: "A4", want: "Écully"},
		{sheet: delays, cell: "D4", want: "3.5"},
		{sheet: delays, cell: "A5", want: "Givors"},
		{sheet: delays, cell: "B5", want: "4"},
		{sheet: delays, cell: "C5", want: "3"},
		{sheet: delays, cell: "D5", want: "14"},
		{sheet: delays, cell: "E5", want: "19"},
		{sheet: delays, cell: "F5", want: "14"},
		{sheet: delays, cell: "G5", want: "2"},
		{sheet: delays, cell: "H5", want: "0.5"},
		{sheet: delays, cell: "D6", want: "10"},
		{sheet: delays, cell: "E6", want: "19", formula: "MAX(E4:E5)"},
		{sheet: delays, cell: "H6", want: "0.6", formula: "G6/B6"},

		{sheet: msgs, cell: "C3", want: "Listes appliquées"},
		{sheet: msgs, cell: "A5", want: "Givors"},
		{sheet: msgs, cell: "B5", want: "4"},
		{sheet: msgs, cell: "C5", want: "2"},
		{sheet: msgs, cell: "F5", want: "1"},
		{sheet: msgs, cell: "A8", want: "(expéditeurs hors convention)"},
		{sheet: msgs, cell: "E8", want: "1"},
		{sheet: msgs, cell: "B9", want: "7", formula: "SUM(B4:B8)"},

		{sheet: refused, cell: "B3", want: "Adresse e-mail invalide"},
		{sheet: refused, cell: "C3", want: "Code UAI invalide"},
		{sheet: refused, cell: "D3", want: "Numéro de téléphone invalide"},
		{sheet: refused, cell: "E3", want: "Total"},
		{sheet: refused, cell: "A5", want: "Givors"},
		{sheet: refused, cell: "C5", want: "3"},
		{sheet: refused, cell: "E5", want: "6", formula: "SUM(B5:D5)"},
		{sheet: refused, cell: "E6", want: "7", formula: "SUM(E4:E5)"},

		{sheet: years, cell: "B3", want: "2023-2024"},
		{sheet: years, cell: "D3", want: "2025-2026"},
		{sheet: years, cell: "A4", want: "Écully"},
		{sheet: years, cell: "B4", want: "0"},
		{sheet: years, cell: "D5", want: "6"},
		{sheet: years, cell: "D7", want: "10", formula: "SUM(D4:D6)"},
	})

	id, _ := f.GetCellStyle(delays, "H5")
	if st, err := f.GetStyle(id); err != nil || st.CustomNumFmt == nil || *st.CustomNumFmt != percentFormat {
		t.Errorf("%s!H5 is not a percentage: %+v, %v", delays, st, err)
	}

	// The charts: a column chart of the delays with the two weeks as a line, and the schools
	// over the years; each drawn on its sheet.
	for _, tc := range []struct {
		name, sheetXML, chartXML string
		parts                    []string
	}{
		{"Delays", "xl/worksheets/sheet2.xml", "xl/charts/chart1.xml",
			[]string{"barChart", `barDir val="col"`, "lineChart", "$A$4:$A$5", "$D$4:$D$5", "$E$4:$E$5", "$F$4:$F$5", "Délais d&#39;ouverture"}},
		{"History", "xl/worksheets/sheet5.xml", "xl/charts/chart2.xml",
			[]string{"barChart", "$A$4:$A$6", "$B$4:$B$6", "$C$4:$C$6", "$D$4:$D$6", "Écoles par commune"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			chart := zipFile(t, buf.Bytes(), tc.chartXML)
			for _, p := range tc.parts {
				if !strings.Contains(chart, p) && !strings.Contains(chart, strings.ReplaceAll(p, "&#39;", "'")) {
					t.Errorf("%s lacks %q", tc.chartXML, p)
				}
			}
			if sheet := zipFile(t, buf.Bytes(), tc.sheetXML); !strings.Contains(sheet, "<drawing ") {
				t.Errorf("%s does not draw its chart", tc.sheetXML)
			}
		})
	}

	convertToPDF(t, map[string][]byte{"bilan-2025-2026.xlsx": buf.Bytes()})
}

func TestWriteActivityXLSXEmpty(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteActivityXLSX(&buf, Activity(Facts{}, "2025-2026", paris), nil); err != nil {
		t.Fatal(err)
	}
	f := openXLSX(t, buf.Bytes())
	checkCells(t, f, []cellCheck{
		{sheet: "Synthèse", cell: "A4", want: "Aucune commune pour cette année scolaire."},
		{sheet: "Délais d'activation", cell: "A4", want: "Aucune école reçue pendant l'année scolaire."},
		{sheet: "Évolution", cell: "A4", want: "Aucun historique disponible."},
	})
	z, err := zip.NewReader(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
	if err != nil {
		t.Fatal(err)
	}
	for _, zf := range z.File {
		if strings.HasPrefix(zf.Name, "xl/charts/") {
			t.Errorf("%s: a chart of nothing", zf.Name)
		}
	}
}

// convertToPDF has LibreOffice open each spreadsheet and print it to PDF, as a reader would, and
// checks that each PDF is there. It skips the test when LibreOffice is not installed.
func convertToPDF(t *testing.T, files map[string][]byte) {
	t.Helper()
	soffice, err := exec.LookPath("soffice")
	if err != nil {
		t.Skip("LibreOffice (soffice) is not installed")
	}
	in, out, home := t.TempDir(), t.TempDir(), t.TempDir()
	args := []string{"--headless", "--norestore", "--nolockcheck",
		"-env:UserInstallation=file://" + filepath.ToSlash(filepath.Join(home, "profile")),
		"--convert-to", "pdf", "--outdir", out}
	for name, b := range files {
		p := filepath.Join(in, name)
		if err := os.WriteFile(p, b, 0o600); err != nil {
			t.Fatal(err)
		}
		args = append(args, p)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 120*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, soffice, args...)
	cmd.Env = append(os.Environ(), "HOME="+home)
	cmd.WaitDelay = 5 * time.Second
	output, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("soffice: %v\n%s", err, output)
	}
	for name := range files {
		pdf := filepath.Join(out, strings.TrimSuffix(name, filepath.Ext(name))+".pdf")
		b, err := os.ReadFile(pdf)
		if err != nil || len(b) == 0 || !bytes.HasPrefix(b, []byte("%PDF")) {
			t.Errorf("LibreOffice made no PDF of %s (%v):\n%s", name, err, output)
		}
	}
}

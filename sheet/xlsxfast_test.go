package sheet

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"errors"
	"fmt"
	"hash/crc32"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/laclasse/intake/internal/samples"
)

// The fast xlsx reader (xlsxfast.go) must give exactly what the excelize path gives: the tests
// here read each workbook both ways and compare every sheet event, row number and cell, and the
// class of the error.

// recSink records what a reader sends. It refuses more cells than the pipe lets through, as the
// pipe does, so that a sheet of rows 16,384 cells wide stays cheap.
type recSink struct {
	events []string
	lim    Limits
	cells  int64
}

func (s *recSink) sheet(name string) error {
	s.events = append(s.events, "sheet "+name)
	return nil
}

func (s *recSink) row(num int, cells []string) error {
	if s.cells += int64(len(cells)); s.lim.MaxCells > 0 && s.cells > 8*s.lim.MaxCells {
		return errTooManyCells(s.lim)
	}
	s.events = append(s.events, fmt.Sprintf("row %d %q", num, cells))
	return nil
}

// errClass is what must match between the two paths: nil, the reason of an *UnreadableError, or
// another error.
func errClass(err error) string {
	var ue *UnreadableError
	switch {
	case err == nil:
		return ""
	case errors.As(err, &ue):
		return "unreadable: " + ue.Reason
	}
	return "other: " + err.Error()
}

// readBoth reads data with readXLSX (the fast reader, falling back when unsure) and with the
// excelize path alone, and reports whether the fast reader read it without falling back.
func readBoth(data []byte, lim Limits) (fast, ref recSink, fastErr, refErr error, alone bool) {
	fast.lim, ref.lim = lim, lim
	fastErr = readXLSX(data, lim, &fast)
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		refErr = unreadable(err, reasonDamaged)
	} else if refErr = checkZip(zr, lim); refErr == nil {
		refErr = readXLSXExcelize(zr, lim, &ref, xlsxResume{})
		probe := recSink{lim: lim}
		_, err := readXLSXFast(zr, lim, &probe)
		alone = err != errUnsure
	}
	return
}

// sameAsExcelize fails the test when the two paths differ, and returns whether the fast reader
// read the workbook alone.
func sameAsExcelize(t *testing.T, data []byte, lim Limits) bool {
	t.Helper()
	fast, ref, fastErr, refErr, alone := readBoth(data, lim)
	if errClass(fastErr) != errClass(refErr) {
		t.Fatalf("fast reader error %v, excelize path %v", fastErr, refErr)
	}
	if refErr == nil && !reflect.DeepEqual(fast.events, ref.events) {
		t.Fatalf("fast reader read\n%s\nexcelize path read\n%s", strings.Join(fast.events, "\n"), strings.Join(ref.events, "\n"))
	}
	return alone
}

// xlsxFiles returns the xlsx and xlsm files of the corpora and testdata, by path.
func xlsxFiles(t testing.TB) map[string][]byte {
	out := map[string][]byte{}
	for _, dir := range []string{sharedDirNoSkip("corpus"), sharedDirNoSkip("sheet-corpus"), "testdata"} {
		if dir == "" {
			continue
		}
		filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return nil
			}
			if ext := strings.ToLower(filepath.Ext(path)); ext == ".xlsx" || ext == ".xlsm" {
				if b, err := os.ReadFile(path); err == nil {
					out[path] = b
				}
			}
			return nil
		})
	}
	return out
}

// TestXLSXFastMatchesExcelizeOnFiles compares both paths on every xlsx of the corpora, testdata,
// the sample messages' lists and generated lists. The lists excelize writes, and every corpus
// file excelize reads, are read by the fast reader alone.
func TestXLSXFastMatchesExcelizeOnFiles(t *testing.T) {
	files := xlsxFiles(t)
	if len(files) == 0 {
		t.Fatal("no xlsx file found")
	}
	files["samples-3"] = samples.XLSX("Vénissieux", samples.Rows(1, 3))
	files["samples-12"] = samples.XLSX("Bron", samples.Rows(40, 12))
	files["sheetgen-1000"] = benchXLSX(t, 1000)
	for name, data := range files {
		t.Run(filepath.Base(name), func(t *testing.T) {
			alone := sameAsExcelize(t, data, DefaultLimits())
			if _, _, _, refErr, _ := readBoth(data, DefaultLimits()); refErr == nil && !alone {
				t.Errorf("the fast reader did not read %s alone", name)
			}
		})
	}
}

// Parts of hand-built workbooks.
const (
	tContentTypes = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="xml" ContentType="application/xml"/></Types>`
	tRels = `<?xml version="1.0" encoding="UTF-8"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>`
	tWorkbook = `<?xml version="1.0" encoding="UTF-8"?>
<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Écoles" sheetId="1" r:id="rId1"/></sheets></workbook>`
	tWorkbookRels = `<?xml version="1.0" encoding="UTF-8"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>`
)

// sheetXML wraps rows into a worksheet.
func sheetXML(rows string) string {
	return `<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>` + rows + `</sheetData></worksheet>`
}

// sstXML wraps string items into a shared strings table.
func sstXML(items string) string {
	return `<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">` + items + `</sst>`
}

// book builds a workbook from parts, the usual ones filled in unless given ("" leaves one out).
func book(t testing.TB, parts map[string]string) []byte {
	all := map[string]string{
		"[Content_Types].xml":        tContentTypes,
		"_rels/.rels":                tRels,
		"xl/workbook.xml":            tWorkbook,
		"xl/_rels/workbook.xml.rels": tWorkbookRels,
	}
	for k, v := range parts {
		all[k] = v
	}
	for k, v := range all {
		if v == "" {
			delete(all, k)
		}
	}
	return zipOf(t, all)
}

// TestXLSXFastCases reads hand-built workbooks for each case of excelize's semantics: both paths
// agree, the rows are the ones expected, and the ordinary cases are read by the fast reader alone.
func TestXLSXFastCases(t *testing.T) {
	const strictMain = "http://purl.oclc.org/ooxml/spreadsheetml/main"
	for _, tt := range []struct {
		name  string
		parts map[string]string
		want  []string // the events, when given
		alone bool     // read without falling back
	}{
		{"shared strings, numbers, types", map[string]string{
			"xl/sharedStrings.xml": sstXML(`<si><t>UAI</t></si><si><t xml:space="preserve"> Nom </t></si>`),
			"xl/worksheets/sheet1.xml": sheetXML(`<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c></row>` +
				`<row r="2"><c r="A2"><v>472103540</v></c><c r="B2" t="str"><f>A2&amp;""</f><v>x</v></c><c r="C2" t="b"><v>1</v></c>` +
				`<c r="D2" t="e"><v>#N/A</v></c><c r="E2" t="d"><v>2024-09-02T00:00:00</v></c><c r="F2" t="s"><v>7</v></c><c r="G2" t="n"><v>1.5E-3</v></c></row>`),
		}, []string{"sheet Écoles", `row 1 ["UAI" " Nom "]`, `row 2 ["472103540" "x" "1" "#N/A" "2024-09-02T00:00:00" "" "1.5E-3"]`}, true},
		{"as LibreOffice writes it", map[string]string{
			"xl/workbook.xml": `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><fileVersion appName="Calc"/><workbookPr backupFile="false" showObjects="all" date1904="false"/><workbookProtection/><bookViews><workbookView showHorizontalScroll="true" showVerticalScroll="true" showSheetTabs="true" xWindow="0" yWindow="0" windowWidth="16384" windowHeight="8192" tabRatio="500" firstSheet="0" activeTab="0"/></bookViews><sheets><sheet name="Feuille1" sheetId="1" state="visible" r:id="rId2"/></sheets><calcPr iterateCount="100" refMode="A1" iterate="false" iterateDelta="0.001"/><extLst><ext xmlns:loext="http://schemas.libreoffice.org/" uri="{7626C862-2A13-11E5-B345-FEFF819CDC9F}"><loext:extCalcPr stringRefSyntax="CalcA1"/></ext></extLst></workbook>`,
			"xl/_rels/workbook.xml.rels": `<?xml version="1.0" encoding="UTF-8"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>`,
			"xl/sharedStrings.xml": `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="2" uniqueCount="2"><si><t xml:space="preserve">Code UAI</t></si><si><t xml:space="preserve">0690026D</t></si></sst>`,
			"xl/worksheets/sheet1.xml": `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships" xmlns:xdr="http://schemas.openxmlformats.org/drawingml/2006/spreadsheetDrawing" xmlns:x14="http://schemas.microsoft.com/office/spreadsheetml/2009/9/main" xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006"><sheetPr filterMode="false"><pageSetUpPr fitToPage="false"/></sheetPr><dimension ref="A1:B2"/><sheetViews><sheetView showFormulas="false" tabSelected="true" workbookViewId="0"><selection pane="topLeft" activeCell="A1" sqref="A1"/></sheetView></sheetViews><sheetFormatPr defaultColWidth="11.53515625" defaultRowHeight="12.8" zeroHeight="false" outlineLevelRow="0" outlineLevelCol="0"/><sheetData>
<row r="1" customFormat="false" ht="12.8" hidden="false" customHeight="false" outlineLevel="0" collapsed="false"><c r="A1" s="0" t="s"><v>0</v></c><c r="B1" s="0" t="n"><v>472103540</v></c></row>
<row r="2" customFormat="false" ht="12.8" hidden="false" customHeight="false" outlineLevel="0" collapsed="false"><c r="A2" s="0" t="s"><v>1</v></c><c r="B2" s="0" t="str"><f aca="false">CONCATENATE("04";"72")</f><v>0472</v></c></row>
</sheetData><printOptions headings="false" gridLines="false"/><pageMargins left="0.7875" right="0.7875" top="1.05277777777778" bottom="1.05277777777778" header="0.7875" footer="0.7875"/></worksheet>`,
		}, []string{"sheet Feuille1", `row 1 ["Code UAI" "472103540"]`, `row 2 ["0690026D" "0472"]`}, true},
		{"as Google Sheets writes it", map[string]string{
			"xl/workbook.xml": `<?xml version="1.0" ?>
<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships" xmlns:mx="http://schemas.microsoft.com/office/mac/excel/2008/main" xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006" xmlns:mv="urn:schemas-microsoft-com:mac:vml" xmlns:x14="http://schemas.microsoft.com/office/spreadsheetml/2009/9/main" xmlns:x14ac="http://schemas.microsoft.com/office/spreadsheetml/2009/9/ac" xmlns:xm="http://schemas.microsoft.com/office/excel/2006/main"><workbookPr/><sheets><sheet state="visible" name="Feuille 1" sheetId="1" r:id="rId4"/></sheets><definedNames/><calcPr/></workbook>`,
			"xl/_rels/workbook.xml.rels": `<?xml version="1.0" ?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/theme" Target="theme/theme1.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/><Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/><Relationship Id="rId4" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>`,
			"xl/sharedStrings.xml":       `<?xml version="1.0" ?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="2" uniqueCount="2"><si><t>Courriel</t></si><si><t>a.b@ac-lyon.fr</t></si></sst>`,
			"xl/worksheets/sheet1.xml": `<?xml version="1.0" ?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships" xmlns:x14ac="http://schemas.microsoft.com/office/spreadsheetml/2009/9/ac" xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006"><sheetPr><outlinePr summaryBelow="0" summaryRight="0"/></sheetPr><sheetViews><sheetView workbookViewId="0"/></sheetViews><sheetFormatPr customHeight="1" defaultColWidth="12.63" defaultRowHeight="15.75"/><sheetData>` +
				`<row r="1"><c r="A1" s="1" t="s"><v>0</v></c></row><row r="2"><c r="A2" s="1" t="s"><v>1</v></c><c r="B2" s="2"><v>4.7210354E8</v></c></row></sheetData><drawing r:id="rId1"/></worksheet>`,
		}, []string{"sheet Feuille 1", `row 1 ["Courriel"]`, `row 2 ["a.b@ac-lyon.fr" "4.7210354E8"]`}, true},
		{"as WPS writes it", map[string]string{
			"xl/workbook.xml": `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><workbookPr/><bookViews><workbookView windowWidth="28125" windowHeight="12540"/></bookViews><sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets><calcPr calcId="144525"/></workbook>`,
			"xl/_rels/workbook.xml.rels": `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="/xl/worksheets/sheet1.xml"/></Relationships>`,
			"xl/sharedStrings.xml": `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="1" uniqueCount="1"><si><t>École Jean Macé</t></si></sst>`,
			"xl/worksheets/sheet1.xml": `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships" xmlns:xdr="http://schemas.openxmlformats.org/drawingml/2006/spreadsheetDrawing" xmlns:x14="http://schemas.microsoft.com/office/spreadsheetml/2009/9/main" xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006" xmlns:etc="http://www.wps.cn/officeDocument/2017/etCustomData"><sheetPr/><dimension ref="A1:A1"/><sheetViews><sheetView tabSelected="1" workbookViewId="0"><selection activeCell="A1" sqref="A1"/></sheetView></sheetViews><sheetFormatPr defaultColWidth="9" defaultRowHeight="13.5"/><sheetData><row r="1" spans="1:1"><c r="A1" t="s"><v>0</v></c></row></sheetData><pageMargins left="0.75" right="0.75" top="1" bottom="1" header="0.5" footer="0.5"/><headerFooter/></worksheet>`,
		}, []string{"sheet Sheet1", `row 1 ["École Jean Macé"]`}, true},
		{"prefixed elements", map[string]string{
			"xl/workbook.xml":          `<x:workbook xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><x:sheets><x:sheet name="Liste" sheetId="1" r:id="rId1"/></x:sheets></x:workbook>`,
			"xl/sharedStrings.xml":     `<x:sst xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><x:si><x:t>Bonjour</x:t></x:si></x:sst>`,
			"xl/worksheets/sheet1.xml": `<x:worksheet xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><x:sheetData><x:row r="2"><x:c r="B2" t="s"><x:v>0</x:v></x:c><x:c r="C2"><x:v>3</x:v></x:c></x:row></x:sheetData></x:worksheet>`,
		}, []string{"sheet Liste", `row 2 ["" "Bonjour" "3"]`}, true},
		{"inline strings", map[string]string{
			"xl/worksheets/sheet1.xml": sheetXML(`<row r="1"><c r="A1" t="inlineStr"><is><t>École</t></is></c><c r="B1" t="inlineStr"><is><r><rPr><b/></rPr><t>Ma</t></r><r><t>rie</t></r></is></c><c r="C1" t="inlineStr"><v>v</v></c></row>`),
		}, []string{"sheet Écoles", `row 1 ["École" "Marie" "v"]`}, true},
		{"rich text, phonetic runs, escapes", map[string]string{
			"xl/sharedStrings.xml": sstXML(`<si><r><rPr><b val="1"/><sz val="11"/><color theme="1"/></rPr><t>Bon</t></r><r><t xml:space="preserve">jour </t></r><rPh sb="0" eb="1"><t>ボ</t></rPh><phoneticPr fontId="1"/></si>` +
				`<si><t>a_x000D_b_x005F_x0041_c_xD800_d</t></si><si><t>head</t><r><t>run</t></r></si>`),
			"xl/worksheets/sheet1.xml": sheetXML(`<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v> 1 </v></c><c r="C1" t="s"><v>2</v></c></row>`),
		}, []string{"sheet Écoles", "row 1 [\"Bonjour \" \"a\\rb_x0041_cd\" \"headrun\"]"}, true},
		{"missing r attributes", map[string]string{
			"xl/worksheets/sheet1.xml": sheetXML(`<row><c><v>1</v></c><c><v>2</v></c></row><row/><row><c/><c><v>3</v></c></row><row r="7"><c><v>4</v></c><c r="D7"><v>5</v></c><c><v>6</v></c></row><row><c><v>7</v></c></row>`),
		}, []string{"sheet Écoles", `row 1 ["1" "2"]`, `row 3 ["" "3"]`, `row 7 ["4" "" "" "5" "6"]`, `row 8 ["7"]`}, true},
		{"strict namespaces", map[string]string{
			"_rels/.rels":                strings.ReplaceAll(tRels, "http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument", "http://purl.oclc.org/ooxml/officeDocument/relationships/officeDocument"),
			"xl/workbook.xml":            `<workbook xmlns="` + strictMain + `" xmlns:r="http://purl.oclc.org/ooxml/officeDocument/relationships" conformance="strict"><sheets><sheet name="Strict" sheetId="1" r:id="rId1"/></sheets></workbook>`,
			"xl/_rels/workbook.xml.rels": strings.ReplaceAll(tWorkbookRels, "http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet", "http://purl.oclc.org/ooxml/officeDocument/relationships/worksheet"),
			"xl/sharedStrings.xml":       `<sst xmlns="` + strictMain + `"><si><t>strict</t></si></sst>`,
			"xl/worksheets/sheet1.xml":   `<worksheet xmlns="` + strictMain + `"><sheetData><row r="1"><c r="A1" t="s"><v>0</v></c></row></sheetData></worksheet>`,
		}, []string{"sheet Strict", `row 1 ["strict"]`}, true},
		{"hidden sheet, chart sheet, absolute and backslash targets, missing part, refused name", map[string]string{
			"xl/workbook.xml": `<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets>` +
				`<sheet name="Visible" sheetId="1" r:id="rId1"/><sheet name="Cachée" sheetId="2" state="hidden" r:id="rId2"/><sheet name="Graphique" sheetId="3" r:id="rId3"/>` +
				`<sheet name="Absente" sheetId="4" r:id="rId4"/><sheet name="Un nom bien trop long pour Excel, vraiment" sheetId="5" r:id="rId1"/><sheet name="Sans lien" sheetId="6" r:id="rId9"/></sheets></workbook>`,
			"xl/_rels/workbook.xml.rels": `<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">` +
				`<Relationship Id="rId1" Type="t" Target="/xl/worksheets/sheet1.xml"/><Relationship Id="rId2" Type="t" Target="worksheets\sheet2.xml"/>` +
				`<Relationship Id="rId3" Type="t" Target="chartsheets/sheet1.xml"/><Relationship Id="rId4" Type="t" Target="worksheets/sheet9.xml"/></Relationships>`,
			"xl/worksheets/sheet1.xml":  sheetXML(`<row r="1"><c r="A1"><v>1</v></c></row>`),
			"xl/worksheets/sheet2.xml":  sheetXML(`<row r="1"><c r="A1"><v>2</v></c></row>`),
			"xl/chartsheets/sheet1.xml": `<chartsheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetViews/><drawing r:id="rId1" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"/></chartsheet>`,
		}, []string{"sheet Visible", `row 1 ["1"]`, "sheet Cachée", `row 1 ["2"]`, "sheet Graphique"}, true},
		{"formulas without value, cells out of order, stray cells", map[string]string{
			"xl/worksheets/sheet1.xml": sheetXML(`<row r="1"><c r="C1"><f>1+1</f></c></row><row r="2"><c r="B2"><v>b</v></c><c r="A2"><v>a</v></c></row>` +
				`<row r="3"><c r="A3"><v>x</v></c></row><c r="B3"><v>stray</v></c><row r="4"><c r="A4" s="3"><extLst><v>deep</v></extLst></c></row>`),
		}, nil, true},
		{"rows numbered backwards", map[string]string{
			"xl/worksheets/sheet1.xml": sheetXML(`<row r="5"><c r="A5"><v>5</v></c></row><row r="3"><c r="A3"><v>3</v></c></row><row r="6"><c r="A6"><v>6</v></c></row>`),
		}, nil, true},
		{"a cell in a cell", map[string]string{
			"xl/worksheets/sheet1.xml": sheetXML(`<row r="1"><c r="A1"><v>1</v></c></row><row r="2"><c r="A2"><x><c r="B2"><v>2</v></c></x><v>3</v></c><c r="C2"><v>4</v></c></row>`),
		}, nil, false},
		{"truncated sheet", map[string]string{
			"xl/worksheets/sheet1.xml": sheetXML(`<row r="1"><c r="A1"><v>1</v></c></row><row r="2"><c r="A2"><v>2</v></c>`)[:180],
		}, nil, false},
		{"mismatched end tag", map[string]string{
			"xl/worksheets/sheet1.xml": sheetXML(`<row r="1"><c r="A1"><v>1</v></c></row><row r="2"><c r="A2"><v>2</c></row><row r="3"><c r="A3"><v>3</v></c></row>`),
		}, nil, false},
		{"bad cell reference", map[string]string{
			"xl/worksheets/sheet1.xml": sheetXML(`<row r="1"><c r="A1"><v>1</v></c></row><row r="2"><c r="2A"><v>2</v></c></row>`),
		}, nil, false},
		{"row beyond the last", map[string]string{
			"xl/worksheets/sheet1.xml": sheetXML(`<row r="1"><c r="A1"><v>1</v></c></row><row r="1048577"><c><v>2</v></c></row>`),
		}, nil, false},
		{"windows-1252 declared", map[string]string{
			"xl/worksheets/sheet1.xml": `<?xml version="1.0" encoding="windows-1252"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>` + "\xe9cole" + `</t></is></c></row></sheetData></worksheet>`,
		}, []string{"sheet Écoles", `row 1 ["école"]`}, false},
		{"broken shared strings", map[string]string{
			"xl/sharedStrings.xml":     sstXML(`<si><t>a</t></si><si><t>b</si>`),
			"xl/worksheets/sheet1.xml": sheetXML(`<row r="1"><c r="A1"><v>1</v></c></row>`),
		}, nil, false},
		{"shared strings with a bad count", map[string]string{
			"xl/sharedStrings.xml":     `<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="many"><si><t>a</t></si></sst>`,
			"xl/worksheets/sheet1.xml": sheetXML(`<row r="1"><c r="A1" t="s"><v>0</v></c></row>`),
		}, nil, false},
		{"sheet names differing by case", map[string]string{
			"xl/workbook.xml":          `<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Liste" sheetId="1" r:id="rId1"/><sheet name="LISTE" sheetId="2" r:id="rId1"/></sheets></workbook>`,
			"xl/worksheets/sheet1.xml": sheetXML(`<row r="1"><c r="A1"><v>1</v></c></row>`),
		}, nil, false},
		{"no workbook rels", map[string]string{
			"xl/_rels/workbook.xml.rels": "",
			"xl/worksheets/sheet1.xml":   sheetXML(`<row r="1"><c r="A1"><v>1</v></c></row>`),
		}, []string(nil), false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			data := book(t, tt.parts)
			alone := sameAsExcelize(t, data, DefaultLimits())
			if alone != tt.alone {
				t.Errorf("read by the fast reader alone: %v, want %v", alone, tt.alone)
			}
			if tt.want != nil || tt.name == "no workbook rels" {
				var got recSink
				if err := readXLSX(data, DefaultLimits(), &got); err != nil {
					t.Fatal(err)
				}
				if !reflect.DeepEqual(got.events, tt.want) {
					t.Errorf("read\n%s\nwant\n%s", strings.Join(got.events, "\n"), strings.Join(tt.want, "\n"))
				}
			}
		})
	}
}

// xlsxFuzzBase is the workbook the fuzz target puts its worksheet and shared strings into.
func xlsxFuzzBase(t testing.TB, sheet, sst []byte) []byte {
	return book(t, map[string]string{"xl/worksheets/sheet1.xml": string(sheet), "xl/sharedStrings.xml": string(sst)})
}

// FuzzXLSXFastMatchesExcelize compares both paths on mutated worksheets and shared strings
// tables, seeded with those of every xlsx file of the corpora and testdata.
func FuzzXLSXFastMatchesExcelize(f *testing.F) {
	for _, b := range xlsxFiles(f) {
		s, sst := zipMember(b, "xl/worksheets/sheet1.xml"), zipMember(b, "xl/sharedStrings.xml")
		if s != nil && len(s) < 64<<10 && len(sst) < 64<<10 {
			f.Add(s, sst)
		}
	}
	data := samples.XLSX("Bron", samples.Rows(1, 5))
	f.Add(zipMember(data, "xl/worksheets/sheet1.xml"), zipMember(data, "xl/sharedStrings.xml"))
	f.Add([]byte(sheetXML(`<row><c t="s"><v>0</v></c><c t="inlineStr"><is><r><t>a</t></r></is></c></row>`)), []byte(sstXML(`<si><t>_x0041_</t></si>`)))
	f.Fuzz(func(t *testing.T, sheet, sst []byte) {
		sameAsExcelize(t, xlsxFuzzBase(t, sheet, sst), fuzzLimits())
	})
}

// discardSink takes every row and keeps nothing.
type discardSink struct{ rows int }

func (s *discardSink) sheet(string) error      { return nil }
func (s *discardSink) row(int, []string) error { s.rows++; return nil }

// BenchmarkReadXLSXPaths reads a message's list (12 schools, as internal/samples writes it) and
// generated lists with the fast reader and with the excelize path, rows sent to a sink that
// keeps nothing: the cost of reading alone.
func BenchmarkReadXLSXPaths(b *testing.B) {
	inputs := []struct {
		name string
		data []byte
	}{
		{"message", samples.XLSX("Bron", samples.Rows(1, 12))},
		{"10000", benchInput(b, FormatXLSX, 10_000)},
		{"100000", benchInput(b, FormatXLSX, 100_000)},
	}
	lim := benchLimits()
	for _, in := range inputs {
		for _, path := range []string{"fast", "excelize"} {
			b.Run(in.name+"/"+path, func(b *testing.B) {
				b.SetBytes(int64(len(in.data)))
				b.ReportAllocs()
				for b.Loop() {
					var sink discardSink
					var err error
					if path == "fast" {
						err = readXLSX(in.data, lim, &sink)
					} else {
						zr, _ := zip.NewReader(bytes.NewReader(in.data), int64(len(in.data)))
						err = readXLSXExcelize(zr, lim, &sink, xlsxResume{})
					}
					if err != nil || sink.rows == 0 {
						b.Fatal(err, sink.rows)
					}
				}
			})
		}
	}
}

// xlsxMutationWords are pieces of worksheets and shared strings the mutations insert.
var xlsxMutationWords = []string{`<row>`, `</row>`, `<row r="3">`, `<row r="0">`, `<row r="x">`, `<c>`, `</c>`, `<c r="B2">`,
	`<c r="XFD1">`, `<c r="a1">`, `<c t="s">`, `<c t="inlineStr">`, `<c t="str">`, `<c s="x">`, `<v>`, `</v>`, `<v>0</v>`,
	`<v> 1 </v>`, `<f/>`, `<f si="q">`, `<is><t>x</t></is>`, `<is>`, `</is>`, `<si>`, `</si>`, `<t>`, `</t>`, `<r><t>y</t></r>`,
	`<rPh><t>z</t></rPh>`, `<b val="2"/>`, `_x0041_`, `_x005F_`, `&amp;`, `&#xD;`, `<![CDATA[<c>]]>`, `<x:c>`, `</x:c>`,
	`</sheetData>`, `<sheetData>`, `<!-- c -->`, `xml:space="preserve"`, ` r="C3"`, ` t="b"`}

// mutate returns a copy of b with a few random changes.
func mutate(rng *rand.Rand, b []byte) []byte {
	out := append([]byte(nil), b...)
	for range 1 + rng.IntN(3) {
		if len(out) == 0 {
			out = append(out, xlsxMutationWords[rng.IntN(len(xlsxMutationWords))]...)
			continue
		}
		i := rng.IntN(len(out))
		switch rng.IntN(4) {
		case 0: // insert a word
			w := xlsxMutationWords[rng.IntN(len(xlsxMutationWords))]
			out = append(out[:i], append([]byte(w), out[i:]...)...)
		case 1: // delete a run
			j := min(len(out), i+1+rng.IntN(40))
			out = append(out[:i], out[j:]...)
		case 2: // duplicate a run
			j := min(len(out), i+1+rng.IntN(200))
			out = append(out[:j], append(append([]byte(nil), out[i:j]...), out[j:]...)...)
		case 3: // change a byte
			out[i] = "<>/\"= ax0_1rcvt"[rng.IntN(15)]
		}
	}
	return out
}

// TestXLSXFastMatchesExcelizeMutated compares both paths on 1,500 mutations of the
// worksheets and shared strings of the corpora, with a fixed seed: the fuzz target's work,
// within a normal test run.
func TestXLSXFastMatchesExcelizeMutated(t *testing.T) {
	type pair struct{ sheet, sst []byte }
	var seeds []pair
	for _, b := range xlsxFiles(t) {
		s, sst := zipMember(b, "xl/worksheets/sheet1.xml"), zipMember(b, "xl/sharedStrings.xml")
		if s != nil && len(s) < 16<<10 && len(sst) < 16<<10 {
			seeds = append(seeds, pair{s, sst})
		}
	}
	data := samples.XLSX("Bron", samples.Rows(1, 4))
	seeds = append(seeds, pair{zipMember(data, "xl/worksheets/sheet1.xml"), zipMember(data, "xl/sharedStrings.xml")})
	rng := rand.New(rand.NewPCG(17, 2))
	n := 1500
	if testing.Short() {
		n = 200
	}
	fallbacks := 0
	for i := range n {
		p := seeds[i%len(seeds)]
		sheet, sst := p.sheet, p.sst
		if rng.IntN(4) == 0 {
			sst = mutate(rng, sst)
		} else {
			sheet = mutate(rng, sheet)
		}
		data := xlsxFuzzBase(t, sheet, sst)
		ok := t.Run(fmt.Sprint(i), func(t *testing.T) {
			if !sameAsExcelize(t, data, fuzzLimits()) {
				fallbacks++
			}
		})
		if !ok {
			t.Logf("sheet: %q\nsst: %q", sheet, sst)
			return
		}
	}
	t.Logf("%d mutations, %d read with excelize's help", n, fallbacks)
}

// TestXLSXFastDamagedPartIsRefused: a worksheet or a shared strings table whose compressed
// stream goes on past its declared size and is then cut short is refused as damaged, as excelize
// refuses it (it inflates every part to its end), rather than read.
func TestXLSXFastDamagedPartIsRefused(t *testing.T) {
	padding := "<!--" + strings.Repeat("padding ", 4000) + "-->"
	sheet := sheetXML(`<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="inlineStr"><is><t>École</t></is></c></row>`)
	sst := sstXML(`<si><t>UAI</t></si>`)
	for _, bad := range []string{"xl/worksheets/sheet1.xml", "xl/sharedStrings.xml"} {
		t.Run(bad, func(t *testing.T) {
			members := map[string]string{
				"[Content_Types].xml": tContentTypes, "_rels/.rels": tRels, "xl/workbook.xml": tWorkbook,
				"xl/_rels/workbook.xml.rels": tWorkbookRels, "xl/worksheets/sheet1.xml": sheet, "xl/sharedStrings.xml": sst,
			}
			var buf bytes.Buffer
			w := zip.NewWriter(&buf)
			for _, name := range sortedKeys(members) {
				data := []byte(members[name])
				var z bytes.Buffer
				fw, _ := flate.NewWriter(&z, flate.DefaultCompression)
				fw.Write(data)
				if name == bad {
					// More than the size declared, then the stream cut short.
					fw.Write([]byte(padding))
				}
				fw.Close()
				packed := z.Bytes()
				if name == bad {
					packed = packed[:len(packed)-8]
				}
				f, err := w.CreateRaw(&zip.FileHeader{Name: name, Method: zip.Deflate, CRC32: crc32.ChecksumIEEE(data),
					CompressedSize64: uint64(len(packed)), UncompressedSize64: uint64(len(data))})
				if err != nil {
					t.Fatal(err)
				}
				f.Write(packed)
			}
			if err := w.Close(); err != nil {
				t.Fatal(err)
			}
			sameAsExcelize(t, buf.Bytes(), DefaultLimits())
			got := recSink{lim: DefaultLimits()}
			var ue *UnreadableError
			if err := readXLSX(buf.Bytes(), DefaultLimits(), &got); !errors.As(err, &ue) || ue.Reason != reasonDamaged {
				t.Fatalf("read %v (%v), want the workbook refused as damaged", got.events, err)
			}
		})
	}
}

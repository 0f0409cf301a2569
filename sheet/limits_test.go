package sheet

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"context"
	"encoding/binary"
	"errors"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/laclasse/intake/convention"
)

func mustRead(t testing.TB, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// zipOf writes a zip archive of the given members, stored in the order of their names.
func zipOf(t testing.TB, members map[string]string) []byte {
	t.Helper()
	var buf bytes.Buffer
	w := zip.NewWriter(&buf)
	for _, name := range sortedKeys(members) {
		f, err := w.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		io.WriteString(f, members[name])
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func sortedKeys(m map[string]string) []string {
	var keys []string
	for k := range m {
		keys = append(keys, k)
	}
	// mimetype first, as OpenDocument wants
	for i := range keys {
		for j := i + 1; j < len(keys); j++ {
			if keys[j] == "mimetype" || keys[i] != "mimetype" && keys[j] < keys[i] {
				keys[i], keys[j] = keys[j], keys[i]
			}
		}
	}
	return keys
}

// odsOf wraps the rows of one table into an ods archive.
func odsOf(t testing.TB, rows string) []byte {
	t.Helper()
	return zipOf(t, map[string]string{
		"mimetype": "application/vnd.oasis.opendocument.spreadsheet",
		"content.xml": `<?xml version="1.0" encoding="UTF-8"?><office:document-content
 xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"
 xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0"
 xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"><office:body><office:spreadsheet>
<table:table table:name="Feuille1">` + rows + `</table:table></office:spreadsheet></office:body></office:document-content>`,
	})
}

// wantRefused checks that reading data fails whole with a reason containing reason, in less than
// d.
// refusalAlloc bounds what refusing a hostile file may allocate.
const refusalAlloc = 256 << 20

func wantRefused(t *testing.T, name string, data []byte, lim Limits, reason string, maxAlloc uint64) {
	t.Helper()
	var err error
	alloc := allocated(func() { _, err = Read(context.Background(), name, data, lim) })
	var ue *UnreadableError
	if !errors.As(err, &ue) || !strings.Contains(ue.Reason, reason) {
		t.Fatalf("Read = %v; want a reason with %q", err, reason)
	}
	if alloc > maxAlloc {
		t.Errorf("refused after allocating %d MB, want at most %d MB: the input was expanded", alloc>>20, maxAlloc>>20)
	}
	t.Logf("refused after allocating %d MB: %s", alloc>>20, ue.Reason)
}

// allocated returns how many bytes f allocated. It bounds the work a hostile file makes the
// reader do without timing it: an expanded bomb or a quadratic walk allocates in proportion.
// Limits tests do not run in parallel, so the process's counter is f's.
func allocated(f func()) uint64 {
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

const odsHeader = `<table:table-row>` +
	`<table:table-cell office:value-type="string"><text:p>UAI</text:p></table:table-cell>` +
	`<table:table-cell office:value-type="string"><text:p>Nom</text:p></table:table-cell>` +
	`<table:table-cell office:value-type="string"><text:p>Prénom</text:p></table:table-cell>` +
	`</table:table-row>`

func TestLimits(t *testing.T) {
	t.Run("ODSRepeatedEmptyRowsAreNotExpanded", func(t *testing.T) {
		// a whole column formatted: LibreOffice writes a million empty rows as one element
		data := odsOf(t, odsHeader+`<table:table-row table:number-rows-repeated="1048575">`+
			`<table:table-cell table:number-columns-repeated="16384"/></table:table-row>`+
			`<table:table-row table:number-rows-repeated="2000000000"><table:table-cell/></table:table-row>`)
		var l *convention.List
		var err error
		alloc := allocated(func() { l, err = Read(context.Background(), "x.ods", data, DefaultLimits()) })
		if err != nil || len(l.Schools) != 0 {
			t.Fatalf("Read = %+v, %v", l, err)
		}
		if alloc > 64<<20 {
			t.Errorf("allocated %d MB: the repeated rows were expanded", alloc>>20)
		}
	})
	t.Run("ODSRepeatedRowsWithValues", func(t *testing.T) {
		data := odsOf(t, odsHeader+`<table:table-row table:number-rows-repeated="1000000000">`+
			`<table:table-cell office:value-type="string"><text:p>x</text:p></table:table-cell></table:table-row>`)
		wantRefused(t, "x.ods", data, DefaultLimits(), "trop de lignes", refusalAlloc)
	})
	t.Run("ODSRepeatedCellsWithValues", func(t *testing.T) {
		data := odsOf(t, odsHeader+`<table:table-row table:number-rows-repeated="100000">`+
			`<table:table-cell table:number-columns-repeated="1000000000" office:value-type="string"><text:p>x</text:p></table:table-cell></table:table-row>`)
		wantRefused(t, "x.ods", data, DefaultLimits(), "trop de cellules", refusalAlloc)
	})
	t.Run("CSVTooManyRows", func(t *testing.T) {
		data := []byte("UAI;Nom;Prénom\n" + strings.Repeat("a;b\n", 300_000))
		// Every row read before the limit is refused with its problems, which are kept for the
		// reply's attachment: the bound is per row, not the bombs' flat one.
		wantRefused(t, "x.csv", data, DefaultLimits(), "trop de lignes", 1<<30)
	})
	t.Run("XLSXTooManyRows", func(t *testing.T) {
		lim := DefaultLimits()
		lim.MaxRows = 1000
		wantRefused(t, "x.xlsx", benchXLSX(t, 5000), lim, "trop de lignes", refusalAlloc)
	})
	t.Run("ZipDeclaredTooBig", func(t *testing.T) {
		lim := DefaultLimits()
		lim.MaxXMLSize = 1 << 20
		wantRefused(t, "x.ods", odsBomb(t, 2<<20, 0), lim, "dépasse la taille autorisée", refusalAlloc)
	})
	t.Run("ZipLiesAboutItsSize", func(t *testing.T) {
		// declares 1 KB, inflates to 50 MB: the bytes actually read are counted
		wantRefused(t, "x.ods", odsBomb(t, 50<<20, 1<<10), DefaultLimits(), "", refusalAlloc)
		wantRefused(t, "x.xlsx", xlsxBomb(t, 50<<20, 1<<10), DefaultLimits(), "", refusalAlloc)
	})
	t.Run("ZipBombDefaultLimits", func(t *testing.T) {
		// 300 MB of XML in a 300 KB file
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		wantRefused(t, "x.xlsx", xlsxBomb(t, 300<<20, 0), DefaultLimits(), "dépasse la taille autorisée", refusalAlloc)
		wantRefused(t, "x.ods", odsBomb(t, 300<<20, 0), DefaultLimits(), "dépasse la taille autorisée", refusalAlloc)
		runtime.ReadMemStats(&after)
		if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 64<<20 {
			t.Errorf("allocated %d MB", alloc>>20)
		}
	})
}

// deflated returns n bytes of a repeated XML row, deflated.
func deflated(t testing.TB, n int) []byte {
	t.Helper()
	var buf bytes.Buffer
	w, _ := flate.NewWriter(&buf, flate.BestSpeed)
	chunk := bytes.Repeat([]byte("<row/>    "), 1<<16)
	for written := 0; written < n; written += len(chunk) {
		w.Write(chunk[:min(len(chunk), n-written)])
	}
	w.Close()
	return buf.Bytes()
}

// bombZip writes an archive of small members plus one member of n inflated bytes whose header
// declares declared bytes (n when 0).
func bombZip(t testing.TB, small map[string]string, big string, n int, declared uint64) []byte {
	t.Helper()
	if declared == 0 {
		declared = uint64(n)
	}
	var buf bytes.Buffer
	w := zip.NewWriter(&buf)
	for _, name := range sortedKeys(small) {
		f, _ := w.Create(name)
		io.WriteString(f, small[name])
	}
	f, err := w.CreateRaw(&zip.FileHeader{Name: big, Method: zip.Deflate, UncompressedSize64: declared, CRC32: 0})
	if err != nil {
		t.Fatal(err)
	}
	d := deflated(t, n)
	f.Write(d)
	w.Close()
	return buf.Bytes()
}

func odsBomb(t testing.TB, n int, declared uint64) []byte {
	return bombZip(t, map[string]string{"mimetype": "application/vnd.oasis.opendocument.spreadsheet"}, "content.xml", n, declared)
}

func xlsxBomb(t testing.TB, n int, declared uint64) []byte {
	return bombZip(t, map[string]string{
		"[Content_Types].xml":        `<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>`,
		"xl/workbook.xml":            `<?xml version="1.0"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="A" sheetId="1" r:id="rId1"/></sheets></workbook>`,
		"xl/_rels/workbook.xml.rels": `<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>`,
	}, "xl/worksheets/sheet1.xml", n, declared)
}

// TestLibreOfficeMillionRows reads the ods of testdata, whose last rows are a million formatted
// empty rows, as LibreOffice writes a sheet with a whole column formatted.
func TestLibreOfficeMillionRows(t *testing.T) {
	data := mustRead(t, filepath.Join("testdata", "bron-titres-fusion.ods"))
	if !bytes.Contains(unzipMember(t, data, "content.xml"), []byte(`table:number-rows-repeated="1047999"`)) {
		t.Fatal("the test file has lost its million repeated rows")
	}
	var err error
	alloc := allocated(func() { _, err = Read(context.Background(), "x.ods", data, DefaultLimits()) })
	if err != nil {
		t.Fatal(err)
	}
	if alloc > 64<<20 {
		t.Errorf("allocated %d MB: the million repeated rows were expanded", alloc>>20)
	}
}

func unzipMember(t testing.TB, data []byte, name string) []byte {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range zr.File {
		if f.Name == name {
			rc, _ := f.Open()
			defer rc.Close()
			b, _ := io.ReadAll(rc)
			return b
		}
	}
	t.Fatalf("no %s", name)
	return nil
}

// TestLimitsAmplification checks the inputs that would make a reader do far more work than their
// size: xls sheets that share their records, ods spaces that multiply.
func TestLimitsAmplification(t *testing.T) {
	t.Run("XLSOverlappingSheets", func(t *testing.T) {
		const n = 2000
		var sheet bytes.Buffer
		bof := make([]byte, 16)
		binary.LittleEndian.PutUint16(bof, biff8)
		binary.LittleEndian.PutUint16(bof[2:], 0x0010)
		for range n {
			biffRecord(&sheet, recBOF, bof)
		}
		for i := range 20_000 {
			d := make([]byte, 14)
			binary.LittleEndian.PutUint16(d, uint16(i))
			biffRecord(&sheet, recNumber, d)
		}
		for range n {
			biffRecord(&sheet, recEOF, nil)
		}
		var g bytes.Buffer
		gbof := append([]byte(nil), bof...)
		binary.LittleEndian.PutUint16(gbof[2:], 0x0005)
		biffRecord(&g, recBOF, gbof)
		globalsLen := g.Len() + n*(4+6+3) + 4
		for i := range n {
			d := make([]byte, 6)
			binary.LittleEndian.PutUint32(d, uint32(globalsLen+i*(4+16)))
			biffRecord(&g, recBoundSheet, append(d, 1, 0, 'x'))
		}
		biffRecord(&g, recEOF, nil)
		if g.Len() != globalsLen {
			t.Fatalf("globals %d bytes, want %d", g.Len(), globalsLen)
		}
		wantRefused(t, "x.xls", cfbOf(append(g.Bytes(), sheet.Bytes()...)), DefaultLimits(), "endommagé", refusalAlloc)
	})
	t.Run("ODSSpaces", func(t *testing.T) {
		cell := `<table:table-cell office:value-type="string"><text:p>` + strings.Repeat(`<text:s text:c="1000000"/>`, 10_000) + `x</text:p></table:table-cell>`
		data := odsOf(t, odsHeader+strings.Repeat(`<table:table-row>`+cell+`</table:table-row>`, 20))
		var err error
		alloc := allocated(func() { _, err = Read(context.Background(), "x.ods", data, DefaultLimits()) })
		if err != nil {
			t.Fatal(err)
		}
		if alloc > 256<<20 {
			t.Errorf("allocated %d MB: the spaces were expanded", alloc>>20)
		}
	})
}

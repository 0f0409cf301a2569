package sheet

import (
	"archive/zip"
	"bytes"
	"io"
	"strings"

	"github.com/xuri/excelize/v2"
)

// xlsxMemoryLimit is the size above which excelize keeps a worksheet in a temporary file rather
// than in memory, so that a large sheet is read with bounded memory.
const xlsxMemoryLimit = 16 << 20

// readXLSX streams every worksheet of an xlsx or xlsm workbook. Raw values are read (a phone
// typed as a number comes as 472103540, whatever its display format); formulas are never computed
// and macros never run. The streaming reader of xlsxfast.go reads what ordinary producers write;
// whatever it is not sure to read exactly as excelize would goes to readXLSXExcelize, from the
// start or from the row the fast reader stopped at, so that both paths give the same rows.
func readXLSX(data []byte, lim Limits, sink rowSink) error {
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return unreadable(err, reasonDamaged)
	}
	if err := checkZip(zr, lim); err != nil {
		return err
	}
	from, err := readXLSXFast(zr, lim, sink)
	if err != errUnsure {
		return err
	}
	return readXLSXExcelize(zr, lim, sink, from)
}

// xlsxResume is where readXLSXExcelize starts: the sheet at index sheet of GetSheetList, whose
// sheet event was already sent when started is set, after its first rows iterations.
type xlsxResume struct {
	sheet   int
	rows    int
	started bool
}

// readXLSXExcelize streams the worksheets with excelize, from the point from: the reference the
// fast reader is checked against, and the reader of the workbooks it is not sure of.
func readXLSXExcelize(zr *zip.Reader, lim Limits, sink rowSink, from xlsxResume) error {
	slim, err := slimXLSX(zr)
	if err != nil {
		return unreadable(err, reasonDamaged)
	}
	f, err := excelize.OpenReader(bytes.NewReader(slim), excelize.Options{
		UnzipSizeLimit:    lim.MaxUnzipSize,
		UnzipXMLSizeLimit: min(lim.MaxXMLSize, xlsxMemoryLimit),
	})
	if err != nil {
		if strings.Contains(err.Error(), "unzip size") {
			return errTooBig(lim)
		}
		return unreadable(err, reasonDamaged)
	}
	defer f.Close()
	raw := excelize.Options{RawCellValue: true}
	for i, name := range f.GetSheetList() {
		if i < from.sheet {
			continue
		}
		rows, err := f.Rows(name)
		if err != nil {
			continue // a sheet whose part is missing, or whose name excelize refuses
		}
		skip := 0
		if i == from.sheet {
			skip = from.rows
		}
		if i != from.sheet || !from.started {
			if err := sink.sheet(name); err != nil {
				rows.Close()
				return err
			}
		}
		n := 0
		for rows.Next() {
			n++
			cols, err := rows.Columns(raw)
			if err != nil {
				rows.Close()
				return unreadable(err, reasonDamaged)
			}
			if len(cols) == 0 || n <= skip {
				continue
			}
			if err := sink.row(n, cols); err != nil {
				rows.Close()
				return err
			}
		}
		err = rows.Error()
		rows.Close()
		if err != nil {
			return unreadable(err, reasonDamaged)
		}
	}
	return nil
}

// unusedParts are the parts of a workbook that reading raw cell values never uses, by the start
// of their lower-case names. Excelize decodes the theme, the styles and the calculation chain
// when it opens a workbook, whatever is read next: for the lists communes send (one sheet, a few
// dozen rows) the theme alone cost more than the rows. Images, drawings, charts, printer
// settings, macros and document properties are only inflated into memory.
var unusedParts = []string{"xl/theme/", "xl/styles.xml", "xl/calcchain.xml", "xl/media/", "xl/drawings/", "xl/charts/",
	"xl/printersettings/", "xl/vbaproject.bin", "docprops/", "customxml/"}

// slimXLSX copies the workbook without its unusedParts, each part kept as it is compressed.
func slimXLSX(zr *zip.Reader) ([]byte, error) {
	var buf bytes.Buffer
	w := zip.NewWriter(&buf)
	for _, f := range zr.File {
		name := strings.ToLower(strings.ReplaceAll(f.Name, `\`, "/"))
		if unused(name) {
			continue
		}
		r, err := f.OpenRaw()
		if err != nil {
			return nil, err
		}
		h := f.FileHeader
		dst, err := w.CreateRaw(&h)
		if err != nil {
			return nil, err
		}
		if _, err := io.Copy(dst, r); err != nil {
			return nil, err
		}
	}
	if err := w.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func unused(name string) bool {
	for _, p := range unusedParts {
		if strings.HasPrefix(name, p) {
			return true
		}
	}
	return false
}

package sheet

import (
	"archive/zip"
	"bytes"
	"strings"

	"github.com/xuri/excelize/v2"
)

// xlsxMemoryLimit is the size above which excelize keeps a worksheet in a temporary file rather
// than in memory, so that a large sheet is read with bounded memory.
const xlsxMemoryLimit = 16 << 20

// readXLSX streams every worksheet of an xlsx or xlsm workbook with excelize. Raw values are read
// (a phone typed as a number comes as 472103540, whatever its display format); formulas are never
// computed and macros never run.
func readXLSX(data []byte, lim Limits, sink rowSink) error {
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return unreadable(err, reasonDamaged)
	}
	if err := checkZip(zr, lim); err != nil {
		return err
	}
	f, err := excelize.OpenReader(bytes.NewReader(data), excelize.Options{
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
	for _, name := range f.GetSheetList() {
		rows, err := f.Rows(name)
		if err != nil {
			continue // a chart sheet, or a sheet whose part is missing
		}
		if err := sink.sheet(name); err != nil {
			rows.Close()
			return err
		}
		n := 0
		for rows.Next() {
			n++
			cols, err := rows.Columns(raw)
			if err != nil {
				rows.Close()
				return unreadable(err, reasonDamaged)
			}
			if len(cols) == 0 {
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

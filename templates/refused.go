package templates

import (
	"fmt"
	"io"

	"github.com/xuri/excelize/v2"
)

// refusedColumns are the headers of the spreadsheet of refused rows, as the commune reads them.
var refusedColumns = []any{"Fichier", "Feuille", "Ligne", "Colonne", "Motif"}

// refusedSheet is the name of its only sheet.
const refusedSheet = "Lignes refusées"

// WriteRefusedRows writes every refused row of a list as an xlsx spreadsheet (fichier, feuille,
// ligne, colonne, motif), the attachment of a reply that cannot list them all. Rows are
// streamed: twenty thousand of them make a file of a few hundred kilobytes.
func WriteRefusedRows(w io.Writer, rows []ProblemLine) error {
	f := excelize.NewFile()
	defer f.Close()
	if err := f.SetSheetName("Sheet1", refusedSheet); err != nil {
		return fmt.Errorf("refused rows: %w", err)
	}
	sw, err := f.NewStreamWriter(refusedSheet)
	if err != nil {
		return fmt.Errorf("refused rows: %w", err)
	}
	for i, width := range []float64{30, 20, 8, 10, 100} {
		if err := sw.SetColWidth(i+1, i+1, width); err != nil {
			return fmt.Errorf("refused rows: %w", err)
		}
	}
	if err := sw.SetPanes(&excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"}); err != nil {
		return fmt.Errorf("refused rows: %w", err)
	}
	if err := sw.SetRow("A1", refusedColumns); err != nil {
		return fmt.Errorf("refused rows: %w", err)
	}
	for i, r := range rows {
		cell, _ := excelize.CoordinatesToCellName(1, i+2)
		var row any = r.Row
		if r.Row == 0 {
			row = ""
		}
		if err := sw.SetRow(cell, []any{r.File, r.Sheet, row, r.Column, r.Message}); err != nil {
			return fmt.Errorf("refused rows: row %d: %w", i+2, err)
		}
	}
	if err := sw.Flush(); err != nil {
		return fmt.Errorf("refused rows: %w", err)
	}
	if _, err := f.WriteTo(w); err != nil {
		return fmt.Errorf("refused rows: %w", err)
	}
	return nil
}

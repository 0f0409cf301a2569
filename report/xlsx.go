package report

import (
	"fmt"
	"io"
	"math"
	"strings"
	"time"
	"unicode"
	"unicode/utf16"

	"github.com/xuri/excelize/v2"
)

// Every sheet the package writes has the same layout: a title on row 1, a note on row 2, the
// header on row 3 (frozen with the rows above it), the data from row 4, then a total row.
const (
	titleRow  = 1
	noteRow   = 2
	headerRow = 3
	firstRow  = 4
)

// Number formats, written the Excel way; a French spreadsheet shows them with a decimal comma and
// a space between thousands.
const (
	euroFormat    = `#,##0.00 "€"`
	dateFormat    = `dd/mm/yyyy`
	daysFormat    = `0.0`
	percentFormat = `0 %`
	countFormat   = `#,##0`
)

// fontFamily is the workbook's font, named in every style so that no reader falls back on another.
const fontFamily = "Calibri"

// kind is what a column holds, which sets its cells' style.
type kind int

const (
	textCol kind = iota
	flagCol      // a short text, centred: oui, non
	countCol
	euroCol
	dateCol
	daysCol
	percentCol
	numKinds
)

// column is a column of a table.
type column struct {
	header string
	width  float64
	kind   kind
}

// formula is a cell computed by a formula, written with its result: a reader that does not
// recalculate on opening still shows the right figure.
type formula struct {
	expr  string
	value any
}

// placedChart is a chart and the cell its top left corner sits on.
type placedChart struct {
	cell  string
	chart *excelize.Chart
	combo []*excelize.Chart
}

// table is the content of one sheet.
type table struct {
	title, note string
	columns     []column
	// rows hold, by column: string, int, float64, time.Time, *time.Time (nil or zero: blank),
	// formula, or nil (blank).
	rows [][]any
	// total is the total row, nil for none. It is left out when there are no rows.
	total []any
	// empty is what the sheet says, on row 4, when there are no rows.
	empty     string
	landscape bool
	charts    []placedChart
}

// lastRow returns the row of the last data line.
func (t table) lastRow() int { return firstRow + len(t.rows) - 1 }

// styles are the style IDs of a workbook.
type styles struct {
	title, note, header, message int
	cells                        [numKinds]int
	totals                       [numKinds]int
}

// workbook writes sheets of tables into one spreadsheet.
type workbook struct {
	f      *excelize.File
	st     styles
	names  map[string]bool // sheet names taken, lower case
	sheets int
	footer string
	// printTitles are the sheets, in order, whose title, note and header rows print on each page
	// (set at finish, all at once).
	printTitles []string
}

// newWorkbook starts a spreadsheet whose pages print title in their footer.
func newWorkbook(title, subject string) (*workbook, error) {
	f := excelize.NewFile()
	b := &workbook{f: f, names: map[string]bool{"history": true}, footer: title}
	if err := f.SetDocProps(&excelize.DocProperties{
		Title: title, Subject: subject, Creator: "laclasse.com (intaked)", Language: "fr-FR",
	}); err != nil {
		f.Close()
		return nil, err
	}
	if err := b.newStyles(); err != nil {
		f.Close()
		return nil, err
	}
	return b, nil
}

func (b *workbook) newStyles() error {
	border := []excelize.Border{
		{Type: "left", Color: "A6A6A6", Style: 1}, {Type: "right", Color: "A6A6A6", Style: 1},
		{Type: "top", Color: "A6A6A6", Style: 1}, {Type: "bottom", Color: "A6A6A6", Style: 1},
	}
	var err error
	style := func(s *excelize.Style) int {
		if err != nil {
			return 0
		}
		var id int
		id, err = b.f.NewStyle(s)
		return id
	}
	font := func(f excelize.Font) *excelize.Font {
		f.Family = fontFamily
		if f.Size == 0 {
			f.Size = 11
		}
		return &f
	}
	b.st.title = style(&excelize.Style{Font: font(excelize.Font{Bold: true, Size: 14})})
	b.st.note = style(&excelize.Style{Font: font(excelize.Font{Italic: true, Color: "595959"}),
		Alignment: &excelize.Alignment{WrapText: true, Vertical: "top"}})
	b.st.message = style(&excelize.Style{Font: font(excelize.Font{Italic: true})})
	b.st.header = style(&excelize.Style{
		Font:      font(excelize.Font{Bold: true}),
		Fill:      excelize.Fill{Type: "pattern", Color: []string{"DDEBF7"}, Pattern: 1},
		Border:    border,
		Alignment: &excelize.Alignment{WrapText: true, Vertical: "center", Horizontal: "center"},
	})
	formats := [numKinds]string{countCol: countFormat, euroCol: euroFormat, dateCol: dateFormat, daysCol: daysFormat, percentCol: percentFormat}
	for k := range numKinds {
		var nf *string
		if formats[k] != "" {
			nf = &formats[k]
		}
		align := &excelize.Alignment{Vertical: "center"}
		if k == dateCol || k == flagCol {
			align.Horizontal = "center"
		}
		b.st.cells[k] = style(&excelize.Style{Border: border, CustomNumFmt: nf, Alignment: align, Font: font(excelize.Font{})})
		b.st.totals[k] = style(&excelize.Style{
			Border: border, CustomNumFmt: nf, Alignment: align, Font: font(excelize.Font{Bold: true}),
			Fill: excelize.Fill{Type: "pattern", Color: []string{"F2F2F2"}, Pattern: 1},
		})
	}
	return err
}

// reserve returns a sheet name made from name that Excel and LibreOffice accept and that no other
// sheet of the workbook bears: at most 31 characters, none of []:*?/\, no apostrophe at either
// end, unique whatever the case ("Givors (2)" after "Givors").
func (b *workbook) reserve(name string) string {
	base := cleanSheetName(name)
	candidate := base
	for i := 2; b.names[strings.ToLower(candidate)]; i++ {
		suffix := fmt.Sprintf(" (%d)", i)
		candidate = strings.TrimRight(truncateUTF16(base, 31-len(suffix)), " '") + suffix
	}
	b.names[strings.ToLower(candidate)] = true
	return candidate
}

// cleanSheetName replaces what a sheet name cannot hold.
func cleanSheetName(name string) string {
	s := strings.Map(func(r rune) rune {
		switch {
		case strings.ContainsRune(`[]:*?/\`, r):
			return '-'
		case unicode.IsControl(r):
			return ' '
		}
		return r
	}, name)
	s = strings.Join(strings.Fields(s), " ")
	s = strings.Trim(truncateUTF16(strings.Trim(s, " '"), 31), " '")
	if s == "" {
		return "Feuille"
	}
	return s
}

// truncateUTF16 cuts s to n UTF-16 code units, the way Excel counts a sheet name's length.
func truncateUTF16(s string, n int) string {
	units := 0
	for i, r := range s {
		units += utf16.RuneLen(r)
		if units > n {
			return s[:i]
		}
	}
	return s
}

// quoteSheet writes a sheet name for a reference: quoted, its apostrophes doubled.
func quoteSheet(name string) string { return "'" + strings.ReplaceAll(name, "'", "''") + "'" }

// colName returns the letters of the 1-based column col.
func colName(col int) string {
	s, _ := excelize.ColumnNumberToName(col)
	return s
}

// cellName returns "B4" for column 2, row 4.
func cellName(col, row int) string { return fmt.Sprintf("%s%d", colName(col), row) }

// absRange returns an absolute reference to a range of one column, for a chart: 'S'!$B$4:$B$9.
func absRange(sheet string, col, from, to int) string {
	c := colName(col)
	return fmt.Sprintf("%s!$%s$%d:$%s$%d", quoteSheet(sheet), c, from, c, to)
}

// absCell returns an absolute reference to one cell, for a chart: 'S'!$B$3.
func absCell(sheet string, col, row int) string {
	return fmt.Sprintf("%s!$%s$%d", quoteSheet(sheet), colName(col), row)
}

// sumFormula returns the sum of column col over the data rows of t, with its value.
func (t table) sumFormula(col int, value any) formula {
	return formula{fmt.Sprintf("SUM(%s:%s)", cellName(col, firstRow), cellName(col, t.lastRow())), value}
}

// write adds the sheet name (from reserve) holding t.
func (b *workbook) write(name string, t table) error {
	f := b.f
	if b.sheets == 0 {
		if err := f.SetSheetName(f.GetSheetName(0), name); err != nil {
			return err
		}
	} else if _, err := f.NewSheet(name); err != nil {
		return err
	}
	b.sheets++
	// What a stream writer does not set is set first: it copies the sheet as it finds it.
	a4, one, zero, yes, orientation := 9, 1, 0, true, "portrait"
	if t.landscape {
		orientation = "landscape"
	}
	if err := f.SetPageLayout(name, &excelize.PageLayoutOptions{Size: &a4, Orientation: &orientation, FitToWidth: &one, FitToHeight: &zero}); err != nil {
		return err
	}
	if err := f.SetSheetProps(name, &excelize.SheetPropsOptions{FitToPage: &yes}); err != nil {
		return err
	}
	if err := f.SetHeaderFooter(name, &excelize.HeaderFooterOptions{
		OddFooter: "&L" + strings.ReplaceAll(b.footer, "&", "&&") + "&RPage &P sur &N",
	}); err != nil {
		return err
	}
	b.printTitles = append(b.printTitles, name)
	for _, c := range t.charts {
		if err := f.AddChart(name, c.cell, c.chart, c.combo...); err != nil {
			return err
		}
	}

	sw, err := f.NewStreamWriter(name)
	if err != nil {
		return err
	}
	width := 0.0
	for i, c := range t.columns {
		if err := sw.SetColWidth(i+1, i+1, c.width); err != nil {
			return err
		}
		width += c.width
	}
	if err := sw.SetPanes(&excelize.Panes{
		Freeze: true, YSplit: headerRow, TopLeftCell: cellName(1, firstRow), ActivePane: "bottomLeft",
		Selection: []excelize.Selection{{SQRef: cellName(1, firstRow), ActiveCell: cellName(1, firstRow), Pane: "bottomLeft"}},
	}); err != nil {
		return err
	}
	last := len(t.columns)
	wide := func(row int, style int, text string, height float64) error {
		if err := sw.SetRow(cellName(1, row), []any{excelize.Cell{StyleID: style, Value: text}}, excelize.RowOpts{Height: height}); err != nil {
			return err
		}
		if last > 1 {
			return sw.MergeCell(cellName(1, row), cellName(last, row))
		}
		return nil
	}
	if err := wide(titleRow, b.st.title, t.title, 22); err != nil {
		return err
	}
	if t.note != "" {
		if err := wide(noteRow, b.st.note, t.note, textHeight(t.note, width)); err != nil {
			return err
		}
	}
	header := make([]any, len(t.columns))
	height := 15.0
	for i, c := range t.columns {
		header[i] = excelize.Cell{StyleID: b.st.header, Value: c.header}
		height = max(height, textHeight(c.header, c.width))
	}
	if err := sw.SetRow(cellName(1, headerRow), header, excelize.RowOpts{Height: height}); err != nil {
		return err
	}
	for i, row := range t.rows {
		if err := sw.SetRow(cellName(1, firstRow+i), b.cells(t.columns, row, false)); err != nil {
			return err
		}
	}
	switch {
	case len(t.rows) == 0 && t.empty != "":
		if err := wide(firstRow, b.st.message, t.empty, 0); err != nil {
			return err
		}
	case len(t.rows) > 0 && t.total != nil:
		if err := sw.SetRow(cellName(1, t.lastRow()+1), b.cells(t.columns, t.total, true)); err != nil {
			return err
		}
	}
	return sw.Flush()
}

// textHeight returns the height, in points, of a row where text wraps in a width of that many
// characters.
func textHeight(text string, width float64) float64 {
	lines := 0
	for _, l := range strings.Split(text, "\n") {
		lines += max(1, int(math.Ceil(float64(len([]rune(l)))/max(width*1.1-2, 1))))
	}
	return float64(lines)*15 + 3
}

// cells turns a row's values into styled cells.
func (b *workbook) cells(cols []column, row []any, total bool) []any {
	out := make([]any, len(cols))
	for i, c := range cols {
		style := b.st.cells[c.kind]
		if total {
			style = b.st.totals[c.kind]
		}
		var v any
		if i < len(row) {
			v = row[i]
		}
		cell := excelize.Cell{StyleID: style}
		if fm, ok := v.(formula); ok {
			cell.Formula, v = fm.expr, fm.value
		}
		switch t := v.(type) {
		case *time.Time:
			if t != nil && !t.IsZero() {
				cell.Value = dateOnly(*t)
			}
		case time.Time:
			if !t.IsZero() {
				cell.Value = dateOnly(t)
			}
		default:
			cell.Value = v
		}
		out[i] = cell
	}
	return out
}

// dateOnly keeps the date of t as its own time zone tells it, at midnight: a spreadsheet date.
func dateOnly(t time.Time) time.Time {
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
}

// finish writes the workbook to w, its first sheet active (as a new workbook's first sheet is:
// excelize's SetActiveSheet would read every sheet back from its stream).
func (b *workbook) finish(w io.Writer) error {
	if err := b.setPrintTitles(); err != nil {
		return err
	}
	_, err := b.f.WriteTo(w)
	return err
}

// setPrintTitles has every sheet print its title, note and header on each page. excelize's
// SetDefinedName checks a new name against every name there is, reading the whole list of
// sheets for each: cubic in the number of sheets, minutes for the fee statement of 2,000
// communes. The first sheet's name goes through it, so that excelize makes the workbook's list
// of names; the others are copies of it added to that list, each scoped to its sheet, which is
// what SetDefinedName would have added.
func (b *workbook) setPrintTitles() error {
	if len(b.printTitles) == 0 {
		return nil
	}
	printTitles := func(sheet string) string {
		return fmt.Sprintf("%s!$%d:$%d", quoteSheet(sheet), titleRow, headerRow)
	}
	first := b.printTitles[0]
	if err := b.f.SetDefinedName(&excelize.DefinedName{Name: printTitlesName, RefersTo: printTitles(first), Scope: first}); err != nil {
		return fmt.Errorf("print titles of %q: %w", first, err)
	}
	wb := b.f.WorkBook
	if wb == nil || wb.DefinedNames == nil || len(wb.DefinedNames.DefinedName) != 1 || wb.DefinedNames.DefinedName[0].LocalSheetID == nil {
		return fmt.Errorf("print titles of %q: excelize did not add the name", first)
	}
	model := wb.DefinedNames.DefinedName[0]
	for i, sheet := range b.printTitles[1:] {
		d, id := model, i+1
		d.LocalSheetID, d.Data = &id, printTitles(sheet)
		wb.DefinedNames.DefinedName = append(wb.DefinedNames.DefinedName, d)
	}
	return nil
}

// printTitlesName is the defined name of the rows a sheet prints on each page.
const printTitlesName = "_xlnm.Print_Titles"

// close releases the workbook's temporary files.
func (b *workbook) close() { b.f.Close() }

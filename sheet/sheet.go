// Package sheet is in charge of reading the spreadsheets communes send: the list of their primary
// schools, each with the administrator the convention asks for ("les coordonnées (nom prénom,
// fonction, email, téléphone) d'une personne qui aura le statut technique d'administrateur"), and
// the commune's own contacts ("le référent technique au sein de la commune et [...] la personne
// chargée de suivre le projet"). It also writes the model spreadsheet the convention promises
// ("Un modèle est proposé ci-dessous").
//
// Reading works from the file's content, never its name: xlsx/xlsm (a streaming reader of the
// worksheets on encoding/xml that gives exactly excelize's rows, excelize reading the workbooks it
// is not sure of; macros never run), ods (a streaming reader of content.xml), legacy xls (its own
// BIFF8/BIFF5 record reader), and csv (separator and encoding guessed). The layout is found rather than assumed: the
// header row may sit under title rows, its words may be any of the usual French variants, several
// sheets may list schools, and the commune's contacts may be a second sheet or a block of rows.
//
// Implementation notes:
//   - A file that cannot be read at all gives an *UnreadableError whose Reason is French and
//     meant for the commune. Everything that concerns a row goes in List.Problems instead.
//   - Readers push rows into a bounded pipeline; the rows are checked on a second goroutine while
//     the first one still reads. Limits (rows, cells, bytes inflated) are enforced while reading,
//     so a zip bomb or a million-row file is refused early with bounded memory.
//   - Repeated rows and cells of an ods file are counted, never expanded when empty.
package sheet

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"runtime/debug"
	"strings"

	"github.com/laclasse/intake/convention"
	"github.com/laclasse/intake/templates"
)

// Limits bounds what reading one file may cost. A file beyond any of them is refused with an
// *UnreadableError.
type Limits struct {
	MaxFileSize  int64 // bytes of the file as received
	MaxUnzipSize int64 // bytes inflated from a zip archive (xlsx, ods), all members together
	MaxXMLSize   int64 // bytes of one XML member of a zip archive
	MaxRows      int   // rows holding at least one value, all sheets together
	MaxCells     int64 // cells read, all sheets together
}

// DefaultLimits returns limits that fit any real list of schools with a wide margin: 20 MB of
// file, 200 MB inflated, 100 MB per XML part, 200,000 rows and 5 million cells.
func DefaultLimits() Limits {
	return Limits{
		MaxFileSize:  20 << 20,
		MaxUnzipSize: 200 << 20,
		MaxXMLSize:   100 << 20,
		MaxRows:      200_000,
		MaxCells:     5_000_000,
	}
}

// withDefaults fills the zero fields of l with the default limits.
func (l Limits) withDefaults() Limits {
	d := DefaultLimits()
	if l.MaxFileSize <= 0 {
		l.MaxFileSize = d.MaxFileSize
	}
	if l.MaxUnzipSize <= 0 {
		l.MaxUnzipSize = d.MaxUnzipSize
	}
	if l.MaxXMLSize <= 0 {
		l.MaxXMLSize = d.MaxXMLSize
	}
	if l.MaxRows <= 0 {
		l.MaxRows = d.MaxRows
	}
	if l.MaxCells <= 0 {
		l.MaxCells = d.MaxCells
	}
	return l
}

// Format is the kind of spreadsheet a file holds.
type Format string

// The formats Read understands. FormatUnknown is a file that is not a spreadsheet Read can read.
const (
	FormatUnknown Format = ""
	FormatXLSX    Format = "xlsx"
	FormatODS     Format = "ods"
	FormatXLS     Format = "xls"
	FormatCSV     Format = "csv"
)

// Detect tells the format of a file from its content alone (zip members, compound file streams,
// text sniffing), never from its name. A password-protected xlsx (a compound file holding an
// encrypted package) is reported as xlsx, an xlsb or anything else as FormatUnknown.
func Detect(data []byte) Format {
	return sniff(data).format()
}

// UnreadableError means that a file could not be read at all. Reason is a French sentence for the
// commune, without a final period, such as "le fichier est protégé par un mot de passe".
type UnreadableError struct {
	Reason string // French, for the commune
	Err    error  // the underlying cause, if any
}

// Error returns the reason, in French, and the cause, for logs.
func (e *UnreadableError) Error() string {
	if e.Err != nil {
		return "sheet: unreadable file: " + e.Reason + ": " + e.Err.Error()
	}
	return "sheet: unreadable file: " + e.Reason
}

// Unwrap returns the underlying cause.
func (e *UnreadableError) Unwrap() error { return e.Err }

// unreadable returns an *UnreadableError with the given French reason, one of templates'.
func unreadable(err error, reason string) *UnreadableError {
	return &UnreadableError{Reason: reason, Err: err}
}

// Reasons given to the commune, shared by several readers.
const (
	reasonEncrypted = templates.SheetEncrypted
	reasonDamaged   = templates.SheetDamaged
	reasonXLSB      = templates.SheetXLSB
	reasonNoHeader  = templates.SheetNoHeader
)

// Read reads one spreadsheet and returns the schools it lists, the commune's contacts and every
// problem found in its rows. name is used for List.File, as the sheet name of a csv file, and as a
// last hint when the content says nothing; the format always comes from the content.
//
// It returns an *UnreadableError, with a French reason for the commune, when the file cannot be
// read at all: password, unsupported format (xlsb, Excel 4 or older, pdf…), damaged file, a limit
// exceeded, or no recognizable header row. Row-level problems go in List.Problems, never in the
// error. A row refused has at least one problem of severity error; Schools holds only rows without
// one. The only other error is ctx's.
//
// Rules that are choices: in a list with an Action column, a row whose action is empty keeps its
// school as it is (ActionKeep); a school taken out (ActionRemove) needs no administrator, and what
// is given of one is only checked, with warnings; a UAI seen twice in the file is refused at its
// second row; a cell holding two e-mail addresses or two phone numbers gives the first, with a
// warning; a missing school name or function is a warning, never a refusal.
//
// Memory: reading holds the file, the list being built (about 260 bytes a school) and what the
// format's parser needs, which stays bounded (xlsx worksheets are streamed; a shared strings table larger than 16 MB
// goes to excelize, which keeps it in a temporary file). Go's collector lets the heap grow to twice what is live: a daemon that must
// stay within a budget sets GOMEMLIMIT.
func Read(ctx context.Context, name string, data []byte, lim Limits) (list *convention.List, err error) {
	lim = lim.withDefaults()
	if int64(len(data)) > lim.MaxFileSize {
		return nil, unreadable(nil, templates.SheetTooLarge(lim.MaxFileSize))
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	k := sniff(data)
	if k.reason != "" {
		return nil, unreadable(nil, k.reason)
	}
	if k.format() == FormatUnknown {
		return nil, unreadable(nil, unknownReason(name))
	}

	sheetName := filepath.Base(strings.ReplaceAll(name, `\`, "/"))
	if sheetName == "." || sheetName == "/" {
		sheetName = "csv"
	}
	lay := newLayout(name, string(k.format()), sheetName)
	p := newPipe(ctx, lim, lay)

	defer func() {
		// A reader that panics on an odd file must not take the daemon down.
		if r := recover(); r != nil {
			p.abort()
			list, err = nil, unreadable(fmt.Errorf("panic: %v\n%s", r, debug.Stack()), reasonDamaged)
		}
	}()
	switch k.format() {
	case FormatXLSX:
		err = readXLSX(data, lim, p)
	case FormatODS:
		err = readODS(data, k.flat, lim, p)
	case FormatXLS:
		err = readXLS(data, lim, p)
	case FormatCSV:
		err = readCSV(data, sheetName, p)
	}
	if ferr := p.finish(); err == nil {
		err = ferr
	}
	if err != nil {
		p.abort()
		return nil, asUnreadable(ctx, err)
	}
	l := lay.result()
	if !lay.foundSchoolHeader && l.Commune.TechnicalReferent == nil && l.Commune.ProjectLead == nil {
		return nil, unreadable(nil, reasonNoHeader)
	}
	return l, nil
}

// asUnreadable turns an error from a reader into what Read returns: ctx's own error, an
// *UnreadableError as it is, or the reason "damaged file".
func asUnreadable(ctx context.Context, err error) error {
	var ue *UnreadableError
	switch {
	case errors.As(err, &ue):
		return ue
	case ctx.Err() != nil && errors.Is(err, ctx.Err()):
		return err
	}
	return unreadable(err, reasonDamaged)
}

// unknownReason explains, from its name as a last hint, why a file is not a spreadsheet.
func unknownReason(name string) string {
	switch strings.ToLower(filepath.Ext(name)) {
	case ".pdf":
		return templates.SheetPDF
	case ".doc", ".docx", ".odt":
		return templates.SheetWordText
	case ".xlsb":
		return reasonXLSB
	case ".numbers":
		return templates.SheetNumbers
	}
	return templates.SheetUnrecognized
}

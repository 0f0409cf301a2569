// Package directory is in charge of the Annuaire de l'éducation, the Ministry of Education's
// national directory of schools (dataset fr-en-annuaire-education): reading the CSV file as the
// Ministry publishes it, checking a new file before it is used, and refreshing it over HTTP. The
// store keeps the columns the convention's checks need (sqlite's directory table): a decision
// reads indexed rows, never the file.
//
// Implementation notes: the file is read as a stream (encoding/csv, one record reused), so that
// the national file's 65,000 rows take little memory. A file is used only whole: every row has
// the header's number of fields, the file ends with a complete line (or its last field is one the
// daemon does not read), it is not an HTML page, it has a sane number of rows
// and has not shrunk by more than MaxShrink since the previous load. A file that fails is never
// swapped in: the previous one stays in use.
package directory

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/laclasse/intake/convention"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/unicode/norm"
)

// The columns the daemon reads, by their name in the header.
const (
	colUAI     = "Identifiant_de_l_etablissement"
	colName    = "Nom_etablissement"
	colType    = "Type_etablissement"
	colStatus  = "Statut_public_prive"
	colINSEE   = "Code_commune"
	colCommune = "Nom_commune"
	colNature  = "libelle_nature"
	colMail    = "Mail"
	colState   = "etat"
	colOpened  = "date_ouverture"
)

// Columns are the header names the daemon needs, in the order Entry fills them.
var Columns = []string{colUAI, colName, colType, colStatus, colINSEE, colCommune, colNature, colMail, colState, colOpened}

// Bounds on a file worth using.
const (
	// MinRows is the fewest rows a directory may have: an extract of one département has
	// hundreds, the national file about 65,000.
	MinRows = 1
	// MaxRows is the most: a file ten times the national one is not the directory.
	MaxRows = 1_000_000
	// MaxShrink is the largest share of its rows a new file may lose against the previous one.
	MaxShrink = 0.10
	// maxLine bounds one line, in bytes.
	maxLine = 64 << 10
)

// maxFileBytes bounds the file read, once uncompressed (a gzip bomb): the national file is about
// 40 MB. A variable for tests.
var maxFileBytes int64 = 512 << 20

// Reason says why a file was not used.
type Reason string

const (
	ReasonUnreadable     Reason = "unreadable"      // not a CSV file of the directory's shape
	ReasonMissingColumns Reason = "missing_columns" // a column the daemon needs is absent
	ReasonTruncated      Reason = "truncated"       // a row lacks fields, or the last line is cut
	ReasonTooFew         Reason = "too_few"         // fewer than MinRows rows (or more than MaxRows)
	ReasonShrunk         Reason = "shrunk"          // lost more than MaxShrink of its rows
	ReasonDownload       Reason = "download"        // the download itself failed
)

// InvalidError is a file of the directory that is not used, and why.
type InvalidError struct {
	Reason Reason
	Detail string // in English, for the log: the columns missing, the line cut, the counts
}

func (e *InvalidError) Error() string {
	return fmt.Sprintf("directory file refused (%s): %s", e.Reason, e.Detail)
}

// ReasonOf returns the Reason of an *InvalidError in err, or ReasonUnreadable.
func ReasonOf(err error) Reason {
	var ie *InvalidError
	if errors.As(err, &ie) {
		return ie.Reason
	}
	return ReasonUnreadable
}

func invalid(r Reason, format string, args ...any) error {
	return &InvalidError{Reason: r, Detail: fmt.Sprintf(format, args...)}
}

// Read reads the directory from r, as published (UTF-8 with or without its BOM, or Windows-1252
// as a spreadsheet re-saves it; ';' separated, quoted fields, CRLF or LF, gzip-compressed or not;
// the columns found by their header name whatever its case and accents: the portal's download
// gives Identifiant_de_l_etablissement, its API export identifiant_de_l_etablissement), and calls
// fn with each row in order. It returns the number of rows; an *InvalidError when the file is not
// usable whole (fn has then seen some rows: the caller drops them), or fn's error.
func Read(r io.Reader, fn func(convention.DirectoryEntry) error) (int, error) {
	br := bufio.NewReaderSize(r, 64<<10)
	if magic, err := br.Peek(2); err == nil && magic[0] == 0x1f && magic[1] == 0x8b {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return 0, invalid(ReasonUnreadable, "gzip: %v", err)
		}
		defer zr.Close()
		br = bufio.NewReaderSize(zr, 64<<10)
	}
	if bom, err := br.Peek(3); err == nil && bytes.Equal(bom, []byte("\xef\xbb\xbf")) {
		br.Discard(3)
	}
	if start, _ := br.Peek(512); bytes.HasPrefix(bytes.TrimSpace(start), []byte("<")) {
		// A portal's error or sign-in page, served with 200.
		return 0, invalid(ReasonUnreadable, "an HTML or XML page, not the directory's CSV file: %.80q", bytes.TrimSpace(start))
	}
	tail := &lastByte{r: br}
	cr := csv.NewReader(tail)
	cr.Comma = ';'
	cr.ReuseRecord = true
	cr.LazyQuotes = true   // a quote inside an unquoted field (Rue du "Moulin") is a quote
	cr.FieldsPerRecord = 0 // every row has the header's number of fields
	header, err := cr.Read()
	if tail.err != nil {
		return 0, tail.err
	} else if err == io.EOF {
		return 0, invalid(ReasonTooFew, "the file is empty")
	} else if err != nil {
		return 0, invalid(ReasonUnreadable, "header: %v", err)
	}
	idx := make([]int, len(Columns))
	var missing []string
	for i, name := range Columns {
		idx[i] = -1
		for j, h := range header {
			if foldHeader(h) == foldHeader(name) {
				idx[i] = j
				break
			}
		}
		if idx[i] < 0 {
			missing = append(missing, name)
		}
	}
	if len(missing) > 0 {
		return 0, invalid(ReasonMissingColumns, "no column %s", strings.Join(missing, ", "))
	}
	// A file that does not end with a newline may have its last field cut: that is harmless
	// unless the daemon reads that field.
	lastNeeded := false
	for _, j := range idx {
		lastNeeded = lastNeeded || j == len(header)-1
	}
	n := 0
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if tail.err != nil {
			return n, tail.err
		}
		if err != nil {
			line, _ := cr.FieldPos(0)
			if errors.Is(err, csv.ErrFieldCount) && len(rec) < len(header) {
				return n, invalid(ReasonTruncated, "line %d has %d fields, the header %d", line, len(rec), len(header))
			} else if errors.Is(err, csv.ErrFieldCount) {
				return n, invalid(ReasonUnreadable, "line %d has %d fields, the header %d (a ';' not quoted?)", line, len(rec), len(header))
			}
			return n, invalid(ReasonUnreadable, "line %d: %v", line, err)
		}
		n++
		if n > MaxRows {
			return n, invalid(ReasonTooFew, "more than %d rows", MaxRows)
		}
		if err := fn(entry(rec, idx)); err != nil {
			return n, err
		}
	}
	if tail.err != nil {
		return n, tail.err
	}
	if tail.last != '\n' && tail.count > 0 && lastNeeded {
		return n, invalid(ReasonTruncated, "the last line (row %d) does not end: the file is cut", n)
	}
	if n < MinRows {
		return n, invalid(ReasonTooFew, "%d rows", n)
	}
	return n, nil
}

// foldHeader is a column's name without case, accents, spaces nor punctuation, so that
// "Identifiant_de_l_etablissement", "identifiant_de_l_etablissement" and "Identifiant de
// l'établissement" are one column.
func foldHeader(s string) string {
	var b strings.Builder
	for _, r := range norm.NFD.String(s) {
		if unicode.IsLetter(r) || unicode.IsDigit(r) { // accents (Mn) dropped
			b.WriteRune(unicode.ToLower(r))
		}
	}
	return b.String()
}

// entry builds a row's entry from its fields; idx holds the field of each of Columns.
func entry(rec []string, idx []int) convention.DirectoryEntry {
	f := func(i int) string {
		s := rec[idx[i]]
		if !utf8.ValidString(s) {
			// A spreadsheet re-saved the file in Windows-1252 (Excel's "CSV (point-virgule)").
			if d, err := charmap.Windows1252.NewDecoder().String(s); err == nil {
				s = d
			}
		}
		return strings.TrimSpace(s)
	}
	return convention.DirectoryEntry{
		UAI:          convention.NormalizeUAI(f(0)),
		Name:         f(1),
		Type:         f(2),
		Public:       strings.EqualFold(f(3), "Public"),
		CommuneINSEE: communeCode(f(4)),
		Commune:      f(5),
		Nature:       f(6),
		Mail:         f(7),
		State:        f(8),
		Opened:       parseDate(f(9)),
	}
}

// communeCode is Code_commune as INSEE writes it: a spreadsheet that took 1053 for a number
// dropped the leading zero of 01053.
func communeCode(s string) string {
	if len(s) == 4 && strings.Trim(s, "0123456789") == "" {
		return "0" + s
	}
	return s
}

// parseDate reads date_ouverture: YYYY-MM-DD as the Ministry exports it, or DD/MM/YYYY as a
// spreadsheet re-saves it; zero when empty or unreadable.
func parseDate(s string) time.Time {
	for _, layout := range []string{"2006-01-02", "02/01/2006"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t
		}
	}
	return time.Time{}
}

// CheckShrink refuses a file of rows rows that lost more than MaxShrink of the previous one's
// (previous 0: the first file, nothing to compare with).
func CheckShrink(rows, previous int) error {
	if previous > 0 && float64(rows) < float64(previous)*(1-MaxShrink) {
		return invalid(ReasonShrunk, "%d rows, the previous file had %d (more than %.0f %% fewer)", rows, previous, MaxShrink*100)
	}
	return nil
}

// lastByte remembers the last byte read through it, and how many, so that a file whose last line
// is cut can be told from a complete one; it stops at a line longer than maxLine (the CSV reader
// would hold it whole in memory) and past maxFileBytes.
type lastByte struct {
	r     io.Reader
	last  byte
	count int64
	run   int   // bytes since the last newline
	err   error // why it stopped
}

func (l *lastByte) Read(p []byte) (int, error) {
	if l.err != nil {
		return 0, l.err
	}
	n, err := l.r.Read(p)
	if l.count+int64(n) > maxFileBytes {
		l.err = invalid(ReasonUnreadable, "longer than %d bytes", maxFileBytes)
		return 0, l.err
	}
	if n > 0 {
		l.last = p[n-1]
		l.count += int64(n)
		long := false
		if i := bytes.IndexByte(p[:n], '\n'); i >= 0 {
			long = l.run+i > maxLine
			l.run = n - 1 - bytes.LastIndexByte(p[:n], '\n')
		} else {
			l.run += n
		}
		if long || l.run > maxLine {
			l.err = invalid(ReasonUnreadable, "a line is longer than %d bytes", maxLine)
			return 0, l.err
		}
	}
	return n, err
}

package sheet

import (
	"archive/zip"
	"bufio"
	"bytes"
	"encoding/xml"
	"errors"
	"io"
	"strconv"
	"strings"

	"github.com/laclasse/intake/templates"
)

// OpenDocument namespaces.
const (
	nsOffice = "urn:oasis:names:tc:opendocument:xmlns:office:1.0"
	nsTable  = "urn:oasis:names:tc:opendocument:xmlns:table:1.0"
	nsText   = "urn:oasis:names:tc:opendocument:xmlns:text:1.0"
)

// maxCellText is the longest text kept from a cell, as in Excel: 32,767 characters (bytes here).
const maxCellText = 32767

// maxODSColumns is the widest row LibreOffice writes (XFD): no row is expanded past it.
const maxODSColumns = 16384

// errTooBig is the reason given for a file that inflates beyond the limits.
func errTooBig(lim Limits) error {
	return unreadable(nil, templates.SheetTooLargeUnzipped(lim.MaxUnzipSize))
}

// checkZip refuses an archive whose members, as declared, inflate beyond the limits. The zip
// reader then refuses any member that inflates to more than it declared.
func checkZip(zr *zip.Reader, lim Limits) error {
	var total uint64
	for _, f := range zr.File {
		total += f.UncompressedSize64
		if f.UncompressedSize64 > uint64(lim.MaxXMLSize) || total > uint64(lim.MaxUnzipSize) {
			return errTooBig(lim)
		}
	}
	return nil
}

// limitedReader fails once more than n bytes have been read: a second bound on inflated bytes,
// whatever the archive declares.
type limitedReader struct {
	r   io.Reader
	n   int64
	lim Limits
}

func (l *limitedReader) Read(p []byte) (int, error) {
	n, err := l.r.Read(p)
	l.n -= int64(n)
	if l.n < 0 {
		return n, errTooBig(l.lim)
	}
	return n, err
}

// readODS reads the content.xml of an OpenDocument spreadsheet (or a flat .fods document) as a
// stream. Repeated empty rows and cells are counted, never expanded.
func readODS(data []byte, flat bool, lim Limits, sink rowSink) error {
	var r io.Reader
	if flat {
		r = bytes.NewReader(data)
	} else {
		zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
		if err != nil {
			return unreadable(err, reasonDamaged)
		}
		if err := checkZip(zr, lim); err != nil {
			return err
		}
		var content *zip.File
		for _, f := range zr.File {
			switch f.Name {
			case "content.xml":
				content = f
			case "META-INF/manifest.xml":
				if odsEncrypted(f, lim) {
					return unreadable(nil, reasonEncrypted)
				}
			}
		}
		if content == nil {
			return unreadable(nil, reasonDamaged)
		}
		rc, err := content.Open()
		if err != nil {
			return unreadable(err, reasonDamaged)
		}
		defer rc.Close()
		r = &limitedReader{r: rc, n: lim.MaxXMLSize, lim: lim}
	}
	p := odsParser{dec: xml.NewDecoder(bufio.NewReaderSize(r, 64<<10)), sink: sink}
	return p.run()
}

// odsEncrypted reports whether the manifest says the document is encrypted.
func odsEncrypted(f *zip.File, lim Limits) bool {
	rc, err := f.Open()
	if err != nil {
		return false
	}
	defer rc.Close()
	b, _ := io.ReadAll(io.LimitReader(rc, min(lim.MaxXMLSize, 4<<20)))
	return bytes.Contains(b, []byte("encryption-data"))
}

// odsParser walks content.xml.
type odsParser struct {
	dec  *xml.Decoder
	sink rowSink
	row  int      // rows of the current table so far
	cols int      // columns of the current row so far
	line []string // values of the current row
	text strings.Builder
}

func attr(e xml.StartElement, space, local string) string {
	for _, a := range e.Attr {
		if a.Name.Local == local && a.Name.Space == space {
			return a.Value
		}
	}
	return ""
}

// repeat reads a number-*-repeated attribute: at least 1.
func repeat(e xml.StartElement, local string) int {
	v := attr(e, nsTable, local)
	if v == "" {
		return 1
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 {
		return 1
	}
	return n
}

func (p *odsParser) run() error {
	for {
		tok, err := p.dec.Token()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return odsError(err)
		}
		e, ok := tok.(xml.StartElement)
		if !ok {
			continue
		}
		switch {
		case e.Name.Space == nsTable && e.Name.Local == "table":
			p.row = 0
			if err := p.sink.sheet(attr(e, nsTable, "name")); err != nil {
				return err
			}
		case e.Name.Space == nsTable && e.Name.Local == "table-row":
			if err := p.readRow(e); err != nil {
				return err
			}
		case e.Name.Space == nsOffice && (e.Name.Local == "annotation" || e.Name.Local == "forms" || e.Name.Local == "scripts"):
			if err := p.dec.Skip(); err != nil {
				return odsError(err)
			}
		}
	}
}

// odsError keeps the reason of a limit, and calls anything else a damaged file.
func odsError(err error) error {
	var ue *UnreadableError
	if errors.As(err, &ue) {
		return ue
	}
	return unreadable(err, reasonDamaged)
}

// readRow reads one table:table-row, whose start e was just read.
func (p *odsParser) readRow(e xml.StartElement) error {
	rows := repeat(e, "number-rows-repeated")
	p.cols, p.line = 0, nil
	for {
		tok, err := p.dec.Token()
		if err != nil {
			return odsError(err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if t.Name.Space == nsTable && (t.Name.Local == "table-cell" || t.Name.Local == "covered-table-cell") {
				if err := p.readCell(t); err != nil {
					return err
				}
			} else if err := p.dec.Skip(); err != nil {
				return odsError(err)
			}
		case xml.EndElement:
			if len(p.line) == 0 {
				p.row += rows // empty rows, however many, are only counted
				return nil
			}
			line := p.line
			for range rows {
				p.row++
				if err := p.sink.row(p.row, line); err != nil {
					return err
				}
			}
			return nil
		}
	}
}

// readCell reads one cell, whose start e was just read, and places its value.
func (p *odsParser) readCell(e xml.StartElement) error {
	n := repeat(e, "number-columns-repeated")
	value := ""
	switch attr(e, nsOffice, "value-type") {
	case "float", "percentage", "currency":
		value = attr(e, nsOffice, "value")
	case "date":
		value = attr(e, nsOffice, "date-value")
	case "time":
		value = attr(e, nsOffice, "time-value")
	case "boolean":
		value = attr(e, nsOffice, "boolean-value")
	}
	text, err := p.readCellText()
	if err != nil {
		return err
	}
	if value == "" {
		value = attr(e, nsOffice, "string-value")
	}
	if value == "" {
		value = text
	}
	if value == "" {
		p.cols += n
		return nil
	}
	if p.cols >= maxODSColumns {
		return nil
	}
	n = min(n, maxODSColumns-p.cols)
	if len(p.line) < p.cols {
		if p.cols > cap(p.line) {
			grown := make([]string, p.cols, p.cols+n)
			copy(grown, p.line)
			p.line = grown
		} else {
			p.line = p.line[:p.cols]
		}
	}
	for range n {
		p.line = append(p.line, value)
	}
	p.cols += n
	return nil
}

// readCellText reads the paragraphs of a cell up to its end: several text:p become lines,
// text:s spaces, text:tab a tab, text:line-break a new line; notes and shapes are skipped.
func (p *odsParser) readCellText() (string, error) {
	p.text.Reset()
	paragraphs := 0
	depth := 0 // inside a paragraph
	for {
		tok, err := p.dec.Token()
		if err != nil {
			return "", odsError(err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if t.Name.Space == nsText {
				switch t.Name.Local {
				case "p", "h":
					if paragraphs > 0 {
						p.text.WriteByte('\n')
					}
					paragraphs++
					depth++
					continue
				case "s":
					c, err := strconv.Atoi(attr(t, nsText, "c"))
					if err != nil || c < 1 {
						c = 1
					}
					c = min(c, maxCellText-p.text.Len())
					if c > 0 {
						p.text.WriteString(strings.Repeat(" ", c))
					}
				case "tab":
					p.text.WriteByte('\t')
				case "line-break":
					p.text.WriteByte('\n')
				case "span", "a", "list", "list-item", "soft-page-break", "bookmark", "bookmark-start", "bookmark-end":
					depth++
					continue
				}
			}
			if err := p.dec.Skip(); err != nil {
				return "", odsError(err)
			}
		case xml.EndElement:
			if depth == 0 {
				return p.text.String(), nil
			}
			depth--
		case xml.CharData:
			if depth > 0 && p.text.Len() < maxCellText {
				p.text.Write(t[:min(len(t), maxCellText-p.text.Len())])
			}
		}
	}
}

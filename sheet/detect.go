package sheet

import (
	"archive/zip"
	"bytes"
	"encoding/binary"
	"io"
	"strings"

	"github.com/richardlehane/mscfb"

	"github.com/laclasse/intake/templates"
)

// kind is what sniffing a file found: a format Read can read, or a French reason to refuse it.
type kind struct {
	fmt    Format
	flat   bool   // ods: a flat XML document (fods) rather than a zip
	reason string // set when the file is to be refused whatever its format
}

func (k kind) format() Format { return k.fmt }

// cfbSignature starts every compound file (legacy Office documents, encrypted OOXML).
var cfbSignature = []byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}

const reasonOldExcel = templates.SheetOldExcel

// sniff finds what a file holds from its first bytes and, for containers, from their members.
func sniff(data []byte) kind {
	switch {
	case len(data) == 0:
		return kind{reason: templates.SheetEmpty}
	case bytes.HasPrefix(data, []byte("PK\x03\x04")), bytes.HasPrefix(data, []byte("PK\x05\x06")):
		return sniffZip(data)
	case bytes.HasPrefix(data, cfbSignature):
		return sniffCFB(data)
	case isRawBIFF(data):
		return kind{fmt: FormatXLS, reason: reasonOldExcel}
	}
	return sniffText(data)
}

// sniffZip tells an ods from an xlsx (or xlsb, docx…) by the archive's members.
func sniffZip(data []byte) kind {
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return kind{reason: reasonDamaged}
	}
	var content, workbook, xlsb, word, numbers bool
	for _, f := range zr.File {
		name := strings.ToLower(strings.ReplaceAll(f.Name, `\`, "/"))
		switch {
		case name == "mimetype":
			mt := readSmallMember(f, 200)
			switch {
			case strings.HasPrefix(mt, "application/vnd.oasis.opendocument.spreadsheet"):
				return kind{fmt: FormatODS}
			case strings.HasPrefix(mt, "application/vnd.oasis.opendocument."):
				return kind{reason: templates.SheetOtherODF}
			}
		case name == "content.xml":
			content = true
		case name == "xl/workbook.xml":
			workbook = true
		case name == "xl/workbook.bin":
			xlsb = true
		case strings.HasPrefix(name, "word/"):
			word = true
		case strings.HasPrefix(name, "index/") && strings.HasSuffix(name, ".iwa"):
			numbers = true
		}
	}
	switch {
	case workbook:
		return kind{fmt: FormatXLSX}
	case xlsb:
		return kind{reason: reasonXLSB}
	case content:
		return kind{fmt: FormatODS}
	case word:
		return kind{reason: templates.SheetWord}
	case numbers:
		return kind{reason: templates.SheetNumbers}
	}
	return kind{reason: templates.SheetZip}
}

// readSmallMember returns the first bytes of a zip member, or "".
func readSmallMember(f *zip.File, max int64) string {
	rc, err := f.Open()
	if err != nil {
		return ""
	}
	defer rc.Close()
	b, _ := io.ReadAll(io.LimitReader(rc, max))
	return strings.TrimSpace(string(b))
}

// sniffCFB looks at the streams of a compound file: a workbook (xls) or an encrypted package (a
// password-protected xlsx).
func sniffCFB(data []byte) (k kind) {
	defer func() {
		if recover() != nil {
			k = kind{reason: reasonDamaged}
		}
	}()
	r, err := mscfb.New(bytes.NewReader(data))
	if err != nil {
		return kind{reason: reasonDamaged}
	}
	var workbook, encInfo, encPackage, word bool
	for f, err := r.Next(); err == nil; f, err = r.Next() {
		switch strings.ToLower(f.Name) {
		case "workbook", "book":
			if len(f.Path) == 0 {
				workbook = true
			}
		case "encryptioninfo":
			encInfo = true
		case "encryptedpackage":
			encPackage = true
		case "worddocument":
			word = true
		}
	}
	switch {
	case encInfo || encPackage:
		return kind{fmt: FormatXLSX, reason: reasonEncrypted}
	case workbook:
		return kind{fmt: FormatXLS}
	case word:
		return kind{reason: templates.SheetWord}
	}
	return kind{reason: reasonDamaged}
}

// isRawBIFF reports whether data starts with the BOF record of a BIFF2, 3 or 4 worksheet or
// workbook, written as a bare stream rather than inside a compound file.
func isRawBIFF(data []byte) bool {
	if len(data) < 8 {
		return false
	}
	typ := binary.LittleEndian.Uint16(data)
	size := binary.LittleEndian.Uint16(data[2:])
	switch typ {
	case 0x0009, 0x0209, 0x0409:
		return size >= 4 && size <= 16
	}
	return false
}

// sniffText recognizes the text formats: csv (the default for text), flat ods, and the files that
// only look like spreadsheets (HTML or XML 2003 saved as .xls, pdf, rtf).
func sniffText(data []byte) kind {
	head := data
	if len(head) > 4096 {
		head = head[:4096]
	}
	if bytes.HasPrefix(head, []byte("%PDF")) {
		return kind{reason: templates.SheetPDF}
	}
	if bytes.HasPrefix(head, []byte(`{\rtf`)) {
		return kind{reason: templates.SheetRTF}
	}
	utf16 := bytes.HasPrefix(head, []byte{0xFF, 0xFE}) || bytes.HasPrefix(head, []byte{0xFE, 0xFF})
	if !utf16 {
		trimmed := bytes.TrimLeft(bytes.TrimPrefix(head, []byte("\xEF\xBB\xBF")), " \t\r\n")
		lower := bytes.ToLower(trimmed)
		switch {
		case bytes.HasPrefix(lower, []byte("<?xml")) || bytes.HasPrefix(lower, []byte("<office:document")):
			if bytes.Contains(lower, []byte("office:document")) && bytes.Contains(lower, []byte("opendocument.spreadsheet")) {
				return kind{fmt: FormatODS, flat: true}
			}
			if bytes.Contains(lower, []byte("urn:schemas-microsoft-com:office:spreadsheet")) {
				return kind{reason: templates.SheetXML2003}
			}
			return kind{reason: templates.SheetXML}
		case bytes.HasPrefix(lower, []byte("<html")), bytes.HasPrefix(lower, []byte("<!doctype html")),
			bytes.HasPrefix(lower, []byte("<table")), bytes.HasPrefix(lower, []byte("<meta")):
			return kind{reason: templates.SheetHTML}
		}
		bad := 0
		for _, c := range head {
			if c < 0x09 || (c > 0x0D && c < 0x20 && c != 0x1A) {
				bad++
			}
		}
		if bad*100 > len(head) {
			return kind{}
		}
	}
	return kind{fmt: FormatCSV}
}

// Package sheetgen writes generated lists of n schools in every format the reader takes (xlsx,
// ods, xls, csv), for the benchmarks, the limits tests and the fuzz seeds of sheet and for the
// harness in bench: a header row, then n schools with a valid UAI, accented names, and a phone
// written as text, or one row in four as a number. The xls writer (BIFF8 records in a compound
// file) is also used to build damaged workbooks.
package sheetgen

import (
	"archive/zip"
	"bytes"
	"encoding/binary"
	"fmt"
	"math"
	"strings"
	"unicode/utf16"

	"github.com/xuri/excelize/v2"
)

// Header is the header row of a generated list.
var Header = []string{"UAI", "Nom de l'école", "Nom", "Prénom", "Fonction", "Email", "Téléphone"}

// Row returns the i-th school of a generated list: a valid UAI, names with accents, a phone as
// 10 digits with spaces (or, one row in four, as the number a cell holds).
func Row(i int) []any {
	n := 690000 + i%1_000_000
	digits := fmt.Sprintf("%07d", n)
	uai := digits + string("ABCDEFGHJKLMNPRSTUVWXYZ"[n%23])
	var phone any = fmt.Sprintf("04 72 %02d %02d %02d", i/10000%100, i/100%100, i%100)
	if i%4 == 3 {
		phone = 472000000 + i%1_000_000
	}
	return []any{uai, fmt.Sprintf("École élémentaire n°%d", i), fmt.Sprintf("LEFÈVRE%d", i), "Éloïse",
		"Directrice", fmt.Sprintf("eloise.lefevre%d@ac-lyon.fr", i), phone}
}

// XLSX writes an xlsx of n schools on Sheet1 with excelize's StreamWriter.
func XLSX(n int) ([]byte, error) {
	f := excelize.NewFile()
	defer f.Close()
	sw, err := f.NewStreamWriter("Sheet1")
	if err != nil {
		return nil, err
	}
	hdr := make([]any, len(Header))
	for i, h := range Header {
		hdr[i] = h
	}
	if err := sw.SetRow("A1", hdr); err != nil {
		return nil, err
	}
	for i := range n {
		cell, _ := excelize.CoordinatesToCellName(1, i+2)
		if err := sw.SetRow(cell, Row(i)); err != nil {
			return nil, err
		}
	}
	if err := sw.Flush(); err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// CSV writes a csv of n schools, separated by semicolons.
func CSV(n int) []byte {
	var b bytes.Buffer
	b.WriteString(strings.Join(Header, ";") + "\n")
	for i := range n {
		row := Row(i)
		for j, v := range row {
			if j > 0 {
				b.WriteByte(';')
			}
			fmt.Fprint(&b, v)
		}
		b.WriteByte('\n')
	}
	return b.Bytes()
}

// ODS writes an ods of n schools, with the million empty rows LibreOffice adds.
func ODS(n int) ([]byte, error) {
	var b strings.Builder
	cellXML := func(v any) {
		switch v := v.(type) {
		case int:
			fmt.Fprintf(&b, `<table:table-cell office:value-type="float" office:value="%d"><text:p>%d</text:p></table:table-cell>`, v, v)
		default:
			fmt.Fprintf(&b, `<table:table-cell office:value-type="string"><text:p>%s</text:p></table:table-cell>`, v)
		}
	}
	b.WriteString(`<table:table-row>`)
	for _, h := range Header {
		cellXML(strings.ReplaceAll(h, "'", "&apos;"))
	}
	b.WriteString(`</table:table-row>`)
	for i := range n {
		b.WriteString(`<table:table-row>`)
		for _, v := range Row(i) {
			cellXML(v)
		}
		b.WriteString(`<table:table-cell table:number-columns-repeated="16377"/></table:table-row>`)
	}
	b.WriteString(`<table:table-row table:number-rows-repeated="1048000"><table:table-cell table:number-columns-repeated="16384"/></table:table-row>`)

	var buf bytes.Buffer
	w := zip.NewWriter(&buf)
	for _, m := range []struct{ name, body string }{
		{"mimetype", "application/vnd.oasis.opendocument.spreadsheet"}, // first, as OpenDocument wants
		{"content.xml", `<?xml version="1.0" encoding="UTF-8"?><office:document-content
 xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"
 xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0"
 xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"><office:body><office:spreadsheet>
<table:table table:name="Feuille1">` + b.String() + `</table:table></office:spreadsheet></office:body></office:document-content>`},
	} {
		f, err := w.Create(m.name)
		if err != nil {
			return nil, err
		}
		if _, err := f.Write([]byte(m.body)); err != nil {
			return nil, err
		}
	}
	if err := w.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// BIFF8 record types and version, as in sheet/xls.go.
const (
	recEOF        = 0x000A
	recCodePage   = 0x0042
	recBoundSheet = 0x0085
	recNumber     = 0x0203
	recLabel      = 0x0204
	recBOF        = 0x0809
	biff8         = 0x0600
)

// XLS writes a BIFF8 workbook of n schools: LABEL records for text, NUMBER for numbers. A
// BIFF8 sheet holds 65,536 rows at most: larger lists go on several sheets, each with its header.
func XLS(n int) []byte {
	const perSheet = 60_000
	hdr := make([]any, len(Header))
	for i, h := range Header {
		hdr[i] = h
	}
	sheets := map[string][][]any{}
	var order []string
	for start := 0; start < n || start == 0; start += perSheet {
		name := fmt.Sprintf("Écoles %d", len(order)+1)
		rows := [][]any{hdr}
		for i := start; i < min(n, start+perSheet); i++ {
			rows = append(rows, Row(i))
		}
		sheets[name], order = rows, append(order, name)
	}
	return CFB(BIFF(sheets, order))
}

// BIFFRecord appends one BIFF record.
func BIFFRecord(b *bytes.Buffer, typ uint16, data []byte) {
	_ = binary.Write(b, binary.LittleEndian, typ)
	_ = binary.Write(b, binary.LittleEndian, uint16(len(data)))
	b.Write(data)
}

// xlString encodes an XLUnicodeString: 16-bit (or 8-bit when short) length, flags, then Latin-1
// or UTF-16 characters.
func xlString(s string, short bool) []byte {
	var b bytes.Buffer
	u := utf16.Encode([]rune(s))
	if short {
		b.WriteByte(byte(len(u)))
	} else {
		_ = binary.Write(&b, binary.LittleEndian, uint16(len(u)))
	}
	wide := false
	for _, c := range u {
		wide = wide || c > 0xFF
	}
	if wide {
		b.WriteByte(1)
		_ = binary.Write(&b, binary.LittleEndian, u)
	} else {
		b.WriteByte(0)
		for _, c := range u {
			b.WriteByte(byte(c))
		}
	}
	return b.Bytes()
}

// BIFF writes the Workbook stream of a BIFF8 workbook.
func BIFF(sheets map[string][][]any, order []string) []byte {
	bof := func(b *bytes.Buffer, dt uint16) {
		d := make([]byte, 16)
		binary.LittleEndian.PutUint16(d, biff8)
		binary.LittleEndian.PutUint16(d[2:], dt)
		BIFFRecord(b, recBOF, d)
	}
	var subs [][]byte
	for _, name := range order {
		var s bytes.Buffer
		bof(&s, 0x0010)
		for r, row := range sheets[name] {
			for c, v := range row {
				head := make([]byte, 6)
				binary.LittleEndian.PutUint16(head, uint16(r))
				binary.LittleEndian.PutUint16(head[2:], uint16(c))
				switch v := v.(type) {
				case int:
					BIFFRecord(&s, recNumber, binary.LittleEndian.AppendUint64(head, math.Float64bits(float64(v))))
				case string:
					if v != "" {
						BIFFRecord(&s, recLabel, append(head, xlString(v, false)...))
					}
				}
			}
		}
		BIFFRecord(&s, recEOF, nil)
		subs = append(subs, s.Bytes())
	}
	var g bytes.Buffer
	bof(&g, 0x0005)
	BIFFRecord(&g, recCodePage, []byte{0xB0, 0x04}) // 1200
	boundAt := make([]int, len(order))
	for i, name := range order {
		boundAt[i] = g.Len() + 4
		BIFFRecord(&g, recBoundSheet, append(make([]byte, 6), xlString(name, true)...))
	}
	BIFFRecord(&g, recEOF, nil)
	out := g.Bytes()
	pos := len(out)
	for i, s := range subs {
		binary.LittleEndian.PutUint32(out[boundAt[i]:], uint32(pos))
		pos += len(s)
	}
	for _, s := range subs {
		out = append(out, s...)
	}
	return out
}

// CFB wraps a Workbook stream into a compound file (version 4, 4096-byte sectors).
func CFB(stream []byte) []byte {
	const sector = 4096
	const (
		free   = 0xFFFFFFFF
		end    = 0xFFFFFFFE
		fatSec = 0xFFFFFFFD
	)
	if len(stream) < sector { // keep the stream out of the mini stream
		stream = append(stream, make([]byte, sector-len(stream))...)
	}
	size := len(stream)
	n := (size + sector - 1) / sector
	f := 1
	for (n+f+1+1023)/1024 > f {
		f++
	}
	if f > 109 {
		panic("stream too large for a generated compound file")
	}
	fat := make([]uint32, f*1024)
	for i := range fat {
		fat[i] = free
	}
	for i := range n {
		fat[i] = uint32(i + 1)
	}
	fat[n-1] = end
	for i := range f {
		fat[n+i] = fatSec
	}
	dirSec := n + f
	fat[dirSec] = end

	out := make([]byte, sector*(1+n+f+1))
	h := out[:512]
	copy(h, []byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1})
	binary.LittleEndian.PutUint16(h[24:], 0x003E)
	binary.LittleEndian.PutUint16(h[26:], 0x0004)
	binary.LittleEndian.PutUint16(h[28:], 0xFFFE)
	binary.LittleEndian.PutUint16(h[30:], 12)
	binary.LittleEndian.PutUint16(h[32:], 6)
	binary.LittleEndian.PutUint32(h[40:], 1)
	binary.LittleEndian.PutUint32(h[44:], uint32(f))
	binary.LittleEndian.PutUint32(h[48:], uint32(dirSec))
	binary.LittleEndian.PutUint32(h[56:], sector)
	binary.LittleEndian.PutUint32(h[60:], end)
	binary.LittleEndian.PutUint32(h[68:], end)
	for i := range 109 {
		v := uint32(free)
		if i < f {
			v = uint32(n + i)
		}
		binary.LittleEndian.PutUint32(h[76+4*i:], v)
	}
	at := func(s int) []byte { return out[sector*(1+s) : sector*(2+s)] }
	copy(out[sector:], stream)
	for i := range f {
		for j := range 1024 {
			binary.LittleEndian.PutUint32(at(n + i)[4*j:], fat[i*1024+j])
		}
	}
	dir := at(dirSec)
	entry := func(i int, name string, typ byte, child uint32, start uint32, size uint64) {
		e := dir[128*i : 128*(i+1)]
		u := utf16.Encode([]rune(name))
		for k, c := range u {
			binary.LittleEndian.PutUint16(e[2*k:], c)
		}
		binary.LittleEndian.PutUint16(e[64:], uint16(2*len(u)+2))
		e[66], e[67] = typ, 1
		binary.LittleEndian.PutUint32(e[68:], free)
		binary.LittleEndian.PutUint32(e[72:], free)
		binary.LittleEndian.PutUint32(e[76:], child)
		binary.LittleEndian.PutUint32(e[116:], start)
		binary.LittleEndian.PutUint64(e[120:], size)
	}
	entry(0, "Root Entry", 5, 1, end, 0)
	entry(1, "Workbook", 2, free, 0, uint64(size))
	for i := 2; i < sector/128; i++ {
		e := dir[128*i:]
		binary.LittleEndian.PutUint32(e[68:], free)
		binary.LittleEndian.PutUint32(e[72:], free)
		binary.LittleEndian.PutUint32(e[76:], free)
	}
	return out
}

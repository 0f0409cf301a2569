package sheet

import (
	"bytes"
	"encoding/binary"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
	"unicode/utf16"

	"github.com/richardlehane/mscfb"
	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
)

// BIFF record types read by readXLS ([MS-XLS] 2.3).
const (
	recFormula    = 0x0006
	recEOF        = 0x000A
	recFilePass   = 0x002F
	recContinue   = 0x003C
	recCodePage   = 0x0042
	recBoundSheet = 0x0085
	recMulRK      = 0x00BD
	recRString    = 0x00D6
	recSST        = 0x00FC
	recLabelSST   = 0x00FD
	recNumber     = 0x0203
	recLabel      = 0x0204
	recBoolErr    = 0x0205
	recString     = 0x0207
	recRK         = 0x027E
	recBOF        = 0x0809
)

// BIFF versions, from the BOF record.
const (
	biff5 = 0x0500 // Excel 5 and 95
	biff8 = 0x0600 // Excel 97 to 2003, and what LibreOffice writes as .xls
)

// maxXLSColumns bounds the column index of a cell: BIFF8 has 256 columns.
const maxXLSColumns = 16384

// readXLS reads a legacy Excel workbook (BIFF8, and BIFF5 from Excel 5 and 95) from its compound
// file, with a record reader of its own: strings are decoded right (Latin-1 for BIFF8 compressed
// strings, the code page for BIFF5) and numbers stay numbers.
func readXLS(data []byte, lim Limits, sink rowSink) error {
	c, err := mscfb.New(bytes.NewReader(data))
	if err != nil {
		return unreadable(err, reasonDamaged)
	}
	var stream *mscfb.File
	for f, err := c.Next(); err == nil; f, err = c.Next() {
		name := strings.ToLower(f.Name)
		if len(f.Path) == 0 && (name == "workbook" || name == "book" && stream == nil) {
			stream = f
		}
	}
	if stream == nil || stream.Size <= 0 || stream.Size > int64(len(data)) {
		return unreadable(nil, reasonDamaged)
	}
	wb := make([]byte, stream.Size)
	if _, err := io.ReadFull(stream, wb); err != nil {
		return unreadable(err, reasonDamaged)
	}
	return parseBIFF(wb, lim, sink)
}

// record is one BIFF record.
type record struct {
	typ  uint16
	data []byte
}

// recordAt returns the record at offset pos of the stream, and the offset of the next one.
func recordAt(wb []byte, pos int) (record, int, bool) {
	if pos < 0 || pos+4 > len(wb) {
		return record{}, 0, false
	}
	typ := binary.LittleEndian.Uint16(wb[pos:])
	size := int(binary.LittleEndian.Uint16(wb[pos+2:]))
	end := pos + 4 + size
	if end > len(wb) {
		return record{}, 0, false
	}
	return record{typ, wb[pos+4 : end]}, end, true
}

// xlsBook is what the workbook globals say.
type xlsBook struct {
	version uint16
	dec     *encoding.Decoder // BIFF5 8-bit strings
	sst     []string
	sheets  []xlsSheet
}

type xlsSheet struct {
	name string
	pos  int
	kind byte // 0: worksheet
}

func parseBIFF(wb []byte, lim Limits, sink rowSink) error {
	bof, pos, ok := recordAt(wb, 0)
	if !ok || bof.typ != recBOF || len(bof.data) < 4 {
		if ok && (bof.typ == 0x0009 || bof.typ == 0x0209 || bof.typ == 0x0409) {
			return unreadable(nil, reasonOldExcel)
		}
		return unreadable(nil, reasonDamaged)
	}
	b := &xlsBook{version: binary.LittleEndian.Uint16(bof.data), dec: charmap.Windows1252.NewDecoder()}
	if b.version != biff8 && b.version != biff5 {
		if b.version < biff5 {
			return unreadable(nil, reasonOldExcel)
		}
		return unreadable(nil, reasonDamaged)
	}
	var sst [][]byte
	for {
		r, next, ok := recordAt(wb, pos)
		if !ok {
			return unreadable(nil, reasonDamaged)
		}
		pos = next
		switch r.typ {
		case recEOF:
			goto sheets
		case recFilePass:
			return unreadable(nil, reasonEncrypted)
		case recCodePage:
			if len(r.data) >= 2 {
				b.dec = codePage(binary.LittleEndian.Uint16(r.data), b.dec)
			}
		case recBoundSheet:
			if len(r.data) >= 7 {
				s := xlsSheet{pos: int(binary.LittleEndian.Uint32(r.data)), kind: r.data[5]}
				s.name = b.shortString(r.data[6:])
				b.sheets = append(b.sheets, s)
			}
		case recSST:
			sst = [][]byte{r.data}
			for {
				c, n, ok := recordAt(wb, pos)
				if !ok || c.typ != recContinue {
					break
				}
				sst, pos = append(sst, c.data), n
			}
		}
	}
sheets:
	if len(sst) > 0 && b.version == biff8 {
		b.sst = readSST(sst)
	}
	// sheets do not overlap in a real workbook: a stream that makes its sheets read the same
	// records over and over is damaged
	budget := 2*len(wb) + 1<<20
	read := map[int]bool{}
	for _, s := range b.sheets {
		if s.kind != 0 || read[s.pos] {
			continue
		}
		read[s.pos] = true
		n, err := b.readSheet(wb, s, lim, sink)
		if err != nil {
			return err
		}
		if budget -= n; budget < 0 {
			return unreadable(nil, reasonDamaged)
		}
	}
	return nil
}

// codePage returns the decoder of a CODEPAGE record's value, or def.
func codePage(cp uint16, def *encoding.Decoder) *encoding.Decoder {
	var cm *charmap.Charmap
	switch cp {
	case 437:
		cm = charmap.CodePage437
	case 850:
		cm = charmap.CodePage850
	case 1250:
		cm = charmap.Windows1250
	case 1251:
		cm = charmap.Windows1251
	case 1252, 0x8001:
		cm = charmap.Windows1252
	case 1253:
		cm = charmap.Windows1253
	case 1254:
		cm = charmap.Windows1254
	case 1257:
		cm = charmap.Windows1257
	case 10000, 0x8000:
		cm = charmap.Macintosh
	default:
		return def
	}
	return cm.NewDecoder()
}

// bytes8 decodes a BIFF5 8-bit string in the workbook's code page.
func (b *xlsBook) bytes8(p []byte) string {
	s, err := b.dec.Bytes(p)
	if err != nil {
		return latin1(p)
	}
	return string(s)
}

// latin1 decodes a BIFF8 "compressed" string: the high bytes of its UTF-16 units are all 0.
func latin1(p []byte) string {
	ascii := true
	for _, c := range p {
		if c >= 0x80 {
			ascii = false
			break
		}
	}
	if ascii {
		return string(p)
	}
	r := make([]rune, len(p))
	for i, c := range p {
		r[i] = rune(c)
	}
	return string(r)
}

// utf16le decodes UTF-16 little-endian bytes.
func utf16le(p []byte) string {
	u := make([]uint16, len(p)/2)
	for i := range u {
		u[i] = binary.LittleEndian.Uint16(p[2*i:])
	}
	return string(utf16.Decode(u))
}

// shortString reads the name of a BOUNDSHEET: a one-byte length, then (BIFF8) a flags byte.
func (b *xlsBook) shortString(p []byte) string {
	if len(p) < 1 {
		return ""
	}
	n := int(p[0])
	if b.version != biff8 {
		return b.bytes8(p[1:min(len(p), 1+n)])
	}
	if len(p) < 2 {
		return ""
	}
	if p[1]&1 != 0 {
		return utf16le(p[2:min(len(p), 2+2*n)])
	}
	return latin1(p[2:min(len(p), 2+n)])
}

// segments reads data that a record and its CONTINUE records split: the SST, a long STRING.
type segments struct {
	segs [][]byte
	i    int // current segment
	pos  int // offset in it
}

// next makes sure the current segment has bytes left, moving to the next one if needed; it
// reports whether a new segment was entered.
func (s *segments) next() (moved, ok bool) {
	for s.i < len(s.segs) && s.pos >= len(s.segs[s.i]) {
		s.i++
		s.pos = 0
		moved = true
	}
	return moved, s.i < len(s.segs)
}

func (s *segments) byte() (byte, bool) {
	if _, ok := s.next(); !ok {
		return 0, false
	}
	c := s.segs[s.i][s.pos]
	s.pos++
	return c, true
}

func (s *segments) uint16() (uint16, bool) {
	lo, ok1 := s.byte()
	hi, ok2 := s.byte()
	return uint16(lo) | uint16(hi)<<8, ok1 && ok2
}

func (s *segments) uint32() (uint32, bool) {
	lo, ok1 := s.uint16()
	hi, ok2 := s.uint16()
	return uint32(lo) | uint32(hi)<<16, ok1 && ok2
}

// skip passes n bytes, across segments.
func (s *segments) skip(n int) bool {
	for n > 0 {
		if _, ok := s.next(); !ok {
			return false
		}
		k := min(n, len(s.segs[s.i])-s.pos)
		s.pos += k
		n -= k
	}
	return true
}

// unicodeString reads an XLUnicodeRichExtendedString (or a plain XLUnicodeString when rich is
// false): its characters may go on in the next segment, which then starts with a new flags byte
// saying whether they are compressed.
func (s *segments) unicodeString(rich bool) (string, bool) {
	cch, ok := s.uint16()
	if !ok {
		return "", false
	}
	flags, ok := s.byte()
	if !ok {
		return "", false
	}
	var runs, ext uint32
	if rich && flags&0x08 != 0 {
		r, ok := s.uint16()
		if !ok {
			return "", false
		}
		runs = uint32(r)
	}
	if rich && flags&0x04 != 0 {
		if ext, ok = s.uint32(); !ok {
			return "", false
		}
	}
	high := flags&0x01 != 0
	var out strings.Builder
	var units []uint16
	remaining := int(cch)
	for remaining > 0 {
		moved, ok := s.next()
		if !ok {
			return "", false
		}
		if moved {
			// a CONTINUE record starts with the flags of the characters it goes on with
			f := s.segs[s.i][s.pos]
			s.pos++
			high = f&0x01 != 0
			if _, ok := s.next(); !ok {
				return "", false
			}
		}
		seg := s.segs[s.i][s.pos:]
		if high {
			k := min(remaining, len(seg)/2)
			if k == 0 {
				return "", false
			}
			for j := range k {
				units = append(units, binary.LittleEndian.Uint16(seg[2*j:]))
			}
			s.pos += 2 * k
			remaining -= k
		} else {
			k := min(remaining, len(seg))
			if len(units) > 0 {
				out.WriteString(string(utf16.Decode(units)))
				units = units[:0]
			}
			out.WriteString(latin1(seg[:k]))
			s.pos += k
			remaining -= k
		}
	}
	if len(units) > 0 {
		out.WriteString(string(utf16.Decode(units)))
	}
	if !s.skip(int(runs)*4) || !s.skip(int(ext)) {
		return out.String(), false
	}
	return out.String(), true
}

// readSST reads the shared string table from the SST record and its CONTINUE records.
func readSST(segs [][]byte) []string {
	s := &segments{segs: segs}
	if !s.skip(4) {
		return nil
	}
	unique, ok := s.uint32()
	if !ok {
		return nil
	}
	total := 0
	for _, seg := range segs {
		total += len(seg)
	}
	out := make([]string, 0, min(int(unique), total/3))
	for range unique {
		str, ok := s.unicodeString(true)
		if !ok {
			break
		}
		out = append(out, str)
	}
	return out
}

// xlsCell is one value of a worksheet.
type xlsCell struct {
	row, col int
	v        string
}

// readSheet reads the cells of one worksheet substream and hands them row by row to sink. It
// returns the number of bytes of the stream it went through.
func (b *xlsBook) readSheet(wb []byte, s xlsSheet, lim Limits, sink rowSink) (int, error) {
	bof, pos, ok := recordAt(wb, s.pos)
	if !ok || bof.typ != recBOF || len(bof.data) < 4 {
		return 0, nil // a sheet the workbook lists but does not hold
	}
	if dt := binary.LittleEndian.Uint16(bof.data[2:]); dt != 0x0010 {
		return 0, nil // a chart, a macro sheet
	}
	var cells []xlsCell
	add := func(row, col int, v string) error {
		if v == "" || col >= maxXLSColumns {
			return nil
		}
		cells = append(cells, xlsCell{row, col, v})
		if int64(len(cells)) > lim.MaxCells {
			return errTooManyCells(lim)
		}
		return nil
	}
	depth := 0                      // embedded substreams (charts) inside the sheet
	pendingRow, pendingCol := -1, 0 // a FORMULA whose string result follows in a STRING record
loop:
	for {
		r, next, ok := recordAt(wb, pos)
		if !ok {
			break // a truncated sheet: keep what was read
		}
		pos = next
		d := r.data
		switch {
		case r.typ == recBOF:
			depth++
			continue
		case r.typ == recEOF:
			if depth == 0 {
				break loop
			}
			depth--
			continue
		case depth > 0:
			continue
		}
		if r.typ == recString {
			if pendingRow >= 0 {
				v := b.stringRecord(wb, d, pos)
				if err := add(pendingRow, pendingCol, v); err != nil {
					return 0, err
				}
				pendingRow = -1
			}
			continue
		}
		if len(d) < 6 {
			continue
		}
		row, col := int(binary.LittleEndian.Uint16(d)), int(binary.LittleEndian.Uint16(d[2:]))
		var err error
		switch r.typ {
		case recLabelSST:
			if len(d) >= 10 {
				if i := int(binary.LittleEndian.Uint32(d[6:])); i < len(b.sst) {
					err = add(row, col, b.sst[i])
				}
			}
		case recLabel, recRString:
			err = add(row, col, b.labelString(d[6:]))
		case recNumber:
			if len(d) >= 14 {
				err = add(row, col, formatNumber(math.Float64frombits(binary.LittleEndian.Uint64(d[6:]))))
			}
		case recRK:
			if len(d) >= 10 {
				err = add(row, col, formatNumber(rkValue(binary.LittleEndian.Uint32(d[6:]))))
			}
		case recMulRK:
			for i := 4; i+6 <= len(d)-2 && err == nil; i += 6 {
				err = add(row, col, formatNumber(rkValue(binary.LittleEndian.Uint32(d[i+2:]))))
				col++
			}
		case recBoolErr:
			if len(d) >= 8 {
				err = add(row, col, boolErr(d[6], d[7]))
			}
		case recFormula:
			if len(d) >= 14 {
				if d[12] == 0xFF && d[13] == 0xFF {
					switch d[6] {
					case 0: // a string, in the STRING record that follows
						pendingRow, pendingCol = row, col
					case 1:
						err = add(row, col, boolErr(d[8], 0))
					case 2:
						err = add(row, col, boolErr(d[8], 1))
					}
				} else {
					err = add(row, col, formatNumber(math.Float64frombits(binary.LittleEndian.Uint64(d[6:]))))
				}
			}
		}
		if err != nil {
			return 0, err
		}
	}
	if err := sink.sheet(s.name); err != nil {
		return 0, err
	}
	return pos - s.pos, emitCells(cells, sink)
}

// emitCells hands cells to sink row by row, in order.
func emitCells(cells []xlsCell, sink rowSink) error {
	sorted := slices.IsSortedFunc(cells, func(a, b xlsCell) int {
		if a.row != b.row {
			return a.row - b.row
		}
		return a.col - b.col
	})
	if !sorted {
		slices.SortStableFunc(cells, func(a, b xlsCell) int {
			if a.row != b.row {
				return a.row - b.row
			}
			return a.col - b.col
		})
	}
	for i := 0; i < len(cells); {
		j := i
		for j < len(cells) && cells[j].row == cells[i].row {
			j++
		}
		line := make([]string, cells[j-1].col+1)
		for _, c := range cells[i:j] {
			line[c.col] = c.v
		}
		if err := sink.row(cells[i].row+1, line); err != nil {
			return err
		}
		i = j
	}
	return nil
}

// labelString reads the string of a LABEL or RSTRING record.
func (b *xlsBook) labelString(p []byte) string {
	if len(p) < 2 {
		return ""
	}
	if b.version != biff8 {
		n := int(binary.LittleEndian.Uint16(p))
		return b.bytes8(p[2:min(len(p), 2+n)])
	}
	s := &segments{segs: [][]byte{p}}
	v, _ := s.unicodeString(false)
	return v
}

// stringRecord reads the string result of a formula, which may go on in CONTINUE records from
// offset pos of the stream.
func (b *xlsBook) stringRecord(wb []byte, d []byte, pos int) string {
	if b.version != biff8 {
		return b.labelString(d)
	}
	segs := [][]byte{d}
	for {
		c, n, ok := recordAt(wb, pos)
		if !ok || c.typ != recContinue {
			break
		}
		segs, pos = append(segs, c.data), n
	}
	s := &segments{segs: segs}
	v, _ := s.unicodeString(false)
	return v
}

// rkValue decodes an RK number: a 30-bit integer or the high bits of a float, maybe divided by 100.
func rkValue(rk uint32) float64 {
	var v float64
	if rk&0x02 != 0 {
		v = float64(int32(rk) >> 2)
	} else {
		v = math.Float64frombits(uint64(rk&0xFFFFFFFC) << 32)
	}
	if rk&0x01 != 0 {
		v /= 100
	}
	return v
}

// formatNumber writes a number as a spreadsheet shows it by default: 472103540, not 4.7e+08.
func formatNumber(f float64) string {
	if f == math.Trunc(f) && math.Abs(f) < 1e15 {
		return strconv.FormatInt(int64(f), 10)
	}
	return strconv.FormatFloat(f, 'f', -1, 64)
}

// boolErr writes the value of a BOOLERR record (or a formula's boolean or error result).
func boolErr(v, isErr byte) string {
	if isErr == 0 {
		if v != 0 {
			return "VRAI"
		}
		return "FAUX"
	}
	switch v {
	case 0x00:
		return "#NUL!"
	case 0x07:
		return "#DIV/0!"
	case 0x0F:
		return "#VALEUR!"
	case 0x17:
		return "#REF!"
	case 0x1D:
		return "#NOM?"
	case 0x24:
		return "#NOMBRE!"
	case 0x2A:
		return "#N/A"
	}
	return "#ERREUR"
}

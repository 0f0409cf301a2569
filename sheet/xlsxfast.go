package sheet

import (
	"archive/zip"
	"bytes"
	"encoding/xml"
	"errors"
	"io"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf16"

	"github.com/xuri/excelize/v2"
)

// The fast xlsx reader streams worksheets with (*xml.Decoder).RawToken, matching local names so
// that prefixed producers (x:c) read as the others. It gives exactly the rows the excelize path
// (readXLSXExcelize) gives: the same sheets in the same order, the same row numbers and the same
// raw cell texts, because it follows the same steps as excelize's Rows.Next and Rows.Columns
// (rows.go) and its shared strings (xlsxSI.String, bstrUnmarshal). It reads the package parts
// excelize reads on opening (rels, workbook, its rels, content types, shared strings) before
// sending anything, and gives up with errUnsure — the excelize path then reads the workbook — on
// anything where excelize's answer depends on more than what is ported here: a decoding error,
// a declared encoding other than UTF-8, an attribute excelize would fail to decode, a shared
// strings table large enough for excelize to read it from a temporary file, rows numbered
// backwards. Within a sheet it gives up only before sending the row being read, and says how many
// rows were read, so that the excelize path resumes exactly there.

// errUnsure means that the fast reader cannot tell what excelize would read: the caller reads
// the workbook with excelize instead, from the point the fast reader returned.
var errUnsure = errors.New("sheet: xlsx: not sure to read this as excelize does")

// Names and limits from excelize.
const (
	nsSpreadsheet        = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
	nsRelationships      = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
	relTypeOfficeDoc     = nsRelationships + "/officeDocument"
	xlsxTotalRows        = 1048576 // excelize.TotalRows
	xlsxMaxSheetNameLen  = 31      // excelize.MaxSheetNameLength
	xlsxSharedStringPart = "xl/sharedStrings.xml"
	xlsxContentTypesPart = "[Content_Types].xml"
)

// strictToTransitional is the part of excelize's namespaceStrictToTransitional the fast reader
// depends on, longest first so that the order of replacement does not matter.
var strictToTransitional = [][2]string{
	{"http://purl.oclc.org/ooxml/officeDocument/relationships/officeDocument", relTypeOfficeDoc},
	{"http://purl.oclc.org/ooxml/officeDocument/relationships", nsRelationships},
	{"http://purl.oclc.org/ooxml/spreadsheetml/main", nsSpreadsheet},
}

const strictMark = "purl.oclc.org"

func strictTransitional(b []byte) []byte {
	if !bytes.Contains(b, []byte(strictMark)) {
		return b
	}
	for _, r := range strictToTransitional {
		b = bytes.ReplaceAll(b, []byte(r[0]), []byte(r[1]))
	}
	return b
}

// xlsxBook is what the fast reader takes from a package before reading any sheet.
type xlsxBook struct {
	members map[string]*zip.File // by the names excelize gives them
	sheets  []xlsxBookSheet      // as GetSheetList lists them
	sst     *sharedStrings
}

// xlsxBookSheet is a sheet of the workbook; part is nil when excelize's Rows refuses it.
type xlsxBookSheet struct {
	name string
	part *zip.File
}

// readXLSXFast reads the workbook with the fast reader. On errUnsure it returns where the
// excelize path must take over.
func readXLSXFast(zr *zip.Reader, lim Limits, sink rowSink) (xlsxResume, error) {
	book, err := openXLSXBook(zr, lim)
	if err != nil {
		return xlsxResume{}, err
	}
	for i, s := range book.sheets {
		if s.part == nil {
			continue
		}
		if err := sink.sheet(s.name); err != nil {
			return xlsxResume{}, err
		}
		n, err := book.readSheet(s.part, sink)
		if err == errUnsure {
			return xlsxResume{sheet: i, rows: n, started: true}, err
		}
		if err != nil {
			return xlsxResume{}, err
		}
	}
	return xlsxResume{}, nil
}

// openXLSXBook reads what excelize reads on opening. Any doubt gives errUnsure.
func openXLSXBook(zr *zip.Reader, lim Limits) (*xlsxBook, error) {
	b := &xlsxBook{members: make(map[string]*zip.File, len(zr.File))}
	for _, f := range zr.File {
		if f.Flags&1 != 0 || (f.Method != zip.Store && f.Method != zip.Deflate) {
			return nil, errUnsure
		}
		name := strings.ReplaceAll(f.Name, `\`, "/")
		lower := strings.ToLower(name)
		if unused(lower) {
			if _, err := f.OpenRaw(); err != nil {
				return nil, errUnsure // slimXLSX fails on it
			}
			continue // slimXLSX leaves them out
		}
		switch lower {
		case "[content_types].xml":
			name = xlsxContentTypesPart
		case "xl/sharedstrings.xml":
			name = xlsxSharedStringPart
		}
		b.members[name] = f
	}
	// excelize inflates every part on opening and fails on a part it cannot read: the parts
	// read here are read whole, the worksheets as they are streamed, the others drained.
	read := map[*zip.File]bool{}
	readPart := func(name string) ([]byte, bool, error) {
		f := b.members[name]
		if f == nil {
			return nil, false, nil
		}
		read[f] = true
		data, err := readMember(f)
		return data, true, err
	}
	// readRels reads and parses the relationships part name; ok is false when it is missing or
	// unreadable.
	readRels := func(name string) ([]xlsxRel, bool) {
		data, ok, err := readPart(name)
		if err != nil || !ok {
			return nil, false
		}
		rels, err := parseRels(data)
		return rels, err == nil
	}

	pkgRels, ok := readRels("_rels/.rels")
	if !ok {
		return nil, errUnsure
	}
	wbPath := ""
	for _, r := range pkgRels {
		if r.typ == relTypeOfficeDoc {
			wbPath = strings.TrimPrefix(r.target, "/")
			break
		}
	}
	if wbPath == "" || strings.Contains(wbPath, strictMark) {
		return nil, errUnsure
	}
	wbData, ok, err := readPart(wbPath)
	if err != nil || !ok {
		return nil, errUnsure
	}
	sheets, err := parseWorkbook(wbData)
	if err != nil {
		return nil, errUnsure
	}
	relsPath := strings.TrimPrefix(filepath.Dir(wbPath)+"/_rels/"+filepath.Base(wbPath)+".rels", "/")
	if filepath.Dir(wbPath) == "." {
		relsPath = "_rels/" + filepath.Base(wbPath) + ".rels"
	}
	wbRels, ok := readRels(relsPath)
	if !ok {
		return nil, errUnsure
	}
	if ct, ok, err := readPart(xlsxContentTypesPart); err != nil {
		return nil, errUnsure
	} else if ok {
		if _, err := walkRoot(ct, "Types", "http://schemas.openxmlformats.org/package/2006/content-types", nil); err != nil {
			return nil, errUnsure
		}
	}
	if f := b.members[xlsxSharedStringPart]; f != nil {
		if f.UncompressedSize64 > uint64(min(lim.MaxXMLSize, xlsxMemoryLimit)) {
			return nil, errUnsure // excelize reads it from a temporary file, with other rules
		}
		data, _, err := readPart(xlsxSharedStringPart)
		if err != nil {
			return nil, errUnsure
		}
		if b.sst, err = parseSharedStrings(data); err != nil {
			return nil, errUnsure
		}
	} else {
		b.sst = &sharedStrings{}
	}

	// The sheets, as excelize's getSheetMap and Rows find them.
	parts := map[*zip.File]bool{}
	for i, s := range sheets {
		if strings.Contains(s.name, strictMark) || strings.Contains(s.id, strictMark) {
			return nil, errUnsure
		}
		for _, o := range sheets[:i] {
			if strings.EqualFold(o.name, s.name) {
				return nil, errUnsure // excelize's lookup by name would pick either
			}
		}
		bs := xlsxBookSheet{name: s.name}
		if sheetNameOK(s.name) {
			for _, r := range wbRels {
				if r.id != s.id {
					continue
				}
				if strings.Contains(r.target, strictMark) {
					return nil, errUnsure
				}
				if f := b.members[worksheetPath(wbPath, r.target)]; f != nil {
					bs.part = f
				}
			}
		}
		if bs.part != nil {
			parts[bs.part] = true
		}
		b.sheets = append(b.sheets, bs)
	}
	for _, f := range b.members {
		if read[f] || parts[f] {
			continue
		}
		if _, err := readMember(f); err != nil {
			return nil, errUnsure
		}
	}
	return b, nil
}

// readMember inflates a part whole, as far as its declared size (the zip reader refuses more).
func readMember(f *zip.File) ([]byte, error) {
	rc, err := f.Open()
	if err != nil {
		return nil, err
	}
	data := make([]byte, f.UncompressedSize64) // bounded by checkZip
	if _, err := io.ReadFull(rc, data); err != nil {
		rc.Close()
		return nil, err
	}
	// To the end of the stream, as excelize reads every part: a damaged stream or a wrong
	// checksum after the declared size is found here, not ignored.
	if _, err := io.Copy(io.Discard, rc); err != nil {
		rc.Close()
		return nil, err
	}
	return data, rc.Close()
}

// walkRoot reads a small part as excelize's Decode into a struct whose XMLName is ns local: after
// the strict namespaces are renamed, up to the end of the root element, which must have that
// name. visit, if given, sees every element inside the root with its ancestors (path[0] is the
// root). An empty part, or one without a root, is no error, as in excelize; found tells.
func walkRoot(data []byte, local, ns string, visit func(e xml.StartElement, path []xml.StartElement) error) (found bool, err error) {
	t := newTokens(bytes.NewReader(strictTransitional(data)))
	var path []xml.StartElement
	for {
		switch e := t.next().(type) {
		case nil:
			if len(path) > 0 || t.failed() != nil {
				return false, errUnsure
			}
			return false, nil
		case xml.StartElement:
			if len(path) == 0 {
				if e.Name.Local != local || elementSpace(e) != ns {
					return false, errUnsure
				}
			} else if visit != nil {
				if err := visit(e, path); err != nil {
					return false, err
				}
			}
			path = append(path, e)
		case xml.EndElement:
			if path = path[:len(path)-1]; len(path) == 0 {
				return true, nil
			}
		}
	}
}

// attrSpace is the namespace of a prefixed attribute, as Token translates it from the
// declarations of the element and its ancestors; an unprefixed attribute has none.
func attrSpace(a xml.Attr, e xml.StartElement, path []xml.StartElement) string {
	if a.Name.Space == "" || a.Name.Space == "xmlns" {
		return a.Name.Space
	}
	for i := len(path); i >= 0; i-- {
		el := e
		if i < len(path) {
			el = path[i]
		}
		for j := len(el.Attr) - 1; j >= 0; j-- { // the last declaration wins, as in encoding/xml
			if d := el.Attr[j]; d.Name.Space == "xmlns" && d.Name.Local == a.Name.Space {
				return d.Value
			}
		}
	}
	return a.Name.Space
}

// xlsxRel is a relationship, the fields of excelize's xlsxRelationship read here.
type xlsxRel struct{ id, target, typ string }

// parseRels reads a relationships part as excelize decodes it.
func parseRels(data []byte) ([]xlsxRel, error) {
	var rels []xlsxRel
	_, err := walkRoot(data, "Relationships", "http://schemas.openxmlformats.org/package/2006/relationships",
		func(e xml.StartElement, path []xml.StartElement) error {
			if len(path) != 1 || e.Name.Local != "Relationship" {
				return nil
			}
			var r xlsxRel
			for _, a := range e.Attr {
				switch a.Name.Local {
				case "Id":
					r.id = a.Value
				case "Target":
					r.target = a.Value
				case "Type":
					r.typ = a.Value
				}
			}
			rels = append(rels, r)
			return nil
		})
	return rels, err
}

// xlsxWorkbookSheet is a sheet of workbook.xml: its name and relationship id.
type xlsxWorkbookSheet struct{ name, id string }

// parseWorkbook reads the sheets of workbook.xml as excelize decodes them, and makes sure that
// no attribute makes excelize's decoding fail.
func parseWorkbook(data []byte) ([]xlsxWorkbookSheet, error) {
	var sheets []xlsxWorkbookSheet
	found, err := walkRoot(data, "workbook", nsSpreadsheet, func(e xml.StartElement, path []xml.StartElement) error {
		if !attrsOK(e.Attr, workbookTypedAttrs) {
			return errUnsure
		}
		if len(path) != 2 || e.Name.Local != "sheet" || path[1].Name.Local != "sheets" {
			return nil
		}
		var s xlsxWorkbookSheet
		for _, a := range e.Attr {
			switch {
			case a.Name.Local == "name":
				s.name = a.Value
			case a.Name.Local == "id" && attrSpace(a, e, path) == nsRelationships:
				s.id = a.Value
			}
		}
		sheets = append(sheets, s)
		return nil
	})
	if err == nil && !found {
		err = errUnsure // an empty workbook: let excelize say what it holds
	}
	return sheets, err
}

// worksheetPath is excelize's getWorksheetPath.
func worksheetPath(wbPath, target string) string {
	if strings.HasPrefix(target, "/") {
		return filepath.ToSlash(strings.TrimPrefix(strings.ReplaceAll(filepath.Clean(target), `\`, "/"), "/"))
	}
	return filepath.ToSlash(strings.TrimPrefix(strings.ReplaceAll(filepath.Clean(filepath.Dir(wbPath)+"/"+target), `\`, "/"), "/"))
}

// sheetNameOK is excelize's checkSheetName: Rows refuses a sheet whose name fails it.
func sheetNameOK(name string) bool {
	n := 0
	for _, r := range name {
		n += utf16.RuneLen(r)
	}
	return name != "" && n <= xlsxMaxSheetNameLen && !strings.HasPrefix(name, "'") && !strings.HasSuffix(name, "'") &&
		!strings.ContainsAny(name, `:\/?*[]`)
}

// attrKind is how encoding/xml decodes an attribute into a typed field of excelize's structs.
type attrKind uint8

const (
	kindBool attrKind = iota + 1
	kindInt
	kindUint32
	kindFloat
)

// parses reports whether encoding/xml decodes v into a field of kind k without an error.
func (k attrKind) parses(v string) bool {
	if v == "" {
		return true
	}
	v = strings.TrimSpace(v)
	var err error
	switch k {
	case kindBool:
		_, err = strconv.ParseBool(v)
	case kindInt:
		_, err = strconv.ParseInt(v, 10, 64)
	case kindUint32:
		_, err = strconv.ParseUint(v, 10, 32)
	case kindFloat:
		_, err = strconv.ParseFloat(v, 64)
	}
	return err == nil
}

// workbookTypedAttrs are the attributes of excelize's workbook structs that are not strings, by
// local name, whatever the element (a superset: a doubt only sends the file to excelize).
var workbookTypedAttrs = func() map[string]attrKind {
	m := map[string]attrKind{}
	for _, n := range strings.Fields(`autoRecover crashSave dataExtractLoad repairLoad lockRevision lockStructure
		lockWindows date1904 showBorderUnselectedTables filterPrivacy promptedSolutions showInkAnnotation backupFile
		saveExternalLinkValues hidePivotFieldList showPivotChartFilter allowRefreshQuery publishItems
		checkCompatibility autoCompressPictures refreshAllConnections minimized showHorizontalScroll
		showVerticalScroll showSheetTabs autoFilterDateGrouping function hidden publishToServer vbProcedure
		workbookParameter xml fullCalcOnLoad iterate fullPrecision calcCompleted calcOnSave concurrentCalc
		forceFullCalc autoUpdate changesSavedWin includeHiddenRowCol includePrintSettings maximized onlySync
		personalView showFormulaBar showStatusbar`) {
		m[n] = kindBool
	}
	for _, n := range strings.Fields(`revisionsSpinCount workbookSpinCount windowWidth windowHeight firstSheet
		activeTab sheetId builtInGroupCount cacheId functionGroupId localSheetId calcId iterateCount
		concurrentManualCount activeSheetId mergeInterval xWindow yWindow`) {
		m[n] = kindInt
	}
	m["tabRatio"], m["iterateDelta"] = kindFloat, kindFloat
	return m
}()

// siTypedAttrs are the typed attributes of excelize's xlsxSI (rich text run properties,
// phonetic runs), by element then attribute.
var siTypedAttrs = func() map[string]map[string]attrKind {
	m := map[string]map[string]attrKind{
		"charset":    {"val": kindInt},
		"family":     {"val": kindInt},
		"sz":         {"val": kindFloat},
		"color":      {"auto": kindBool, "indexed": kindInt, "theme": kindInt, "tint": kindFloat},
		"rPh":        {"sb": kindUint32, "eb": kindUint32},
		"phoneticPr": {"fontId": kindInt},
	}
	for _, n := range []string{"b", "i", "strike", "outline", "shadow", "condense", "extend"} {
		m[n] = map[string]attrKind{"val": kindBool}
	}
	return m
}()

// formulaTypedAttrs are the typed attributes of excelize's xlsxF.
var formulaTypedAttrs = map[string]attrKind{"aca": kindBool, "dt2D": kindBool, "dtr": kindBool, "del1": kindBool,
	"del2": kindBool, "ca": kindBool, "bx": kindBool, "si": kindInt}

func attrsOK(attrs []xml.Attr, kinds map[string]attrKind) bool {
	for _, a := range attrs {
		if k := kinds[a.Name.Local]; k != 0 && !k.parses(a.Value) {
			return false
		}
	}
	return true
}

// tokens reads XML with RawToken and checks what Token would check (an end tag that closes
// another element), so that it stops where excelize's decoder stops. Any error, the end of
// input aside, is errUnsure.
type tokens struct {
	d     *xml.Decoder
	stack []xml.Name
	err   error
	buf   []byte // text being gathered
}

// maxNesting bounds the elements open at once, and the attributes of one element, that the fast
// reader reads itself.
const maxNesting = 1000

func newTokens(r io.Reader) *tokens {
	return &tokens{d: xml.NewDecoder(r)}
}

// next returns the next token, nil at the end (err then tells errUnsure from the end).
func (t *tokens) next() xml.Token {
	if t.err != nil {
		return nil
	}
	tok, err := t.d.RawToken()
	if err != nil {
		if err != io.EOF || len(t.stack) > 0 {
			t.err = errUnsure
		} else {
			t.err = io.EOF
		}
		return nil
	}
	switch e := tok.(type) {
	case xml.StartElement:
		t.stack = append(t.stack, e.Name)
		if len(t.stack) > maxNesting || len(e.Attr) > maxNesting {
			// Far beyond any spreadsheet's, and near where encoding/xml's Decode, which
			// excelize uses, stops (10,000 elements and declarations in scope): excelize says.
			t.err = errUnsure
			return nil
		}
	case xml.EndElement:
		if len(t.stack) == 0 || t.stack[len(t.stack)-1] != e.Name {
			t.err = errUnsure
			return nil
		}
		t.stack = t.stack[:len(t.stack)-1]
	}
	return tok
}

// failed returns errUnsure if reading stopped on an error.
func (t *tokens) failed() error {
	if t.err == errUnsure {
		return errUnsure
	}
	return nil
}

// skip consumes the rest of the element just started, as Decoder.Skip.
func (t *tokens) skip() error {
	for depth := 1; depth > 0; {
		switch t.next().(type) {
		case nil:
			return errUnsure
		case xml.StartElement:
			depth++
		case xml.EndElement:
			depth--
		}
	}
	return nil
}

// text returns the character data directly inside the element just started, skipping the
// elements nested in it, as encoding/xml decodes a string field.
func (t *tokens) text(check func(xml.StartElement) bool) (string, error) {
	t.buf = t.buf[:0]
	for depth := 1; ; {
		switch e := t.next().(type) {
		case nil:
			return "", errUnsure
		case xml.CharData:
			if depth == 1 {
				t.buf = append(t.buf, e...)
			}
		case xml.StartElement:
			if check != nil && !check(e) {
				return "", errUnsure
			}
			depth++
		case xml.EndElement:
			depth--
			if depth == 0 {
				return string(t.buf), nil
			}
		}
	}
}

// sharedStrings is the shared strings table, each string as excelize's xlsxSI.String gives it.
type sharedStrings struct {
	text []string
}

func (s *sharedStrings) get(i int) (string, bool) {
	if i < 0 || i >= len(s.text) {
		return "", false
	}
	return s.text[i], true
}

// parseSharedStrings reads the table as excelize's sharedStringsReader decodes it.
func parseSharedStrings(data []byte) (*sharedStrings, error) {
	s := &sharedStrings{}
	t := newTokens(bytes.NewReader(data))
	var root xml.StartElement
	for {
		tok := t.next()
		if tok == nil {
			if err := t.failed(); err != nil {
				return nil, err
			}
			return s, nil // no root: an empty table, as excelize's Decode at EOF
		}
		if se, ok := tok.(xml.StartElement); ok {
			root = se
			break
		}
	}
	if root.Name.Local != "sst" || !attrsOK(root.Attr, map[string]attrKind{"count": kindInt, "uniqueCount": kindInt}) {
		return nil, errUnsure
	}
	if ns := elementSpace(root); ns != nsSpreadsheet && ns != "http://purl.oclc.org/ooxml/spreadsheetml/main" {
		return nil, errUnsure
	}
	for {
		switch e := t.next().(type) {
		case nil:
			return nil, errUnsure // the root is never closed
		case xml.StartElement:
			if e.Name.Local != "si" {
				if err := t.skip(); err != nil {
					return nil, err
				}
				continue
			}
			v, err := t.stringItem()
			if err != nil {
				return nil, err
			}
			if strings.Contains(v, strictMark) {
				return nil, errUnsure // excelize renames the strict namespaces in the text too
			}
			s.text = append(s.text, v)
		case xml.EndElement:
			return s, nil
		}
	}
}

// elementSpace is the namespace of a root element, from its own declarations.
func elementSpace(e xml.StartElement) string {
	// The last declaration wins, as in encoding/xml's Token.
	for i := len(e.Attr) - 1; i >= 0; i-- {
		a := e.Attr[i]
		if (e.Name.Space == "" && a.Name.Space == "" && a.Name.Local == "xmlns") ||
			(e.Name.Space != "" && a.Name.Space == "xmlns" && a.Name.Local == e.Name.Space) {
			return a.Value
		}
	}
	return e.Name.Space
}

// checkSI is the check of every element nested in a string item.
func checkSI(e xml.StartElement) bool {
	if e.Name.Local == "c" {
		return false // a cell inside a cell: excelize's cell parser would stop at its end
	}
	if k := siTypedAttrs[e.Name.Local]; k != nil {
		return attrsOK(e.Attr, k)
	}
	return true
}

// stringItem reads an si (or is) element just started, as excelize's xlsxSI.String: the text of
// its t, then of each rich text run's t, phonetic runs left out, then _xHHHH_ escapes decoded.
func (t *tokens) stringItem() (string, error) {
	var head string
	var runs []string
	for {
		switch e := t.next().(type) {
		case nil:
			return "", errUnsure
		case xml.StartElement:
			if !checkSI(e) {
				return "", errUnsure
			}
			switch e.Name.Local {
			case "t":
				v, err := t.text(checkSI)
				if err != nil {
					return "", err
				}
				head = v
			case "r":
				v, err := t.run()
				if err != nil {
					return "", err
				}
				runs = append(runs, v)
			default:
				if err := t.skipChecked(); err != nil {
					return "", err
				}
			}
		case xml.EndElement:
			v := head
			if len(runs) > 0 {
				v += strings.Join(runs, "")
			}
			return bstrUnmarshal(v), nil
		}
	}
}

// run reads a rich text run: the text of its (last) t.
func (t *tokens) run() (string, error) {
	v := ""
	for {
		switch e := t.next().(type) {
		case nil:
			return "", errUnsure
		case xml.StartElement:
			if !checkSI(e) {
				return "", errUnsure
			}
			if e.Name.Local == "t" {
				s, err := t.text(checkSI)
				if err != nil {
					return "", err
				}
				v = s
				continue
			}
			if err := t.skipChecked(); err != nil {
				return "", err
			}
		case xml.EndElement:
			return v, nil
		}
	}
}

// skipChecked is skip with checkSI on every nested element.
func (t *tokens) skipChecked() error {
	for depth := 1; depth > 0; {
		switch e := t.next().(type) {
		case nil:
			return errUnsure
		case xml.StartElement:
			if !checkSI(e) {
				return errUnsure
			}
			depth++
		case xml.EndElement:
			depth--
		}
	}
	return nil
}

var bstrExp = regexp.MustCompile(`_x[a-fA-F\d]{4}_`)

// bstrUnmarshal is excelize's: it decodes the _xHHHH_ escapes of a string item.
func bstrUnmarshal(s string) (result string) {
	if !strings.Contains(s, "_x") {
		return s
	}
	matches, l, cursor := bstrExp.FindAllStringSubmatchIndex(s, -1), len(s), 0
	for _, match := range matches {
		result += s[cursor:match[0]]
		subStr := s[match[0]:match[1]]
		if subStr == "_x005F_" {
			cursor = match[1]
			result += "_"
			continue
		}
		if bstrExp.MatchString(subStr) {
			cursor = match[1]
			v, _ := strconv.Unquote(`"\u` + s[match[0]+2:match[1]-1] + `"`)
			result += v
		}
	}
	if cursor < l {
		result += s[cursor:]
	}
	return result
}

// readSheet streams one worksheet part to sink, as readXLSXExcelize does with excelize's Rows.
// On errUnsure, n is the number of rows.Next iterations fully read and sent.
func (b *xlsxBook) readSheet(part *zip.File, sink rowSink) (n int, err error) {
	rc, err := part.Open()
	if err != nil {
		return 0, errUnsure
	}
	defer rc.Close()
	r := sheetRows{t: newTokens(rc), sst: b.sst}
	for {
		ok, err := r.next()
		if err != nil {
			return n, err
		}
		if !ok {
			// The rest of the part, to its end: excelize inflates every part whole when it opens
			// a workbook, and refuses one whose stream is damaged (or whose checksum is wrong)
			// even after </sheetData>; excelize is left to say so.
			if _, err := io.Copy(io.Discard, rc); err != nil {
				return n, errUnsure
			}
			return n, nil
		}
		cols, err := r.columns()
		if err != nil {
			return n, err
		}
		n++
		if len(cols) == 0 {
			continue
		}
		if err := sink.row(n, cols); err != nil {
			return n, err
		}
	}
}

// sheetRows is excelize's Rows iterator, step for step.
type sheetRows struct {
	t               *tokens
	sst             *sharedStrings
	curRow, seekRow int
	pending         *xml.StartElement // excelize's rows.token
	width           int               // the widest row so far, up to 64 cells
}

// rowAttr is excelize's attrValToInt("r", attrs).
func rowAttr(attrs []xml.Attr) (val int, err error) {
	for _, a := range attrs {
		if a.Name.Local == "r" {
			if val, err = strconv.Atoi(a.Value); err != nil {
				return
			}
		}
	}
	return
}

// next is Rows.Next.
func (r *sheetRows) next() (bool, error) {
	r.seekRow++
	if r.curRow >= r.seekRow {
		return true, nil
	}
	for {
		tok := r.t.next()
		if tok == nil {
			return false, r.t.failed()
		}
		switch e := tok.(type) {
		case xml.StartElement:
			if e.Name.Local == "row" {
				r.curRow++
				num, _ := rowAttr(e.Attr)
				if num > xlsxTotalRows {
					return false, errUnsure
				}
				if num != 0 {
					r.curRow = num
				}
				r.pending = &e
				return true, nil
			}
		case xml.EndElement:
			if e.Name.Local == "sheetData" {
				return false, nil
			}
		}
	}
}

// columns is Rows.Columns with RawCellValue.
func (r *sheetRows) columns() ([]string, error) {
	if r.curRow > r.seekRow {
		return nil, nil
	}
	var cells []string
	if r.width > 0 {
		cells = make([]string, 0, r.width) // as wide as the rows before, up to 64 cells: no regrowing
	}
	defer func() { r.width = min(max(r.width, len(cells)), 64) }()
	col := 0
	for {
		var tok xml.Token
		if r.pending != nil {
			tok = *r.pending
		} else if tok = r.t.next(); tok == nil {
			if err := r.t.failed(); err != nil {
				return nil, err
			}
			return cells, nil
		}
		switch e := tok.(type) {
		case xml.StartElement:
			switch e.Name.Local {
			case "row":
				num, err := rowAttr(e.Attr)
				if num > xlsxTotalRows {
					return nil, errUnsure // excelize's ErrMaxRows
				} else if num != 0 {
					r.curRow = num
				} else if r.pending == nil {
					r.curRow++
				}
				if err != nil {
					return nil, errUnsure // excelize fails on the number
				}
				if r.curRow > r.seekRow {
					r.pending = nil
					return cells, nil
				}
			case "c":
				r.pending = nil
				col++
				v, f, ref, err := r.cell(e)
				if err != nil {
					return nil, err
				}
				if ref != "" {
					if col, _, err = excelize.CellNameToCoordinates(ref); err != nil {
						return nil, errUnsure
					}
				}
				blank := col - len(cells)
				if v != "" || f {
					for i := 1; i < blank; i++ {
						cells = append(cells, "")
					}
					cells = append(cells, v)
				}
			}
			r.pending = nil
		case xml.EndElement:
			if e.Name.Local == "sheetData" {
				return cells, nil
			}
		}
	}
}

// cell reads a c element just started, as excelize's cellXMLHandler then getValueFrom with raw
// values: its value, whether it has a formula, and its reference.
func (r *sheetRows) cell(start xml.StartElement) (val string, formula bool, ref string, err error) {
	var typ, v, is string
	hasIS := false
	for _, a := range start.Attr {
		switch a.Name.Local {
		case "r":
			ref = a.Value
		case "s":
			if _, err := strconv.ParseInt(a.Value, 10, 64); err != nil {
				return "", false, "", errUnsure
			}
		case "t":
			typ = a.Value
		}
	}
	for done := false; !done; {
		switch e := r.t.next().(type) {
		case nil:
			return "", false, "", errUnsure
		case xml.StartElement:
			switch e.Name.Local {
			case "c":
				return "", false, "", errUnsure
			case "v":
				if v, err = r.t.text(nil); err != nil {
					return "", false, "", err
				}
			case "f":
				if !attrsOK(e.Attr, formulaTypedAttrs) {
					return "", false, "", errUnsure
				}
				if err := r.t.skip(); err != nil {
					return "", false, "", err
				}
				formula = true
			case "is":
				if hasIS {
					return "", false, "", errUnsure
				}
				if is, err = r.t.stringItem(); err != nil {
					return "", false, "", err
				}
				hasIS = true
			}
		case xml.EndElement:
			done = e.Name.Local == "c"
		}
	}
	switch typ {
	case "s":
		if v == "" {
			return "", formula, ref, nil
		}
		i, _ := strconv.Atoi(strings.TrimSpace(v))
		s, _ := r.sst.get(i)
		return s, formula, ref, nil
	case "inlineStr":
		if hasIS {
			return is, formula, ref, nil
		}
	}
	return v, formula, ref, nil
}

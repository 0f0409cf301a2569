package sheet

import (
	"archive/zip"
	"bytes"
	"fmt"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/laclasse/intake/internal/sheetgen"
)

// hostileName is a school name holding a terminal escape sequence (ESC [ 31 m), a C1 CSI, a tab
// and a line break.
const hostileName = "École\x1b[31m Jean\u009b2J Jaurès\tbis\nrue"

// cleanName is what a reader keeps of hostileName: no control left, separators as spaces.
const cleanName = "École[31m Jean2J Jaurès bis rue"

// controlRows is a list whose one school and whose sheet name hold controls.
func controlRows(name string) [][]any {
	row := sheetgen.Row(0)
	row[1] = name
	hdr := make([]any, len(sheetgen.Header))
	for i, h := range sheetgen.Header {
		hdr[i] = h
	}
	return [][]any{hdr, row}
}

func controlXLSX(t *testing.T, name string) []byte {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	for i, row := range controlRows(name) {
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		if err := f.SetSheetRow("Sheet1", cell, &row); err != nil {
			t.Fatal(err)
		}
	}
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		t.Fatal(err)
	}
	return escapeXLSX(t, buf.Bytes())
}

// escapeXLSX rewrites the U+FFFD that excelize writes for a control character as the OOXML
// escape of ESC (_x001B_), as Excel writes it and readers decode it.
func escapeXLSX(t *testing.T, data []byte) []byte {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	w := zip.NewWriter(&buf)
	escaped := false
	for _, f := range zr.File {
		r, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		var b bytes.Buffer
		if _, err := b.ReadFrom(r); err != nil {
			t.Fatal(err)
		}
		r.Close()
		body := b.Bytes()
		if bytes.Contains(body, []byte("\uFFFD")) {
			body, escaped = bytes.ReplaceAll(body, []byte("\uFFFD"), []byte("_x001B_")), true
		}
		out, err := w.Create(f.Name)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := out.Write(body); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if !escaped {
		t.Fatal("excelize wrote the control character as it is: escapeXLSX needs updating")
	}
	return buf.Bytes()
}

// xmlText writes s for an XML text node, controls as character references.
func xmlText(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r == '<':
			b.WriteString("&lt;")
		case r == '&':
			b.WriteString("&amp;")
		case r < 0x20 || (r >= 0x7f && r < 0xa0):
			fmt.Fprintf(&b, "&#x%X;", r)
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

func controlODS(t *testing.T, name string) []byte {
	t.Helper()
	var b strings.Builder
	for _, row := range controlRows(name) {
		b.WriteString(`<table:table-row>`)
		for _, v := range row {
			fmt.Fprintf(&b, `<table:table-cell office:value-type="string"><text:p>%s</text:p></table:table-cell>`, xmlText(fmt.Sprint(v)))
		}
		b.WriteString(`</table:table-row>`)
	}
	var buf bytes.Buffer
	w := zip.NewWriter(&buf)
	for _, m := range []struct{ name, body string }{
		{"mimetype", "application/vnd.oasis.opendocument.spreadsheet"},
		{"content.xml", `<?xml version="1.0" encoding="UTF-8"?><office:document-content
 xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"
 xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0"
 xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"><office:body><office:spreadsheet>
<table:table table:name="Feuille` + xmlText("\u009b\t1") + `">` + b.String() + `</table:table></office:spreadsheet></office:body></office:document-content>`},
	} {
		f, err := w.Create(m.name)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.Write([]byte(m.body)); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func controlCSV(name string) []byte {
	var b strings.Builder
	for _, row := range controlRows(name) {
		for i, v := range row {
			if i > 0 {
				b.WriteByte(';')
			}
			s := fmt.Sprint(v)
			if strings.ContainsAny(s, "\n;\"") {
				s = `"` + strings.ReplaceAll(s, `"`, `""`) + `"`
			}
			b.WriteString(s)
		}
		b.WriteString("\r\n")
	}
	return []byte(b.String())
}

// TestControlCharacters: a school name with a terminal escape sequence and a C1 control comes
// out of every reader without a control character, and so does a sheet name.
func TestControlCharacters(t *testing.T) {
	for _, tc := range []struct {
		file string
		data []byte
	}{
		{"l.xlsx", controlXLSX(t, hostileName)},
		// XML 1.0 has no way to write ESC or another C0 control but tab and line breaks:
		// the C1 CSI and the separators are what an ods can carry.
		{"l.ods", controlODS(t, strings.ReplaceAll(hostileName, "\x1b", ""))},
		{"l.xls", cfbOf(biffOf(map[string][][]any{"Écoles\x1b[2J\u009b": controlRows(hostileName)}, []string{"Écoles\x1b[2J\u009b"}))},
		{"l.csv", controlCSV(hostileName)},
	} {
		t.Run(tc.file, func(t *testing.T) {
			l, err := Read(t.Context(), tc.file, tc.data, DefaultLimits())
			if err != nil {
				t.Fatal(err)
			}
			if len(l.Schools) != 1 {
				t.Fatalf("%d schools, problems %+v", len(l.Schools), l.Problems)
			}
			if got := l.Schools[0].Name; got != cleanName {
				t.Errorf("name %q, want %q", got, cleanName)
			}
			if s := l.Schools[0].Sheet; hasControl(s) {
				t.Errorf("sheet name %q", s)
			}
		})
	}
}

func hasControl(s string) bool {
	return strings.ContainsFunc(s, func(r rune) bool { return r < 0x20 || (r >= 0x7f && r < 0xa0) })
}

func TestCleanControls(t *testing.T) {
	for in, want := range map[string]string{
		"École Jean Jaurès":       "École Jean Jaurès",
		"a\x1b[31mb\x1b[0m":       "a[31mb[0m",
		"a\u009b31mb\u0085c":      "a31mb c",
		"a\x00b\x7fc\td\r\ne\x07": "abc d  e",
		"Â « » é":                 "Â « » é", // 0xC2 lead bytes that are not C1
	} {
		if got := cleanControls(in); got != want {
			t.Errorf("cleanControls(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestCleanCellsCopies(t *testing.T) {
	in := []string{"a", "b\x1b", "c"}
	out := cleanCells(in)
	if in[1] != "b\x1b" || out[1] != "b" || out[0] != "a" || out[2] != "c" {
		t.Errorf("cleanCells(%q) = %q, and the input became %q", []string{"a", "b\x1b", "c"}, out, in)
	}
	clean := []string{"a", "b"}
	if out := cleanCells(clean); &out[0] != &clean[0] {
		t.Error("a clean row was copied")
	}
}

package sheet

import (
	"archive/zip"
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// withParts rewrites an xlsx with the parts given replaced or added, the others copied.
func withParts(t *testing.T, data []byte, parts map[string]string) []byte {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	w := zip.NewWriter(&buf)
	done := map[string]bool{}
	write := func(name, content string) {
		fw, err := w.Create(name)
		if err == nil {
			_, err = fw.Write([]byte(content))
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	for _, f := range zr.File {
		if content, ok := parts[f.Name]; ok {
			write(f.Name, content)
			done[f.Name] = true
			continue
		}
		r, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(r)
		if err != nil {
			t.Fatal(err)
		}
		write(f.Name, string(b))
	}
	for name, content := range parts {
		if !done[name] {
			write(name, content)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestReadXLSXSkipsUnusedParts checks that reading a list never decodes the parts that raw
// values do not need (the theme, the styles, the calculation chain): excelize decodes them when
// it opens a workbook, and for a small list that cost more than its rows. A workbook whose
// theme, styles and calculation chain are damaged reads as the same workbook whole.
func TestReadXLSXSkipsUnusedParts(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("testdata", "vaulx-actions-contacts.xlsx"))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	want, err := Read(ctx, "vaulx.xlsx", data, DefaultLimits())
	if err != nil {
		t.Fatal(err)
	}
	damaged := withParts(t, data, map[string]string{
		"xl/theme/theme1.xml": "<a:theme><not xml",
		"xl/styles.xml":       "<styleSheet><not xml",
		"xl/calcChain.xml":    "<calcChain><not xml",
		"xl/media/image1.png": strings.Repeat("\x89PNG", 1000),
	})
	got, err := Read(ctx, "vaulx.xlsx", damaged, DefaultLimits())
	if err != nil {
		t.Fatalf("a workbook with a damaged theme, styles and calculation chain: %v", err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("read with damaged unused parts:\n%+v\nwant\n%+v", got, want)
	}

	zr, err := zip.NewReader(bytes.NewReader(damaged), int64(len(damaged)))
	if err != nil {
		t.Fatal(err)
	}
	slim, err := slimXLSX(zr)
	if err != nil {
		t.Fatal(err)
	}
	sr, err := zip.NewReader(bytes.NewReader(slim), int64(len(slim)))
	if err != nil {
		t.Fatal(err)
	}
	var kept []string
	for _, f := range sr.File {
		kept = append(kept, f.Name)
	}
	for _, name := range []string{"xl/worksheets/sheet1.xml", "xl/sharedStrings.xml", "xl/workbook.xml", "xl/_rels/workbook.xml.rels", "[Content_Types].xml"} {
		if !strings.Contains(strings.Join(kept, "\n"), name) {
			t.Errorf("slimXLSX dropped %s: kept %v", name, kept)
		}
	}
	for _, name := range kept {
		if unused(strings.ToLower(name)) {
			t.Errorf("slimXLSX kept %s", name)
		}
	}
}

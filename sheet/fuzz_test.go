package sheet

import (
	"archive/zip"
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/richardlehane/mscfb"

	"github.com/laclasse/intake/convention"
)

// The fuzz targets feed each reader the part of a file it parses (content.xml, a worksheet, the
// Workbook stream, a csv text) wrapped into a valid container, so that mutations reach the
// parser rather than the container's checksums. Seeds come from shared/corpus,
// shared/sheet-corpus, testdata and generated lists; crashers found are kept in testdata/fuzz.

// fuzzLimits keeps each run small.
func fuzzLimits() Limits {
	return Limits{MaxFileSize: 4 << 20, MaxUnzipSize: 16 << 20, MaxXMLSize: 8 << 20, MaxRows: 5000, MaxCells: 100_000}
}

// fuzzRead reads data and checks what Read promises whatever the input: no panic, an error that
// is an *UnreadableError with a reason, or a list whose schools passed every check.
func fuzzRead(t *testing.T, name string, data []byte) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	l, err := Read(ctx, name, data, fuzzLimits())
	if err != nil {
		var ue *UnreadableError
		if !errors.As(err, &ue) || ue.Reason == "" {
			t.Fatalf("error is not an *UnreadableError with a reason: %v", err)
		}
		if ue.Err != nil && strings.Contains(ue.Err.Error(), "panic") {
			t.Fatalf("a reader panicked: %v", ue.Err)
		}
		return
	}
	seen := map[string]bool{}
	for _, s := range l.Schools {
		if !convention.ValidUAI(s.UAI) || seen[s.UAI] || s.Row < 1 || s.Sheet == "" && l.Format != "csv" {
			t.Fatalf("school accepted that must be refused: %+v", s)
		}
		seen[s.UAI] = true
		if s.Action != convention.ActionRemove && (s.Admin.LastName == "" || s.Admin.FirstName == "" ||
			!strings.HasPrefix(s.Admin.Phone, "+") || !strings.Contains(s.Admin.Email, "@") || s.Admin.Email != strings.ToLower(s.Admin.Email)) {
			t.Fatalf("school accepted without a complete administrator: %+v", s)
		}
	}
	for _, p := range l.Problems {
		if p.Message == "" || p.Field == "" || p.Severity != convention.SeverityError && p.Severity != convention.SeverityWarning {
			t.Fatalf("incomplete problem: %+v", p)
		}
	}
}

// seedFiles returns the files with one of the extensions in the corpora and testdata.
func seedFiles(t testing.TB, exts ...string) [][]byte {
	dirs := []string{sharedDirNoSkip("corpus"), sharedDirNoSkip("sheet-corpus"), "testdata"}
	var out [][]byte
	for _, dir := range dirs {
		if dir == "" {
			continue
		}
		filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return nil
			}
			for _, ext := range exts {
				if strings.HasSuffix(strings.ToLower(path), ext) {
					if b, err := os.ReadFile(path); err == nil {
						out = append(out, b)
					}
				}
			}
			return nil
		})
	}
	return out
}

// zipMember returns a member of a zip archive, or nil.
func zipMember(data []byte, name string) []byte {
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return nil
	}
	for _, f := range zr.File {
		if f.Name == name {
			rc, err := f.Open()
			if err != nil {
				return nil
			}
			defer rc.Close()
			b, _ := io.ReadAll(io.LimitReader(rc, 8<<20))
			return b
		}
	}
	return nil
}

// replaceMember returns a copy of a zip archive with one member's content replaced.
func replaceMember(t testing.TB, data []byte, name string, content []byte) []byte {
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	w := zip.NewWriter(&buf)
	for _, f := range zr.File {
		out, _ := w.CreateHeader(&zip.FileHeader{Name: f.Name, Method: f.Method})
		if f.Name == name {
			out.Write(content)
			continue
		}
		rc, _ := f.Open()
		io.Copy(out, rc)
		rc.Close()
	}
	w.Close()
	return buf.Bytes()
}

func FuzzReadCSV(f *testing.F) {
	for _, b := range seedFiles(f, ".csv") {
		f.Add(b)
	}
	f.Add(benchCSV(20))
	f.Add([]byte("sep=,\nUAI,Nom,Prénom,Email,Tél\n0690026D,A,B,a@b.fr,472000001\n"))
	f.Add([]byte("\xff\xfeU\x00A\x00I\x00\t\x00N\x00o\x00m\x00\n\x00"))
	f.Fuzz(func(t *testing.T, data []byte) {
		fuzzRead(t, "liste.csv", data)
	})
}

func FuzzReadODS(f *testing.F) {
	for _, b := range seedFiles(f, ".ods") {
		if c := zipMember(b, "content.xml"); c != nil && len(c) < 64<<10 {
			f.Add(c)
		}
	}
	f.Add(zipMember(benchODS(f, 20), "content.xml"))
	f.Fuzz(func(t *testing.T, content []byte) {
		data := zipOf(t, map[string]string{"mimetype": "application/vnd.oasis.opendocument.spreadsheet", "content.xml": string(content)})
		fuzzRead(t, "liste.ods", data)
	})
}

func FuzzReadXLSX(f *testing.F) {
	base := benchXLSX(f, 3)
	for _, b := range seedFiles(f, ".xlsx") {
		if s := zipMember(b, "xl/worksheets/sheet1.xml"); s != nil && len(s) < 64<<10 {
			f.Add(s)
		}
	}
	f.Add(zipMember(base, "xl/worksheets/sheet1.xml"))
	f.Fuzz(func(t *testing.T, sheet []byte) {
		fuzzRead(t, "liste.xlsx", replaceMember(t, base, "xl/worksheets/sheet1.xml", sheet))
	})
}

func FuzzReadXLS(f *testing.F) {
	for _, b := range seedFiles(f, ".xls") {
		if s := workbookStream(b); s != nil && len(s) < 64<<10 {
			f.Add(s)
		}
	}
	f.Add(biffOf(map[string][][]any{"Écoles": {{"UAI", "Nom", "Prénom", "Email", "Tél"}, {"0690026D", "A", "B", "a@b.fr", 472000001}}}, []string{"Écoles"}))
	f.Fuzz(func(t *testing.T, stream []byte) {
		if len(stream) == 0 || len(stream) > 4<<20 {
			return
		}
		fuzzRead(t, "liste.xls", cfbOf(stream))
	})
}

// workbookStream returns the Workbook stream of an xls file, or nil.
func workbookStream(data []byte) (out []byte) {
	defer func() {
		if recover() != nil {
			out = nil
		}
	}()
	r, err := mscfb.New(bytes.NewReader(data))
	if err != nil {
		return nil
	}
	for f, err := r.Next(); err == nil; f, err = r.Next() {
		if strings.EqualFold(f.Name, "workbook") && f.Size < 1<<20 {
			b := make([]byte, f.Size)
			if _, err := io.ReadFull(f, b); err == nil {
				return b
			}
		}
	}
	return nil
}

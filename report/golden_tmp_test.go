package report

import (
	"archive/zip"
	"bytes"
	"io"
	"os"
	"testing"
)

func TestTmpGolden(t *testing.T) {
	dir := os.Getenv("GOLDEN_DIR")
	if dir == "" {
		t.Skip()
	}
	dump := func(name string, b []byte) {
		z, _ := zip.NewReader(bytes.NewReader(b), int64(len(b)))
		for _, f := range z.File {
			r, _ := f.Open()
			data, _ := io.ReadAll(r)
			r.Close()
			os.MkdirAll(dir+"/"+name+"/"+dirOf(f.Name), 0o755)
			os.WriteFile(dir+"/"+name+"/"+f.Name, data, 0o644)
		}
	}
	var a, b, c bytes.Buffer
	if err := WriteFeesXLSX(&a, Fees(feeFacts(), "2025-2026", 150, paris)); err != nil {
		t.Fatal(err)
	}
	dump("fees", a.Bytes())
	if err := WriteActivityXLSX(&b, Activity(activityFacts(), "2025-2026", paris), activityHistory()); err != nil {
		t.Fatal(err)
	}
	dump("activity", b.Bytes())
	if err := WriteFeesXLSX(&c, nationalFees(30, 5)); err != nil {
		t.Fatal(err)
	}
	dump("fees30", c.Bytes())
}

func dirOf(p string) string {
	for i := len(p) - 1; i >= 0; i-- {
		if p[i] == '/' {
			return p[:i]
		}
	}
	return ""
}

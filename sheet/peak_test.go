package sheet

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
)

// TestPeakMemory reads a generated 100,000-row xlsx in a child process, once with Read and once
// with a bare excelize loop, and checks the peak resident memory of Read: under 64 MB. Set
// SHEET_PEAK=1 to run it (it takes a few seconds).
func TestPeakMemory(t *testing.T) {
	if mode := os.Getenv("SHEET_PEAK_CHILD"); mode != "" {
		peakChild(mode, os.Getenv("SHEET_PEAK_FILE"))
		return
	}
	if os.Getenv("SHEET_PEAK") == "" {
		t.Skip("set SHEET_PEAK=1 to measure the peak memory of reading 100,000 rows")
	}
	file := filepath.Join(t.TempDir(), "liste.xlsx")
	if err := os.WriteFile(file, benchXLSX(t, 100_000), 0o644); err != nil {
		t.Fatal(err)
	}
	peak := map[string]float64{}
	for _, mode := range []string{"bare", "read"} {
		cmd := exec.Command(os.Args[0], "-test.run=^TestPeakMemory$")
		cmd.Env = append(os.Environ(), "SHEET_PEAK_CHILD="+mode, "SHEET_PEAK_FILE="+file)
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("%s: %v\n%s", mode, err, out)
		}
		for _, line := range strings.Split(string(out), "\n") {
			if v, ok := strings.CutPrefix(line, "peak-rss-mb "); ok {
				peak[mode], _ = strconv.ParseFloat(v, 64)
			}
		}
		t.Logf("%s: %s", mode, strings.TrimSpace(string(out)))
	}
	if peak["read"] == 0 || peak["read"] > 64 {
		t.Errorf("peak RSS of Read: %.1f MB, want under 64 MB (bare excelize loop: %.1f MB)", peak["read"], peak["bare"])
	}
}

func peakChild(mode, file string) {
	data, err := os.ReadFile(file)
	if err != nil {
		panic(err)
	}
	n := 0
	switch mode {
	case "read":
		l, err := Read(context.Background(), file, data, DefaultLimits())
		if err != nil {
			panic(err)
		}
		n = len(l.Schools)
	case "bare":
		f, err := excelize.OpenReader(bytes.NewReader(data), excelize.Options{UnzipXMLSizeLimit: xlsxMemoryLimit})
		if err != nil {
			panic(err)
		}
		rows, _ := f.Rows("Sheet1")
		for rows.Next() {
			cols, _ := rows.Columns(excelize.Options{RawCellValue: true})
			n += len(cols)
		}
		rows.Close()
		f.Close()
	}
	status, _ := os.ReadFile("/proc/self/status")
	for _, line := range strings.Split(string(status), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "VmHWM:" {
			kb, _ := strconv.Atoi(f[1])
			fmt.Printf("read %d\npeak-rss-mb %.1f\n", n, float64(kb)/1024)
		}
	}
}

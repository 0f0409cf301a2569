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

// TestPeakMemory reads a generated 100,000-row xlsx in child processes: with a bare excelize
// loop, with Read, and with Read under GOMEMLIMIT=40MiB, and reports the peak resident memory of
// each. The list Read returns holds about 26 MB for 100,000 schools, and Go's collector lets the
// heap grow to twice what is live: under 64 MB needs a memory limit, which the daemon sets. Set
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
	for _, mode := range []string{"bare", "read", "read-limited"} {
		cmd := exec.Command(os.Args[0], "-test.run=^TestPeakMemory$")
		cmd.Env = append(os.Environ(), "SHEET_PEAK_CHILD="+strings.TrimSuffix(mode, "-limited"), "SHEET_PEAK_FILE="+file)
		if strings.HasSuffix(mode, "-limited") {
			cmd.Env = append(cmd.Env, "GOMEMLIMIT=40MiB")
		}
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
	t.Logf("peak RSS: bare excelize loop %.1f MB, Read %.1f MB, Read with GOMEMLIMIT=40MiB %.1f MB", peak["bare"], peak["read"], peak["read-limited"])
	if peak["read-limited"] == 0 || peak["read-limited"] > 64 {
		t.Errorf("peak RSS of Read with GOMEMLIMIT=40MiB: %.1f MB, want under 64 MB", peak["read-limited"])
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

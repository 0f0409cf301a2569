package bench

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/laclasse/intake/internal/sheetgen"
	"github.com/laclasse/intake/sheet"
)

var parseFormats = []string{"xlsx", "ods", "xls", "csv"}

// benchLine is one line of `go test -bench` output.
type benchLine struct {
	nsPerOp, bytesPerOp, allocsPerOp float64
}

var benchRe = regexp.MustCompile(`^(Benchmark\S+?)(?:-\d+)?\s+\d+\s+([\d.]+) ns/op(.*)$`)

// parseBench reads `go test -bench -benchmem` output: every line of every -count, by name
// (without the -GOMAXPROCS suffix).
func parseBench(out string) map[string][]benchLine {
	res := map[string][]benchLine{}
	field := func(rest, unit string) float64 {
		m := regexp.MustCompile(`([\d.]+) ` + regexp.QuoteMeta(unit)).FindStringSubmatch(rest)
		if m == nil {
			return 0
		}
		v, _ := strconv.ParseFloat(m[1], 64)
		return v
	}
	for _, line := range strings.Split(out, "\n") {
		m := benchRe.FindStringSubmatch(strings.TrimSpace(line))
		if m == nil {
			continue
		}
		ns, _ := strconv.ParseFloat(m[2], 64)
		res[m[1]] = append(res[m[1]], benchLine{nsPerOp: ns, bytesPerOp: field(m[3], "B/op"), allocsPerOp: field(m[3], "allocs/op")})
	}
	return res
}

// parseResult is the parsing measurement.
type parseResult struct {
	sizes   []int
	command string
	bench   map[string][]benchLine
	// pair holds the xlsx runs of Read and of the bare loop made one per fresh process, for the
	// ratio.
	pair map[string][]benchLine
	// peak[mode/format/rows] holds, per child process, the growth of VmHWM over the RSS with the
	// file loaded (MB); mode is read or bare, with "-limited" under GOMEMLIMIT=64MiB.
	peak     map[string][]float64
	peakBase map[string][]float64 // the RSS with the file loaded (MB)
	fileSize map[string]int
	readTop  string // go tool pprof -top of Read on the largest xlsx
	bareTop  string // and of the bare excelize loop
	profErr  string
	// others is how many CPUs other processes kept busy during the benchmarks, after waiting
	// quietWait for the machine to be quiet.
	others    float64
	quietWait time.Duration
}

// measureParse runs sheet's own benchmarks (BenchmarkRead, BenchmarkExcelizeBareLoop) for speed,
// then measures the peak memory of reading each generated file in a child process, and profiles
// Read and the bare loop on the largest xlsx.
func measureParse(t *testing.T, e *env) (*parseResult, error) {
	r := &parseResult{sizes: []int{100, 10_000, 100_000}, peak: map[string][]float64{}, peakBase: map[string][]float64{}, fileSize: map[string]int{}}
	count, benchtime := "3", "1s"
	if e.quick {
		count, benchtime = "1", "1x"
	}
	r.quietWait, _ = waitQuiet(time.Minute)
	before := snap(nil)
	testBin := filepath.Join(e.tmp, "sheet.test")
	args := []string{"test", "-run", "^$", "-bench", "^(BenchmarkRead|BenchmarkExcelizeBareLoop)$", "-benchmem",
		"-count", count, "-benchtime", benchtime, "-timeout", "30m", "-o", testBin, "./sheet/"}
	r.command = "go " + strings.Join(args[:len(args)-3], " ") + " ./sheet/"
	out, err := e.goCmd(min(25*time.Minute, e.left()), args...)
	if err != nil {
		return nil, err
	}
	r.bench = parseBench(out)
	if len(r.bench) == 0 {
		return nil, fmt.Errorf("no benchmark line in the output of go test:\n%s", tail(out, 3000))
	}

	// The ratio to the bare loop, from fresh processes that each read one file, Read and the
	// bare loop alternating. In the run above the two do not run in the same conditions: the
	// benchmarks cache the files they generate, so the first ones (Read on 100 rows) run with a
	// small heap and more garbage collections than the bare loop, which runs last.
	r.pair = map[string][]benchLine{}
	for range max(1, atoiOr(count, 1)) {
		for _, n := range r.sizes {
			for _, name := range []string{fmt.Sprintf("BenchmarkRead/xlsx/%d", n), fmt.Sprintf("BenchmarkExcelizeBareLoop/%d", n)} {
				parts := strings.Split(name, "/")
				for i := range parts {
					parts[i] = "^" + parts[i] + "$"
				}
				out, err := e.run(5*time.Minute, filepath.Join(e.root, "sheet"), testBin, "-test.run", "^$", "-test.bench", strings.Join(parts, "/"),
					"-test.benchmem", "-test.benchtime", benchtime)
				if err != nil {
					return nil, err
				}
				for k, v := range parseBench(out) {
					r.pair[k] = append(r.pair[k], v...)
				}
			}
		}
	}
	r.others = others(before, snap(nil))

	// Peak memory, in child processes (this test binary), on files written here.
	dir := t.TempDir()
	reps := 3
	if e.quick {
		reps = 1
	}
	for _, format := range parseFormats {
		for _, n := range r.sizes {
			data, err := genFile(format, n)
			if err != nil {
				return nil, err
			}
			path := filepath.Join(dir, fmt.Sprintf("liste-%d.%s", n, format))
			if err := os.WriteFile(path, data, 0o644); err != nil {
				return nil, err
			}
			r.fileSize[fmt.Sprintf("%s/%d", format, n)] = len(data)
			modes := []string{"read"}
			if format == "xlsx" {
				modes = append(modes, "bare")
			}
			for _, mode := range modes {
				for _, limited := range []bool{false, true} {
					key := fmt.Sprintf("%s/%s/%d", mode, format, n)
					if limited {
						key = fmt.Sprintf("%s-limited/%s/%d", mode, format, n)
					}
					for range reps {
						base, peak, err := peakChild(mode, path, n, limited)
						if err != nil {
							return nil, fmt.Errorf("%s: %w", key, err)
						}
						r.peak[key] = append(r.peak[key], peak)
						r.peakBase[key] = append(r.peakBase[key], base)
					}
				}
			}
		}
	}

	// CPU profiles of Read and of the bare loop on the largest xlsx.
	readProf := filepath.Join(e.profDir, "parse-read-xlsx-100000-cpu.pprof")
	bareProf := filepath.Join(e.profDir, "parse-bare-xlsx-100000-cpu.pprof")
	for _, p := range []struct{ bench, out string }{
		{"^BenchmarkRead$/^xlsx$/^100000$", readProf},
		{"^BenchmarkExcelizeBareLoop$/^100000$", bareProf},
	} {
		if _, err := e.goCmd(10*time.Minute, "test", "-run", "^$", "-bench", p.bench, "-benchtime", "5x",
			"-cpuprofile", p.out, "-o", filepath.Join(e.tmp, "sheet-prof.test"), "./sheet/"); err != nil {
			r.profErr = err.Error()
			return r, nil
		}
	}
	if r.readTop, err = e.pprofTop(filepath.Join(e.tmp, "sheet-prof.test"), readProf, "-nodecount=25"); err != nil {
		r.profErr = err.Error()
	}
	if r.bareTop, err = e.pprofTop(filepath.Join(e.tmp, "sheet-prof.test"), bareProf, "-nodecount=15"); err != nil {
		r.profErr = err.Error()
	}
	return r, nil
}

func genFile(format string, n int) ([]byte, error) {
	switch format {
	case "xlsx":
		return sheetgen.XLSX(n)
	case "ods":
		return sheetgen.ODS(n)
	case "xls":
		return sheetgen.XLS(n), nil
	case "csv":
		return sheetgen.CSV(n), nil
	}
	return nil, fmt.Errorf("unknown format %s", format)
}

// peakChild reads path once in a child process (this test binary, TestParsePeakChild) and
// returns its RSS with the file loaded and the growth of its peak RSS while reading, in MB.
func peakChild(mode, path string, rows int, limited bool) (base, peak float64, err error) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^TestParsePeakChild$")
	extra := []string{"BENCH_PEAK_CHILD=" + mode, "BENCH_PEAK_FILE=" + path, "BENCH_PEAK_ROWS=" + strconv.Itoa(rows)}
	if limited {
		extra = append(extra, "GOMEMLIMIT=64MiB")
	}
	cmd.Env = cleanEnv(extra...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		return 0, 0, fmt.Errorf("child: %v\n%s", err, tail(string(out), 2000))
	}
	m := regexp.MustCompile(`BENCH_PEAK base_kb=(\d+) hwm_kb=(\d+)`).FindStringSubmatch(string(out))
	if m == nil {
		return 0, 0, fmt.Errorf("child said nothing of its peak:\n%s", tail(string(out), 2000))
	}
	b, _ := strconv.ParseFloat(m[1], 64)
	h, _ := strconv.ParseFloat(m[2], 64)
	return b / 1024, (h - b) / 1024, nil
}

// xlsxMemoryLimit is sheet's: an xlsx sheet larger than this is read from a temporary file.
const xlsxMemoryLimit = 16 << 20

// TestParsePeakChild is the child process of the peak memory measurement: it loads the file, lets
// the collector return what it can, resets the peak RSS (VmHWM) to the current RSS, reads the
// file once, and prints both.
func TestParsePeakChild(t *testing.T) {
	mode := os.Getenv("BENCH_PEAK_CHILD")
	if mode == "" {
		t.Skip("a child process of TestBenchmarks")
	}
	path := os.Getenv("BENCH_PEAK_FILE")
	want, _ := strconv.Atoi(os.Getenv("BENCH_PEAK_ROWS"))
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	lim := sheet.DefaultLimits()
	lim.MaxFileSize = 256 << 20 // a 100,000-row xls is larger than the 20 MB a commune may send
	runtime.GC()
	debug.FreeOSMemory()
	pid := os.Getpid()
	base, err := procStatus(pid, "VmRSS")
	if err != nil {
		t.Fatal(err)
	}
	// "5" resets the peak RSS to the current RSS (Linux 4.0 and later).
	if err := os.WriteFile("/proc/self/clear_refs", []byte("5"), 0); err != nil {
		t.Fatalf("reset the peak RSS: %v", err)
	}
	got := 0
	switch mode {
	case "read":
		l, err := sheet.Read(context.Background(), filepath.Base(path), data, lim)
		if err != nil {
			t.Fatal(err)
		}
		got = len(l.Schools)
		runtime.KeepAlive(l)
	case "bare":
		f, err := excelize.OpenReader(bytes.NewReader(data), excelize.Options{
			UnzipSizeLimit: lim.MaxUnzipSize, UnzipXMLSizeLimit: min(lim.MaxXMLSize, xlsxMemoryLimit)})
		if err != nil {
			t.Fatal(err)
		}
		rows, err := f.Rows("Sheet1")
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			if _, err := rows.Columns(excelize.Options{RawCellValue: true}); err != nil {
				t.Fatal(err)
			}
			got++
		}
		rows.Close()
		f.Close()
		got-- // the header
	default:
		t.Fatalf("unknown mode %q", mode)
	}
	if got != want {
		t.Fatalf("%d rows read, want %d", got, want)
	}
	hwm, err := procStatus(pid, "VmHWM")
	if err != nil {
		t.Fatal(err)
	}
	fmt.Printf("BENCH_PEAK base_kb=%d hwm_kb=%d rows=%d\n", base, hwm, got)
}

func atoiOr(s string, def int) int {
	if n, err := strconv.Atoi(s); err == nil {
		return n
	}
	return def
}

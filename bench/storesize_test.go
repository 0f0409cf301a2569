package bench

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/mail"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/laclasse/intake/internal/bigstore"
)

// Costs that do not grow with the years (issue 17 §3), in the harness: the operations of
// BenchmarkStoreSize (sizedOps, bigstore_test.go) timed on one year of the Métropole and on the
// national store of ten years, runs on the two stores alternating, with what each produced.

// targetStoreRatio is the bound: national ÷ Métropole, on the time or, for an operation
// proportional by nature to its output, on the time per unit of output.
const targetStoreRatio = 2.0

// storeSizeParams are the two stores compared, their names in the report, and how many runs
// are timed at most.
type storeSizeParams struct {
	small, big           bigstore.Params
	smallName, bigName   string
	smallLabel, bigLabel string
	// smallWhat and bigWhat name the stores in a sentence.
	smallWhat, bigWhat string
	maxRuns            int
}

var (
	fullStoreSize = storeSizeParams{small: bigstore.Metropole, big: bigstore.National, smallName: "metropole", bigName: "national",
		smallLabel: "Métropole", bigLabel: "National", smallWhat: "one year of the Métropole", bigWhat: "the national store of ten years", maxRuns: 1000}
	quickStoreSize = storeSizeParams{small: bigstore.Metropole, big: quickConsole.params, smallName: "metropole", bigName: "quick-national",
		smallLabel: "Métropole", bigLabel: "Quick run's larger store", smallWhat: "one year of the Métropole", bigWhat: "the quick run's larger store", maxRuns: 2}
)

// storeSizeBudget bounds the time spent on one operation: after two runs on each store, no new
// run starts once it is spent, or once less than storeSizeLeft is left before the harness's
// deadline. storeSizeReserve is the time the measurement needs to start at all (it takes about
// two minutes on a quiet machine, the national store cached).
const (
	storeSizeBudget  = 40 * time.Second
	storeSizeLeft    = 2 * time.Minute
	storeSizeReserve = 6 * time.Minute
)

// storeSizeResult is the measurement of the costs on the two stores.
type storeSizeResult struct {
	small, big           storeInfo
	smallLabel, bigLabel string
	smallWhat, bigWhat   string
	ops                  []storeSizeOp
	others               float64 // CPU other processes took while the operations ran (CPUs, on average)
	quietWait            time.Duration
	took                 time.Duration
}

// storeInfo describes a generated store.
type storeInfo struct {
	params                               bigstore.Params
	communes, schools, requests, changes int
	mb                                   float64
}

// storeSizeOp is one operation's times (ms) and outputs on the two stores.
type storeSizeOp struct {
	name, what, unit string
	proportional     bool
	small, big       []float64
	smallOut, bigOut int
}

// ratio is the national time over the Métropole's (medians), and perUnit the same per unit of
// output.
func (o storeSizeOp) ratio() (ratio, perUnit float64) {
	return storeRatios(median(o.small), median(o.big), o.smallOut, o.bigOut)
}

// storeRatios returns big ÷ small, and the same per unit of output (0 when an output is 0).
func storeRatios(small, big float64, smallOut, bigOut int) (ratio, perUnit float64) {
	if small <= 0 {
		return 0, 0
	}
	ratio = big / small
	if smallOut > 0 && bigOut > 0 {
		perUnit = ratio * float64(smallOut) / float64(bigOut)
	}
	return ratio, perUnit
}

// storeVerdict says whether the bound holds: the ratio within 2×, or, for an operation
// proportional by nature to its output, the ratio per unit of output within 2×.
func storeVerdict(ratio, perUnit float64, proportional bool) (bool, string) {
	switch {
	case ratio > 0 && ratio <= targetStoreRatio:
		return true, fmt.Sprintf("yes (%.2f× ≤ 2×)", ratio)
	case proportional && perUnit > 0 && perUnit <= targetStoreRatio:
		return true, fmt.Sprintf("yes, per unit of output (%.2f× ≤ 2×)", perUnit)
	case proportional && perUnit > 0:
		return false, fmt.Sprintf("**no** (%.2f× per unit of output)", perUnit)
	case ratio > 0:
		return false, fmt.Sprintf("**no** (%.2f×)", ratio)
	}
	return false, "–"
}

// measureStoreSize times every operation of sizedOps on the two stores.
func measureStoreSize(t *testing.T, e *env) (*storeSizeResult, error) {
	sp := fullStoreSize
	if e.quick {
		sp = quickStoreSize
	}
	useBinary(e.bin)
	start := time.Now()
	small := sizedStore(t, sp.smallName, sp.small, 20)
	big := sizedStore(t, sp.bigName, sp.big, 20)
	r := &storeSizeResult{small: describeStore(small), big: describeStore(big), smallLabel: sp.smallLabel, bigLabel: sp.bigLabel, smallWhat: sp.smallWhat, bigWhat: sp.bigWhat}
	t.Logf("stores: %d and %d schools, %.0f and %.0f MB (ready in %v)", r.small.schools, r.big.schools, r.small.mb, r.big.mb, time.Since(start).Round(time.Second))
	r.quietWait, _ = waitQuiet(time.Minute)
	before := snap(nil)
	timed := time.Now()
	for _, op := range sizedOps {
		o := storeSizeOp{name: op.name, what: op.what, unit: op.unit, proportional: op.proportional}
		doSmall, outSmall := op.run(t, small)
		doBig, outBig := op.run(t, big)
		timeIt := func(do func(int), i int) float64 {
			t0 := time.Now()
			do(i)
			return ms(time.Since(t0))
		}
		// One run each, untimed: the first pays for the page cache and the statements. Not for
		// what is timed twice only: the national fee spreadsheet takes seconds, and the stores
		// are in the page cache by then.
		opStart := time.Now()
		if op.runs > 2 {
			timeIt(doSmall, 0)
			timeIt(doBig, 0)
		}
		runs := min(op.runs, sp.maxRuns)
		for i := 1; i <= runs; i++ {
			if i > 2 && (time.Since(opStart) > storeSizeBudget || e.left() < storeSizeLeft) {
				break
			}
			o.small = append(o.small, timeIt(doSmall, i))
			o.big = append(o.big, timeIt(doBig, i))
		}
		var err error
		if o.smallOut, err = outSmall(); err != nil {
			return nil, fmt.Errorf("%s: the output on %s: %w", op.name, sp.smallName, err)
		}
		if o.bigOut, err = outBig(); err != nil {
			return nil, fmt.Errorf("%s: the output on %s: %w", op.name, sp.bigName, err)
		}
		ratio, perUnit := o.ratio()
		_, verdict := storeVerdict(ratio, perUnit, o.proportional)
		t.Logf("%s: %s on %s, %s on %s (%d runs): %.1f×; output %d and %d %s: %.2f× per unit; %s", op.name, fmtMs(median(o.small)), sp.smallName,
			fmtMs(median(o.big)), sp.bigName, len(o.big), ratio, o.smallOut, o.bigOut, o.unit, perUnit, verdict)
		r.ops = append(r.ops, o)
	}
	r.others = others(before, snap(nil))
	r.took = time.Since(timed)
	return r, nil
}

// describeStore counts what a generated store holds.
func describeStore(s *sized) storeInfo {
	c := s.store.Counts
	info := storeInfo{params: s.store.Params, communes: c["communes"], schools: c["schools"], requests: c["requests"], changes: c["changes"]}
	if fi, err := os.Stat(s.store.Path); err == nil {
		info.mb = float64(fi.Size()) / (1 << 20)
	}
	return info
}

// storeSizeSection writes the measurement of the costs on the two stores.
func (r *report) storeSizeSection(b *strings.Builder) {
	p := func(format string, args ...any) { fmt.Fprintf(b, format, args...) }
	sectionHead(b, "Costs on a ten-year store", r.storeSizeErr)
	s := r.storeSize
	if s == nil {
		return
	}
	store := func(i storeInfo) string {
		return fmt.Sprintf("%d communes, %d schools, %d requests over %s, %d changes, %.0f MB", i.communes, i.schools, i.requests, years(i.params.Years), i.changes, i.mb)
	}
	p("The operations of `BenchmarkStoreSize` (`bench/bigstore_test.go`, `sizedOps`: the same code) on two stores generated by `internal/bigstore`: ")
	p("%s (%s) and %s (%s). ", s.smallWhat, store(s.small), s.bigWhat, store(s.big))
	p("Each operation runs once untimed on each store (but those timed twice only), then is timed on the two in turn, up to the number of runs shown (fewer once it has taken %.0f s, two at least); times are medians with their min–max. ", storeSizeBudget.Seconds())
	p("A decision and the calendar's jobs run in process (`intake.Handler.Decide`; the job inside `RunJob`'s transaction, its mails queued); the other operations are the production binary's commands, process start included. ")
	p("The output is what the operation produced on each store; the ratio per unit of output is the time ratio times the Métropole's output over the national one. ")
	p("The issue's bound: each within %.0f× of its time on the Métropole's store, or, for what is by nature proportional to its output, within %.0f× per unit of output.\n\n", targetStoreRatio, targetStoreRatio)
	p("While the operations were timed (%s in all), other processes kept %s.\n\n", dur(s.took), load(s.others, s.quietWait))
	p("| Operation | %s, %s | %s, %s | Ratio | Output, %s | Output, %s | Ratio per unit of output | Within the bound |\n|---|---|---|---|---|---|---|---|\n",
		s.smallLabel, years(s.small.params.Years), s.bigLabel, years(s.big.params.Years), s.smallLabel, s.bigLabel)
	for _, o := range s.ops {
		ratio, perUnit := o.ratio()
		_, verdict := storeVerdict(ratio, perUnit, o.proportional)
		per := "–"
		if perUnit > 0 {
			per = fmt.Sprintf("%.2f×", perUnit)
		}
		if !o.proportional {
			per += " (not proportional)"
		}
		p("| %s | %s | %s | **%.2f×** | %s | %s | %s | %s |\n", o.what, spreadMs(o.small), spreadMs(o.big), ratio, count(o.smallOut, o.unit), count(o.bigOut, o.unit), per, verdict)
	}
	p("\n")
}

// storeSizeSummary writes the summary's rows: one per operation.
func (r *report) storeSizeSummary(b *strings.Builder) {
	p := func(format string, args ...any) { fmt.Fprintf(b, format, args...) }
	if r.storeSize == nil {
		p("| Costs on a ten-year store | ≤ 2× the Métropole's | not measured: %s | – |\n", oneLine(r.storeSizeErr))
		return
	}
	for _, o := range r.storeSize.ops {
		ratio, perUnit := o.ratio()
		ok, _ := storeVerdict(ratio, perUnit, o.proportional)
		target := "≤ 2× the Métropole's"
		result := fmt.Sprintf("%.2f× (%s ÷ %s)", ratio, fmtMs(median(o.big)), fmtMs(median(o.small)))
		if o.proportional {
			target = "≤ 2×, or ≤ 2× per unit of output"
			result += fmt.Sprintf(", %.2f× per %s", perUnit, singular(o.unit))
		}
		p("| Ten-year store: %s, %s ÷ %s | %s | %s | %s |\n", o.what, strings.ToLower(r.storeSize.bigLabel), r.storeSize.smallLabel, target, result, yesNo(ok))
	}
}

// spreadMs formats times in ms as a median with its min–max and the number of runs.
func spreadMs(xs []float64) string {
	if len(xs) == 0 {
		return "–"
	}
	ns := make([]float64, len(xs))
	for i, x := range xs {
		ns[i] = x * float64(time.Millisecond)
	}
	return spreadDur(ns)
}

// count formats an output: "2,000 communes", bytes in MB.
func count(n int, unit string) string {
	if unit == "bytes" {
		return fmt.Sprintf("%.1f MB", float64(n)/(1<<20))
	}
	if n == 1 {
		return "1 " + singular(unit)
	}
	return fmt.Sprintf("%d %s", n, unit)
}

// singular turns the unit of output into what one of it is called: "communes" → "commune",
// "rows of the workbook" → "row of the workbook".
func singular(unit string) string {
	first, rest, _ := strings.Cut(unit, " ")
	if rest != "" {
		rest = " " + rest
	}
	switch {
	case first == "bytes":
		return "byte" + rest
	case strings.HasSuffix(first, "s"):
		return strings.TrimSuffix(first, "s") + rest
	}
	return unit
}

func years(n int) string {
	if n == 1 {
		return "1 year"
	}
	return fmt.Sprintf("%d years", n)
}

// ---------------------------------------------------------------------------------------------
// What the operations produce.

// jsonItems counts the elements of the JSON list a command printed ({dir}/stdout): the whole
// output, or its field of that name.
func jsonItems(field string) func(dir string) (int, error) {
	return func(dir string) (int, error) {
		b, err := os.ReadFile(filepath.Join(dir, "stdout"))
		if err != nil {
			return 0, err
		}
		return countJSON(b, field)
	}
}

// countJSON counts the elements of a JSON list, b itself or its field of that name.
func countJSON(b []byte, field string) (int, error) {
	if field != "" {
		var obj map[string]json.RawMessage
		if err := json.Unmarshal(b, &obj); err != nil {
			return 0, err
		}
		v, ok := obj[field]
		if !ok {
			return 0, fmt.Errorf("no field %q", field)
		}
		b = v
	}
	var items []json.RawMessage
	if err := json.Unmarshal(b, &items); err != nil {
		return 0, err
	}
	return len(items), nil
}

// xlsxRows counts the rows of every sheet of the workbook {dir}/name.
func xlsxRows(name string) func(dir string) (int, error) {
	return func(dir string) (int, error) {
		f, err := excelize.OpenFile(filepath.Join(dir, name))
		if err != nil {
			return 0, err
		}
		defer f.Close()
		n := 0
		for _, sheet := range f.GetSheetList() {
			rows, err := f.Rows(sheet)
			if err != nil {
				return 0, err
			}
			for rows.Next() {
				n++
			}
			if err := rows.Close(); err != nil {
				return 0, err
			}
		}
		return n, nil
	}
}

// fileBytes is the size of {dir}/name.
func fileBytes(name string) func(dir string) (int, error) {
	return func(dir string) (int, error) {
		fi, err := os.Stat(filepath.Join(dir, name))
		if err != nil {
			return 0, err
		}
		return int(fi.Size()), nil
	}
}

// textLines counts the lines that are not blank in the plain text of a mail: its text/plain
// part (the first, in a multipart one), transfer encoding undone.
func textLines(raw []byte) (int, error) {
	m, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		return 0, err
	}
	text, err := plainText(m.Header.Get("Content-Type"), m.Header.Get("Content-Transfer-Encoding"), m.Body)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, line := range strings.Split(text, "\n") {
		if strings.TrimSpace(line) != "" {
			n++
		}
	}
	return n, nil
}

// plainText returns the first text/plain body in a part of that content type and encoding.
func plainText(contentType, encoding string, body io.Reader) (string, error) {
	mt, params, err := mime.ParseMediaType(contentType)
	if contentType == "" {
		mt, err = "text/plain", nil
	}
	if err != nil {
		return "", err
	}
	if strings.HasPrefix(mt, "multipart/") {
		mr := multipart.NewReader(body, params["boundary"])
		for {
			part, err := mr.NextRawPart()
			if err == io.EOF {
				return "", fmt.Errorf("no text/plain part in %s", mt)
			}
			if err != nil {
				return "", err
			}
			text, err := plainText(part.Header.Get("Content-Type"), part.Header.Get("Content-Transfer-Encoding"), part)
			if err == nil {
				return text, nil
			}
		}
	}
	if mt != "text/plain" {
		return "", fmt.Errorf("%s, not text/plain", mt)
	}
	switch strings.ToLower(strings.TrimSpace(encoding)) {
	case "quoted-printable":
		body = quotedprintable.NewReader(body)
	case "base64":
		body = base64.NewDecoder(base64.StdEncoding, body)
	}
	b, err := io.ReadAll(body)
	return strings.ReplaceAll(string(b), "\r\n", "\n"), err
}

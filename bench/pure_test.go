package bench

import (
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/laclasse/intake/internal/bigstore"
)

// The harness's own arithmetic and formatting, tested without INTAKE_BENCH (fast, in CI).

func TestStoreRatios(t *testing.T) {
	for _, c := range []struct {
		small, big       float64
		smallOut, bigOut int
		ratio, perUnit   float64
	}{
		{10, 20, 1, 1, 2, 2},
		{10, 340, 59, 2000, 34, 34 * 59.0 / 2000},
		{10, 30, 0, 5, 3, 0}, // no output: no ratio per unit
		{0, 30, 1, 1, 0, 0},  // nothing measured on the small store
	} {
		ratio, perUnit := storeRatios(c.small, c.big, c.smallOut, c.bigOut)
		if math.Abs(ratio-c.ratio) > 1e-9 || math.Abs(perUnit-c.perUnit) > 1e-9 {
			t.Errorf("storeRatios(%v, %v, %d, %d) = %v, %v; want %v, %v", c.small, c.big, c.smallOut, c.bigOut, ratio, perUnit, c.ratio, c.perUnit)
		}
	}
}

func TestStoreVerdict(t *testing.T) {
	for _, c := range []struct {
		ratio, perUnit float64
		proportional   bool
		ok             bool
		says           string
	}{
		{1.5, 1.5, false, true, "yes (1.50×"},
		{2.0, 0, false, true, "yes (2.00×"},
		{2.01, 0.1, false, false, "**no** (2.01×)"}, // per unit does not count for what is not proportional
		{34, 1.2, true, true, "yes, per unit of output (1.20×"},
		{340, 10, true, false, "**no** (10.00× per unit of output)"},
		{1.2, 5, true, true, "yes (1.20×"},
		{0, 0, true, false, "–"},
	} {
		ok, says := storeVerdict(c.ratio, c.perUnit, c.proportional)
		if ok != c.ok || !strings.HasPrefix(says, c.says) {
			t.Errorf("storeVerdict(%v, %v, %v) = %v, %q; want %v, %q…", c.ratio, c.perUnit, c.proportional, ok, says, c.ok, c.says)
		}
	}
}

func TestOutputWords(t *testing.T) {
	for in, want := range map[string]string{"communes": "commune", "rows of the workbook": "row of the workbook", "lines of its mails": "line of its mails", "bytes": "byte", "changes": "change"} {
		if got := singular(in); got != want {
			t.Errorf("singular(%q) = %q, want %q", in, got, want)
		}
	}
	for _, c := range []struct {
		n          int
		unit, want string
	}{{2000, "communes", "2000 communes"}, {1, "changes", "1 change"}, {3 << 20, "bytes", "3.0 MB"}} {
		if got := count(c.n, c.unit); got != c.want {
			t.Errorf("count(%d, %q) = %q, want %q", c.n, c.unit, got, c.want)
		}
	}
	if got := signedMs(12.3); got != "+12 ms" {
		t.Errorf("signedMs(12.3) = %q", got)
	}
	if got := signedMs(-3.25); got != "−3.2 ms" && got != "−3.3 ms" {
		t.Errorf("signedMs(-3.25) = %q", got)
	}
	if got := spreadMs([]float64{1500, 1000, 2000}); got != "1.50 s (1.00 s–2.00 s, 3 runs)" {
		t.Errorf("spreadMs = %q", got)
	}
}

func TestCountJSON(t *testing.T) {
	if n, err := countJSON([]byte(`[{"uai":"a"},{"uai":"b"},{"uai":"c"}]`), ""); err != nil || n != 3 {
		t.Errorf("list: %d, %v", n, err)
	}
	if n, err := countJSON([]byte(`{"year":"2026-2027","communes":[{"name":"A"},{"name":"B"}],"total_eur":3}`), "communes"); err != nil || n != 2 {
		t.Errorf("field: %d, %v", n, err)
	}
	if _, err := countJSON([]byte(`{"year":"2026-2027"}`), "communes"); err == nil {
		t.Error("a missing field counted")
	}
	if _, err := countJSON([]byte(`{"a":1}`), ""); err == nil {
		t.Error("an object counted as a list")
	}
}

func TestTextLines(t *testing.T) {
	multipart := "From: a@example.org\r\nTo: b@example.org\r\nSubject: Digest\r\nMIME-Version: 1.0\r\n" +
		"Content-Type: multipart/alternative; boundary=\"XX\"\r\n\r\n" +
		"--XX\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n" +
		"Bonjour,\r\n\r\nLyon : 3 =C3=A9coles ajout=C3=A9es, une tr=\r\n=C3=A8s longue ligne coup=C3=A9e\r\nVilleurbanne : 1\r\n\r\n--XX\r\n" +
		"Content-Type: text/html; charset=utf-8\r\n\r\n<p>Bonjour,</p><p>Lyon</p><p>Villeurbanne</p><p>x</p><p>y</p>\r\n--XX--\r\n"
	if n, err := textLines([]byte(multipart)); err != nil || n != 3 {
		t.Errorf("multipart: %d lines, %v; want 3 (the soft line break joins two)", n, err)
	}
	plain := "From: a@example.org\r\nSubject: x\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n" +
		"dW5lCmRldXgKCnRyb2lzCg==\r\n" // "une\ndeux\n\ntrois\n"
	if n, err := textLines([]byte(plain)); err != nil || n != 3 {
		t.Errorf("base64: %d lines, %v; want 3", n, err)
	}
	html := "From: a@example.org\r\nContent-Type: text/html\r\n\r\n<p>x</p>\r\n"
	if _, err := textLines([]byte(html)); err == nil {
		t.Error("an HTML-only mail counted")
	}
}

func TestDropKeys(t *testing.T) {
	cfg := "[imap]\naddress = \"x\"\ncommand_timeout = \"30s\"\n[smtp]\nfrom = \"a@b\"\nmax_replies_per_address_per_day = 0\n[console]\naddress = \"127.0.0.1:1\"\n[log]\nformat = \"json\"\n[[commune]]\nname = \"Lyon\"\n"
	got := dropKeys(cfg, []string{"smtp.max_replies_per_address_per_day", "console"})
	want := "[imap]\naddress = \"x\"\ncommand_timeout = \"30s\"\n[smtp]\nfrom = \"a@b\"\n[log]\nformat = \"json\"\n[[commune]]\nname = \"Lyon\"\n"
	if got != want {
		t.Errorf("dropKeys:\n%s\nwant\n%s", got, want)
	}
	if got := dropKeys(cfg, nil); got != cfg {
		t.Errorf("dropKeys without keys changed the file:\n%s", got)
	}
	out := "intaked: invalid config:\n  smtp.max_replies_per_address_per_day: unknown key\n  console: unknown key\n  imap.address: required\n"
	if got := unknownKeys(out); strings.Join(got, ",") != "smtp.max_replies_per_address_per_day,console" {
		t.Errorf("unknownKeys = %q", got)
	}
}

func TestCPUPerMessage(t *testing.T) {
	run := func(user, sys time.Duration, disturbed bool) *backlogRun {
		return &backlogRun{n: 5000, user: user, sys: sys, disturbed: disturbed}
	}
	if got := cpuPerMessage(run(18*time.Second, 4500*time.Millisecond, false)); math.Abs(got-4.5) > 1e-9 {
		t.Errorf("cpuPerMessage = %v, want 4.5", got)
	}
	cur := []*backlogRun{run(10*time.Second, 0, false), run(11*time.Second, 0, false), run(90*time.Second, 0, true)}
	base := []*backlogRun{run(20*time.Second, 0, false), run(24*time.Second, 0, false)}
	ratio, ok := cpuRatio(cur, base) // 2.1 ms against 4.4 ms, the disturbed run left out
	if !ok || math.Abs(ratio-2.1/4.4) > 1e-9 {
		t.Errorf("cpuRatio = %v, %v; want %v", ratio, ok, 2.1/4.4)
	}
	if _, ok := cpuRatio(cur, nil); ok {
		t.Error("a ratio without a baseline")
	}
}

func TestFloorGap(t *testing.T) {
	x := &latencyRun{total: []float64{300, 310, 320}, exists: []float64{280, 290, 330}}
	if gap, ok := floorGap(x); !ok || gap != 20 {
		t.Errorf("floorGap = %v, %v; want 20", gap, ok)
	}
	if _, ok := floorGap(&latencyRun{total: []float64{300}}); ok {
		t.Error("a gap without the idle client's EXISTS")
	}
}

// TestReportSections renders a report with every new figure and checks what it says.
func TestReportSections(t *testing.T) {
	r := &report{started: time.Now(), finished: time.Now(), sizes: fullSizes,
		latency: []*latencyRun{
			{total: []float64{300, 310, 320}, exists: []float64{280, 290, 300}, afterExists: []float64{20, 20, 20}, handled: []float64{10}, appendMs: []float64{2}},
			{total: []float64{350, 360, 370}, exists: []float64{290, 300, 310}, afterExists: []float64{60, 60, 60}, appendMs: []float64{2}},
		},
		backlog:    []*backlogRun{{n: 5000, wall: 20 * time.Second, decide: 19 * time.Second, send: 19 * time.Second, user: 10 * time.Second, sys: time.Second}},
		baseline:   []*backlogRun{{n: 5000, wall: 25 * time.Second, decide: 24 * time.Second, send: 24 * time.Second, user: 20 * time.Second, sys: 2 * time.Second}},
		baseCommit: "c601369",
		storeSize: &storeSizeResult{small: storeInfo{params: bigstore.Metropole, schools: 600}, big: storeInfo{params: bigstore.National, schools: 45000},
			smallLabel: "Métropole", bigLabel: "National",
			ops: []storeSizeOp{
				{name: "decision", what: "one decision", unit: "changes", small: []float64{5, 6}, big: []float64{6, 7}, smallOut: 1, bigOut: 1},
				{name: "digest", what: "daily digest", unit: "lines of its mails", proportional: true, small: []float64{3}, big: []float64{300}, smallOut: 10, bigOut: 100},
			}},
	}
	md := r.markdown()
	for _, want := range []string{
		"| 1 | 3 | 305 ms | 310 ms | 315 ms | 319 ms | 320 ms | 290 ms (3 messages) | +20 ms: yes |",
		"| 2 | 3 | 355 ms | 360 ms | 365 ms | 369 ms | 370 ms | 300 ms (3 messages) | +60 ms: **no** |",
		"run 1: +20 ms, run 2: +60 ms (within 40 ms in 1 of 2 runs); message by message, the reply a median +40 ms after the EXISTS | **no** |",
		"| That EXISTS → the reply at Mailpit, message by message (negative: the daemon heard first) | 40 ms | 60 ms | 60 ms |",
		"| Backlog, daemon CPU per message ÷ the baseline's (commit c601369, same backlog, runs in turn) | ≤ 0.5× | 0.50× (2.20 ms (1 run) against 4.40 ms (1 run)) | yes |",
		"| baseline c601369, 1 |",
		"a ratio of **0.50×**",
		"| Ten-year store: one decision, national ÷ Métropole | ≤ 2× the Métropole's | 1.18× (6.5 ms ÷ 5.5 ms) | yes |",
		"| Ten-year store: daily digest, national ÷ Métropole | ≤ 2×, or ≤ 2× per unit of output | 100.00× (300 ms ÷ 3.0 ms), 10.00× per line of its mails | **no** |",
		"| daily digest | 3.0 ms (1 run) | 300.0 ms (1 run) | **100.00×** | 10 lines of its mails | 100 lines of its mails | 10.00× | **no** (10.00× per unit of output) |",
		"5. **Costs on a ten-year store.**",
		"| Operation | Métropole, 1 year | National, 10 years | Ratio | Output, Métropole | Output, National |",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("the report lacks %q", want)
		}
	}
	if t.Failed() {
		fmt.Println(md)
	}
}

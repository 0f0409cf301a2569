package bench

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/laclasse/intake/convention"
	"github.com/laclasse/intake/intake"
	"github.com/laclasse/intake/intake/mailparse"
	"github.com/laclasse/intake/internal/bigstore"
	"github.com/laclasse/intake/internal/samples"
	"github.com/laclasse/intake/scheduler"
	"github.com/laclasse/intake/sheet"
	"github.com/laclasse/intake/sqlite"
	"github.com/laclasse/intake/templates"
)

// Costs that do not grow with the years (issue 17 §3): each operation on the national store of
// ten years (internal/bigstore.National) and on one year of the Métropole (bigstore.Metropole),
// with the ratio of the two. Run them with
//
//	go test -run '^$' -bench StoreSize -benchtime 20x ./bench/
//
// Each national sub-benchmark reports "x-metropole": its time per operation over the Métropole's,
// measured just before it in the same process. The harness runs the same operations, sizedOps,
// and writes their times and outputs into the report (storesize_test.go).

// sized is a generated store copied for one benchmark process, with a configuration for it.
type sized struct {
	name  string
	store *bigstore.Store
	path  string // the copy, written to by the benchmarks
	cfg   string
	// commune is the commune a decision is made for, and one of its schools.
	commune, school string
}

var (
	sizedMu     sync.Mutex
	sizedStores = map[string]*sized{}
	sizedDir    string
	intakedBin  struct {
		once sync.Once
		path string
		err  error
		// given says the path was handed over by the harness (useBinary), which removes it.
		given bool
	}
	decisions atomic.Int64
	// sizedNs is the last time per operation measured, by benchmark name ("decision/metropole").
	sizedNs = map[string]float64{}
)

// sizedStore returns the store of p, copied and configured once per process. Its decision is
// made for the commune whose schools number closest to want, so that the two stores decide for
// communes of the same size.
func sizedStore(b testing.TB, name string, p bigstore.Params, want int) *sized {
	b.Helper()
	sizedMu.Lock()
	defer sizedMu.Unlock()
	if s, ok := sizedStores[name]; ok {
		return s
	}
	ctx := context.Background()
	s, err := bigstore.Cached(ctx, p)
	if err != nil {
		b.Fatal(err)
	}
	if sizedDir == "" {
		if sizedDir, err = os.MkdirTemp("", "intake-bench-sized-"); err != nil {
			b.Fatal(err)
		}
	}
	dir := filepath.Join(sizedDir, name)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		b.Fatal(err)
	}
	sz := &sized{name: name, store: s, path: filepath.Join(dir, "intake.db"), cfg: filepath.Join(dir, "intaked.toml")}
	if err := s.Copy(sz.path); err != nil {
		b.Fatal(err)
	}
	var cfg strings.Builder
	cfg.WriteString("[imap]\naddress = \"127.0.0.1:1\"\ntls = \"none\"\nusername = \"partenariat\"\npassword = \"secret\"\nprocessed_mailbox = \"Traites\"\nrejected_mailbox = \"Rejetes\"\n")
	fmt.Fprintf(&cfg, "[smtp]\naddress = \"127.0.0.1:1\"\ntls = \"none\"\nfrom = %q\n", bigstore.Mailbox)
	fmt.Fprintf(&cfg, "[store]\npath = %q\n[metropole]\nsummary_to = [%q]\n[http]\naddress = \"\"\n", sz.path, bigstore.StaffTo)
	cfg.WriteString(s.CommunesTOML())
	if err := os.WriteFile(sz.cfg, []byte(cfg.String()), 0o600); err != nil {
		b.Fatal(err)
	}
	db, err := sql.Open("sqlite", "file:"+sz.path+"?mode=ro")
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	if err := db.QueryRow(`SELECT c.name, min(s.uai) FROM communes c JOIN schools s ON s.commune_id = c.id AND s.status = 'active'
		GROUP BY c.id ORDER BY abs(count(*) - ?), c.id LIMIT 1`, want).Scan(&sz.commune, &sz.school); err != nil {
		b.Fatal(err)
	}
	sizedStores[name] = sz
	return sz
}

// useBinary makes theBinary return path, cmd/intaked as the harness built it, unless it was
// built already.
func useBinary(path string) {
	intakedBin.once.Do(func() { intakedBin.path, intakedBin.given = path, true })
}

// theBinary builds cmd/intaked once per process.
func theBinary(b testing.TB) string {
	b.Helper()
	intakedBin.once.Do(func() {
		root, err := moduleRoot()
		if err != nil {
			intakedBin.err = err
			return
		}
		dir, err := os.MkdirTemp("", "intake-bench-bin-")
		if err != nil {
			intakedBin.err = err
			return
		}
		intakedBin.path = filepath.Join(dir, "intaked")
		cmd := exec.Command("go", "build", "-o", intakedBin.path, "./cmd/intaked")
		cmd.Dir, cmd.Env = root, cleanEnv()
		if out, err := cmd.CombinedOutput(); err != nil {
			intakedBin.err = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if intakedBin.err != nil {
		b.Fatal(intakedBin.err)
	}
	return intakedBin.path
}

// sizedOp is one operation measured on both stores.
type sizedOp struct {
	name string
	// what says what the operation is, and unit what its output counts, for the report.
	what, unit string
	// proportional says the operation's output grows with the registry by nature (a line per
	// school or commune, a copy of the store): the bound is then on its time per unit
	// of output.
	proportional bool
	// runs is how many times the harness times it on each store.
	runs int
	// run prepares the operation on s. do does it once (the i-th time); output measures what
	// the last call produced, in units.
	run func(tb testing.TB, s *sized) (do func(i int), output func() (int, error))
}

var sizedOps = []sizedOp{
	{name: "decision", what: "one decision (a list naming one school, commune of about 20 schools)", unit: "changes", runs: 25, run: benchDecision},
	{name: "digest", what: "daily digest (the `digest` job over one day)", unit: "lines of its mails", proportional: true, runs: 15, run: benchJob("digest", 24*time.Hour)},
	{name: "weekly", what: "weekly overview (the `weekly` job over one week)", unit: "lines of its mails", proportional: true, runs: 15, run: benchJob("weekly", 7*24*time.Hour)},
	{name: "fees", what: "fee statement (`report fees --json`, the process)", unit: "communes", proportional: true, runs: 7,
		run: benchCommand(jsonItems("communes"), "report", "fees", "--config", "{cfg}", "--year", "2026-2027", "--json")},
	{name: "fees-xlsx", what: "fee statement's spreadsheet (`report fees -o`, the process)", unit: "rows of the workbook", proportional: true, runs: 2,
		run: benchCommand(xlsxRows("fees.xlsx"), "report", "fees", "--config", "{cfg}", "--year", "2026-2027", "-o", "{dir}/fees.xlsx")},
	{name: "activity", what: "activity report (`report activity -o`, the process)", unit: "rows of the workbook", proportional: true, runs: 7,
		run: benchCommand(xlsxRows("activity.xlsx"), "report", "activity", "--config", "{cfg}", "--year", "2026-2027", "-o", "{dir}/activity.xlsx")},
	{name: "schools-json", what: "`schools --json` (the process)", unit: "schools", proportional: true, runs: 7,
		run: benchCommand(jsonItems(""), "schools", "--config", "{cfg}", "--json")},
	{name: "requests-json", what: "`requests --json` (the process)", unit: "requests", proportional: true, runs: 7,
		run: benchCommand(jsonItems(""), "requests", "--config", "{cfg}", "--json")},
	{name: "backup", what: "`backup` (the process)", unit: "bytes", proportional: true, runs: 7,
		run: benchCommand(fileBytes("backup.db"), "backup", "--config", "{cfg}", "{dir}/backup.db")},
}

func BenchmarkStoreSize(b *testing.B) {
	if testing.Short() {
		b.Skip("generates the national store")
	}
	for _, op := range sizedOps {
		b.Run(op.name, func(b *testing.B) {
			for _, st := range []struct {
				name string
				p    bigstore.Params
			}{{"metropole", bigstore.Metropole}, {"national", bigstore.National}} {
				b.Run(st.name, func(b *testing.B) {
					s := sizedStore(b, st.name, st.p, 20)
					f, _ := op.run(b, s)
					b.ResetTimer()
					for i := range b.N {
						f(i)
					}
					b.StopTimer()
					ns := float64(b.Elapsed().Nanoseconds()) / float64(b.N)
					sizedNs[op.name+"/"+st.name] = ns
					if small, ok := sizedNs[op.name+"/metropole"]; ok && st.name == "national" && small > 0 {
						b.ReportMetric(ns/small, "x-metropole")
					}
				})
			}
		})
	}
}

// benchDecision decides, through intake.Handler, a list from the commune that names one of its
// schools with a new administrator each time.
func benchDecision(b testing.TB, s *sized) (func(int), func() (int, error)) {
	ctx := context.Background()
	at := bigstore.DefaultEnd.Add(time.Hour)
	now := func() time.Time { return at }
	st, err := sqlite.Open(ctx, s.path, now)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { st.Close() })
	loc, _ := time.LoadLocation("Europe/Paris")
	h := &intake.Handler{Store: st, Communes: s.store.Communes, From: bigstore.Mailbox, FromName: templates.FromName, Signature: templates.Signature,
		Processed: "Traites", Rejected: "Rejetes", Calendar: convention.DefaultCalendar(loc), SheetLimits: sheet.DefaultLimits(),
		MailLimits: mailparse.DefaultLimits(), StaffTo: []string{bigstore.StaffTo}, Now: now}
	var sender string
	for _, c := range s.store.Communes {
		if c.Name == s.commune {
			sender = "ecoles" + c.Senders[0]
		}
	}
	var name string
	if err := sqlDB(b, s.path).QueryRow(`SELECT name FROM schools WHERE uai = ?`, s.school).Scan(&name); err != nil {
		b.Fatal(err)
	}
	changes := 0
	return func(int) {
		i := int(decisions.Add(1)) // every call a new administrator, never files seen before
		row := samples.Row{UAI: s.school, School: name, LastName: fmt.Sprintf("NOUVEAU%d", i), FirstName: "Camille", Role: "Directrice",
			Email: "ce." + strings.ToLower(s.school) + "@ac-lyon.fr", Phone: fmt.Sprintf("04 78 %02d %02d %02d", i%100, (i/100)%100, (i/10000)%100)}
		raw := samples.Message{From: sender, To: bigstore.Mailbox, Subject: "Changement de directrice", MessageID: fmt.Sprintf("bench.%d@bench", i), Date: at,
			Attachments: []samples.Attachment{{Name: "ecoles.csv", ContentType: "text/csv", Data: samples.CSV([]samples.Row{row})}}}.Raw()
		req, err := st.Claim(ctx, sqlite.MessageKey{Mailbox: "INBOX", UIDValidity: 1, UID: 50_000_000 + uint32(i)}, at, raw)
		if err != nil {
			b.Fatal(err)
		}
		d, err := h.Decide(ctx, req)
		if err != nil {
			b.Fatal(err)
		}
		if d.State != convention.StateApplied || len(d.Changes) != 1 {
			b.Fatalf("decision: %s, %d changes (%s)", d.State, len(d.Changes), d.Reason)
		}
		changes = len(d.Changes)
	}, func() (int, error) { return changes, nil }
}

func sqlDB(b testing.TB, path string) *sql.DB {
	db, err := sql.Open("sqlite", "file:"+path+"?mode=ro")
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	return db
}

// benchJob runs the calendar's job name over the span before the store's end, as the scheduler
// does (in RunJob's transaction, its mails queued), each time under a name of its own. Its
// output is the lines of the text of the mails it queued.
func benchJob(name string, span time.Duration) func(b testing.TB, s *sized) (func(int), func() (int, error)) {
	return func(b testing.TB, s *sized) (func(int), func() (int, error)) {
		ctx := context.Background()
		occ := bigstore.DefaultEnd
		now := func() time.Time { return occ }
		st, err := sqlite.Open(ctx, s.path, now)
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { st.Close() })
		loc, _ := time.LoadLocation("Europe/Paris")
		cal := scheduler.Calendar{Dates: convention.DefaultCalendar(loc), Communes: s.store.Communes, From: bigstore.Mailbox, Metropole: []string{bigstore.StaffTo},
			Signature: templates.Signature, Provisioning: true, RetentionMonths: 24, Now: now,
			Specs: scheduler.Specs{DailyDigest: "0 7 * * *", WeeklyOverview: "0 7 * * 1"}}
		var job *scheduler.Job
		for _, j := range cal.Jobs() {
			if j.Name == name {
				job = &j
			}
		}
		if job == nil {
			b.Fatalf("no job %s", name)
		}
		base := time.Now().UnixNano()
		var mails []convention.OutgoingMail
		return func(i int) {
				if _, err := st.RunJob(ctx, fmt.Sprintf("bench-%s-%d-%d:x", name, base, i), occ, func(tx *sqlite.Tx) ([]convention.OutgoingMail, error) {
					var err error
					mails, err = job.Run(ctx, tx, occ.Add(-span), occ)
					return mails, err
				}); err != nil {
					b.Fatal(err)
				}
			}, func() (int, error) {
				n := 0
				for _, m := range mails {
					lines, err := textLines(m.Data)
					if err != nil {
						return 0, fmt.Errorf("%s mail to %v: %w", m.Kind, m.To, err)
					}
					n += lines
				}
				return n, nil
			}
	}
}

// benchCommand runs the production binary with args, {cfg} standing for the store's
// configuration and {dir} for a scratch directory, its standard output written to {dir}/stdout:
// the whole command, process start included. count measures the last run's output from the
// scratch directory.
func benchCommand(count func(dir string) (int, error), args ...string) func(b testing.TB, s *sized) (func(int), func() (int, error)) {
	return func(b testing.TB, s *sized) (func(int), func() (int, error)) {
		bin := theBinary(b)
		dir := b.TempDir()
		full := make([]string, len(args))
		for i, a := range args {
			full[i] = strings.NewReplacer("{dir}", dir, "{cfg}", s.cfg).Replace(a)
		}
		return func(int) {
				os.Remove(filepath.Join(dir, "backup.db"))
				out, err := os.Create(filepath.Join(dir, "stdout"))
				if err != nil {
					b.Fatal(err)
				}
				defer out.Close()
				cmd := exec.Command(bin, full...)
				cmd.Env = cleanEnv()
				cmd.Stdout = out
				var stderr strings.Builder
				cmd.Stderr = &stderr
				if err := cmd.Run(); err != nil {
					b.Fatalf("intaked %s: %v\n%s", strings.Join(full, " "), err, stderr.String())
				}
			}, func() (int, error) {
				return count(dir)
			}
	}
}

// TestMain removes the stores copied and the binary built for the benchmarks.
func TestMain(m *testing.M) {
	code := m.Run()
	if sizedDir != "" {
		os.RemoveAll(sizedDir)
	}
	if intakedBin.path != "" && !intakedBin.given {
		os.RemoveAll(filepath.Dir(intakedBin.path))
	}
	os.Exit(code)
}

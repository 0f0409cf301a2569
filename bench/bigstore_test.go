package bench

import (
	"context"
	"database/sql"
	"fmt"
	"io"
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
// measured just before it in the same process.

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
	}
	decisions atomic.Int64
	// sizedNs is the last time per operation measured, by benchmark name ("decision/metropole").
	sizedNs = map[string]float64{}
)

// sizedStore returns the store of p, copied and configured once per process. Its decision is
// made for the commune whose schools number closest to want, so that the two stores decide for
// communes of the same size.
func sizedStore(b *testing.B, name string, p bigstore.Params, want int) *sized {
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

// theBinary builds cmd/intaked once per process.
func theBinary(b *testing.B) string {
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
	// proportional says the operation's output grows with the registry by nature (a line per
	// school or commune, a copy of the store).
	proportional bool
	run          func(b *testing.B, s *sized) func(i int)
}

var sizedOps = []sizedOp{
	{name: "decision", run: benchDecision},
	{name: "digest", run: benchJob("digest", 24*time.Hour)},
	{name: "weekly", run: benchJob("weekly", 7*24*time.Hour)},
	// The statement itself; its spreadsheet (-o) takes about ten minutes on the national store
	// (one sheet per commune, and excelize walks every sheet for each: quadratic), too long to
	// repeat here.
	{name: "fees", proportional: true, run: benchCommand("report", "fees", "--config", "{cfg}", "--year", "2026-2027", "--json")},
	{name: "activity", run: benchCommand("report", "activity", "--config", "{cfg}", "--year", "2026-2027", "-o", "{dir}/activity.xlsx")},
	{name: "schools-json", proportional: true, run: benchCommand("schools", "--config", "{cfg}", "--json")},
	{name: "requests-json", proportional: true, run: benchCommand("requests", "--config", "{cfg}", "--json")},
	{name: "backup", proportional: true, run: benchCommand("backup", "--config", "{cfg}", "{dir}/backup.db")},
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
					f := op.run(b, s)
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
func benchDecision(b *testing.B, s *sized) func(int) {
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
	}
}

func sqlDB(b *testing.B, path string) *sql.DB {
	db, err := sql.Open("sqlite", "file:"+path+"?mode=ro")
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	return db
}

// benchJob runs the calendar's job name over the span before the store's end, as the scheduler
// does (in RunJob's transaction, its mails queued), each time under a name of its own.
func benchJob(name string, span time.Duration) func(b *testing.B, s *sized) func(int) {
	return func(b *testing.B, s *sized) func(int) {
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
		return func(i int) {
			if _, err := st.RunJob(ctx, fmt.Sprintf("bench-%s-%d-%d:x", name, base, i), occ, func(tx *sqlite.Tx) ([]convention.OutgoingMail, error) {
				return job.Run(ctx, tx, occ.Add(-span), occ)
			}); err != nil {
				b.Fatal(err)
			}
		}
	}
}

// benchCommand runs the production binary with args, {cfg} standing for the store's
// configuration and {dir} for a scratch directory, its output discarded: the whole command,
// process start included.
func benchCommand(args ...string) func(b *testing.B, s *sized) func(int) {
	return func(b *testing.B, s *sized) func(int) {
		bin := theBinary(b)
		dir := b.TempDir()
		full := make([]string, len(args))
		for i, a := range args {
			full[i] = strings.NewReplacer("{dir}", dir, "{cfg}", s.cfg).Replace(a)
		}
		return func(int) {
			os.Remove(filepath.Join(dir, "backup.db"))
			cmd := exec.Command(bin, full...)
			cmd.Env = cleanEnv()
			cmd.Stdout = io.Discard
			var stderr strings.Builder
			cmd.Stderr = &stderr
			if err := cmd.Run(); err != nil {
				b.Fatalf("intaked %s: %v\n%s", strings.Join(full, " "), err, stderr.String())
			}
		}
	}
}

// TestMain removes the stores copied and the binary built for the benchmarks.
func TestMain(m *testing.M) {
	code := m.Run()
	if sizedDir != "" {
		os.RemoveAll(sizedDir)
	}
	if intakedBin.path != "" {
		os.RemoveAll(filepath.Dir(intakedBin.path))
	}
	os.Exit(code)
}

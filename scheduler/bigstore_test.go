package scheduler_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/laclasse/intake/convention"
	"github.com/laclasse/intake/internal/bigstore"
	"github.com/laclasse/intake/report"
	"github.com/laclasse/intake/scheduler"
	"github.com/laclasse/intake/sqlite"
	"github.com/laclasse/intake/templates"
)

// The reports on the generated stores of internal/bigstore (issue 17 §3): the national store of
// ten years and one year of the Métropole. Profile them with
//
//	go test -run '^$' -bench Reports -benchtime 3x -cpuprofile cpu.out ./scheduler/

// generatedStore is a generated store opened (and migrated) from a copy of its own, with the
// dates of its communes' conventions as its configuration gives them.
type generatedStore struct {
	store    *bigstore.Store
	db       *sqlite.DB
	communes []scheduler.CommuneDates
}

var (
	generatedMu     sync.Mutex
	generatedStores = map[string]*generatedStore{}
	paris           = func() *time.Location {
		loc, err := time.LoadLocation("Europe/Paris")
		if err != nil {
			panic(err)
		}
		return loc
	}()
)

// openGenerated returns the store of p, generated (or read from the cache) and copied once per
// process.
func openGenerated(tb testing.TB, name string, p bigstore.Params) *generatedStore {
	tb.Helper()
	generatedMu.Lock()
	defer generatedMu.Unlock()
	if g, ok := generatedStores[name]; ok {
		return g
	}
	ctx := context.Background()
	s, err := bigstore.Cached(ctx, p)
	if err != nil {
		tb.Fatal(err)
	}
	dir, err := os.MkdirTemp("", "intake-scheduler-"+name+"-")
	if err != nil {
		tb.Fatal(err)
	}
	path := filepath.Join(dir, "intake.db")
	if err := s.Copy(path); err != nil {
		tb.Fatal(err)
	}
	end := s.End()
	db, err := sqlite.Open(ctx, path, func() time.Time { return end })
	if err != nil {
		tb.Fatal(err)
	}
	g := &generatedStore{store: s, db: db, communes: communeDates(tb, s.CommunesTOML())}
	generatedStores[name] = g
	cleanups = append(cleanups, func() { db.Close(); os.RemoveAll(dir) })
	return g
}

var cleanups []func()

// communeDates reads the communes' names, INSEE codes and convention dates out of the
// [[commune]] tables bigstore writes for the configuration.
func communeDates(tb testing.TB, toml string) []scheduler.CommuneDates {
	tb.Helper()
	var out []scheduler.CommuneDates
	for _, line := range strings.Split(toml, "\n") {
		key, value, ok := strings.Cut(line, " = ")
		if line == "[[commune]]" {
			out = append(out, scheduler.CommuneDates{})
		}
		if !ok || len(out) == 0 || !strings.HasPrefix(value, `"`) {
			continue
		}
		v, err := strconv.Unquote(value)
		if err != nil {
			tb.Fatalf("%s: %v", line, err)
		}
		c := &out[len(out)-1]
		switch key {
		case "name":
			c.Name = v
		case "insee":
			c.INSEE = v
		case "convention_start":
			t, err := time.ParseInLocation(time.DateOnly, v, paris)
			if err != nil {
				tb.Fatal(err)
			}
			c.ConventionStart = &t
		}
	}
	return out
}

var sizes = []struct {
	name string
	p    bigstore.Params
}{{"metropole", bigstore.Metropole}, {"national", bigstore.National}}

// BenchmarkReports draws the fee statement and the activity report of the school year under way
// at the stores' end, as `intaked report` does, on both stores.
func BenchmarkReports(b *testing.B) {
	ctx := context.Background()
	const year = "2026-2027"
	for _, op := range []struct {
		name string
		run  func(b *testing.B, g *generatedStore)
	}{
		{"fees", func(b *testing.B, g *generatedStore) {
			f, err := scheduler.YearFacts(ctx, g.db, g.communes, year, paris)
			if err != nil {
				b.Fatal(err)
			}
			if st := report.Fees(f, year, 150, paris); len(st.Communes) == 0 {
				b.Fatal("no commune owes anything")
			}
		}},
		{"fees-xlsx", func(b *testing.B, g *generatedStore) {
			f, err := scheduler.YearFacts(ctx, g.db, g.communes, year, paris)
			if err != nil {
				b.Fatal(err)
			}
			if err := report.WriteFeesXLSX(io.Discard, report.Fees(f, year, 150, paris)); err != nil {
				b.Fatal(err)
			}
		}},
		{"activity", func(b *testing.B, g *generatedStore) {
			f, err := scheduler.YearFacts(ctx, g.db, g.communes, year, paris)
			if err != nil {
				b.Fatal(err)
			}
			if err := report.WriteActivityXLSX(io.Discard, report.Activity(f, year, paris), scheduler.History(f, year, paris)); err != nil {
				b.Fatal(err)
			}
		}},
	} {
		b.Run(op.name, func(b *testing.B) {
			for _, sz := range sizes {
				b.Run(sz.name, func(b *testing.B) {
					g := openGenerated(b, sz.name, sz.p)
					b.ResetTimer()
					for range b.N {
						op.run(b, g)
					}
				})
			}
		})
	}
}

// BenchmarkCalendarJobs runs the daily digest and the weekly overview over the span before the
// stores' end, in RunJob's transaction as the scheduler does, each time under a name of its own.
func BenchmarkCalendarJobs(b *testing.B) {
	for _, job := range []struct {
		name string
		span time.Duration
	}{{"digest", 24 * time.Hour}, {"weekly", 7 * 24 * time.Hour}} {
		b.Run(job.name, func(b *testing.B) {
			for _, sz := range sizes {
				b.Run(sz.name, func(b *testing.B) {
					g := openGenerated(b, sz.name, sz.p)
					var lines int
					b.ResetTimer()
					for i := range b.N {
						mails := runJob(b, g, job.name, job.span, fmt.Sprintf("bench-%d", i))
						lines = mailLines(mails)
					}
					b.ReportMetric(float64(lines), "lines")
				})
			}
		})
	}
}

// runJob runs the calendar's job name over the span before the store's end, recorded in the
// ledger under ledger, and returns the mail it queued.
func runJob(tb testing.TB, g *generatedStore, name string, span time.Duration, ledger string) []convention.OutgoingMail {
	tb.Helper()
	occ := g.store.End()
	cal := scheduler.Calendar{Dates: convention.DefaultCalendar(paris), Communes: g.store.Communes, From: bigstore.Mailbox, Metropole: []string{bigstore.StaffTo},
		Signature: templates.Signature, Provisioning: true, RetentionMonths: 24, Now: func() time.Time { return occ },
		Specs: scheduler.Specs{DailyDigest: "0 7 * * *", WeeklyOverview: "0 7 * * 1"}}
	var mails []convention.OutgoingMail
	for _, j := range cal.Jobs() {
		if j.Name != name {
			continue
		}
		if _, err := g.db.RunJob(context.Background(), name+"-"+ledger, occ, func(tx *sqlite.Tx) ([]convention.OutgoingMail, error) {
			var err error
			mails, err = j.Run(context.Background(), tx, occ.Add(-span), occ)
			return mails, err
		}); err != nil {
			tb.Fatal(err)
		}
		return mails
	}
	tb.Fatalf("no job %s", name)
	return nil
}

// mailLines counts the lines of the mails' plain text, their output.
func mailLines(mails []convention.OutgoingMail) int {
	n := 0
	for _, m := range mails {
		n += bytes.Count(m.Data, []byte("\n"))
	}
	return n
}

// TestYearFactsDrawTheSameReports: the fee statement, the activity report and its history drawn
// from one year's facts (YearFacts) are those drawn from the whole store's (Facts), for every
// school year of the generated Métropole store, and of the national store of ten years when
// INTAKE_BIGSTORE_NATIONAL is set (its first generation takes about 30 s).
func TestYearFactsDrawTheSameReports(t *testing.T) {
	if testing.Short() {
		t.Skip("generates a store")
	}
	stores := sizes[:1]
	if os.Getenv("INTAKE_BIGSTORE_NATIONAL") != "" {
		stores = sizes
	}
	ctx := context.Background()
	for _, sz := range stores {
		t.Run(sz.name, func(t *testing.T) {
			g := openGenerated(t, sz.name, sz.p)
			all, err := scheduler.Facts(ctx, g.db, g.communes)
			if err != nil {
				t.Fatal(err)
			}
			end := g.store.End().In(paris).Year()
			for y := end - g.store.Params.Years - 1; y <= end+1; y++ {
				year := fmt.Sprintf("%d-%d", y, y+1)
				f, err := scheduler.YearFacts(ctx, g.db, g.communes, year, paris)
				if err != nil {
					t.Fatal(err)
				}
				sameReports(t, year, all, f)
			}
		})
	}
}

// sameReports checks that the reports of year drawn from want and from got are the same.
func sameReports(t *testing.T, year string, want, got report.Facts) {
	t.Helper()
	wf, gf := report.Fees(want, year, 150, paris), report.Fees(got, year, 150, paris)
	if !reflect.DeepEqual(wf, gf) {
		t.Errorf("%s: fee statement differs:\n%s", year, firstDiff(wf, gf))
	}
	wa, ga := report.Activity(want, year, paris), report.Activity(got, year, paris)
	if !reflect.DeepEqual(wa, ga) {
		t.Errorf("%s: activity report differs:\n%s", year, firstDiff(wa, ga))
	}
	wh, gh := scheduler.History(want, year, paris), scheduler.History(got, year, paris)
	if !reflect.DeepEqual(wh, gh) {
		t.Errorf("%s: history differs:\n%s", year, firstDiff(wh, gh))
	}
	if len(wf.Communes) == 0 && len(wa.Communes) == 0 {
		t.Logf("%s: nothing to report", year)
	}
}

// firstDiff shows where the JSON forms of want and got part.
func firstDiff(want, got any) string {
	w, _ := json.MarshalIndent(want, "", " ")
	g, _ := json.MarshalIndent(got, "", " ")
	wl, gl := strings.Split(string(w), "\n"), strings.Split(string(g), "\n")
	for i := range min(len(wl), len(gl)) {
		if wl[i] != gl[i] {
			return fmt.Sprintf("line %d: want %s, got %s", i+1, wl[i], gl[i])
		}
	}
	return fmt.Sprintf("want %d lines, got %d (or a difference JSON does not show)", len(wl), len(gl))
}

func TestMain(m *testing.M) {
	code := m.Run()
	for _, c := range cleanups {
		c()
	}
	os.Exit(code)
}

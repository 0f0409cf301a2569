// Package bigstore is in charge of generating a store of the convention at any size, up to the
// whole country over ten years, for the benchmarks of the console (issue 15) and of the costs that
// must not grow with the years (issue 17): communes, their schools, ten yearly campaigns (lists
// sent in May and June, changes of administrator, additions, removals, renewals by default), the
// requests they make (applied, refused, duplicates, forwarded, quarantined, held) with their raw
// messages, the changes, the directory work, the staff actions, the calendar's jobs and the outbox.
//
// Implementation notes:
//   - Everything in the store was written by the daemon's own code. A few archetype communes live
//     the years through the real code: each message is claimed and decided by intake.Handler, the
//     directory work is done with TaskDone, staff act through the store's API, and the calendar's
//     jobs (renewal, yearly update, digests, reminders, retention purge) run through
//     scheduler.Scheduler.Due with the clock moved forward. The store is opened with sqlite.Open,
//     so its schema is the real migrations'.
//   - The other communes are copies of the archetypes, made in SQL in one transaction: every row
//     of an archetype (its schools, requests, files, problems, changes, directory work, mails,
//     threads, staff actions, renewals) is copied with new ids, the copy's commune, UAIs, sender
//     domain, Message-IDs and request numbers written in place of the archetype's wherever they
//     appear (in JSON, in reasons, in the headers of raw messages and mails). A copy happens at
//     the same instants as its archetype. Mails that belong to no request (the digests, the
//     reports to the Métropole) are the archetypes' only.
//   - What is random comes from Params.Seed: the same parameters give the same store.
package bigstore

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/laclasse/intake/convention"
)

// Params says what store to generate.
type Params struct {
	Schools  int // schools in the registry at the end (removed ones included), all communes together
	Communes int
	Years    int   // yearly campaigns, the last one in End's year
	Seed     int64 // the same seed gives the same store
	// Archetypes is how many communes live the years through the real code; the others are their
	// copies. It must divide Communes (0: every commune up to 60, else 20).
	Archetypes int
	// End is the store's "now", when the generation stops (zero: 16 November 2026, 12:00 UTC,
	// in the autumn after the last campaign).
	End time.Time
}

// National is the whole country over ten years: 45,000 schools, 2,000 communes (issue 15 and
// issue 17 §3).
var National = Params{Schools: 45000, Communes: 2000, Years: 10, Seed: 1}

// Metropole is one year of the Métropole de Lyon: about 600 schools in its 59 communes, all of
// them through the real code. It is the small store the issue 17 §3 ratios compare with.
var Metropole = Params{Schools: 600, Communes: 59, Years: 1, Seed: 1}

// Version changes whenever the generator writes a different store, so that cached stores of an
// older generator are not reused.
const Version = 5

// DefaultEnd is the store's "now" when Params.End is zero.
var DefaultEnd = time.Date(2026, 11, 16, 12, 0, 0, 0, time.UTC)

func (p Params) end() time.Time {
	if p.End.IsZero() {
		return DefaultEnd
	}
	return p.End.UTC()
}

func (p Params) archetypes() int {
	if p.Archetypes > 0 {
		return p.Archetypes
	}
	if p.Communes <= 60 {
		return p.Communes
	}
	for a := 20; a > 1; a-- {
		if p.Communes%a == 0 {
			return a
		}
	}
	return 1
}

func (p Params) check() error {
	var errs []error
	if p.Communes < 1 {
		errs = append(errs, fmt.Errorf("communes %d: want at least 1", p.Communes))
	}
	if p.Years < 1 {
		errs = append(errs, fmt.Errorf("years %d: want at least 1", p.Years))
	}
	if a := p.archetypes(); p.Communes >= 1 && (a > p.Communes || p.Communes%a != 0) {
		errs = append(errs, fmt.Errorf("archetypes %d: must divide communes %d", a, p.Communes))
	}
	if p.Communes >= 1 && p.Schools < 2*p.Communes {
		errs = append(errs, fmt.Errorf("schools %d: want at least two per commune (%d)", p.Schools, 2*p.Communes))
	}
	return errors.Join(errs...)
}

// key names the parameters in the cache.
func (p Params) key() string {
	b, _ := json.Marshal(struct {
		Params
		End     time.Time
		Version int
	}{p, p.end(), Version})
	sum := sha256.Sum256(b)
	return fmt.Sprintf("s%d-c%d-y%d-%s", p.Schools, p.Communes, p.Years, hex.EncodeToString(sum[:6]))
}

// Store is a generated store and what it holds.
type Store struct {
	Path   string
	Params Params
	// Communes is the configuration that goes with the store: each commune with its INSEE code
	// and declared senders (the whole domain of its town hall).
	Communes []convention.Commune
	// Counts is the rows of each table; States the requests in each state.
	Counts map[string]int
	States map[convention.RequestState]int
	// Schools counts the schools in each status.
	Schools map[convention.Status]int
	// Generated is how long the generation took (the first time, when the store is cached).
	Generated time.Duration
	// Real counts the requests decided by intake.Handler itself (the archetypes'); the others are
	// their copies.
	Real int
	// Samples name what a benchmark or a test looks at.
	Samples Samples
}

// Samples are a few things of the store worth looking at.
type Samples struct {
	BigCommune      string // the commune with the most schools
	BigCommuneINSEE string
	School          string // a UAI of that commune with a history (added, activated, changed)
	Request         int64  // a recent applied list of that commune, its raw message kept
	Sender          string // the address that commune writes from
	Forwarded       int64  // a forwarded message (a person's reply to one of our mails)
	Quarantined     int64  // a quarantined (rejected) message
	Held            int64  // a list whose removals were held for staff, 0 if none
	// CopySchool and CopyRequest are a school and a request of a copied commune (0 and "" when
	// every commune is an archetype).
	CopyCommune string
	CopySchool  string
	CopyRequest int64
}

// End is the store's "now": when its generation stopped, the calendar's jobs up to date.
func (s *Store) End() time.Time { return s.Params.end() }

// CommunesTOML returns the [[commune]] tables of a configuration for the store's communes, each
// with its convention notified in the spring before its first list.
func (s *Store) CommunesTOML() string {
	first, _ := s.Params.campaigns()
	var b strings.Builder
	for i, c := range s.Communes {
		fmt.Fprintf(&b, "[[commune]]\nname = %q\ninsee = %q\nsenders = [%q]\nconvention_start = %q\n", c.Name, c.INSEE, c.Senders[0], conventionStart(first, i).Format(time.DateOnly))
	}
	return b.String()
}

// conventionStart is when commune i's convention was notified: in April before the first campaign.
func conventionStart(first, i int) time.Time {
	return time.Date(first, time.April, 1+i%28, 0, 0, 0, 0, paris)
}

// campaigns returns the years of the first and the last campaign: the last is End's year when
// End is after its yearly update (1 July), else the year before.
func (p Params) campaigns() (first, last int) {
	end := p.end().In(paris)
	last = end.Year()
	if end.Before(time.Date(last, time.July, 2, 0, 0, 0, 0, paris)) {
		last--
	}
	return last - p.Years + 1, last
}

// paris is the Métropole's time zone, the convention's dates'.
var paris = func() *time.Location {
	loc, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		panic(err) // time/tzdata is embedded
	}
	return loc
}()

// Cached returns the store of p from the cache in the system's temporary directory, generating
// it the first time. The store is shared: open it read-only, or copy it (Copy) to write to it.
func Cached(ctx context.Context, p Params) (*Store, error) {
	dir := filepath.Join(os.TempDir(), "intake-bigstore", p.key())
	manifest := filepath.Join(dir, "store.json")
	if b, err := os.ReadFile(manifest); err == nil {
		var s Store
		if err := json.Unmarshal(b, &s); err == nil {
			s.Path = filepath.Join(dir, "intake.db")
			if _, err := os.Stat(s.Path); err == nil {
				return &s, nil
			}
		}
	}
	if err := os.MkdirAll(filepath.Dir(dir), 0o755); err != nil {
		return nil, fmt.Errorf("cache a generated store: %w", err)
	}
	tmp, err := os.MkdirTemp(filepath.Dir(dir), "new-")
	if err != nil {
		return nil, fmt.Errorf("cache a generated store: %w", err)
	}
	defer os.RemoveAll(tmp)
	s, err := Generate(ctx, filepath.Join(tmp, "intake.db"), p)
	if err != nil {
		return nil, err
	}
	b, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(tmp, "store.json"), b, 0o644); err != nil {
		return nil, fmt.Errorf("cache a generated store: %w", err)
	}
	if err := os.Rename(tmp, dir); err != nil {
		if _, serr := os.Stat(manifest); serr == nil { // made by another process meanwhile
			return Cached(ctx, p)
		}
		return nil, fmt.Errorf("cache a generated store: %w", err)
	}
	s.Path = filepath.Join(dir, "intake.db")
	return s, nil
}

// Copy copies the store's database to path (a store of its own, to write to).
func (s *Store) Copy(path string) error {
	b, err := os.ReadFile(s.Path)
	if err != nil {
		return fmt.Errorf("copy the generated store: %w", err)
	}
	if err := os.WriteFile(path, b, 0o600); err != nil {
		return fmt.Errorf("copy the generated store: %w", err)
	}
	return nil
}

// Generate writes the store of p at path, which must not exist.
func Generate(ctx context.Context, path string, p Params) (*Store, error) {
	if err := p.check(); err != nil {
		return nil, fmt.Errorf("generate a store: %w", err)
	}
	if _, err := os.Stat(path); err == nil {
		return nil, fmt.Errorf("generate a store: %s exists", path)
	}
	start := time.Now()
	// The store is written in memory when it can be (the daemon's every commit waits for the
	// disk), then copied to path.
	scratch, err := os.MkdirTemp(scratchDir(), "intake-bigstore-")
	if err != nil {
		return nil, fmt.Errorf("generate a store: %w", err)
	}
	defer os.RemoveAll(scratch)
	work := filepath.Join(scratch, "intake.db")
	w := newWorld(p)
	s := &Store{Path: work, Params: p, Communes: w.configCommunes()}
	sim, err := simulate(ctx, work, w)
	if err != nil {
		return nil, fmt.Errorf("generate a store: %w", err)
	}
	s.Real = sim.requests
	if err := copyArchetypes(ctx, work, w, sim); err != nil {
		return nil, fmt.Errorf("generate a store: copy the archetypes: %w", err)
	}
	if err := s.survey(ctx, w, sim); err != nil {
		return nil, fmt.Errorf("generate a store: %w", err)
	}
	if err := s.Copy(path); err != nil {
		return nil, fmt.Errorf("generate a store: %w", err)
	}
	s.Path = path
	s.Generated = time.Since(start)
	return s, nil
}

// scratchDir is a directory in memory (/dev/shm) if there is one, else the temporary directory.
func scratchDir() string {
	if fi, err := os.Stat("/dev/shm"); err == nil && fi.IsDir() {
		if f, err := os.CreateTemp("/dev/shm", "intake-bigstore-probe-"); err == nil {
			f.Close()
			os.Remove(f.Name())
			return "/dev/shm"
		}
	}
	return os.TempDir()
}

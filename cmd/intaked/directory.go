package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/laclasse/intake/convention"
	"github.com/laclasse/intake/directory"
	"github.com/laclasse/intake/metrics"
	"github.com/laclasse/intake/sqlite"
	"github.com/laclasse/intake/templates"
)

// DirectoryConfig is the national directory of schools, the Annuaire de l'éducation: every row
// of a commune's list is checked against it, and the model sent to a commune's first message
// comes pre-filled with its schools.
type DirectoryConfig struct {
	// File is the directory as the Ministry publishes it (CSV, UTF-8 with BOM, ';'); a refresh
	// replaces it with the download once checked.
	File string `toml:"file"`
	// URL is where the Ministry publishes it; "" leaves File to be replaced by hand (it is
	// reloaded when it changed).
	URL string `toml:"url"`
}

func (c *DirectoryConfig) validate() []error {
	if c == nil {
		return nil
	}
	var errs []error
	if c.File == "" {
		errs = append(errs, fmt.Errorf("directory.file: required: the path of the national directory of schools (fr-en-annuaire-education.csv)"))
	}
	if c.URL != "" {
		if u, err := url.Parse(c.URL); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			errs = append(errs, fmt.Errorf("directory.url: %q is not an http(s) URL", c.URL))
		}
	}
	return errs
}

// newDirectory returns the loader of [directory], or nil without the section.
func newDirectory(cfg *DirectoryConfig, store *sqlite.DB, now func() time.Time, log *slog.Logger) *directory.Loader {
	if cfg == nil {
		return nil
	}
	return &directory.Loader{File: cfg.File, URL: cfg.URL, Store: store, Now: now, Logger: log}
}

// loadDirectory loads [directory] file into the store when it changed since the last load
// (at start, and before `intaked directory`); at start (download), a file not there yet is
// downloaded from [directory] url first. A file that cannot be used is logged and recorded (the
// summary and /metrics show it); the directory in use stays. The daemon also logs the communes
// whose insee the directory gives no school.
func (m *Main) loadDirectory(ctx context.Context, cfg *Config, store *sqlite.DB, download bool) {
	l := newDirectory(cfg.Directory, store, m.Now, m.Logger)
	if l == nil {
		return
	}
	load := l.Load
	if _, err := os.Stat(l.File); download && l.URL != "" && errors.Is(err, fs.ErrNotExist) {
		load = l.Refresh
	}
	if _, err := load(ctx); err != nil {
		m.Logger.Error("directory not loaded: the one in use stays", "file", l.File, "err", err)
	}
	if !download {
		return // a command: `status` names them
	}
	if none, err := communesWithoutSchools(ctx, cfg, store); err != nil {
		m.Logger.Error("directory: read the communes' schools", "err", err)
	} else if len(none) > 0 {
		m.Logger.Warn("directory: no open public school for these communes' insee, whose lists will be refused: check [[commune]] insee (the INSEE code, not the postal code)",
			"communes", strings.Join(none, ", "))
	}
}

// communesWithoutSchools returns the communes of cfg ("Name (insee)") for which the directory in
// use lists no open public school: an insee that is a postal code (94000 for Créteil, 94028), or
// mistyped, would have every school of their lists refused as another commune's. None before a
// directory is loaded.
func communesWithoutSchools(ctx context.Context, cfg *Config, store *sqlite.DB) ([]string, error) {
	st, err := store.DirectoryState(ctx)
	if err != nil || st.LoadedAt == nil || st.Rows == 0 {
		return nil, err
	}
	var none []string
	for _, cc := range cfg.Communes {
		schools, err := store.DirectoryCommune(ctx, cc.INSEE)
		if err != nil {
			return nil, err
		}
		if len(schools) == 0 {
			none = append(none, fmt.Sprintf("%s (%s)", cc.Name, cc.INSEE))
		}
	}
	return none, nil
}

// directoryJSON is one element of `directory --json` (a contract).
type directoryJSON struct {
	UAI          string `json:"uai"`
	Name         string `json:"name"`
	Type         string `json:"type"`
	Nature       string `json:"nature"`
	Public       bool   `json:"public"`
	CommuneINSEE string `json:"commune_insee"`
	Commune      string `json:"commune"`
	State        string `json:"state"`
	Opened       string `json:"opened"` // YYYY-MM-DD, "" when the directory gives none
}

// directoryCmd prints each school's entry in the national directory.
func (m *Main) directoryCmd(ctx context.Context, args []string) error {
	c := m.command("directory", false)
	asJSON := c.fs.Bool("json", false, "one JSON array")
	acceptShrink := c.fs.Bool("accept-shrink", false, "load [directory] file (downloaded again from url first) now, even with more than 10 % fewer rows than the one in use")
	if err := c.parse(args); err != nil {
		return err
	}
	if c.fs.NArg() == 0 && !*acceptShrink {
		return fmt.Errorf("%w: directory needs at least one UAI", errUsage)
	}
	cfg, store, err := c.open(ctx)
	if err != nil {
		return err
	}
	defer store.Close()
	if cfg.Directory == nil {
		return fmt.Errorf("%w: the configuration has no [directory]", errUsage)
	}
	if *acceptShrink {
		// A shrink staff confirmed: the other checks still apply.
		l := newDirectory(cfg.Directory, store, m.Now, m.Logger)
		l.AcceptShrink = true
		res, err := l.Refresh(ctx)
		if err != nil {
			return fmt.Errorf("load the directory: %w", err)
		}
		if res.Loaded {
			fmt.Fprintln(m.Stderr, templates.DirectoryLoaded(res.Rows, res.Previous))
		} else {
			fmt.Fprintln(m.Stderr, templates.DirectoryAlreadyInUse(res.Rows))
		}
		if c.fs.NArg() == 0 {
			return nil
		}
	}
	m.loadDirectory(ctx, cfg, store, false)
	var uais []string
	for _, a := range c.fs.Args() {
		uais = append(uais, convention.NormalizeUAI(a))
	}
	entries, loaded, err := store.DirectoryEntries(ctx, uais)
	if err != nil {
		return err
	}
	if !loaded {
		fmt.Fprintln(m.Stderr, templates.DirectoryNotLoaded)
		return errSilent
	}
	out := []directoryJSON{}
	var missing []string
	for _, uai := range uais {
		e, ok := entries[uai]
		if !ok {
			missing = append(missing, uai)
			continue
		}
		j := directoryJSON{UAI: e.UAI, Name: e.Name, Type: e.Type, Nature: e.Nature, Public: e.Public, CommuneINSEE: e.CommuneINSEE, Commune: e.Commune, State: e.State}
		if !e.Opened.IsZero() {
			j.Opened = e.Opened.Format("2006-01-02")
		}
		out = append(out, j)
	}
	if *asJSON {
		if err := writeJSON(m.Stdout, out); err != nil {
			return err
		}
	} else {
		tw := tabwriter.NewWriter(m.Stdout, 0, 2, 2, ' ', 0)
		fmt.Fprintln(tw, templates.DirectoryHeader)
		for _, j := range out {
			e := entries[j.UAI]
			opened := "-"
			if !e.Opened.IsZero() {
				opened = e.Opened.Format("02/01/2006")
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", e.UAI, e.Name, e.Type, strings.ToLower(e.Nature), templates.DirectoryStatus(e.Public),
				e.Commune, e.CommuneINSEE, templates.DirectoryState(e.State, e.Closing()), opened)
		}
		if err := tw.Flush(); err != nil {
			return err
		}
		for _, uai := range missing {
			fmt.Fprintln(m.Stdout, templates.DirectoryNotListed(uai))
		}
	}
	if len(missing) > 0 {
		return errSilent
	}
	return nil
}

// directorySnapshot reads the directory's state for /metrics.
func directorySnapshot(ctx context.Context, store *sqlite.DB) (*metrics.DirectorySnapshot, error) {
	st, err := store.DirectoryState(ctx)
	if err != nil {
		return nil, err
	}
	ds := &metrics.DirectorySnapshot{Rows: st.Rows, Failing: st.Failing()}
	if st.LoadedAt != nil {
		ds.LoadedAt = *st.LoadedAt
	}
	return ds, nil
}

// directoryStatus prints, for `intaked status`, the national directory in use and how its last
// refresh went (nothing without [directory]).
func directoryStatus(ctx context.Context, out io.Writer, cfg *Config, store *sqlite.DB, when func(time.Time) string) error {
	if cfg.Directory == nil {
		return nil
	}
	st, err := store.DirectoryState(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "\nDirectory of schools: %s", cfg.Directory.File)
	if cfg.Directory.URL != "" {
		fmt.Fprintf(out, ", refreshed from %s at %q", cfg.Directory.URL, cfg.Schedule.DirectoryRefresh)
	}
	fmt.Fprintln(out)
	if st.LoadedAt == nil {
		fmt.Fprintln(out, "  NOT LOADED: no school is checked against it")
	} else {
		fmt.Fprintf(out, "  %d establishments, loaded %s\n", st.Rows, when(*st.LoadedAt))
	}
	if st.CheckedAt != nil {
		fmt.Fprintf(out, "  last refresh that worked: %s\n", when(*st.CheckedAt))
	}
	none, err := communesWithoutSchools(ctx, cfg, store)
	if err != nil {
		return err
	}
	if len(none) > 0 {
		fmt.Fprintf(out, "  NO OPEN PUBLIC SCHOOL in it for %s: their lists are refused; check [[commune]] insee (the INSEE code, not the postal code)\n", strings.Join(none, ", "))
	}
	if st.Failing() {
		fmt.Fprintf(out, "  LAST REFRESH REFUSED %s (%s): %s; the one in use stays\n", when(*st.FailedAt), st.Failure, oneLine(st.FailureDetail))
	}
	return nil
}

// checkDirectoryFile reports, for check-config, a [directory] file that cannot be read, and,
// with a url, a directory where a download cannot be written beside it (it is renamed over
// the file).
func checkDirectoryFile(cfg *DirectoryConfig) []error {
	if cfg == nil || cfg.File == "" {
		return nil
	}
	var errs []error
	if f, err := os.Open(cfg.File); err == nil {
		f.Close()
	} else if cfg.URL == "" || !errors.Is(err, fs.ErrNotExist) {
		errs = append(errs, fmt.Errorf("directory.file: %w", err))
	}
	if cfg.URL != "" {
		dir := filepath.Dir(cfg.File)
		f, err := os.CreateTemp(dir, ".intaked-check-*")
		if err != nil {
			errs = append(errs, fmt.Errorf("directory.file: the directory %s cannot be written, where a download replaces the file: %w", dir, errors.Unwrap(err)))
		} else {
			f.Close()
			os.Remove(f.Name())
		}
	}
	return errs
}

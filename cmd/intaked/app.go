package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/laclasse/intake/convention"
	"github.com/laclasse/intake/sheet"
	"github.com/laclasse/intake/sqlite"
	"github.com/laclasse/intake/templates"
)

// Main is the program, with its outside world made explicit so that tests can run it whole.
type Main struct {
	Stdout, Stderr io.Writer
	// Now is the clock; --now replaces it for one run.
	Now func() time.Time
	// Logger is chosen here only; the packages take it. A Logger set before Run is kept;
	// otherwise `run` follows the configuration's [log].
	Logger *slog.Logger
	logSet bool
	// Reload, when set, makes a running daemon read its configuration again at each receive,
	// as SIGHUP does (tests).
	Reload <-chan struct{}
	// actions are the staff actions of the wired daemon, kept across reloads (wiredActions).
	actions *staffActions
}

// NewMain returns a Main on the process's streams and clock.
func NewMain() *Main {
	return &Main{Stdout: os.Stdout, Stderr: os.Stderr, Now: time.Now}
}

const usage = `intaked runs the partnership mailbox of laclasse.com.

Usage:
  intaked demo [--console]                   run the whole path on built-in samples (then serve the console on it)
  intaked run --config FILE [--once] [--now RFC3339]
  intaked parse [--json] FILE...             read spreadsheets, touching nothing else
  intaked schools --config FILE [--json] [--now RFC3339]   the registry
  intaked pending --config FILE [--json] [--now RFC3339]   activations to do
  intaked communes --config FILE [--json] [--now RFC3339]  the communes
  intaked activate --config FILE [--by NAME] [--now RFC3339] (--commune NAME | UAI...)
                                             mark schools whose access was opened by hand
  intaked requests --config FILE [--commune NAME] [--state STATE] [--since YYYY-MM-DD] [--json] [--now RFC3339]
                                             the messages received and what became of them
  intaked release --config FILE [--commune NAME] [--add-sender] [--by NAME] [--now RFC3339] ID
                                             decide a quarantined request again, as from a commune
  intaked confirm --config FILE [--drop] [--by NAME] [--now RFC3339] ID
                                             apply a request's held removals (--drop: keep the schools)
  intaked history --config FILE [--json] UAI a school's history, with who changed it by hand
  intaked revert --config FILE [--by NAME] [--now RFC3339] ID
                                             undo what a request changed, and tell the commune
  intaked template [--config FILE] --format xlsx|ods -o FILE the model spreadsheet for communes
  intaked report fees --config FILE --year 2025-2026 [--json] [-o FILE.xlsx]
  intaked report activity --config FILE --year 2025-2026 [-o FILE.xlsx]
  intaked terminate --config FILE --commune NAME --received YYYY-MM-DD
  intaked status --config FILE               one screen for operators
  intaked backup --config FILE OUT.db        an online, consistent copy of the store
  intaked check-config --config FILE
  intaked directory --config FILE [--json] UAI...  each school's entry in the Annuaire de l'éducation
  intaked directory --config FILE --accept-shrink  load [directory] file (url first) even with >10 % fewer rows
  intaked console-link --config FILE [--role gestion|lecture] [--as NAME]
                                             a URL that signs its holder in to the console once (15 minutes)
`

// Run runs the subcommand named by args[0].
func (m *Main) Run(ctx context.Context, args []string) error {
	if m.Logger == nil {
		m.Logger = slog.New(slog.NewTextHandler(m.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	} else {
		m.logSet = true
	}
	if len(args) == 0 {
		fmt.Fprint(m.Stderr, usage)
		return errUsage
	}
	cmd, rest := args[0], args[1:]
	switch cmd {
	case "run":
		return m.runCmd(ctx, rest)
	case "demo":
		return m.demoCmd(ctx, rest)
	case "parse":
		return m.parseCmd(ctx, rest)
	case "schools":
		return m.schoolsCmd(ctx, rest)
	case "pending":
		return m.pendingCmd(ctx, rest)
	case "communes":
		return m.communesCmd(ctx, rest)
	case "status":
		return m.statusCmd(ctx, rest)
	case "report":
		return m.reportCmd(ctx, rest)
	case "terminate":
		return m.terminateCmd(ctx, rest)
	case "backup":
		return m.backupCmd(ctx, rest)
	case "activate":
		return m.activateCmd(ctx, rest)
	case "requests":
		return m.requestsCmd(ctx, rest)
	case "release":
		return m.releaseCmd(ctx, rest)
	case "confirm":
		return m.confirmCmd(ctx, rest)
	case "history":
		return m.historyCmd(ctx, rest)
	case "revert":
		return m.revertCmd(ctx, rest)
	case "template":
		return m.templateCmd(ctx, rest)
	case "check-config":
		return m.checkConfigCmd(ctx, rest)
	case "directory":
		return m.directoryCmd(ctx, rest)
	case "console-link":
		return m.consoleLinkCmd(ctx, rest)
	case "help", "-h", "--help":
		fmt.Fprint(m.Stdout, usage)
		return nil
	default:
		fmt.Fprint(m.Stderr, usage)
		return fmt.Errorf("%w: unknown command %q", errUsage, cmd)
	}
}

// flags returns a flag set that reports to stderr and fails with errUsage.
func (m *Main) flags(name string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(m.Stderr)
	return fs
}

func parseFlags(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return errUsage
		}
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	return nil
}

func (m *Main) loadConfig(path string) (*Config, error) {
	if path == "" {
		return nil, fmt.Errorf("%w: --config FILE is required", errUsage)
	}
	return LoadConfig(path)
}

func (m *Main) openStore(ctx context.Context, cfg *Config) (*sqlite.DB, error) {
	if err := checkStoreDir(cfg.Store.Path); err != nil {
		return nil, &ConfigError{Errs: []error{err}}
	}
	db, err := sqlite.Open(ctx, cfg.Store.Path, m.Now)
	if err != nil {
		return nil, err
	}
	if err := db.SyncCommunes(ctx, cfg.CommuneList()); err != nil {
		db.Close()
		return nil, err
	}
	db.SetAccessNotifier(newAccessNotifier(cfg, m.Now))
	return db, nil
}

func (m *Main) checkConfigCmd(_ context.Context, args []string) error {
	fs := m.flags("check-config")
	path := fs.String("config", "", "configuration file")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	cfg, err := m.loadConfig(*path)
	if err != nil {
		return err
	}
	if errs := checkHost(cfg); len(errs) > 0 {
		return &ConfigError{Errs: errs}
	}
	warnPermissions(m.Logger, *path)
	warnTrustedAuthserv(m.Logger, cfg)
	fmt.Fprintf(m.Stdout, "%s: OK (%d communes, mailbox %s on %s, store %s)\n", *path, len(cfg.Communes), cfg.IMAP.Mailbox, cfg.IMAP.Address, cfg.Store.Path)
	return nil
}

// The daemon and its wiring (wire and one constructor per component) are in wire.go.

// parseResult is one line of `parse --json`.
type parseResult struct {
	*convention.List
	Error string `json:"error,omitempty"`
}

func (m *Main) parseCmd(ctx context.Context, args []string) error {
	fs := m.flags("parse")
	asJSON := fs.Bool("json", false, "one JSON object per file, one per line")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		return fmt.Errorf("%w: parse needs at least one FILE", errUsage)
	}
	failed := false
	for _, name := range fs.Args() {
		res := parseResult{}
		data, err := os.ReadFile(name)
		if err == nil {
			res.List, err = sheet.Read(ctx, name, data, sheet.DefaultLimits())
		}
		if err != nil {
			failed = true
			reason := err.Error()
			var ue *sheet.UnreadableError
			if errors.As(err, &ue) {
				reason = ue.Reason
			}
			res = parseResult{List: &convention.List{File: name, Format: string(sheet.Detect(data)), Schools: []convention.SchoolEntry{}, Problems: []convention.Problem{{Row: 0, Field: "file", Severity: convention.SeverityError, Message: reason}}}, Error: reason}
		}
		if res.Schools == nil {
			res.Schools = []convention.SchoolEntry{}
		}
		if res.Problems == nil {
			res.Problems = []convention.Problem{}
		}
		if *asJSON {
			b, err := json.Marshal(res)
			if err != nil {
				return err
			}
			fmt.Fprintln(m.Stdout, string(b))
			continue
		}
		m.printList(res)
	}
	if failed {
		return errSilent
	}
	return nil
}

func (m *Main) printList(res parseResult) {
	l := res.List
	fmt.Fprintf(m.Stdout, "%s (%s)\n", l.File, l.Format)
	if res.Error != "" {
		fmt.Fprint(m.Stdout, templates.CLIUnreadable(res.Error))
		return
	}
	for _, c := range []struct {
		label string
		c     *convention.Contact
	}{{templates.CLITechnicalReferent, l.Commune.TechnicalReferent}, {templates.CLIProjectLead, l.Commune.ProjectLead}} {
		if c.c != nil {
			fmt.Fprintf(m.Stdout, "  %s : %s, %s, %s\n", c.label, c.c.FullName(), c.c.Email, convention.ReadablePhone(c.c.Phone))
		}
	}
	tw := tabwriter.NewWriter(m.Stdout, 0, 2, 2, ' ', 0)
	fmt.Fprintln(tw, templates.CLIListHeader)
	for _, s := range l.Schools {
		fmt.Fprintf(tw, "  %s\t%d\t%s\t%s\t%s\t%s\t%s\t%s\n", s.Sheet, s.Row, s.UAI, s.Name, s.Action, s.Admin.FullName(), s.Admin.Email, convention.ReadablePhone(s.Admin.Phone))
	}
	tw.Flush()
	if len(l.Problems) > 0 {
		fmt.Fprintln(m.Stdout, templates.CLIProblems)
		for _, p := range l.Problems {
			fmt.Fprint(m.Stdout, templates.CLIProblem(string(p.Severity), p.Sheet, p.Row, p.Column, p.Field, p.Message))
		}
	}
	fmt.Fprint(m.Stdout, templates.CLIListCounts(len(l.Schools), len(l.Errors())))
}

// schoolJSON is one element of `schools --json` (a contract).
type schoolJSON struct {
	Commune    string             `json:"commune"`
	UAI        string             `json:"uai"`
	Name       string             `json:"name"`
	Status     convention.Status  `json:"status"`
	Admin      convention.Contact `json:"admin"`
	ReceivedAt string             `json:"received_at"`
	DueAt      string             `json:"due_at"`
	// RemoveAt is when a scheduled removal takes effect (RFC 3339), null when none is.
	RemoveAt *string `json:"remove_at"`
	// OfficialName is the school's name in the national directory ([directory]), next to the
	// commune's own; "" when it was never checked.
	OfficialName string `json:"official_name"`
}

func (m *Main) schoolsCmd(ctx context.Context, args []string) error {
	c := m.command("schools", true)
	asJSON := c.fs.Bool("json", false, "one JSON array")
	if err := c.parse(args); err != nil {
		return err
	}
	cfg, store, err := c.open(ctx)
	if err != nil {
		return err
	}
	defer store.Close()
	var schools []convention.School
	if c.nowSet() {
		schools, err = store.SchoolsAt(ctx, m.Now()) // the registry as it stood (or will stand) that day
	} else {
		schools, err = store.Schools(ctx)
	}
	if err != nil {
		return err
	}
	loc := cfg.Location()
	if *asJSON {
		official, err := store.OfficialNames(ctx)
		if err != nil {
			return err
		}
		out := make([]schoolJSON, 0, len(schools))
		for _, s := range schools {
			out = append(out, schoolJSON{Commune: s.Commune, UAI: s.UAI, Name: s.Name, Status: s.Status, Admin: s.Admin,
				ReceivedAt: s.ReceivedAt.In(loc).Format(time.RFC3339), DueAt: s.DueAt.In(loc).Format(time.RFC3339), OfficialName: official[s.UAI]})
			if s.RemoveAt != nil && s.Status != convention.StatusRemoved {
				at := s.RemoveAt.In(loc).Format(time.RFC3339)
				out[len(out)-1].RemoveAt = &at
			}
		}
		return writeJSON(m.Stdout, out)
	}
	tw := tabwriter.NewWriter(m.Stdout, 0, 2, 2, ' ', 0)
	fmt.Fprintln(tw, templates.CLISchoolsHeader)
	for _, s := range schools {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s <%s>\t%s\t%s\n", s.Commune, s.UAI, s.Name, statusFR(s, cfg.ConventionCalendar()), s.Admin.FullName(), s.Admin.Email,
			s.ReceivedAt.In(loc).Format("02/01/2006"), s.DueAt.In(loc).Format("02/01/2006"))
	}
	return tw.Flush()
}

// statusFR is a school's status as staff read it; a scheduled removal shows its day as the
// reply and the digest do (convention.Calendar.RemovalDay).
func statusFR(s convention.School, cal convention.Calendar) string {
	day := ""
	if s.RemoveAt != nil {
		day = cal.RemovalDay(*s.RemoveAt)
	}
	return templates.CLISchoolStatus(string(s.Status), day)
}

func writeJSON(w io.Writer, v any) error {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return err
	}
	_, err := w.Write(buf.Bytes())
	return err
}

// pendingJSON is one element of `pending --json` (a contract).
type pendingJSON struct {
	Commune  string `json:"commune"`
	UAI      string `json:"uai"`
	Name     string `json:"name"`
	DueAt    string `json:"due_at"`
	DaysLeft int    `json:"days_left"`
}

func (m *Main) pendingCmd(ctx context.Context, args []string) error {
	c := m.command("pending", true)
	asJSON := c.fs.Bool("json", false, "one JSON array")
	if err := c.parse(args); err != nil {
		return err
	}
	cfg, store, err := c.open(ctx)
	if err != nil {
		return err
	}
	defer store.Close()
	now := m.Now()
	schools, err := store.SchoolsAt(ctx, now)
	if err != nil {
		return err
	}
	loc := cfg.Location()
	out := []pendingJSON{}
	for _, s := range schools {
		if s.Status != convention.StatusPending {
			continue
		}
		out = append(out, pendingJSON{Commune: s.Commune, UAI: s.UAI, Name: s.Name, DueAt: s.DueAt.In(loc).Format(time.RFC3339), DaysLeft: convention.DaysLeft(now, s.DueAt, loc)})
	}
	if *asJSON {
		return writeJSON(m.Stdout, out)
	}
	tw := tabwriter.NewWriter(m.Stdout, 0, 2, 2, ' ', 0)
	fmt.Fprintln(tw, templates.CLIPendingHeader)
	for _, p := range out {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d\n", p.Commune, p.UAI, p.Name, p.DueAt[:10], p.DaysLeft)
	}
	return tw.Flush()
}

func (m *Main) activateCmd(ctx context.Context, args []string) error {
	c := m.command("activate", true)
	commune := c.fs.String("commune", "", "activate every pending school of this commune")
	by := staffFlag(c)
	if err := c.parse(args); err != nil {
		return err
	}
	if (c.fs.NArg() == 0) == (*commune == "") {
		return fmt.Errorf("%w: activate needs --commune NAME or at least one UAI", errUsage)
	}
	cfg, store, err := c.open(ctx)
	if err != nil {
		return err
	}
	defer store.Close()
	name := ""
	if *commune != "" {
		if name, err = configCommune(cfg, *commune); err != nil {
			return err
		}
	}
	schools, err := newStaffActions(cfg, store, m.Now, nil).Activate(ctx, staffMember(*by), name, c.fs.Args())
	if err != nil {
		return err
	}
	if name != "" && len(schools) == 0 {
		fmt.Fprint(m.Stdout, templates.CLINoPendingSchool(name))
		return nil
	}
	for _, s := range schools {
		fmt.Fprintf(m.Stdout, "%s %s (%s) : %s\n", s.UAI, s.Name, s.Commune, statusFR(s, cfg.ConventionCalendar()))
	}
	return nil
}

func (m *Main) templateCmd(_ context.Context, args []string) error {
	fs := m.flags("template")
	format := fs.String("format", "xlsx", "xlsx or ods")
	out := fs.String("o", "", "output file")
	config := fs.String("config", "", "configuration file whose [smtp] from the instructions name")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	address := sheet.DefaultPartnershipAddress
	if *config != "" {
		cfg, err := m.loadConfig(*config)
		if err != nil {
			return err
		}
		address = cfg.SMTP.From
	}
	f := sheet.Format(strings.ToLower(*format))
	if f != sheet.FormatXLSX && f != sheet.FormatODS {
		return fmt.Errorf("%w: --format must be xlsx or ods", errUsage)
	}
	if *out == "" {
		return fmt.Errorf("%w: -o FILE is required", errUsage)
	}
	var buf bytes.Buffer
	if err := sheet.WriteModel(&buf, f, nil, address); err != nil {
		return err
	}
	return os.WriteFile(*out, buf.Bytes(), 0o644)
}

// communeJSON is one element of `communes --json` (a contract).
type communeJSON struct {
	Name             string   `json:"name"`
	INSEE            string   `json:"insee"`
	ActiveSchools    int      `json:"active_schools"`
	LastListAt       *string  `json:"last_list_at"`
	RenewedByDefault []string `json:"renewed_by_default"`
	// SendersAdded are the senders staff declared (`release --add-sender`), on top of the
	// configuration's.
	SendersAdded []string `json:"senders_added"`
	// The convention's dates, when the configuration gives its start.
	NextAnniversary *string `json:"next_anniversary,omitempty"`
	NoticeDeadline  *string `json:"notice_deadline,omitempty"`
	TerminatesAt    *string `json:"terminates_at,omitempty"`
}

func (m *Main) communesCmd(ctx context.Context, args []string) error {
	c := m.command("communes", true)
	asJSON := c.fs.Bool("json", false, "one JSON array")
	if err := c.parse(args); err != nil {
		return err
	}
	cfg, store, err := c.open(ctx)
	if err != nil {
		return err
	}
	defer store.Close()
	now := m.Now()
	loc := cfg.Location()
	schools, err := store.SchoolsAt(ctx, now)
	if err != nil {
		return err
	}
	lastLists, err := store.LastLists(ctx, now)
	if err != nil {
		return err
	}
	renewals, err := store.Renewals(ctx)
	if err != nil {
		return err
	}
	settings, err := newStaffActions(cfg, store, m.Now, nil).Communes(ctx, now)
	if err != nil {
		return err
	}
	added, err := store.StoreSenders(ctx)
	if err != nil {
		return err
	}
	day := func(t time.Time) *string {
		if t.IsZero() {
			return nil
		}
		v := t.In(loc).Format("2006-01-02")
		return &v
	}
	out := []communeJSON{}
	for i, c := range cfg.CommuneList() {
		cj := communeJSON{Name: c.Name, INSEE: c.INSEE, RenewedByDefault: []string{}, SendersAdded: append([]string{}, added[c.Name]...)}
		for _, s := range schools {
			if strings.EqualFold(s.Commune, c.Name) && s.Status == convention.StatusActive {
				cj.ActiveSchools++
			}
		}
		if t, ok := lastLists[c.Name]; ok {
			v := t.In(loc).Format(time.RFC3339)
			cj.LastListAt = &v
		}
		cal := cfg.ConventionCalendar()
		for _, y := range renewals[c.Name] {
			// A renewal counts once its date has come.
			var from int
			if _, err := fmt.Sscanf(y, "%d-", &from); err == nil && !cal.Renewal.In(from, loc).After(now) {
				cj.RenewedByDefault = append(cj.RenewedByDefault, y)
			}
		}
		// The convention's dates, as the console shows them (staffActions.Communes).
		cs := settings[i]
		cj.TerminatesAt, cj.NextAnniversary, cj.NoticeDeadline = day(cs.TerminatesAt), day(cs.NextAnniversary), day(cs.NoticeDeadline)
		out = append(out, cj)
	}
	if *asJSON {
		return writeJSON(m.Stdout, out)
	}
	tw := tabwriter.NewWriter(m.Stdout, 0, 2, 2, ' ', 0)
	fmt.Fprintln(tw, templates.CLICommunesHeader)
	dash := func(p *string) string {
		if p == nil {
			return "-"
		}
		return (*p)[:10]
	}
	for _, c := range out {
		fmt.Fprintf(tw, "%s\t%s\t%d\t%s\t%s\t%s\t%s\t%s\t%s\n", c.Name, c.INSEE, c.ActiveSchools, dash(c.LastListAt), strings.Join(c.RenewedByDefault, ", "),
			dash(c.NextAnniversary), dash(c.NoticeDeadline), dash(c.TerminatesAt), strings.Join(c.SendersAdded, ", "))
	}
	return tw.Flush()
}

// command is how most subcommands start: --config (and --now), then the configuration and the
// store.
type command struct {
	m    *Main
	fs   *flag.FlagSet
	path *string
	now  *string
}

// command returns a subcommand's flag set with --config, and --now when withNow.
func (m *Main) command(name string, withNow bool) *command {
	c := &command{m: m, fs: m.flags(name)}
	c.path = c.fs.String("config", "", "configuration file")
	if withNow {
		c.now = c.fs.String("now", "", "run as on this date (RFC 3339)")
	}
	return c
}

// parse reads the flags and sets the clock to --now.
func (c *command) parse(args []string) error {
	if err := parseFlags(c.fs, args); err != nil {
		return err
	}
	if c.nowSet() {
		t, err := time.Parse(time.RFC3339, *c.now)
		if err != nil {
			return fmt.Errorf("%w: --now: %v", errUsage, err)
		}
		c.m.Now = func() time.Time { return t }
	}
	return nil
}

// nowSet reports whether --now was given.
func (c *command) nowSet() bool { return c.now != nil && *c.now != "" }

// open loads the configuration and opens the store; the caller closes it.
func (c *command) open(ctx context.Context) (*Config, *sqlite.DB, error) {
	cfg, err := c.m.loadConfig(*c.path)
	if err != nil {
		return nil, nil, err
	}
	store, err := c.m.openStore(ctx, cfg)
	if err != nil {
		return nil, nil, err
	}
	return cfg, store, nil
}

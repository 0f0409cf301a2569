package main

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net"
	"net/mail"
	"os"
	"reflect"
	"regexp"
	"strings"
	"time"

	"github.com/BurntSushi/toml"
	"github.com/robfig/cron/v3"

	"github.com/laclasse/intake/console"
	"github.com/laclasse/intake/convention"
	"github.com/laclasse/intake/intake/auth"
	"github.com/laclasse/intake/laclasse"
	"github.com/laclasse/intake/scheduler"
)

// Config is the daemon's configuration, read from TOML. Every key is documented in
// config.example.toml; a test keeps the two in step.
type Config struct {
	IMAP      IMAPConfig      `toml:"imap"`
	SMTP      SMTPConfig      `toml:"smtp"`
	Store     StoreConfig     `toml:"store"`
	Metropole MetropoleConfig `toml:"metropole"`
	Schedule  ScheduleConfig  `toml:"schedule"`
	Calendar  CalendarConfig  `toml:"calendar"`
	HTTP      HTTPConfig      `toml:"http"`
	Laclasse  *LaclasseConfig `toml:"laclasse"`
	// Directory turns on the checks against the national directory of schools; nil: none.
	Directory *DirectoryConfig `toml:"directory"`
	Fees      FeesConfig       `toml:"fees"`
	Log       LogConfig        `toml:"log"`
	Communes  []CommuneConfig  `toml:"commune"`
	Console   ConsoleConfig    `toml:"console"`
}

// IMAPConfig says where the partnership mailbox is.
type IMAPConfig struct {
	Address          string `toml:"address"`
	TLS              string `toml:"tls"`
	Username         string `toml:"username"`
	Password         string `toml:"password"`
	PasswordFile     string `toml:"password_file"`
	Mailbox          string `toml:"mailbox"`
	ProcessedMailbox string `toml:"processed_mailbox"`
	RejectedMailbox  string `toml:"rejected_mailbox"`
	// TrustedAuthservID names the only Authentication-Results issuer to believe: the
	// Métropole's own receiving server.
	TrustedAuthservID string   `toml:"trusted_authserv_id"`
	PollInterval      Duration `toml:"poll_interval"`
	CommandTimeout    Duration `toml:"command_timeout"`
}

// SMTPConfig says where outgoing mail goes.
type SMTPConfig struct {
	Address      string `toml:"address"`
	TLS          string `toml:"tls"`
	Username     string `toml:"username"`
	Password     string `toml:"password"`
	PasswordFile string `toml:"password_file"`
	From         string `toml:"from"`
	// MaxRepliesPerAddressPerDay bounds the automatic replies to one address over 24 hours;
	// beyond it only the Métropole's summary hears of the messages. 0 turns the bound off.
	MaxRepliesPerAddressPerDay int `toml:"max_replies_per_address_per_day"`
}

// StoreConfig locates the registry.
type StoreConfig struct {
	Path string `toml:"path"`
	// RetentionMonths is how long raw messages and sent mail are kept (the CNIL's rules); the
	// purge job (schedule.purge) empties older ones. 0 keeps them for ever.
	RetentionMonths int `toml:"retention_months"`
}

// MetropoleConfig is about the Métropole's staff who read the summaries.
type MetropoleConfig struct {
	SummaryTo   []string `toml:"summary_to"`
	TreasurerTo []string `toml:"treasurer_to"`
	Timezone    string   `toml:"timezone"`
}

// FeesConfig is what a school costs a commune: "150 € par école et par an, dû forfaitairement
// même en cas d'année non pleine".
type FeesConfig struct {
	PerSchoolEUR int `toml:"per_school_eur"`
}

// ScheduleConfig holds the cron specs of the calendar's jobs, in the Métropole's time zone.
type ScheduleConfig struct {
	DailyDigest       string   `toml:"daily_digest"`
	WeeklyOverview    string   `toml:"weekly_overview"`
	CommuneReminders  []string `toml:"commune_reminders"`
	MetropoleReminder string   `toml:"metropole_reminder"`
	FeeStatement      string   `toml:"fee_statement"`
	ActivityReport    string   `toml:"activity_report"`
	ConventionDates   string   `toml:"convention_dates"`
	Purge             string   `toml:"purge"`
	// DirectoryRefresh downloads the national directory again ([directory] url), or reloads
	// [directory] file when it changed; only with [directory].
	DirectoryRefresh string `toml:"directory_refresh"`
}

// CalendarConfig holds the convention's yearly dates, as "MM-DD".
type CalendarConfig struct {
	CampaignStart string `toml:"campaign_start"`
	Renewal       string `toml:"renewal"`
	YearlyUpdate  string `toml:"yearly_update"`
	// HoldRemovalsOverShare and HoldRemovalsOverCount hold a list's removals for staff when it
	// would remove more than this share, or more than this number, of the commune's schools
	// (0 turns that bound off).
	HoldRemovalsOverShare float64 `toml:"hold_removals_over_share"`
	HoldRemovalsOverCount int     `toml:"hold_removals_over_count"`
}

// LaclasseConfig turns on the provisioner: the daemon opens schools and administrators in
// laclasse.com's directory itself. Without it, activation stays by hand.
type LaclasseConfig struct {
	URL           string   `toml:"url"`
	AppID         string   `toml:"app_id"`
	AppKey        string   `toml:"app_key"`
	AppKeyFile    string   `toml:"app_key_file"`
	StructureType int      `toml:"structure_type"`
	Timeout       Duration `toml:"timeout"`
}

// HTTPConfig says where /healthz and /metrics are served.
type HTTPConfig struct {
	Address string `toml:"address"` // empty turns the server off
}

// ConsoleConfig is the staff web console: off while Address is empty.
type ConsoleConfig struct {
	Address string `toml:"address"`
	// PublicURL is the console's address as browsers reach it (behind a reverse proxy); ""
	// means http://address.
	PublicURL   string             `toml:"public_url"`
	IdleTimeout Duration           `toml:"idle_timeout"`
	OIDC        *ConsoleOIDCConfig `toml:"oidc"`
	Staff       []ConsoleStaff     `toml:"staff"`
}

// ConsoleOIDCConfig is the identity provider staff sign in with; without it, one-time links
// (`intaked console-link`) are the only way in.
type ConsoleOIDCConfig struct {
	Issuer           string `toml:"issuer"`
	ClientID         string `toml:"client_id"`
	ClientSecret     string `toml:"client_secret"`
	ClientSecretFile string `toml:"client_secret_file"`
}

// ConsoleStaff is one address the identity provider vouches for that may sign in, with its
// role: "gestion" (acts) or "lecture" (sees only).
type ConsoleStaff struct {
	Email string `toml:"email"`
	Role  string `toml:"role"`
}

// LogConfig says how the daemon logs.
type LogConfig struct {
	Format string `toml:"format"` // text or json
	Level  string `toml:"level"`  // debug, info, warn, error
}

// CommuneConfig declares a commune that signed the convention.
type CommuneConfig struct {
	Name    string   `toml:"name"`
	INSEE   string   `toml:"insee"`
	Senders []string `toml:"senders"`
	Notify  []string `toml:"notify"`
	// ConventionStart is the date the convention was notified, YYYY-MM-DD.
	ConventionStart string `toml:"convention_start"`
	// RequireDKIM quarantines a message without a valid signature of one of DKIMDomains
	// (default: the domains of Senders).
	RequireDKIM bool     `toml:"require_dkim"`
	DKIMDomains []string `toml:"dkim_domains"`
}

// Duration is a time.Duration written as "5m" in TOML. A text that is not a duration is kept
// and reported by validation with the other problems, rather than stopping the decoding.
type Duration struct {
	time.Duration
	invalid string // the text, when it is not a duration
}

// UnmarshalText implements encoding.TextUnmarshaler.
func (d *Duration) UnmarshalText(b []byte) error {
	v, err := time.ParseDuration(string(b))
	if err != nil {
		d.Duration, d.invalid = 0, string(b)
		return nil
	}
	d.Duration, d.invalid = v, ""
	return nil
}

// valid reports whether the duration was read, or left to its default.
func (d Duration) valid() bool { return d.invalid == "" }

// DefaultConfig returns the configuration that a file's keys override.
func DefaultConfig() Config {
	return Config{
		IMAP: IMAPConfig{
			TLS:              "implicit",
			Mailbox:          "INBOX",
			ProcessedMailbox: "Traites",
			RejectedMailbox:  "Rejetes",
			PollInterval:     Duration{Duration: 5 * time.Minute},
			CommandTimeout:   Duration{Duration: 2 * time.Minute},
		},
		SMTP:      SMTPConfig{TLS: "starttls", MaxRepliesPerAddressPerDay: 10},
		Store:     StoreConfig{Path: "/var/lib/intaked/intake.db", RetentionMonths: 24},
		Metropole: MetropoleConfig{Timezone: "Europe/Paris"},
		Schedule: ScheduleConfig{
			DailyDigest:       "0 7 * * *",
			WeeklyOverview:    "0 7 * * 1",
			CommuneReminders:  []string{"0 9 1 6 *", "0 9 13 6 *"},
			MetropoleReminder: "0 9 1 8 *",
			FeeStatement:      "0 8 1 9 *",
			ActivityReport:    "0 8 15 9 *",
			ConventionDates:   "0 8 * * *",
			Purge:             "30 3 * * *",
			DirectoryRefresh:  "30 5 * * *",
		},
		Fees:     FeesConfig{PerSchoolEUR: 150},
		Calendar: CalendarConfig{CampaignStart: "05-01", Renewal: "06-20", YearlyUpdate: "07-01", HoldRemovalsOverShare: 0.34, HoldRemovalsOverCount: 3},
		HTTP:     HTTPConfig{Address: "127.0.0.1:9464"},
		Log:      LogConfig{Format: "text", Level: "info"},
		Console:  ConsoleConfig{IdleTimeout: Duration{Duration: console.DefaultIdleTimeout}},
	}
}

// LoadConfig reads, decodes and validates the file at path. Every problem is reported at once, in
// a *ConfigError, and so is a file that cannot be read.
func LoadConfig(path string) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		if errors.Is(err, fs.ErrPermission) {
			err = fmt.Errorf("%w (the service reads it through the group %s: chgrp %s it, chmod 0640 it)", err, configGroup, configGroup)
		}
		return nil, &ConfigError{Errs: []error{fmt.Errorf("read the configuration: %w", err)}}
	}
	return ParseConfig(data)
}

// ParseConfig decodes TOML over the defaults, refuses unknown keys, validates, and reads the
// password files.
func ParseConfig(data []byte) (*Config, error) {
	cfg := DefaultConfig()
	md, err := toml.NewDecoder(bytes.NewReader(data)).Decode(&cfg)
	if err != nil {
		return nil, &ConfigError{Errs: []error{decodeError(data, err)}}
	}
	var errs []error
	for _, k := range md.Undecoded() {
		errs = append(errs, fmt.Errorf("%s: unknown key", k))
	}
	errs = append(errs, invalidDurations(reflect.ValueOf(cfg), "")...)
	errs = append(errs, cfg.validate()...)
	if len(errs) > 0 {
		return nil, &ConfigError{Errs: errs}
	}
	return &cfg, nil
}

// decodeError describes a file that is not TOML, or a value of the wrong type, by its line,
// column and key only: the parser's message may quote the text where it stopped, which can be a
// password written without quotes.
func decodeError(data []byte, err error) error {
	var pe toml.ParseError
	if errors.As(err, &pe) {
		col := pe.Position.Col
		if start := pe.Position.Start; col == 0 && start > 0 && start <= len(data) {
			col = start - bytes.LastIndexByte(data[:start], '\n')
		}
		where := fmt.Sprintf("line %d, column %d", pe.Position.Line, col)
		if pe.LastKey != "" {
			return fmt.Errorf("%s: not valid TOML at %s (a text value needs quotes)", pe.LastKey, where)
		}
		return fmt.Errorf("not valid TOML at %s", where)
	}
	// Any other error of the decoder is about a value of the wrong type; its message names the
	// line and the key.
	key, line := "configuration", "?"
	if m := lastKey.FindStringSubmatch(err.Error()); m != nil {
		key = m[1]
	}
	if m := errLine.FindStringSubmatch(err.Error()); m != nil {
		line = m[1]
	}
	return fmt.Errorf("%s: line %s: the value is not of the expected type", key, line)
}

var (
	lastKey = regexp.MustCompile(`last key "([^"]*)"`)
	errLine = regexp.MustCompile(`line (\d+)`)
)

// invalidDurations reports every Duration under v (a configuration struct, key its TOML path)
// whose text is not a duration.
func invalidDurations(v reflect.Value, key string) []error {
	var errs []error
	switch v.Kind() {
	case reflect.Pointer:
		if !v.IsNil() {
			errs = append(errs, invalidDurations(v.Elem(), key)...)
		}
	case reflect.Slice:
		for i := 0; i < v.Len(); i++ {
			errs = append(errs, invalidDurations(v.Index(i), fmt.Sprintf("%s[%d]", key, i))...)
		}
	case reflect.Struct:
		if d, ok := v.Interface().(Duration); ok {
			if !d.valid() {
				errs = append(errs, fmt.Errorf("%s: %q is not a duration (write it like \"90s\", \"5m\" or \"1h30m\")", key, d.invalid))
			}
			return errs
		}
		for i := 0; i < v.NumField(); i++ {
			f := v.Type().Field(i)
			name, _, _ := strings.Cut(f.Tag.Get("toml"), ",")
			if name == "" || name == "-" || !f.IsExported() {
				continue
			}
			if key != "" {
				name = key + "." + name
			}
			errs = append(errs, invalidDurations(v.Field(i), name)...)
		}
	}
	return errs
}

// ConfigError lists every problem of a configuration.
type ConfigError struct{ Errs []error }

func (e *ConfigError) Error() string {
	var b strings.Builder
	b.WriteString("invalid config:")
	for _, err := range e.Errs {
		b.WriteString("\n  ")
		b.WriteString(err.Error())
	}
	return b.String()
}

// Unwrap lets errors.Is and errors.As see each problem.
func (e *ConfigError) Unwrap() []error { return e.Errs }

func (c *Config) validate() []error {
	var errs []error
	bad := func(key, format string, args ...any) {
		errs = append(errs, fmt.Errorf("%s: %s", key, fmt.Sprintf(format, args...)))
	}
	checkAddr := func(key, v string) {
		if v == "" {
			bad(key, "required (host:port)")
		} else if _, _, err := net.SplitHostPort(v); err != nil {
			bad(key, "%q is not host:port", v)
		}
	}
	checkTLS := func(key, v string) {
		switch v {
		case "implicit", "starttls", "none":
		default:
			bad(key, "%q: want \"implicit\", \"starttls\" or \"none\"", v)
		}
	}
	checkSecret := func(key, pw, file string) string {
		if pw != "" && file != "" {
			bad(key+"_file", "set either password or password_file, not both")
			return pw
		}
		if file == "" {
			return pw
		}
		b, err := os.ReadFile(file)
		if err != nil {
			bad(key+"_file", "%v", err)
			return ""
		}
		return strings.TrimRight(string(b), "\r\n")
	}

	checkAddr("imap.address", c.IMAP.Address)
	checkTLS("imap.tls", c.IMAP.TLS)
	if c.IMAP.Username == "" {
		bad("imap.username", "required")
	}
	c.IMAP.Password = checkSecret("imap.password", c.IMAP.Password, c.IMAP.PasswordFile)
	for key, v := range map[string]string{"imap.mailbox": c.IMAP.Mailbox, "imap.processed_mailbox": c.IMAP.ProcessedMailbox, "imap.rejected_mailbox": c.IMAP.RejectedMailbox} {
		if v == "" {
			bad(key, "required")
		}
	}
	if c.IMAP.ProcessedMailbox == c.IMAP.Mailbox || c.IMAP.RejectedMailbox == c.IMAP.Mailbox {
		bad("imap.processed_mailbox", "processed and rejected mailboxes must differ from imap.mailbox %q", c.IMAP.Mailbox)
	}
	if c.IMAP.PollInterval.valid() && c.IMAP.PollInterval.Duration < time.Second {
		bad("imap.poll_interval", "%v is too short (at least 1s)", c.IMAP.PollInterval.Duration)
	}
	if c.IMAP.CommandTimeout.valid() && c.IMAP.CommandTimeout.Duration < time.Second {
		bad("imap.command_timeout", "%v is too short (at least 1s)", c.IMAP.CommandTimeout.Duration)
	}

	checkAddr("smtp.address", c.SMTP.Address)
	checkTLS("smtp.tls", c.SMTP.TLS)
	c.SMTP.Password = checkSecret("smtp.password", c.SMTP.Password, c.SMTP.PasswordFile)
	if _, err := mail.ParseAddress(c.SMTP.From); err != nil {
		bad("smtp.from", "%q is not an e-mail address", c.SMTP.From)
	}

	if l := c.Laclasse; l != nil {
		if l.AppKey != "" && l.AppKeyFile != "" {
			bad("laclasse.app_key_file", "set either app_key or app_key_file, not both")
		} else if l.AppKeyFile != "" {
			b, err := os.ReadFile(l.AppKeyFile)
			if err != nil {
				bad("laclasse.app_key_file", "%v", err)
			}
			l.AppKey = strings.TrimRight(string(b), "\r\n")
		}
		if err := laclasse.Config(l.client()).Validate(); err != nil {
			for _, e := range unjoin(err) {
				bad("laclasse", "%v", e)
			}
		}
	}
	if c.HTTP.Address != "" {
		if _, _, err := net.SplitHostPort(c.HTTP.Address); err != nil {
			bad("http.address", "%q is not host:port (leave it empty to turn the server off)", c.HTTP.Address)
		}
	}
	errs = append(errs, c.Console.validate()...)
	if c.Log.Format != "text" && c.Log.Format != "json" {
		bad("log.format", "%q: want \"text\" or \"json\"", c.Log.Format)
	}
	if _, err := parseLevel(c.Log.Level); err != nil {
		bad("log.level", "%v", err)
	}
	if c.Store.Path == "" {
		bad("store.path", "required")
	}
	if len(c.Metropole.SummaryTo) == 0 {
		bad("metropole.summary_to", "at least one address is required")
	}
	for i, a := range c.Metropole.SummaryTo {
		if _, err := mail.ParseAddress(a); err != nil {
			bad(fmt.Sprintf("metropole.summary_to[%d]", i), "%q is not an e-mail address", a)
		}
	}
	if _, err := time.LoadLocation(c.Metropole.Timezone); err != nil || c.Metropole.Timezone == "" {
		bad("metropole.timezone", "%q is not a time zone", c.Metropole.Timezone)
	}
	checkCron := func(key, spec string, required bool) {
		if spec == "" && !required {
			return
		}
		if _, err := cron.ParseStandard(spec); err != nil {
			bad(key, "%q: %v", spec, err)
		}
	}
	checkCron("schedule.daily_digest", c.Schedule.DailyDigest, true)
	checkCron("schedule.weekly_overview", c.Schedule.WeeklyOverview, false)
	checkCron("schedule.metropole_reminder", c.Schedule.MetropoleReminder, false)
	checkCron("schedule.fee_statement", c.Schedule.FeeStatement, false)
	checkCron("schedule.activity_report", c.Schedule.ActivityReport, false)
	checkCron("schedule.convention_dates", c.Schedule.ConventionDates, false)
	checkCron("schedule.purge", c.Schedule.Purge, false)
	checkCron("schedule.directory_refresh", c.Schedule.DirectoryRefresh, false)
	errs = append(errs, c.Directory.validate()...)
	if c.Store.RetentionMonths < 0 {
		bad("store.retention_months", "%d: want a number of months, or 0 to keep everything", c.Store.RetentionMonths)
	}
	if c.SMTP.MaxRepliesPerAddressPerDay < 0 {
		bad("smtp.max_replies_per_address_per_day", "%d: want a number of replies, or 0 for no bound", c.SMTP.MaxRepliesPerAddressPerDay)
	}
	if c.Fees.PerSchoolEUR <= 0 {
		bad("fees.per_school_eur", "%d: want a positive amount in euros", c.Fees.PerSchoolEUR)
	}
	for i, a := range c.Metropole.TreasurerTo {
		if _, err := mail.ParseAddress(a); err != nil {
			bad(fmt.Sprintf("metropole.treasurer_to[%d]", i), "%q is not an e-mail address", a)
		}
	}
	for i, spec := range c.Schedule.CommuneReminders {
		checkCron(fmt.Sprintf("schedule.commune_reminders[%d]", i), spec, true)
	}
	dates := map[string]convention.MonthDay{}
	for key, v := range map[string]string{"calendar.campaign_start": c.Calendar.CampaignStart, "calendar.renewal": c.Calendar.Renewal, "calendar.yearly_update": c.Calendar.YearlyUpdate} {
		md, err := convention.ParseMonthDay(v)
		if err != nil {
			bad(key, "%v", err)
			continue
		}
		dates[key] = md
	}
	if s, r := dates["calendar.campaign_start"], dates["calendar.renewal"]; s.Month != 0 && r.Month != 0 && !s.Before(r) {
		bad("calendar.campaign_start", "%s must come before calendar.renewal %s", s, r)
	}
	if r, u := dates["calendar.renewal"], dates["calendar.yearly_update"]; r.Month != 0 && u.Month != 0 && u.Before(r) {
		bad("calendar.yearly_update", "%s must not come before calendar.renewal %s", u, r)
	}
	if u := dates["calendar.yearly_update"]; u.Month != 0 && !u.Before(convention.ApplyDeadline) {
		bad("calendar.yearly_update", "%s must fall before 20 August (%s): the Métropole applies the changes \"avant le 20 août\"", u, convention.ApplyDeadline)
	}

	if s := c.Calendar.HoldRemovalsOverShare; s < 0 || s >= 1 || s != s {
		bad("calendar.hold_removals_over_share", "%v must be at least 0 (off) and less than 1 (a share of the commune's schools)", s)
	}
	if n := c.Calendar.HoldRemovalsOverCount; n < 0 {
		bad("calendar.hold_removals_over_count", "%d must be at least 0 (off)", n)
	}

	if len(c.Communes) == 0 {
		bad("commune", "declare at least one [[commune]]")
	}
	names, insees, senders := map[string]int{}, map[string]int{}, map[string]int{}
	for i, cc := range c.Communes {
		key := fmt.Sprintf("commune[%d]", i)
		if cc.Name == "" {
			bad(key+".name", "required")
		} else if j, dup := names[strings.ToLower(cc.Name)]; dup {
			bad(key+".name", "%q is already commune[%d]", cc.Name, j)
		} else {
			names[strings.ToLower(cc.Name)] = i
		}
		if !validINSEE(cc.INSEE) {
			bad(key+".insee", "%q is not an INSEE code (5 characters, e.g. 69091)", cc.INSEE)
		} else if j, dup := insees[cc.INSEE]; dup {
			bad(key+".insee", "%q is already commune[%d]", cc.INSEE, j)
		} else {
			insees[cc.INSEE] = i
		}
		if len(cc.Senders) == 0 {
			bad(key+".senders", "at least one address or @domain is required")
		}
		for k, s := range cc.Senders {
			skey := fmt.Sprintf("%s.senders[%d]", key, k)
			if !convention.ValidSenderPattern(s) {
				bad(skey, "%q is neither an address nor @domain", s)
				continue
			}
			norm := strings.ToLower(strings.TrimSpace(s))
			if j, dup := senders[norm]; dup && j != i {
				bad(skey, "%q is also a sender of commune[%d]", s, j)
			}
			senders[norm] = i
		}
		if cc.ConventionStart != "" {
			if _, err := time.Parse("2006-01-02", cc.ConventionStart); err != nil {
				bad(key+".convention_start", "%q is not a date YYYY-MM-DD", cc.ConventionStart)
			}
		}
		for k, d := range cc.DKIMDomains {
			if d == "" || strings.ContainsAny(d, "@ ") || !strings.Contains(d, ".") {
				bad(fmt.Sprintf("%s.dkim_domains[%d]", key, k), "%q is not a domain", d)
			}
		}
		for k, a := range cc.Notify {
			if _, err := mail.ParseAddress(a); err != nil {
				bad(fmt.Sprintf("%s.notify[%d]", key, k), "%q is not an e-mail address", a)
			}
		}
	}
	return errs
}

func validINSEE(s string) bool {
	if len(s) != 5 {
		return false
	}
	for i, c := range s {
		ok := c >= '0' && c <= '9' || (i == 1 && (c == 'A' || c == 'B')) // Corsica: 2A, 2B
		if !ok {
			return false
		}
	}
	return true
}

// Location returns the Métropole's time zone (validated at load).
func (c *Config) Location() *time.Location {
	loc, err := time.LoadLocation(c.Metropole.Timezone)
	if err != nil {
		return time.UTC
	}
	return loc
}

// ConventionCalendar returns the convention's dates (validated at load).
func (c *Config) ConventionCalendar() convention.Calendar {
	cal := convention.DefaultCalendar(c.Location())
	if md, err := convention.ParseMonthDay(c.Calendar.CampaignStart); err == nil {
		cal.CampaignStart = md
	}
	if md, err := convention.ParseMonthDay(c.Calendar.Renewal); err == nil {
		cal.Renewal = md
	}
	if md, err := convention.ParseMonthDay(c.Calendar.YearlyUpdate); err == nil {
		cal.YearlyUpdate = md
	}
	cal.Hold = convention.HoldRule{OverShare: c.Calendar.HoldRemovalsOverShare, OverCount: c.Calendar.HoldRemovalsOverCount}
	return cal
}

// CommuneDates returns the communes with the date their convention was notified.
func (c *Config) CommuneDates() []scheduler.CommuneDates {
	loc := c.Location()
	var out []scheduler.CommuneDates
	for _, cc := range c.Communes {
		cd := scheduler.CommuneDates{Name: cc.Name, INSEE: cc.INSEE}
		if t, err := time.ParseInLocation("2006-01-02", cc.ConventionStart, loc); err == nil {
			cd.ConventionStart = &t
		}
		out = append(out, cd)
	}
	return out
}

// Policies returns the sender policy of each commune that requires DKIM.
func (c *Config) Policies() map[string]auth.Policy {
	out := map[string]auth.Policy{}
	for _, cc := range c.Communes {
		if !cc.RequireDKIM {
			continue
		}
		domains := cc.DKIMDomains
		if len(domains) == 0 {
			domains = auth.DomainsOf(cc.Senders)
		}
		out[cc.Name] = auth.Policy{RequireDKIM: true, DKIMDomains: domains, TrustedAuthservID: c.IMAP.TrustedAuthservID}
	}
	return out
}

// CommuneList returns the declared communes as the domain knows them.
func (c *Config) CommuneList() []convention.Commune {
	out := make([]convention.Commune, 0, len(c.Communes))
	for _, cc := range c.Communes {
		out = append(out, convention.Commune{Name: cc.Name, INSEE: cc.INSEE, Senders: cc.Senders, Notify: cc.Notify})
	}
	return out
}

var errUsage = errors.New("usage")

func (l *LaclasseConfig) client() laclasse.Config {
	return laclasse.Config{URL: l.URL, AppID: l.AppID, AppKey: l.AppKey, StructureType: l.StructureType, Timeout: l.Timeout.Duration}
}

// unjoin returns the errors joined in err, or err alone.
func unjoin(err error) []error {
	for e := err; e != nil; e = errors.Unwrap(e) {
		if j, ok := e.(interface{ Unwrap() []error }); ok {
			return j.Unwrap()
		}
	}
	return []error{err}
}

func parseLevel(s string) (slog.Level, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(s)); err != nil {
		return 0, fmt.Errorf("%q: want debug, info, warn or error", s)
	}
	return l, nil
}

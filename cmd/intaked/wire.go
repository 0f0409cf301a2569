package main

import (
	"errors"
	"io"
	"log/slog"
	"time"

	"github.com/laclasse/intake/console"
	"github.com/laclasse/intake/intake"
	"github.com/laclasse/intake/intake/mailparse"
	"github.com/laclasse/intake/laclasse"
	"github.com/laclasse/intake/scheduler"
	"github.com/laclasse/intake/sheet"
	"github.com/laclasse/intake/smtp"
	"github.com/laclasse/intake/sqlite"
	"github.com/laclasse/intake/templates"
)

// The wiring: each component is built by one constructor from its whole section of the
// configuration, so that a key cannot be parsed and then forgotten. wiring_test.go sets every key
// of Config to a distinctive value and checks that the daemon built here changes with it.

// daemon is the wired program for one configuration.
type daemon struct {
	store     *sqlite.DB
	handler   *intake.Handler
	watcher   *intake.Watcher
	calendar  scheduler.Calendar // what the scheduler's jobs are built from
	scheduler *scheduler.Scheduler
	outbox    *smtp.Outbox
	provision *laclasse.Provisioner // nil without [laclasse]: activation stays by hand
	http      endpoint
	console   *console.Config // nil without [console] address: the console is off
	actions   *staffActions   // what staff do, for the console
	log       *slog.Logger
	onPass    func()    // after each successful pass over the mailbox
	started   time.Time // when serve started it: /healthz's grace before its first poll
}

// endpoint is where /healthz and /metrics are served ("" turns them off), and how old the last
// poll may be before /healthz fails.
type endpoint struct {
	Address    string
	MaxPollAge time.Duration
}

// Who our own mails come from, and how they are signed.
const (
	fromName  = templates.FromName
	signature = templates.Signature
)

// wire builds the daemon for cfg on store. Unless a test gave Main its logger, the logger
// follows [log] from here on.
func (m *Main) wire(cfg *Config, store *sqlite.DB) *daemon {
	if !m.logSet {
		m.Logger = newLogger(cfg.Log, m.Stderr)
	}
	d := &daemon{store: store, http: newEndpoint(cfg), console: newConsoleConfig(cfg), log: m.Logger}
	store.SetAccessNotifier(newAccessNotifier(cfg, m.Now))
	d.handler = newHandler(cfg, store, m.Now)
	d.provision = newProvisioner(cfg.Laclasse, store, m.Now, m.Logger)
	d.outbox = newOutbox(cfg.SMTP, store, m.Now, m.Logger)
	d.watcher = newWatcher(cfg.IMAP, store, d.handler, m.Now, m.Logger)
	d.calendar = newCalendar(cfg, store, d.provision != nil, m.Now)
	if d.calendar.Directory != nil {
		d.calendar.Directory.Logger = m.Logger
	}
	d.scheduler = newScheduler(cfg, d.calendar, store, m.Now, m.Logger)
	d.actions = m.wiredActions(cfg, store, d.scheduler)
	return d
}

// newLogger returns the logger [log] asks for, writing to w.
func newLogger(cfg LogConfig, w io.Writer) *slog.Logger {
	level, _ := parseLevel(cfg.Level) // validated at load
	opts := &slog.HandlerOptions{Level: level}
	if cfg.Format == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

// newEndpoint returns where [http] serves, and the poll age /healthz allows: three poll
// intervals and a command timeout, so that one slow or failed poll does not fail it.
func newEndpoint(cfg *Config) endpoint {
	return endpoint{
		Address:    cfg.HTTP.Address,
		MaxPollAge: 3*cfg.IMAP.PollInterval.Duration + cfg.IMAP.CommandTimeout.Duration,
	}
}

// newHandler returns what decides each message: the communes and their sender policies, the
// folders, the convention's dates and our address.
func newHandler(cfg *Config, store *sqlite.DB, now func() time.Time) *intake.Handler {
	return &intake.Handler{
		Store:       store,
		Communes:    cfg.CommuneList(),
		From:        cfg.SMTP.From,
		FromName:    fromName,
		Signature:   signature,
		Processed:   cfg.IMAP.ProcessedMailbox,
		Rejected:    cfg.IMAP.RejectedMailbox,
		Calendar:    cfg.ConventionCalendar(),
		SheetLimits: sheet.DefaultLimits(),
		MailLimits:  mailparse.DefaultLimits(),
		Policies:    cfg.Policies(),
		StaffTo:     cfg.Metropole.SummaryTo,
		Now:         now,

		MaxRepliesPerAddress: cfg.SMTP.MaxRepliesPerAddressPerDay,
		Directory:            cfg.Directory != nil,
	}
}

// newProvisioner returns the provisioner of [laclasse], or nil without the section.
func newProvisioner(cfg *LaclasseConfig, store *sqlite.DB, now func() time.Time, log *slog.Logger) *laclasse.Provisioner {
	if cfg == nil {
		return nil
	}
	return &laclasse.Provisioner{
		Client: laclasse.New(cfg.client(), nil),
		Queue:  store,
		Now:    now,
		Logger: log,
		IsNone: func(err error) bool { return errors.Is(err, sqlite.ErrNoneDue) },
	}
}

// newOutbox returns the sender of the outbox, on [smtp].
func newOutbox(cfg SMTPConfig, store *sqlite.DB, now func() time.Time, log *slog.Logger) *smtp.Outbox {
	return &smtp.Outbox{
		Queue:  store,
		Server: smtp.Server{Address: cfg.Address, TLS: cfg.TLS, Username: cfg.Username, Password: cfg.Password},
		Now:    now,
		Logger: log,
	}
}

// newWatcher returns the watcher of the mailbox of [imap], handing messages to handler.
func newWatcher(cfg IMAPConfig, store *sqlite.DB, handler *intake.Handler, now func() time.Time, log *slog.Logger) *intake.Watcher {
	return &intake.Watcher{
		Config: intake.MailboxConfig{
			Address: cfg.Address, TLS: cfg.TLS, Username: cfg.Username, Password: cfg.Password,
			Mailbox: cfg.Mailbox, Processed: cfg.ProcessedMailbox, Rejected: cfg.RejectedMailbox,
			PollInterval: cfg.PollInterval.Duration, CommandTimeout: cfg.CommandTimeout.Duration,
		},
		Store:   store,
		Handler: handler,
		Logger:  log,
		Now:     now,
	}
}

// newCalendar returns the convention's jobs: [schedule], [calendar], [metropole], [fees], the
// communes, and our address.
func newCalendar(cfg *Config, store *sqlite.DB, provisioning bool, now func() time.Time) scheduler.Calendar {
	return scheduler.Calendar{
		Dates: cfg.ConventionCalendar(),
		Specs: scheduler.Specs{
			DailyDigest: cfg.Schedule.DailyDigest, WeeklyOverview: cfg.Schedule.WeeklyOverview,
			CommuneReminders: cfg.Schedule.CommuneReminders, MetropoleReminder: cfg.Schedule.MetropoleReminder,
			Purge: cfg.Schedule.Purge, DirectoryRefresh: cfg.Schedule.DirectoryRefresh,
		},
		Directory:    newDirectory(cfg.Directory, store, now, nil),
		Communes:     cfg.CommuneList(),
		From:         cfg.SMTP.From,
		FromName:     fromName,
		Metropole:    cfg.Metropole.SummaryTo,
		Signature:    signature,
		Provisioning: provisioning,
		Reports: &scheduler.ReportCalendar{
			Store: store, Communes: cfg.CommuneDates(), PerSchoolEUR: cfg.Fees.PerSchoolEUR, TreasurerTo: cfg.Metropole.TreasurerTo,
			FeeSpec: cfg.Schedule.FeeStatement, ActivitySpec: cfg.Schedule.ActivityReport, DatesSpec: cfg.Schedule.ConventionDates,
			Terminations: store.Terminations,
		},
		Now: now,

		RetentionMonths: cfg.Store.RetentionMonths,
	}
}

// newScheduler returns the scheduler of calendar's jobs, in the Métropole's time zone.
func newScheduler(cfg *Config, calendar scheduler.Calendar, store *sqlite.DB, now func() time.Time, log *slog.Logger) *scheduler.Scheduler {
	return &scheduler.Scheduler{
		Store:    store,
		Location: cfg.Location(),
		Jobs:     calendar.Jobs(),
		Now:      now,
		Logger:   log,
	}
}

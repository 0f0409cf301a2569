package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/emersion/go-message/mail"

	"github.com/laclasse/intake/convention"
	"github.com/laclasse/intake/internal/memserver"
	"github.com/laclasse/intake/internal/samples"
	"github.com/laclasse/intake/sqlite"
	"github.com/laclasse/intake/templates"
)

// demoCmd runs the whole path on built-in samples: an in-process IMAP server seeded with the
// messages of a first morning, a SQLite file in a temporary folder, an in-process SMTP server.
func (m *Main) demoCmd(ctx context.Context, args []string) error {
	fs := m.flags("demo")
	keep := fs.Bool("keep", false, "keep the temporary folder (the SQLite file) and print its path")
	verbose := fs.Bool("v", false, "show the daemon's log")
	withConsole := fs.Bool("console", false, "then keep the store and serve the staff console, printing a one-time link, until interrupted")
	consoleAddr := fs.String("console-address", "127.0.0.1:8480", "where --console serves the console")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	dir, err := os.MkdirTemp("", "intaked-demo-")
	if err != nil {
		return err
	}
	if !*keep {
		defer os.RemoveAll(dir)
	}
	imapSrv, err := memserver.StartIMAP("partenariat", "demo")
	if err != nil {
		return fmt.Errorf("start the demo IMAP server: %w", err)
	}
	defer imapSrv.Close()
	smtpSrv, err := memserver.StartSMTP()
	if err != nil {
		return fmt.Errorf("start the demo SMTP server: %w", err)
	}
	defer smtpSrv.Close()

	cfg := DefaultConfig()
	cfg.IMAP.Address, cfg.IMAP.TLS, cfg.IMAP.Username, cfg.IMAP.Password = imapSrv.Addr, "none", imapSrv.Username, imapSrv.Password
	cfg.SMTP.Address, cfg.SMTP.TLS, cfg.SMTP.From = smtpSrv.Addr, "none", samples.Mailbox
	cfg.Store.Path = filepath.Join(dir, "intake.db")
	cfg.Metropole.SummaryTo = []string{"ent@grandlyon.example"}
	for _, c := range samples.Communes() {
		cfg.Communes = append(cfg.Communes, CommuneConfig{Name: c.Name, INSEE: c.INSEE, Senders: c.Senders})
	}
	if errs := cfg.validate(); len(errs) > 0 {
		return &ConfigError{Errs: errs}
	}
	loc := cfg.Location()

	out := m.Stdout
	fmt.Fprint(out, templates.DemoIntro(dir))
	for i, c := range samples.Scenario() {
		if err := imapSrv.Append("INBOX", c.Message.Raw(), c.Message.Date); err != nil {
			return err
		}
		files := ""
		for _, a := range c.Message.Attachments {
			files += " [" + a.Name + "]"
		}
		fmt.Fprint(out, templates.DemoMessage(i+1, c.Message.Date.In(loc).Format("15:04"), c.Message.From, c.Message.Subject, files))
	}

	logOut := io.Discard
	if *verbose {
		logOut = m.Stderr
	}
	run := func(at time.Time) error {
		sub := &Main{Stdout: io.Discard, Stderr: m.Stderr, Now: func() time.Time { return at }, Logger: slog.New(slog.NewTextHandler(logOut, nil)), logSet: true}
		store, err := sub.openStore(ctx, &cfg)
		if err != nil {
			return err
		}
		defer store.Close()
		return sub.wire(&cfg, store).once(ctx, sub.Logger)
	}
	first := time.Date(2026, 9, 14, 11, 0, 0, 0, loc)
	if err := run(first); err != nil {
		return err
	}
	store, err := sqlite.Open(ctx, cfg.Store.Path, nil)
	if err != nil {
		return err
	}
	defer store.Close()

	fmt.Fprint(out, templates.DemoHandled(templates.FrenchDateTime(first)))
	reqs, err := store.RequestsBetween(ctx, time.Time{}, first.Add(time.Hour))
	if err != nil {
		return err
	}
	for _, r := range reqs {
		who := r.Commune
		if who == "" {
			who = r.Sender
		}
		fmt.Fprint(out, templates.DemoRequest(stateFR(r.State), who, r.Subject, describeRequest(r)))
	}
	fmt.Fprint(out, templates.DemoTotal(outcomeCounts(reqs)))
	for _, box := range []string{"INBOX", cfg.IMAP.ProcessedMailbox, cfg.IMAP.RejectedMailbox} {
		n, err := imapSrv.Count(box)
		if err != nil {
			return err
		}
		fmt.Fprint(out, templates.DemoFolder(box, n))
	}

	fmt.Fprint(out, templates.DemoRegistry)
	schools, err := store.Schools(ctx)
	if err != nil {
		return err
	}
	for _, s := range schools {
		fmt.Fprint(out, templates.DemoSchool(s.Commune, s.UAI, s.Name, statusFR(s, cfg.ConventionCalendar()), s.Admin.FullName(), s.Admin.Email, convention.ReadablePhone(s.Admin.Phone), templates.FrenchDate(s.DueAt.In(loc))))
	}

	fmt.Fprint(out, templates.DemoReplies)
	for _, sent := range smtpSrv.Mails() {
		printMail(out, sent)
	}

	// The next morning: a second pass changes nothing, and the Métropole gets its summary.
	before := len(smtpSrv.Mails())
	next := time.Date(2026, 9, 15, 7, 5, 0, 0, loc)
	if err := run(next); err != nil {
		return err
	}
	fmt.Fprint(out, templates.DemoNextDay(templates.FrenchDateTime(next)))
	for _, sent := range smtpSrv.Mails()[before:] {
		printMail(out, sent)
	}
	if *keep {
		fmt.Fprint(out, templates.DemoKept(cfg.Store.Path))
	}
	if *withConsole {
		return m.demoConsole(ctx, &cfg, store, *consoleAddr)
	}
	return nil
}

// outcomeCounts tallies the requests by state, every state the daemon decides shown, in the
// order `requests` lists them (forwarded, held and reverted apart from applied).
func outcomeCounts(reqs []sqlite.RequestSummary) string {
	n := map[convention.RequestState]int{}
	for _, r := range reqs {
		n[r.State]++
	}
	var parts []string
	for _, s := range requestStates {
		parts = append(parts, fmt.Sprintf("%d %s", n[s], stateFR(s)))
	}
	return strings.Join(parts, ", ")
}

func stateFR(s convention.RequestState) string { return templates.DemoState(string(s)) }

func describeRequest(r sqlite.RequestSummary) string {
	switch r.State {
	case convention.StateApplied:
		return templates.DemoApplied(r.Changes, r.Errors)
	case convention.StateRefused:
		return templates.DemoRefused(r.Reason)
	default:
		return r.Reason
	}
}

// printMail shows a sent mail as a reader would see it: headers and the text part.
func printMail(out io.Writer, sent memserver.Mail) {
	mr, err := mail.CreateReader(bytes.NewReader(sent.Data))
	if err != nil {
		fmt.Fprint(out, templates.DemoMailUnreadable(err.Error()))
		return
	}
	subject, _ := mr.Header.Subject()
	fmt.Fprint(out, templates.DemoMailHeader(strings.Join(sent.To, ", "), subject))
	var files []string
	for {
		p, err := mr.NextPart()
		if err != nil {
			break
		}
		switch h := p.Header.(type) {
		case *mail.InlineHeader:
			if ct, _, _ := h.ContentType(); ct == "text/plain" {
				body, _ := io.ReadAll(p.Body)
				for _, line := range strings.Split(strings.TrimSpace(string(body)), "\n") {
					fmt.Fprintf(out, "   | %s\n", strings.TrimRight(line, "\r"))
				}
			}
		case *mail.AttachmentHeader:
			name, _ := h.Filename()
			files = append(files, name)
		}
	}
	if len(files) > 0 {
		fmt.Fprint(out, templates.DemoAttachments(strings.Join(files, ", ")))
	}
}

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
	fmt.Fprintln(out, "Démonstration d'intaked : la boîte partenariat laclasse.com, un lundi matin de septembre.")
	fmt.Fprintf(out, "(serveurs IMAP et SMTP en mémoire, registre SQLite dans %s)\n\n", dir)
	fmt.Fprintln(out, "1. Messages arrivés dans INBOX")
	for i, c := range samples.Scenario() {
		if err := imapSrv.Append("INBOX", c.Message.Raw(), c.Message.Date); err != nil {
			return err
		}
		files := ""
		for _, a := range c.Message.Attachments {
			files += " [" + a.Name + "]"
		}
		fmt.Fprintf(out, "   %d. %s, de %s : « %s »%s\n", i+1, c.Message.Date.In(loc).Format("15:04"), c.Message.From, c.Message.Subject, files)
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

	fmt.Fprintf(out, "\n2. Ce que le démon a fait de chaque message (intaked run --once, le %s)\n", templates.FrenchDateTime(first))
	reqs, err := store.RequestsBetween(ctx, time.Time{}, first.Add(time.Hour))
	if err != nil {
		return err
	}
	for _, r := range reqs {
		who := r.Commune
		if who == "" {
			who = r.Sender
		}
		fmt.Fprintf(out, "   - %-14s %s : « %s » → %s\n", stateFR(r.State), who, r.Subject, describeRequest(r))
	}
	fmt.Fprintf(out, "   en tout : %s\n", outcomeCounts(reqs))
	for _, box := range []string{"INBOX", cfg.IMAP.ProcessedMailbox, cfg.IMAP.RejectedMailbox} {
		n, err := imapSrv.Count(box)
		if err != nil {
			return err
		}
		fmt.Fprintf(out, "   dossier %-8s : %d message(s)\n", box, n)
	}

	fmt.Fprintln(out, "\n3. Le registre des écoles (intaked schools)")
	schools, err := store.Schools(ctx)
	if err != nil {
		return err
	}
	for _, s := range schools {
		fmt.Fprintf(out, "   %-15s %s %-36s %-10s admin %s <%s> %s, à ouvrir avant le %s\n", s.Commune, s.UAI, s.Name, statusFR(s, cfg.ConventionCalendar()), s.Admin.FullName(), s.Admin.Email, convention.ReadablePhone(s.Admin.Phone), templates.FrenchDate(s.DueAt.In(loc)))
	}

	fmt.Fprintln(out, "\n4. Réponses envoyées aux communes")
	for _, sent := range smtpSrv.Mails() {
		printMail(out, sent)
	}

	// The next morning: a second pass changes nothing, and the Métropole gets its summary.
	before := len(smtpSrv.Mails())
	next := time.Date(2026, 9, 15, 7, 5, 0, 0, loc)
	if err := run(next); err != nil {
		return err
	}
	fmt.Fprintf(out, "\n5. Le lendemain, %s : nouveau passage (rien de nouveau) et synthèse pour la Métropole\n", templates.FrenchDateTime(next))
	for _, sent := range smtpSrv.Mails()[before:] {
		printMail(out, sent)
	}
	if *keep {
		fmt.Fprintf(out, "\nRegistre conservé : %s\n", cfg.Store.Path)
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

func stateFR(s convention.RequestState) string {
	switch s {
	case convention.StateApplied:
		return "appliqué"
	case convention.StateRefused:
		return "sans effet"
	case convention.StateRejected:
		return "quarantaine"
	case convention.StateDuplicate:
		return "doublon"
	case convention.StateIgnored:
		return "ignoré"
	case convention.StateForwarded:
		return "transmis"
	case convention.StateHeld:
		return "en attente"
	case convention.StateReverted:
		return "annulé"
	}
	return string(s)
}

func describeRequest(r sqlite.RequestSummary) string {
	switch r.State {
	case convention.StateApplied:
		s := fmt.Sprintf("%d changement(s)", r.Changes)
		if r.Errors > 0 {
			s += fmt.Sprintf(", %d ligne(s) refusée(s)", r.Errors)
		}
		return s + ", réponse envoyée"
	case convention.StateRefused:
		return r.Reason + ", réponse envoyée avec le modèle de tableur"
	default:
		return r.Reason
	}
}

// printMail shows a sent mail as a reader would see it: headers and the text part.
func printMail(out io.Writer, sent memserver.Mail) {
	mr, err := mail.CreateReader(bytes.NewReader(sent.Data))
	if err != nil {
		fmt.Fprintf(out, "   (message illisible : %v)\n", err)
		return
	}
	subject, _ := mr.Header.Subject()
	fmt.Fprintf(out, "\n   ---- À : %s | Objet : %s\n", strings.Join(sent.To, ", "), subject)
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
		fmt.Fprintf(out, "   | [pièce jointe : %s]\n", strings.Join(files, ", "))
	}
}

package main

import (
	"strings"
	"testing"
	"time"

	"github.com/laclasse/intake/internal/samples"
)

func dumpMails(t *testing.T, label string, ms []sentMail) {
	t.Helper()
	for _, m := range ms {
		t.Logf("==== %s | To %v | Subject %q | IRT %s\n%s", label, m.To, m.Subject, m.Header.Get("In-Reply-To"), m.Text)
	}
}

func TestZZReviewScratch(t *testing.T) {
	s := memServers(t)
	y := &year{t: t, s: s, cfg: writeConfig(t, s)}
	rows := adhesion(t, y, 5)
	dumpMails(t, "adhesion", y.s.sent(t))
	y.seen = len(y.s.sent(t))
	// a reply "Aucun changement" to our reply
	reply := to(y.s.sent(t), "secretariat@mairie-givors.fr", "Re:")
	rid := strings.Trim(reply[0].Header.Get("Message-Id"), "<>")
	at := time.Date(2025, 9, 22, 8, 0, 0, 0, time.UTC)
	s.append(t, samples.Message{From: givorsFrom, To: samples.Mailbox, Subject: "Re: Re: Adhésion", MessageID: "w1@mairie-givors.fr", Date: at,
		Headers: map[string]string{"In-Reply-To": "<" + rid + ">", "References": "<" + rid + ">"}, Text: "Aucun changement pour nous cette année."}.Raw(), at)
	dumpMails(t, "reply-text", to(y.once("2025-09-22T11:00:00+02:00"), metropole, "à traiter"))
	// same file resent
	y.deliver(givorsFrom, "TR: Adhésion", "again@x", "2025-09-23T09:00:00+02:00", rows)
	dumpMails(t, "resent", y.once("2025-09-23T11:00:00+02:00"))
	t.Log(run(t, "requests", "--config", y.cfg))
	// change of admin
	ch := rows[0]
	ch.LastName, ch.FirstName, ch.Email = "NOUVEAU", "Paul", "paul.nouveau@ac-lyon.fr"
	y.deliver(givorsFrom, "Changement", "chg@x", "2025-10-10T09:00:00+02:00", []samples.Row{ch})
	dumpMails(t, "change", y.once("2025-10-10T11:00:00+02:00"))
	dumpMails(t, "digest-after-change", y.once("2025-10-11T07:05:00+02:00"))
	t.Log(run(t, "activate", "--config", y.cfg, "--now=2025-10-12T10:00:00+02:00", ch.UAI))
	dumpMails(t, "access-open", y.once("2025-10-12T10:05:00+02:00"))
	// held removals
	y.deliver(givorsFrom, "Liste 2026-2027", "yearly@x", "2026-05-11T10:00:00+02:00", rows[:1])
	dumpMails(t, "held", y.once("2026-05-11T11:00:00+02:00"))
	dumpMails(t, "digest-held", y.once("2026-05-12T07:05:00+02:00"))
	t.Log(run(t, "requests", "--config", y.cfg))
	t.Log(run(t, "confirm", "--config", y.cfg, "--now=2026-05-12T10:00:00+02:00", "5"))
	t.Log(run(t, "schools", "--config", y.cfg))
	t.Log(run(t, "history", "--config", y.cfg, rows[1].UAI))
	t.Log(run(t, "requests", "--config", y.cfg))
	t.Log(run(t, "revert", "--config", y.cfg, "--now=2026-05-13T10:00:00+02:00", "5"))
	dumpMails(t, "revert", y.once("2026-05-13T10:05:00+02:00"))
	t.Log(run(t, "schools", "--config", y.cfg))
	t.Log(run(t, "history", "--config", y.cfg, rows[0].UAI))
}

func TestZZReviewScratch2(t *testing.T) {
	s := memServers(t)
	y := &year{t: t, s: s, cfg: writeConfig(t, s)}
	rows := adhesion(t, y, 3)
	y.seen = len(y.s.sent(t))
	// the same file again in the campaign: "nothing changes, here is our list"
	y.deliver(givorsFrom, "Liste 2026-2027 inchangée", "same-yearly@x", "2026-05-11T10:00:00+02:00", rows)
	dumpMails(t, "campaign-resend", y.once("2026-05-11T11:00:00+02:00"))
	t.Log(run(t, "requests", "--config", y.cfg))
	t.Log(run(t, "communes", "--config", y.cfg))
	dumpMails(t, "june1", y.once("2026-06-01T09:05:00+02:00"))
	dumpMails(t, "june13", y.once("2026-06-13T09:05:00+02:00"))
	dumpMails(t, "june20", y.once("2026-06-20T09:05:00+02:00"))
}

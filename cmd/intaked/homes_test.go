package main

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/laclasse/intake/internal/samples"
)

// Issue 14, section 7: "days left" has one home (convention.DaysLeft), so `pending` and the
// daily summary count the same calendar days. On the morning of 14 September, a school due on
// 17 September at 00:30 has 3 days left (fewer than 72 hours remain): `pending` says 3, and the
// summary does not list it among the activations due within 3 days. A school due on 14 September
// at 00:30 is overdue with 0 days left in both.
func TestDaysLeftPendingAndDigestAgree(t *testing.T) {
	s := memServers(t)
	paris, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		t.Fatal(err)
	}
	xlsx := "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
	for _, m := range []samples.Message{
		{From: "education@mairie-givors.fr", To: samples.Mailbox, Subject: "Liste des écoles", MessageID: "days-left-1@mairie-givors.fr", Date: time.Date(2026, 9, 3, 0, 30, 0, 0, paris),
			Text: "Bonjour, voici notre liste.", Attachments: []samples.Attachment{{Name: "ecoles.xlsx", ContentType: xlsx, Data: samples.XLSX("Givors", samples.Rows(101, 1))}}},
		{From: "education@mairie-oullins.fr", To: samples.Mailbox, Subject: "Liste des écoles", MessageID: "days-left-2@mairie-oullins.fr", Date: time.Date(2026, 8, 31, 0, 30, 0, 0, paris),
			Text: "Bonjour, voici notre liste.", Attachments: []samples.Attachment{{Name: "ecoles.xlsx", ContentType: xlsx, Data: samples.XLSX("Oullins", samples.Rows(201, 1))}}},
	} {
		s.append(t, m.Raw(), m.Date)
	}
	cfg := writeConfig(t, s)
	run(t, "run", "--once", "--config", cfg, "--now=2026-09-14T06:00:00+02:00")
	now := "--now=2026-09-14T07:30:00+02:00"
	run(t, "run", "--once", "--config", cfg, now)

	var pending []pendingJSON
	raw := run(t, "pending", "--json", "--config", cfg, now)
	if err := json.Unmarshal([]byte(raw), &pending); err != nil {
		t.Fatalf("pending --json: %v\n%s", err, raw)
	}
	left := map[string]int{}
	for _, p := range pending {
		left[p.UAI] = p.DaysLeft
	}
	soon, overdue := samples.UAI(101), samples.UAI(201)
	if len(left) != 2 || left[soon] != 3 || left[overdue] != 0 {
		t.Fatalf("pending = %+v, want %s with 3 days left and %s with 0", pending, soon, overdue)
	}
	var digest string
	for _, d := range mailsTo(s.sent(t), "ent@grandlyon.example") {
		if strings.Contains(d.Text, "synthèse") {
			digest = d.Text
		}
	}
	if digest == "" {
		t.Fatal("no daily summary sent")
	}
	if strings.Contains(digest, "dans les 3 jours") {
		t.Errorf("the summary lists a school due in 3 days (pending: 3 days left) as due within 3 days:\n%s", digest)
	}
	if !strings.Contains(digest, overdue) || !strings.Contains(digest, "(0 j)") {
		t.Errorf("the summary does not show %s overdue with 0 days left, as pending does:\n%s", overdue, digest)
	}
}

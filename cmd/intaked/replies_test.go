package main

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/laclasse/intake/internal/samples"
)

func TestRepliesMemServers(t *testing.T) { testReplies(t, memServers(t)) }

func TestRepliesRealServers(t *testing.T) { testReplies(t, realServers(t)) }

// testReplies: a person who writes back reaches a person (issue 14, section 1), through
// `run --once`. A text-only answer to our reply goes to summary_to with its text and its file,
// and the commune is acknowledged once per thread, without the model; a text-only message that
// answers nothing of ours gets the model, and its text shows in the next digest; the same file
// resent in a new message is answered "déjà reçu"; subjects do not pile up.
func testReplies(t *testing.T, s servers) {
	cfg := writeConfig(t, s)
	day := func(d, h int) time.Time { return time.Date(2026, 9, 14+d, h, 0, 0, 0, time.UTC) }
	xlsx := samples.XLSX("Givors", samples.Rows(101, 2))
	s.append(t, samples.Message{From: "Secrétariat <secretariat@mairie-givors.fr>", To: samples.Mailbox, Subject: "RE: Re: TR: Liste", MessageID: "list@mairie-givors.fr", Date: day(0, 7),
		Attachments: []samples.Attachment{{Name: "ecoles.xlsx", ContentType: samples.XLSXType, Data: xlsx}}}.Raw(), day(0, 7))
	run(t, "run", "--once", "--config", cfg, "--now=2026-09-14T08:00:00Z")
	sent := s.sent(t)
	if len(sent) != 1 {
		t.Fatalf("%d mails after the list, want its reply", len(sent))
	}
	reply := sent[0]
	if reply.Subject != "Re: Liste" {
		t.Errorf("reply subject %q, want \"Re: Liste\"", reply.Subject)
	}
	replyID := strings.Trim(reply.Header.Get("Message-Id"), "<>")

	// The next morning: a text-only answer to our reply, a message answering nothing, the
	// same file in a new message.
	answer := func(id, inReplyTo, text string, at time.Time, atts ...samples.Attachment) {
		s.append(t, samples.Message{From: "Marie Durand <secretariat@mairie-givors.fr>", To: samples.Mailbox, Subject: "Re: Liste", MessageID: id, Date: at,
			Headers: map[string]string{"In-Reply-To": "<" + inReplyTo + ">", "References": "<list@mairie-givors.fr> <" + inReplyTo + ">"}, Text: text, Attachments: atts}.Raw(), at)
	}
	answer("answer1@mairie-givors.fr", replyID, "Erreur de notre part : gardez l'école Jaurès, merci.", day(1, 6),
		samples.Attachment{Name: "courrier.pdf", ContentType: "application/pdf", Data: []byte("%PDF-1.4 courrier signé du maire")})
	s.append(t, samples.Message{From: "scolaire@mairie-feyzin.fr", To: samples.Mailbox, Subject: "Rentrée 2026", MessageID: "nothing@mairie-feyzin.fr", Date: day(1, 6),
		Text: "Aucun changement pour nous cette année."}.Raw(), day(1, 6))
	s.append(t, samples.Message{From: "secretariat@mairie-givors.fr", To: samples.Mailbox, Subject: "Fwd: Liste", MessageID: "again@mairie-givors.fr", Date: day(1, 6),
		Attachments: []samples.Attachment{{Name: "ecoles (2).xlsx", ContentType: samples.XLSXType, Data: xlsx}}}.Raw(), day(1, 6))
	run(t, "run", "--once", "--config", cfg, "--now=2026-09-15T06:30:00Z")

	sent = s.sent(t)[1:]
	byTo := map[string][]sentMail{}
	for _, m := range sent {
		for _, to := range m.To {
			byTo[to] = append(byTo[to], m)
		}
	}
	var staff []sentMail // the forwards; the calendar's jobs (the digest…) write to staff too
	for _, m := range byTo["ent@grandlyon.example"] {
		if strings.Contains(m.Subject, "à traiter") {
			staff = append(staff, m)
		}
	}
	if len(staff) != 1 {
		for _, m := range staff {
			t.Logf("to staff: %s", m.Subject)
		}
		t.Fatalf("%d mails to summary_to, want the forward", len(staff))
	}
	fwd := staff[0]
	text, files := parts(t, fwd.Raw)
	for _, w := range []string{"Givors", "Marie Durand <secretariat@mairie-givors.fr>", "gardez l'école Jaurès", "« Re: Liste »", "14 septembre 2026", "courrier.pdf"} {
		if !strings.Contains(text, w) {
			t.Errorf("the forward lacks %q:\n%s", w, text)
		}
	}
	if len(files) != 1 || files[0].Name != "courrier.pdf" || string(files[0].Data) != "%PDF-1.4 courrier signé du maire" {
		t.Errorf("the forward carries %v", files)
	}
	givors := byTo["secretariat@mairie-givors.fr"]
	if len(givors) != 2 {
		t.Fatalf("%d mails to Givors, want an acknowledgement and a \"déjà reçu\"", len(givors))
	}
	var ackID string
	for _, m := range givors {
		text, files := parts(t, m.Raw)
		switch irt := strings.Trim(m.Header.Get("In-Reply-To"), "<>"); irt {
		case "answer1@mairie-givors.fr":
			ackID = strings.Trim(m.Header.Get("Message-Id"), "<>")
			if !strings.Contains(text, "Votre message a été transmis à l'équipe laclasse.com, qui vous répondra.") || len(files) != 0 || m.Subject != "Re: Liste" {
				t.Errorf("acknowledgement %q, files %v:\n%s", m.Subject, files, text)
			}
		case "again@mairie-givors.fr":
			if !strings.Contains(text, "Nous avons déjà reçu ce fichier le 14 septembre 2026 à 09 h 00 ; voici ce qui a été fait : la liste a été appliquée, 2 changements enregistrés") || len(files) != 0 || m.Subject != "Re: Liste" {
				t.Errorf("\"déjà reçu\" %q, files %v:\n%s", m.Subject, files, text)
			}
		default:
			t.Errorf("unexpected mail to Givors in reply to %q: %s", irt, m.Subject)
		}
	}
	feyzin := byTo["scolaire@mairie-feyzin.fr"]
	if len(feyzin) != 1 {
		t.Fatalf("%d mails to Feyzin, want the \"what to send\" reply", len(feyzin))
	}
	if _, files := parts(t, feyzin[0].Raw); len(files) != 1 || files[0].Name != "modele-liste-ecoles-laclasse.xlsx" {
		t.Errorf("the reply to a message answering nothing carries %v", files)
	}
	if n := s.count(t, "Traites"); n != 4 {
		t.Errorf("Traites holds %d messages, want 4", n)
	}

	// A second answer in the thread goes to staff and gets no second acknowledgement.
	answer("answer2@mairie-givors.fr", ackID, "Et l'école Pasteur aussi.", day(1, 7))
	run(t, "run", "--once", "--config", cfg, "--now=2026-09-15T07:30:00Z")
	newer := s.sent(t)[1+len(sent):] // nothing else is due in that hour
	if len(newer) != 1 || !slices.Equal(newer[0].To, []string{"ent@grandlyon.example"}) || !strings.Contains(newer[0].Text, "l'école Pasteur aussi") {
		for _, m := range newer {
			t.Logf("sent to %v: %s", m.To, m.Subject)
		}
		t.Fatalf("second answer in the thread: %d mails, want one forward to staff", len(newer))
	}

	// The next digest shows the text of the message that answered nothing.
	run(t, "run", "--once", "--config", cfg, "--now=2026-09-16T07:05:00+02:00")
	digest := lastSent(t, s, "synthèse")
	for _, w := range []string{"Son texte : « Aucun changement pour nous cette année. »", "Messages transmis à l'équipe (2)", "gardez l'école Jaurès"} {
		if !strings.Contains(digest.Text, w) {
			t.Errorf("the digest lacks %q:\n%s", w, digest.Text)
		}
	}
}

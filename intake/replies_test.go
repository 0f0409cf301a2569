package intake

import (
	"bytes"
	"context"
	"io"
	"mime"
	"net/mail"
	"slices"
	"strings"
	"testing"
	"time"

	gomail "github.com/emersion/go-message/mail"

	"github.com/laclasse/intake/convention"
	"github.com/laclasse/intake/internal/samples"
)

// sentParts reads a composed mail: its header, its text part and the names of its files.
func sentParts(t *testing.T, raw []byte) (h mail.Header, text string, files []string) {
	t.Helper()
	m, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	mr, err := gomail.CreateReader(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	for {
		p, err := mr.NextPart()
		if err == io.EOF {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		switch ph := p.Header.(type) {
		case *gomail.InlineHeader:
			if ct, _, _ := ph.ContentType(); ct == "text/plain" {
				b, _ := io.ReadAll(p.Body)
				text = string(b)
			}
		case *gomail.AttachmentHeader:
			name, _ := ph.Filename()
			files = append(files, name)
		}
	}
	return m.Header, text, files
}

func msgID(t *testing.T, raw []byte) string {
	t.Helper()
	h, _, _ := sentParts(t, raw)
	return strings.Trim(h.Get("Message-Id"), "<>")
}

// TestForwardReply: a text-only answer to our reply reaches staff with its text, its file and
// the thread it answers; the commune is acknowledged once per thread, never sent the model.
func TestForwardReply(t *testing.T) {
	f := newFixture(t)
	f.watcher.Handler.StaffTo = []string{"ent@grandlyon.example"}
	xlsx := samples.XLSX("Givors", samples.Rows(101, 2))
	d := decideRaw(t, f, 1, samples.Message{From: "secretariat@mairie-givors.fr", To: samples.Mailbox, Subject: "Liste des écoles", MessageID: "list@test",
		Attachments: []samples.Attachment{{Name: "e.xlsx", ContentType: samples.XLSXType, Data: xlsx}}}.Raw())
	if d.State != convention.StateApplied || len(d.Outgoing) != 1 {
		t.Fatalf("list: %s (%s), %d mails", d.State, d.Reason, len(d.Outgoing))
	}
	ourReply := msgID(t, d.Outgoing[0].Data)

	answer := func(uid uint32, id, inReplyTo, text string, atts ...samples.Attachment) *convention.Decision {
		return decideRaw(t, f, uid, samples.Message{From: "Marie Durand <secretariat@mairie-givors.fr>", To: samples.Mailbox, Subject: "RE: Re: Liste des écoles", MessageID: id,
			Headers: map[string]string{"In-Reply-To": "<" + inReplyTo + ">", "References": "<list@test> <" + inReplyTo + ">"}, Text: text, Attachments: atts}.Raw())
	}
	pdf := samples.Attachment{Name: "courrier.pdf", ContentType: "application/pdf", Data: []byte("%PDF-1.4 courrier signé")}
	d = answer(2, "answer1@test", ourReply, "Erreur : gardez l'école Jaurès, merci.", pdf)
	if d.State != convention.StateForwarded || d.Target != "Traites" || len(d.Outgoing) != 2 {
		t.Fatalf("answer: %s → %s (%s), %d mails", d.State, d.Target, d.Reason, len(d.Outgoing))
	}
	fwd, ack := d.Outgoing[0], d.Outgoing[1]
	if fwd.Kind != "forward" || !slices.Equal(fwd.To, []string{"ent@grandlyon.example"}) {
		t.Errorf("forward: %s to %q", fwd.Kind, fwd.To)
	}
	fh, text, files := sentParts(t, fwd.Data)
	if fh.Get("Reply-To") != "<secretariat@mairie-givors.fr>" || fh.Get("Auto-Submitted") != "auto-generated" {
		t.Errorf("forward header: %v", fh)
	}
	for _, w := range []string{"Givors", "Marie Durand <secretariat@mairie-givors.fr>", "« RE: Re: Liste des écoles »", "gardez l'école Jaurès", "« Re: Liste des écoles »", "14 septembre 2026", "courrier.pdf"} {
		if !strings.Contains(text, w) {
			t.Errorf("forward lacks %q:\n%s", w, text)
		}
	}
	if !slices.Equal(files, []string{"courrier.pdf"}) {
		t.Errorf("forward files %q", files)
	}
	h, text, files := sentParts(t, ack.Data)
	if ack.Kind != "acknowledgement" || !slices.Equal(ack.To, []string{"secretariat@mairie-givors.fr"}) || len(files) != 0 {
		t.Errorf("acknowledgement: %s to %q, files %q", ack.Kind, ack.To, files)
	}
	if !strings.Contains(text, "Votre message a été transmis à l'équipe laclasse.com, qui vous répondra.") || strings.Contains(text, "modèle") {
		t.Errorf("acknowledgement text:\n%s", text)
	}
	if got, _ := new(mime.WordDecoder).DecodeHeader(h.Get("Subject")); got != "Re: Liste des écoles" {
		t.Errorf("acknowledgement subject %q", got)
	}
	if !strings.Contains(h.Get("In-Reply-To"), "answer1@test") {
		t.Errorf("acknowledgement not threaded: %v", h)
	}

	t.Run("SecondInThreadNotAcknowledged", func(t *testing.T) {
		d := answer(3, "answer2@test", msgID(t, ack.Data), "Et aussi l'école Pasteur.")
		if d.State != convention.StateForwarded || len(d.Outgoing) != 1 || d.Outgoing[0].Kind != "forward" {
			t.Fatalf("%s (%s), %d mails", d.State, d.Reason, len(d.Outgoing))
		}
		d = answer(4, "answer3@test", ourReply, "Encore une chose.")
		if d.State != convention.StateForwarded || len(d.Outgoing) != 1 {
			t.Fatalf("reply to the first mail again: %s, %d mails", d.State, len(d.Outgoing))
		}
	})
	t.Run("SameMessageTwiceSilent", func(t *testing.T) {
		d := answer(5, "answer1@test", ourReply, "Erreur : gardez l'école Jaurès, merci.", pdf)
		if d.State != convention.StateDuplicate || len(d.Outgoing) != 0 {
			t.Fatalf("%s, %d mails", d.State, len(d.Outgoing))
		}
	})
	t.Run("AnswerWithListApplied", func(t *testing.T) {
		d := answer(6, "answer4@test", ourReply, "Voici la liste corrigée.", samples.Attachment{Name: "e2.xlsx", ContentType: samples.XLSXType, Data: samples.XLSX("Givors", samples.Rows(101, 3))})
		if d.State != convention.StateApplied {
			t.Fatalf("%s (%s)", d.State, d.Reason)
		}
	})
	t.Run("LargeFilesListed", func(t *testing.T) {
		big := bytes.Repeat([]byte("x"), MaxForwardedFiles/2+1)
		d := answer(7, "answer5@test", ourReply, "Deux scans.",
			samples.Attachment{Name: "a.pdf", ContentType: "application/pdf", Data: big}, samples.Attachment{Name: "b.pdf", ContentType: "application/pdf", Data: big})
		if d.State != convention.StateForwarded {
			t.Fatalf("%s (%s)", d.State, d.Reason)
		}
		_, text, files := sentParts(t, d.Outgoing[0].Data)
		if !slices.Equal(files, []string{"a.pdf"}) || !strings.Contains(text, "« b.pdf »") || !strings.Contains(text, "trop volumineuse") {
			t.Errorf("files %q:\n%s", files, text)
		}
	})
}

// TestNoListNoThread: a text-only message that answers nothing of ours gets the "what to send"
// reply with the model, and staff see its text in the summary.
func TestNoListNoThread(t *testing.T) {
	f := newFixture(t)
	f.watcher.Handler.StaffTo = []string{"ent@grandlyon.example"}
	long := "Aucun changement pour nous cette année. " + strings.Repeat("Bla. ", 300)
	d := decideRaw(t, f, 1, samples.Message{From: "secretariat@mairie-givors.fr", To: samples.Mailbox, Subject: "Rentrée", MessageID: "text@test",
		Headers: map[string]string{"In-Reply-To": "<someone-else@elsewhere.example>"}, Text: long}.Raw())
	if d.State != convention.StateRefused || len(d.Outgoing) != 1 {
		t.Fatalf("%s (%s), %d mails", d.State, d.Reason, len(d.Outgoing))
	}
	if _, _, files := sentParts(t, d.Outgoing[0].Data); !slices.Contains(files, "modele-liste-ecoles-laclasse.xlsx") {
		t.Errorf("reply files %q", files)
	}
	reqs, err := f.store.RequestsBetween(context.Background(), now.Add(-time.Hour), now.Add(time.Hour))
	if err != nil || len(reqs) != 1 {
		t.Fatalf("%v, %d requests", err, len(reqs))
	}
	if got := reqs[0].Text; !strings.HasPrefix(got, "Aucun changement pour nous cette année.") || len([]rune(got)) > MaxExcerpt+1 || !strings.HasSuffix(got, "…") {
		t.Errorf("excerpt %d characters: %q", len([]rune(got)), got)
	}
}

// TestAlreadyReceived: the same spreadsheet in a new message is answered briefly with what the
// first one did; the same message seen twice stays silent.
func TestAlreadyReceived(t *testing.T) {
	f := newFixture(t)
	rows := samples.Rows(101, 3)
	rows[2].Email = "pas-une-adresse"
	xlsx := samples.XLSX("Givors", rows)
	list := func(uid uint32, id, subject string) *convention.Decision {
		return decideRaw(t, f, uid, samples.Message{From: "secretariat@mairie-givors.fr", To: samples.Mailbox, Subject: subject, MessageID: id,
			Attachments: []samples.Attachment{{Name: "e.xlsx", ContentType: samples.XLSXType, Data: xlsx}}}.Raw())
	}
	if d := list(1, "first@test", "Liste"); d.State != convention.StateApplied {
		t.Fatalf("first: %s (%s)", d.State, d.Reason)
	}
	d := list(2, "second@test", "TR: Liste")
	if d.State != convention.StateDuplicate || len(d.Outgoing) != 1 {
		t.Fatalf("resent: %s (%s), %d mails", d.State, d.Reason, len(d.Outgoing))
	}
	h, text, files := sentParts(t, d.Outgoing[0].Data)
	for _, w := range []string{"Nous avons déjà reçu ce fichier le 14 septembre 2026", "voici ce qui a été fait : la liste a été appliquée, 2 changements enregistrés, 1 ligne refusée"} {
		if !strings.Contains(text, w) {
			t.Errorf("answer lacks %q:\n%s", w, text)
		}
	}
	if len(files) != 0 || h.Get("Subject") != "Re: Liste" {
		t.Errorf("subject %q, files %q", h.Get("Subject"), files)
	}
	if d := list(3, "second@test", "TR: Liste"); d.State != convention.StateDuplicate || len(d.Outgoing) != 0 {
		t.Errorf("same message again: %s, %d mails", d.State, len(d.Outgoing))
	}
	t.Run("BoundPerAddress", func(t *testing.T) {
		f.watcher.Handler.MaxRepliesPerAddress = 2 // the list's reply and the first "déjà reçu"
		if d := list(4, "third@test", "Liste"); d.State != convention.StateDuplicate || len(d.Outgoing) != 0 {
			t.Errorf("beyond the bound: %s, %d mails", d.State, len(d.Outgoing))
		}
	})
}

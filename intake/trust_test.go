package intake

import (
	"bytes"
	"context"
	"net/mail"
	"slices"
	"strings"
	"testing"

	"github.com/laclasse/intake/convention"
	"github.com/laclasse/intake/intake/mailparse"
	"github.com/laclasse/intake/internal/samples"
	"github.com/laclasse/intake/sqlite"
)

// trustCommunes are the sample communes, Givors with whole addresses among its senders and
// contacts to notify.
func trustCommunes() []convention.Commune {
	cs := samples.Communes()
	cs[0].Senders = []string{"@mairie-givors.fr", "education@mairie-givors.fr", "Secretariat@mairie-givors.fr"}
	cs[0].Notify = []string{"maire@mairie-givors.fr", "secretariat@mairie-givors.fr", "MAIRE@mairie-givors.fr"}
	return cs
}

func TestReplyRecipients(t *testing.T) {
	communes := trustCommunes()
	givors := communes[0]
	for _, tc := range []struct {
		name, replyTo string
		want          []string
	}{
		{"NoReplyTo", "", []string{"secretariat@mairie-givors.fr"}},
		{"ReplyToSameCommune", "accueil@mairie-givors.fr", []string{"secretariat@mairie-givors.fr", "accueil@mairie-givors.fr"}},
		{"ReplyToSameAddress", "secretariat@mairie-givors.fr", []string{"secretariat@mairie-givors.fr"}},
		{"ErrReplyToOutside", "someone@elsewhere.example", []string{"secretariat@mairie-givors.fr"}},
		{"ErrReplyToOtherCommune", "scolaire@mairie-feyzin.fr", []string{"secretariat@mairie-givors.fr"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			msg := &mailparse.Message{From: "secretariat@mairie-givors.fr", ReplyTo: tc.replyTo}
			if got := replyRecipients(communes, givors, msg); !slices.Equal(got, tc.want) {
				t.Errorf("replyRecipients = %q, want %q", got, tc.want)
			}
		})
	}
}

// decideRaw claims raw as message uid and decides it.
func decideRaw(t *testing.T, f *fixture, uid uint32, raw []byte) *convention.Decision {
	t.Helper()
	ctx := context.Background()
	req, err := f.store.Claim(ctx, sqlite.MessageKey{Mailbox: "INBOX", UIDValidity: 1, UID: uid}, now, raw)
	if err != nil {
		t.Fatal(err)
	}
	d, err := f.watcher.Handler.Decide(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// TestAdminChangeNotice: a list that changes an administrator is answered to its From only
// (not to an outside Reply-To), and the commune's other declared contacts hear of it.
func TestAdminChangeNotice(t *testing.T) {
	f := newFixture(t)
	f.watcher.Handler.Communes = trustCommunes()
	if err := f.store.SyncCommunes(context.Background(), trustCommunes()); err != nil {
		t.Fatal(err)
	}
	rows := samples.Rows(101, 3)
	list := func(id string, rows []samples.Row, headers map[string]string) []byte {
		return samples.Message{From: "Secrétariat <secretariat@mairie-givors.fr>", To: samples.Mailbox, Subject: "Écoles", MessageID: id, Headers: headers,
			Attachments: []samples.Attachment{{Name: "e.xlsx", ContentType: samples.XLSXType, Data: samples.XLSX("Givors", rows)}}}.Raw()
	}
	d := decideRaw(t, f, 1, list("first@test", rows, nil))
	if d.State != convention.StateApplied || len(d.Outgoing) != 1 {
		t.Fatalf("adhesion: %s (%s), %d mails", d.State, d.Reason, len(d.Outgoing))
	}

	changed := slices.Clone(rows)
	changed[0].LastName, changed[0].FirstName, changed[0].Email = "ROUX", "Paul", "paul.roux@ac-lyon.fr"
	changed[2].LastName, changed[2].FirstName = "FAURE", "Inès"
	d = decideRaw(t, f, 2, list("second@test", changed, map[string]string{"Reply-To": "someone@elsewhere.example"}))
	if d.State != convention.StateApplied || len(d.Outgoing) != 2 {
		t.Fatalf("change: %s (%s), %d mails", d.State, d.Reason, len(d.Outgoing))
	}
	reply, notice := d.Outgoing[0], d.Outgoing[1]
	if reply.Kind != "reply" || !slices.Equal(reply.To, []string{"secretariat@mairie-givors.fr"}) {
		t.Errorf("reply %s to %q", reply.Kind, reply.To)
	}
	if want := []string{"maire@mairie-givors.fr", "education@mairie-givors.fr"}; notice.Kind != "admin_change_notice" || !slices.Equal(notice.To, want) {
		t.Errorf("notice %s to %q, want %q", notice.Kind, notice.To, want)
	}
	for _, o := range d.Outgoing {
		if bytes.Contains(o.Data, []byte("elsewhere.example")) {
			t.Errorf("%s names the outside Reply-To", o.Kind)
		}
	}
	text := replyText(t, notice.Data)
	for _, w := range []string{rows[0].UAI, "Paul ROUX remplace " + rows[0].FirstName + " " + rows[0].LastName, "Inès FAURE", "Secrétariat <secretariat@mairie-givors.fr>", "« Écoles »", "Métropole"} {
		if !strings.Contains(text, w) {
			t.Errorf("notice lacks %q:\n%s", w, text)
		}
	}
	if strings.Contains(text, rows[1].UAI) || strings.Contains(text, rows[0].Email) || strings.Contains(text, rows[0].Phone) {
		t.Errorf("notice names an unchanged school or the previous administrator's e-mail or phone:\n%s", text)
	}
	if m, err := mail.ReadMessage(bytes.NewReader(notice.Data)); err != nil || m.Header.Get("Auto-Submitted") != "auto-generated" {
		t.Errorf("notice header: %v %v", err, m.Header)
	}

	t.Run("NoChangeNoNotice", func(t *testing.T) {
		d := decideRaw(t, f, 3, list("third@test", append(changed, samples.Rows(110, 1)...), nil))
		if len(d.Outgoing) != 1 || d.Outgoing[0].Kind != "reply" {
			t.Errorf("%d mails", len(d.Outgoing))
		}
	})
}

// TestFromQuarantine: a From that does not name exactly one sender to a strict reader is
// quarantined, unanswered, and the reason shows the field as received and decoded.
func TestFromQuarantine(t *testing.T) {
	for i, tc := range []struct{ name, from, want string }{
		{"ErrQuotedAngle", `"Eve <secretariat@mairie-givors.fr>" eve@attacker.example`, `« "Eve <secretariat@mairie-givors.fr>" eve@attacker.example »`},
		{"ErrEncodedAddress", `=?utf-8?q?secretariat=40mairie-givors.fr?=`, "décodé : « secretariat@mairie-givors.fr »"},
		{"ErrTwoMailboxes", `secretariat@mairie-givors.fr, eve@attacker.example`, "2 adresses"},
		{"ErrControl", "=?utf-8?q?=1B[31msecretariat=40mairie-givors.fr?= <eve@attacker.example>", `décodé : « \x1b[31msecretariat@mairie-givors.fr <eve@attacker.example> »`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t)
			raw := samples.Message{From: tc.from, To: samples.Mailbox, Subject: "Liste", MessageID: "q@test",
				Attachments: []samples.Attachment{{Name: "e.xlsx", ContentType: samples.XLSXType, Data: samples.XLSX("Givors", samples.Rows(101, 1))}}}.Raw()
			d := decideRaw(t, f, uint32(i+1), raw)
			if d.State != convention.StateRejected || d.Target != "Rejetes" || len(d.Outgoing) != 0 || d.Commune != "" {
				t.Fatalf("%s to %q (%s), %d mails", d.State, d.Target, d.Reason, len(d.Outgoing))
			}
			if !strings.Contains(d.Reason, tc.want) || strings.ContainsRune(d.Reason, 0x1b) {
				t.Errorf("reason %q lacks %q", d.Reason, tc.want)
			}
			if schools, _ := f.store.Schools(context.Background()); len(schools) != 0 {
				t.Errorf("%d schools", len(schools))
			}
		})
	}
}

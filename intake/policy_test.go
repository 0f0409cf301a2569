package intake

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"testing"

	"github.com/emersion/go-msgauth/dkim"

	"github.com/laclasse/intake/convention"
	"github.com/laclasse/intake/intake/auth"
	"github.com/laclasse/intake/internal/samples"
	"github.com/laclasse/intake/sqlite"
)

// TestSenderPolicy: for a commune that requires DKIM, only a message signed by its domain (or
// vouched for by the trusted receiving server) is applied; a forged From, a signature by another
// domain and an Authentication-Results header added by the sender are quarantined, unanswered.
func TestSenderPolicy(t *testing.T) {
	ctx := context.Background()
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	dns := map[string]string{
		"sel._domainkey.mairie-givors.fr": "v=DKIM1; k=ed25519; p=" + base64.StdEncoding.EncodeToString(pub),
		"sel._domainkey.evil.example":     "v=DKIM1; k=ed25519; p=" + base64.StdEncoding.EncodeToString(pub),
	}
	lookup := func(_ context.Context, domain string) ([]string, error) {
		if v, ok := dns[domain]; ok {
			return []string{v}, nil
		}
		return nil, errors.New("no such record")
	}
	sign := func(raw []byte, domain string) []byte {
		var b bytes.Buffer
		if err := dkim.Sign(&b, bytes.NewReader(raw), &dkim.SignOptions{Domain: domain, Selector: "sel", Signer: priv}); err != nil {
			t.Fatal(err)
		}
		return b.Bytes()
	}
	message := func(id string, headers map[string]string) []byte {
		return samples.Message{From: "secretariat@mairie-givors.fr", To: samples.Mailbox, Subject: "Liste", MessageID: id, Headers: headers,
			Attachments: []samples.Attachment{{Name: "e.xlsx", ContentType: samples.XLSXType, Data: samples.XLSX("Givors", samples.Rows(101, 1))}}}.Raw()
	}
	for i, tc := range []struct {
		name string
		raw  []byte
		want convention.RequestState
	}{
		{"SignedByTheCommune", sign(message("ok@test", nil), "mairie-givors.fr"), convention.StateApplied},
		{"ErrForgedFromUnsigned", message("forged@test", nil), convention.StateRejected},
		{"ErrSignedByAnotherDomain", sign(message("evil@test", nil), "evil.example"), convention.StateRejected},
		{"ErrAuthResultsByTheSender", message("ar@test", map[string]string{"Authentication-Results": "mx.evil.example; dkim=pass header.d=mairie-givors.fr"}), convention.StateRejected},
		{"TrustedAuthResults", append([]byte("Authentication-Results: mx.grandlyon.fr; dkim=pass header.d=mairie-givors.fr\r\n"), message("trusted@test", nil)...), convention.StateApplied},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t)
			h := f.watcher.Handler
			h.Policies = map[string]auth.Policy{"Givors": {RequireDKIM: true, DKIMDomains: []string{"mairie-givors.fr"}, TrustedAuthservID: "mx.grandlyon.fr"}}
			h.LookupTXT = lookup
			req, err := f.store.Claim(ctx, sqlite.MessageKey{Mailbox: "INBOX", UIDValidity: 1, UID: uint32(i + 1)}, now, tc.raw)
			if err != nil {
				t.Fatal(err)
			}
			d, err := h.Decide(ctx, req)
			if err != nil {
				t.Fatal(err)
			}
			if d.State != tc.want {
				t.Fatalf("state %s (%s), want %s", d.State, d.Reason, tc.want)
			}
			schools, _ := f.store.Schools(ctx)
			if tc.want == convention.StateRejected && (len(schools) != 0 || len(d.Outgoing) != 0 || d.Target != "Rejetes") {
				t.Fatalf("a quarantined message changed the registry (%d) or was answered (%d)", len(schools), len(d.Outgoing))
			}
		})
	}
}

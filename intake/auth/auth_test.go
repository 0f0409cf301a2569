package auth

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"fmt"
	"net"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-msgauth/dkim"
)

const (
	givors  = "ville-givors.fr"
	trusted = "mx.grandlyon.fr"
)

// testKeys are the signing keys of the tests, made once: RSA 2048 takes a while.
var testKeys = sync.OnceValue(func() struct {
	ed  ed25519.PrivateKey
	rsa *rsa.PrivateKey
} {
	_, ed, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		panic(err)
	}
	rk, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		panic(err)
	}
	return struct {
		ed  ed25519.PrivateKey
		rsa *rsa.PrivateKey
	}{ed, rk}
})

// txtRecord returns the DNS TXT record publishing the public key of signer.
func txtRecord(signer crypto.Signer) string {
	switch pub := signer.Public().(type) {
	case ed25519.PublicKey:
		return "v=DKIM1; k=ed25519; p=" + base64.StdEncoding.EncodeToString(pub)
	case *rsa.PublicKey:
		der, err := x509.MarshalPKIXPublicKey(pub)
		if err != nil {
			panic(err)
		}
		return "v=DKIM1; k=rsa; p=" + base64.StdEncoding.EncodeToString(der)
	}
	panic(fmt.Sprintf("unexpected key %T", signer.Public()))
}

// testDNS is the DNS zone of the tests: the ed25519 key under selector "ed" and the RSA key
// under selector "rsa" of every domain used, and "broken._domainkey.ville-givors.fr" failing.
func testDNS() map[string]string {
	k := testKeys()
	zone := make(map[string]string)
	for _, d := range []string{givors, "mail." + givors, "evil.example", "evilville-givors.fr"} {
		zone["ed._domainkey."+d] = txtRecord(k.ed)
		zone["rsa._domainkey."+d] = txtRecord(k.rsa)
	}
	return zone
}

// stubLookup resolves names in zone, records the names asked, and answers NXDOMAIN for others.
type stubLookup struct {
	zone map[string]string
	mu   sync.Mutex
	asks []string
}

func (s *stubLookup) lookupTXT(ctx context.Context, name string) ([]string, error) {
	s.mu.Lock()
	s.asks = append(s.asks, name)
	s.mu.Unlock()
	if txt, ok := s.zone[name]; ok {
		return []string{txt}, nil
	}
	return nil, &net.DNSError{Err: "no such host", Name: name, IsNotFound: true}
}

func (s *stubLookup) asked() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.asks)
}

// crlf turns a message written with \n into one with CRLF line endings.
func crlf(s string) []byte {
	return []byte(strings.ReplaceAll(s, "\n", "\r\n"))
}

// baseMessage is a commune's mail, unsigned.
var baseMessage = crlf(`From: Mairie de Givors <ecoles@ville-givors.fr>
To: partenariats@laclasse.com
Subject: =?utf-8?q?Liste_des_=C3=A9coles?=
Date: Mon, 02 Sep 2024 09:00:00 +0200
Message-ID: <rentree-2024@ville-givors.fr>
MIME-Version: 1.0
Content-Type: text/plain; charset=utf-8

Ecole Jean Jaures, 0690001A
Ecole Louis Pasteur, 0690002B
`)

// fromOf returns msg with the value of its From field replaced by from, signature or not.
func fromOf(msg []byte, from string) []byte {
	return bytes.Replace(msg, []byte("From: Mairie de Givors <ecoles@ville-givors.fr>"), []byte("From: "+from), 1)
}

// sign signs msg with the key named by selector ("ed" or "rsa") for domain.
func sign(t testing.TB, msg []byte, domain, selector string) []byte {
	t.Helper()
	k := testKeys()
	var signer crypto.Signer = k.ed
	if selector == "rsa" {
		signer = k.rsa
	}
	var b bytes.Buffer
	err := dkim.Sign(&b, bytes.NewReader(msg), &dkim.SignOptions{
		Domain:                 domain,
		Selector:               selector,
		Signer:                 signer,
		HeaderCanonicalization: dkim.CanonicalizationRelaxed,
		BodyCanonicalization:   dkim.CanonicalizationRelaxed,
	})
	if err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// prepend returns msg with the header lines added at the top, as a later MTA would.
func prepend(msg []byte, lines ...string) []byte {
	return append(crlf(strings.Join(lines, "\n")+"\n"), msg...)
}

// received is a Received field a relay adds.
const received = "Received: from mta.example (mta.example [192.0.2.1])\n\tby mx.grandlyon.fr (Postfix) with ESMTPS id 4XyZ\n\tfor <partenariats@laclasse.com>; Mon, 02 Sep 2024 09:00:02 +0200"

func TestCheck(t *testing.T) {
	givorsPolicy := Policy{RequireDKIM: true, DKIMDomains: []string{givors}, TrustedAuthservID: trusted}
	noTrust := givorsPolicy
	noTrust.TrustedAuthservID = ""
	relaxed := givorsPolicy
	relaxed.RequireDKIM = false

	signedEd := sign(t, baseMessage, givors, "ed")
	forged := sign(t, baseMessage, "evil.example", "ed")

	tests := []struct {
		name   string
		msg    []byte
		policy Policy
		// want: Authenticated, Method and Domain.
		auth   bool
		method string
		domain string
		passes bool
		// reason is a substring expected in one of the reasons, if not empty.
		reason string
	}{
		{
			name: "ed25519 signature from ville-givors.fr", msg: signedEd, policy: givorsPolicy,
			auth: true, method: MethodDKIM, domain: givors, passes: true,
		},
		{
			name: "rsa signature from ville-givors.fr", msg: sign(t, baseMessage, givors, "rsa"), policy: givorsPolicy,
			auth: true, method: MethodDKIM, domain: givors, passes: true,
		},
		{
			name: "signature domain compared case-insensitively", msg: signedEd,
			policy: Policy{RequireDKIM: true, DKIMDomains: []string{"Ville-Givors.FR."}},
			auth:   true, method: MethodDKIM, domain: givors, passes: true,
		},
		{
			name: "signing domain in capitals", msg: sign(t, baseMessage, "Ville-Givors.FR", "ed"), policy: givorsPolicy,
			auth: true, method: MethodDKIM, domain: givors, passes: true,
		},
		{
			name: "signature after relays added fields", msg: prepend(signedEd, received, "Received: from mx.grandlyon.fr by imap.laclasse.com with LMTP"),
			policy: givorsPolicy, auth: true, method: MethodDKIM, domain: givors, passes: true,
		},
		{
			name: "forged From signed by evil.example", msg: forged, policy: givorsPolicy,
			reason: "signature by evil.example not in [ville-givors.fr]",
		},
		{
			name: "forged From signed by evil.example, DKIM not required", msg: forged, policy: relaxed,
			passes: true, reason: "signature by evil.example not in [ville-givors.fr]",
		},
		{
			name: "lookalike domain is not a subdomain", msg: sign(t, baseMessage, "evilville-givors.fr", "ed"), policy: givorsPolicy,
			reason: "signature by evilville-givors.fr not in [ville-givors.fr]",
		},
		{
			name: "subdomain signature (relaxed alignment)", msg: sign(t, baseMessage, "mail."+givors, "ed"), policy: givorsPolicy,
			auth: true, method: MethodDKIM, domain: "mail." + givors, passes: true,
		},
		{
			name: "parent domain does not count for a subdomain", msg: signedEd,
			policy: Policy{RequireDKIM: true, DKIMDomains: []string{"mail." + givors}},
			reason: "signature by ville-givors.fr not in [mail.ville-givors.fr]",
		},
		{
			name: "body modified after signing",
			msg:  bytes.Replace(signedEd, []byte("Louis Pasteur"), []byte("Louis Aragon!"), 1), policy: givorsPolicy,
			reason: "signature by ville-givors.fr: body hash mismatch",
		},
		{
			name: "school appended after signing", msg: append(slices.Clone(signedEd), crlf("Ecole Voltaire, 0690003C\n")...), policy: givorsPolicy,
			reason: "body hash mismatch",
		},
		{
			name: "subject modified after signing",
			msg:  bytes.Replace(signedEd, []byte("Liste_des"), []byte("Retrait_des"), 1), policy: givorsPolicy,
			reason: "signature by ville-givors.fr: signature did not verify",
		},
		{
			name: "From prepended to a signed message", msg: prepend(signedEd, "From: evil@evil.example"), policy: givorsPolicy,
			reason: "message has 2 From header fields, want exactly 1",
		},
		{
			name: "Content-Type prepended to a signed message", msg: prepend(signedEd, "Content-Type: text/html"), policy: givorsPolicy,
			reason: "signature by ville-givors.fr: 2 Content-Type fields in the message but 1 signed",
		},
		{
			name: "no signature, DKIM required", msg: baseMessage, policy: givorsPolicy,
			reason: "no DKIM signature",
		},
		{
			name: "no signature, DKIM not required", msg: baseMessage, policy: relaxed,
			passes: true, reason: "no DKIM signature",
		},
		{
			name: "no From", msg: bytes.Replace(signedEd, []byte("\r\nFrom:"), []byte("\r\nForm:"), 1), policy: givorsPolicy,
			reason: "message has 0 From header fields",
		},
		{
			name: "no DKIM domain configured", msg: signedEd, policy: Policy{RequireDKIM: true, DKIMDomains: []string{"fr", " "}},
			reason: "no DKIM domain configured",
		},
		{
			name: "DNS lookup error", msg: sign(t, baseMessage, givors, "broken"), policy: givorsPolicy,
			reason: "signature by ville-givors.fr: no key for signature: lookup broken._domainkey.ville-givors.fr: no such host",
		},
		{
			name: "second signature valid", msg: sign(t, sign(t, baseMessage, givors, "broken"), givors, "ed"), policy: givorsPolicy,
			auth: true, method: MethodDKIM, domain: givors, passes: true,
		},
		{
			name: "trusted Authentication-Results", policy: givorsPolicy,
			msg:  prepend(baseMessage, "Authentication-Results: mx.grandlyon.fr; dkim=pass header.d=ville-givors.fr", received),
			auth: true, method: MethodAuthenticationResults, domain: givors, passes: true,
		},
		{
			name: "trusted Authentication-Results with comments, version and header.i", policy: givorsPolicy,
			msg: prepend(baseMessage, "Received: from mx.grandlyon.fr by imap.laclasse.com with LMTP",
				"Authentication-Results: MX.GrandLyon.fr 1 (amavis; v2);\n\tspf=pass smtp.mailfrom=ville-givors.fr;\n\tdkim=pass (2048-bit key; unprotected) header.i=@Ville-Givors.fr header.s=sel",
				received),
			auth: true, method: MethodAuthenticationResults, domain: givors, passes: true,
		},
		{
			name: "trusted Authentication-Results does not rescue a broken signature", policy: givorsPolicy,
			msg: prepend(bytes.Replace(signedEd, []byte("Louis Pasteur"), []byte("Louis Aragon!"), 1),
				"Authentication-Results: mx.grandlyon.fr; dkim=pass header.d=ville-givors.fr"),
			reason: "is present and fails: Authentication-Results not consulted",
		},
		{
			// The trusted MTA verified the signature before the Subject was added above it.
			name: "trusted Authentication-Results does not rescue fields added above a signature", policy: givorsPolicy,
			msg:    prepend(signedEd, "Authentication-Results: mx.grandlyon.fr; dkim=pass header.d=ville-givors.fr", "Subject: Retrait des écoles"),
			reason: "2 Subject fields in the message but 1 signed",
		},
		{
			name: "trusted Authentication-Results does not rescue a missing key", policy: givorsPolicy,
			msg:    prepend(sign(t, baseMessage, givors, "broken"), "Authentication-Results: mx.grandlyon.fr; dkim=pass header.d=ville-givors.fr"),
			reason: "is present and fails: Authentication-Results not consulted",
		},
		{
			// A signature of another domain (a mailing list, a relay) says nothing of the commune.
			name: "trusted Authentication-Results beside a signature of another domain", policy: givorsPolicy,
			msg:  prepend(forged, "Authentication-Results: mx.grandlyon.fr; dkim=pass header.d=ville-givors.fr"),
			auth: true, method: MethodAuthenticationResults, domain: givors, passes: true,
		},
		{
			name: "valid signature not aligned with the From domain", msg: sign(t, fromOf(baseMessage, "ecoles@mairie-bron.fr"), givors, "ed"),
			policy: Policy{RequireDKIM: true, DKIMDomains: []string{givors, "mairie-bron.fr"}},
			reason: "signature by ville-givors.fr not aligned with the From domain mairie-bron.fr",
		},
		{
			name: "parent domain signature for a From of a subdomain (relaxed alignment)",
			msg:  sign(t, fromOf(baseMessage, "ecoles@ecoles.ville-givors.fr"), givors, "ed"), policy: givorsPolicy,
			auth: true, method: MethodDKIM, domain: givors, passes: true,
		},
		{
			name:   "trusted Authentication-Results not aligned with the From domain",
			msg:    prepend(fromOf(baseMessage, "ecoles@mairie-bron.fr"), "Authentication-Results: mx.grandlyon.fr; dkim=pass header.d=ville-givors.fr"),
			policy: Policy{RequireDKIM: true, DKIMDomains: []string{givors, "mairie-bron.fr"}, TrustedAuthservID: trusted},
			reason: "dkim=pass for ville-givors.fr not aligned with the From domain mairie-bron.fr",
		},
		{
			name: "From that a strict parser reads as no single mailbox", policy: givorsPolicy,
			msg:    fromOf(signedEd, `"Mairie <ecoles@ville-givors.fr>" eve@evil.example`),
			reason: "From field does not hold exactly one mailbox",
		},
		{
			name: "trusted Authentication-Results for a subdomain", policy: givorsPolicy,
			msg:  prepend(baseMessage, "Authentication-Results: mx.grandlyon.fr; dkim=pass header.d=mail.ville-givors.fr"),
			auth: true, method: MethodAuthenticationResults, domain: "mail." + givors, passes: true,
		},
		{
			name: "trusted Authentication-Results for another domain", policy: givorsPolicy,
			msg:    prepend(baseMessage, "Authentication-Results: mx.grandlyon.fr; dkim=pass header.d=evil.example"),
			reason: "Authentication-Results from mx.grandlyon.fr: dkim=pass for evil.example not in [ville-givors.fr]",
		},
		{
			name: "trusted Authentication-Results without dkim", policy: givorsPolicy,
			msg:    prepend(baseMessage, "Authentication-Results: mx.grandlyon.fr; spf=pass smtp.mailfrom=ville-givors.fr"),
			reason: "Authentication-Results from mx.grandlyon.fr: no dkim result",
		},
		{
			name: "attacker's Authentication-Results with another authserv-id", policy: givorsPolicy,
			msg:    prepend(baseMessage, received, "Authentication-Results: mx.evil; dkim=pass header.d=ville-givors.fr"),
			reason: "Authentication-Results from untrusted authserv-id mx.evil",
		},
		{
			name: "attacker's Authentication-Results below the trusted MTA's", policy: givorsPolicy,
			msg: prepend(baseMessage,
				"Authentication-Results: mx.grandlyon.fr; dkim=fail reason=\"signature verification failed\" header.d=ville-givors.fr",
				received,
				"Authentication-Results: mx.grandlyon.fr; dkim=pass header.d=ville-givors.fr"),
			reason: "Authentication-Results from mx.grandlyon.fr below the topmost one ignored",
		},
		{
			name: "attacker's Authentication-Results, no trusted authserv-id configured", policy: noTrust,
			msg:    prepend(baseMessage, "Authentication-Results: mx.grandlyon.fr; dkim=pass header.d=ville-givors.fr"),
			reason: "Authentication-Results from mx.grandlyon.fr ignored: no trusted authserv-id configured",
		},
		{
			name: "attacker's authserv-id in a comment", policy: givorsPolicy,
			msg:    prepend(baseMessage, "Authentication-Results: (mx.grandlyon.fr) mx.evil; dkim=pass header.d=ville-givors.fr"),
			reason: "Authentication-Results from untrusted authserv-id mx.evil",
		},
		{
			name: "malformed trusted Authentication-Results", policy: givorsPolicy,
			msg:    prepend(baseMessage, "Authentication-Results: mx.grandlyon.fr; dkim"),
			reason: "malformed Authentication-Results from mx.grandlyon.fr",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dns := &stubLookup{zone: testDNS()}
			r := Check(context.Background(), tt.msg, tt.policy, dns.lookupTXT)
			if r.Authenticated != tt.auth || r.Method != tt.method || r.Domain != tt.domain {
				t.Errorf("Check = %+v, want Authenticated %v, Method %q, Domain %q", r, tt.auth, tt.method, tt.domain)
			}
			if got := r.Passes(tt.policy); got != tt.passes {
				t.Errorf("Passes = %v, want %v (%+v)", got, tt.passes, r)
			}
			if tt.reason != "" && !slices.ContainsFunc(r.Reasons, func(s string) bool { return strings.Contains(s, tt.reason) }) {
				t.Errorf("reasons %q lack %q", r.Reasons, tt.reason)
			}
			if !tt.auth && len(r.Reasons) == 0 {
				t.Error("not authenticated and no reason")
			}
			for _, name := range dns.asked() {
				if !strings.HasSuffix(name, "."+givors) {
					t.Errorf("looked up %s, outside the policy's domains", name)
				}
			}
		})
	}
}

func TestCheckTooManySignatures(t *testing.T) {
	// The valid signature is the bottom one: the verifier only checks the top ones.
	msg := sign(t, baseMessage, givors, "ed")
	for range MaxSignatures {
		msg = sign(t, msg, givors, "broken")
	}
	dns := &stubLookup{zone: testDNS()}
	r := Check(context.Background(), msg, Policy{RequireDKIM: true, DKIMDomains: []string{givors}}, dns.lookupTXT)
	if r.Authenticated {
		t.Errorf("Check = %+v, want not authenticated", r)
	}
	if !slices.ContainsFunc(r.Reasons, func(s string) bool { return strings.HasPrefix(s, "more than 5 DKIM signatures") }) {
		t.Errorf("reasons %q lack the bound", r.Reasons)
	}
	if n := len(dns.asked()); n != MaxSignatures {
		t.Errorf("%d lookups, want %d", n, MaxSignatures)
	}
}

func TestCheckManyReasons(t *testing.T) {
	lines := make([]string, 100)
	for i := range lines {
		lines[i] = fmt.Sprintf("Authentication-Results: mx%d.evil; dkim=pass header.d=ville-givors.fr", i)
	}
	r := Check(context.Background(), prepend(baseMessage, lines...), Policy{DKIMDomains: []string{givors}, TrustedAuthservID: trusted}, nil)
	if len(r.Reasons) != maxReasons || !strings.HasPrefix(r.Reasons[maxReasons-1], "and ") {
		t.Errorf("reasons = %q, want %d ending with a count", r.Reasons, maxReasons)
	}
}

func TestCheckDNSTemporaryError(t *testing.T) {
	lookup := func(ctx context.Context, name string) ([]string, error) {
		return nil, &net.DNSError{Err: "server misbehaving", Name: name, IsTemporary: true}
	}
	r := Check(context.Background(), sign(t, baseMessage, givors, "ed"), Policy{RequireDKIM: true, DKIMDomains: []string{givors}}, lookup)
	if r.Authenticated || !slices.ContainsFunc(r.Reasons, func(s string) bool {
		return strings.HasPrefix(s, "signature by ville-givors.fr: temporary failure: key unavailable")
	}) {
		t.Errorf("Check = %+v, want a temporary failure", r)
	}
}

// TestCheckAuthResultsAfterTemporaryFailure: a key that cannot be fetched here is no proof of a
// forgery, so the trusted MTA's verdict decides; but a signature that cannot be checked for
// lack of room (too many signatures) could be a failing one, so it does not.
func TestCheckAuthResultsAfterTemporaryFailure(t *testing.T) {
	p := Policy{RequireDKIM: true, DKIMDomains: []string{givors}, TrustedAuthservID: trusted}
	ar := "Authentication-Results: mx.grandlyon.fr; dkim=pass header.d=ville-givors.fr"
	tempfail := func(ctx context.Context, name string) ([]string, error) {
		return nil, &net.DNSError{Err: "server misbehaving", Name: name, IsTemporary: true}
	}
	r := Check(context.Background(), prepend(sign(t, baseMessage, givors, "ed"), ar), p, tempfail)
	if !r.Authenticated || r.Method != MethodAuthenticationResults {
		t.Errorf("temporary failure: Check = %+v, want authenticated by Authentication-Results", r)
	}
	if r := Check(context.Background(), prepend(sign(t, baseMessage, givors, "ed"), ar, "Subject: Retrait des écoles"), p, tempfail); r.Authenticated ||
		!slices.ContainsFunc(r.Reasons, func(s string) bool { return strings.Contains(s, "Authentication-Results not consulted") }) {
		t.Errorf("temporary failure, a Subject added above the signature: Check = %+v, want not authenticated", r)
	}

	msg := sign(t, baseMessage, givors, "ed")
	for range MaxSignatures {
		msg = sign(t, msg, "evil.example", "ed")
	}
	dns := &stubLookup{zone: testDNS()}
	if r := Check(context.Background(), prepend(msg, ar), p, dns.lookupTXT); r.Authenticated {
		t.Errorf("too many signatures: Check = %+v, want not authenticated", r)
	}
}

func TestCheckTimeout(t *testing.T) {
	// A resolver that only returns when its context ends, and one that never does.
	for name, lookup := range map[string]func(context.Context, string) ([]string, error){
		"context-aware": func(ctx context.Context, name string) ([]string, error) {
			<-ctx.Done()
			return nil, ctx.Err()
		},
		"stuck": func(ctx context.Context, name string) ([]string, error) {
			select {} // never returns
		},
	} {
		t.Run(name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
			defer cancel()
			start := time.Now()
			r := Check(ctx, sign(t, baseMessage, givors, "ed"), Policy{RequireDKIM: true, DKIMDomains: []string{givors}}, lookup)
			if d := time.Since(start); d > 5*time.Second {
				t.Errorf("Check took %v", d)
			}
			if r.Authenticated || len(r.Reasons) == 0 {
				t.Errorf("Check = %+v, want a reason", r)
			}
			t.Log(r.Reasons)
		})
	}
}

func TestCheckNilLookup(t *testing.T) {
	// No DKIM-Signature: the default resolver is never used.
	msg := prepend(baseMessage, "Authentication-Results: mx.grandlyon.fr; dkim=pass header.d=ville-givors.fr")
	r := Check(context.Background(), msg, Policy{RequireDKIM: true, DKIMDomains: DomainsOf([]string{"@ville-givors.fr"}), TrustedAuthservID: trusted}, nil)
	if !r.Authenticated {
		t.Errorf("Check = %+v, want authenticated", r)
	}
}

func TestPasses(t *testing.T) {
	for _, tt := range []struct {
		auth, require, want bool
	}{
		{false, false, true},
		{true, false, true},
		{false, true, false},
		{true, true, true},
	} {
		if got := (Result{Authenticated: tt.auth}).Passes(Policy{RequireDKIM: tt.require}); got != tt.want {
			t.Errorf("Authenticated %v, RequireDKIM %v: Passes = %v, want %v", tt.auth, tt.require, got, tt.want)
		}
	}
}

func TestDomainsOf(t *testing.T) {
	tests := []struct {
		name    string
		senders []string
		want    []string
	}{
		{"none", nil, nil},
		{"address", []string{"ecoles@ville-givors.fr"}, []string{givors}},
		{"whole domain", []string{"@ville-givors.fr"}, []string{givors}},
		{"deduplicated and lower-cased", []string{"A@Ville-Givors.FR", "@ville-givors.fr", " b@ville-givors.fr. ", "c@mairie-bron.fr"}, []string{givors, "mairie-bron.fr"}},
		{"empty entries", []string{"", "x@", "@"}, nil},
		{"bare domain", []string{"ville-givors.fr"}, []string{givors}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := DomainsOf(tt.senders); !slices.Equal(got, tt.want) {
				t.Errorf("DomainsOf(%q) = %q, want %q", tt.senders, got, tt.want)
			}
		})
	}
}

func TestAligned(t *testing.T) {
	domains := normalizeDomains([]string{"Ville-Givors.fr", "fr", "évian.fr"})
	tests := []struct {
		domain string
		want   bool
	}{
		{givors, true},
		{"mail." + givors, true},
		{"a.b.ville-givors.fr", true},
		{"evilville-givors.fr", false},
		{"ville-givors.fr.evil.example", false},
		{"fr", false},
		{"other.fr", false},
		{"xn--vian-9oa.fr", true},
		{normalizeDomain("ÉVIAN.fr"), true},
	}
	for _, tt := range tests {
		if got := aligned(tt.domain, domains); got != tt.want {
			t.Errorf("aligned(%q, %q) = %v, want %v", tt.domain, domains, got, tt.want)
		}
	}
}

func TestStripComments(t *testing.T) {
	tests := []struct{ in, want string }{
		{"mx.example (Postfix); dkim=pass", "mx.example  ; dkim=pass"},
		{"a (b (c) d) e", "a   e"},
		{`a "(not a comment)" b`, `a "(not a comment)" b`},
		{`a (x \) y) b`, "a   b"},
		{`a "q \" (q)" b`, `a "q \" (q)" b`},
		{"a (unclosed", "a "},
		{"a ) b", "a ) b"},
	}
	for _, tt := range tests {
		if got := stripComments(tt.in); got != tt.want {
			t.Errorf("stripComments(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestShow(t *testing.T) {
	for in, want := range map[string]string{
		"ville.fr":   "ville.fr",
		"":           `""`,
		"a\r\nb":     `"a\r\nb"`,
		"evil x.com": `"evil x.com"`,
	} {
		if got := show(in); got != want {
			t.Errorf("show(%q) = %s, want %s", in, got, want)
		}
	}
	if got := show(strings.Repeat("a", 500)); len(got) > maxShown+5 {
		t.Errorf("show kept %d bytes", len(got))
	}
}

package auth

import (
	"bytes"
	"context"
	"errors"
	"testing"
)

// FuzzCheck checks that Check never panics on any message and keeps its invariants. No DNS:
// every lookup fails, so only the trusted Authentication-Results can authenticate.
func FuzzCheck(f *testing.F) {
	signed := sign(f, baseMessage, givors, "ed")
	for _, seed := range [][]byte{
		baseMessage,
		signed,
		sign(f, baseMessage, givors, "rsa"),
		sign(f, baseMessage, "evil.example", "ed"),
		sign(f, signed, "mail."+givors, "rsa"),
		bytes.Replace(signed, []byte("Louis Pasteur"), []byte("Louis Aragon!"), 1),
		prepend(signed, "From: evil@evil.example"),
		prepend(baseMessage, "Authentication-Results: mx.grandlyon.fr; dkim=pass header.d=ville-givors.fr", received),
		prepend(baseMessage, "Authentication-Results: mx.grandlyon.fr 1 (x; y);\n\tdkim=pass (ok) header.i=@ville-givors.fr"),
		prepend(baseMessage, "Authentication-Results: mx.evil; dkim=pass header.d=ville-givors.fr"),
		prepend(baseMessage,
			"Authentication-Results: mx.grandlyon.fr; dkim=fail header.d=ville-givors.fr",
			received,
			"Authentication-Results: mx.grandlyon.fr; dkim=pass header.d=ville-givors.fr"),
		[]byte("DKIM-Signature: v=1; d=ville-givors.fr; s=ed; a=ed25519-sha256; h=from; bh=; b=\n\nx"),
		[]byte("\tFrom: a@ville-givors.fr\r\r\n\r\n"),
		{},
	} {
		f.Add(seed)
	}
	noDNS := func(ctx context.Context, name string) ([]string, error) {
		return nil, errors.New("no DNS in fuzzing")
	}
	p := Policy{RequireDKIM: true, DKIMDomains: []string{givors, "mairie-bron.fr"}, TrustedAuthservID: trusted}
	domains := normalizeDomains(p.DKIMDomains)
	f.Fuzz(func(t *testing.T, raw []byte) {
		r := Check(context.Background(), raw, p, noDNS)
		if r.Passes(p) != r.Authenticated {
			t.Errorf("Passes = %v for %+v", r.Passes(p), r)
		}
		if len(r.Reasons) > maxReasons {
			t.Errorf("%d reasons", len(r.Reasons))
		}
		if !r.Authenticated {
			if r.Method != "" || r.Domain != "" {
				t.Errorf("not authenticated but %+v", r)
			}
			if len(r.Reasons) == 0 {
				t.Error("not authenticated and no reason")
			}
			return
		}
		if r.Method != MethodAuthenticationResults {
			t.Errorf("authenticated by %q without DNS", r.Method)
		}
		if !aligned(r.Domain, domains) {
			t.Errorf("authenticated by unaligned domain %q", r.Domain)
		}
		if n := readHeader(raw).count("From"); n != 1 {
			t.Errorf("authenticated with %d From fields", n)
		}
	})
}

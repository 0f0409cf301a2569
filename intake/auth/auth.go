// Package auth is in charge of deciding whether a message really comes from the commune its From
// names: DKIM signatures and trusted Authentication-Results.
//
// A message is authenticated when one of these holds:
//
//   - it carries a valid DKIM signature (RFC 6376, verified here with the public key from DNS) whose
//     signing domain (d=) is aligned with the commune's DKIM domains and with its From domain;
//   - it carries no DKIM signature of the commune's DKIM domains that fails here, and its topmost
//     Authentication-Results header field (RFC 8601) issued by the trusted authserv-id reports
//     dkim=pass for such a domain.
//
// A signature of the commune's domains that is present and fails (body changed, fields added
// above it that it signs, a bad key) is final: the Authentication-Results field is not read, since
// the trusted MTA may have verified the same signature before fields were added, or a forged field
// may pass for its own. Only a temporary failure (the key could not be fetched here) of a
// signature that no field was added above lets the trusted field decide.
//
// # Alignment
//
// A signing domain counts when it equals one of the policy's DKIM domains or is a subdomain of
// one (d=mail.ville.fr counts for ville.fr; d=ville.fr does not count for mail.ville.fr, and
// neither does d=autreville.fr for ville.fr), and when it is aligned with the domain of the From
// address in DMARC's relaxed mode (RFC 7489 section 3.1.1): both have the same organizational
// domain, found with the Public Suffix List. A commune controls its subdomains, and many mail
// services sign with one; a service that signs with its own domain does not vouch for the
// commune's From. The From is read with mailparse.ParseFrom, the reading the daemon uses for
// the sender. Domains are compared case-insensitively, without a trailing dot, and
// internationalized names in their ASCII (Punycode) form. A configured domain with a single
// label (such as "fr") is ignored, so that a typo cannot accept a whole top-level domain.
//
// # Which Authentication-Results count
//
// Any sender can write an Authentication-Results field, with any authserv-id, into the header it
// submits. Every MTA prepends its own fields, so a field written by the sender always sits below
// those the trusted MTA added. Only the first (topmost) field whose authserv-id equals the trusted
// one is read; every field below it, and every field with another authserv-id, is ignored, and no
// field at all is read when no trusted authserv-id is configured. The position of Received fields
// is not used: hops after the trusted MTA (internal relays, the delivery to the mailbox) add
// Received fields above its Authentication-Results.
//
// This is safe when the trusted MTA adds an Authentication-Results field to every message it
// accepts (for instance OpenDKIM's AlwaysAddARHeader, or rspamd), or removes incoming fields that
// bear its authserv-id, as RFC 8601 section 5 asks: otherwise, for a message it did not annotate, a
// forged field with its authserv-id would be the topmost one.
//
// # Header fields added after signing
//
// A DKIM signature covers the bottom-most instances of the fields it lists, but most mail readers,
// this daemon's included, read the first one. A message that does not have exactly one From field
// is therefore never authenticated, and a signature does not count when the message holds more
// instances of a listed identity or MIME field (Subject, Reply-To, Content-Type, ...) than the
// signature covers: such instances were added after signing.
package auth

import (
	"context"
	"fmt"
	"net"
	"strings"
	"time"

	"github.com/laclasse/intake/intake/mailparse"
)

// Methods by which a message can be authenticated, as reported in Result.Method.
const (
	// MethodDKIM means a DKIM signature was verified here.
	MethodDKIM = "dkim"
	// MethodAuthenticationResults means the trusted MTA's Authentication-Results reported a pass.
	MethodAuthenticationResults = "authentication-results"
)

// MaxSignatures is the number of DKIM signatures verified at most, from the top of the header;
// the others are ignored.
const MaxSignatures = 5

// DefaultTimeout bounds a Check whose context has no deadline.
const DefaultTimeout = 15 * time.Second

// maxReasons bounds the number of reasons kept in a Result.
const maxReasons = 16

// Policy is a commune's authentication policy.
type Policy struct {
	// RequireDKIM makes an unauthenticated message fail the policy.
	RequireDKIM bool
	// DKIMDomains are the domains whose signature counts (see DomainsOf for the default), with
	// relaxed alignment: their subdomains count too.
	DKIMDomains []string
	// TrustedAuthservID is the authserv-id of the only Authentication-Results issuer to trust;
	// empty, no Authentication-Results field is trusted.
	TrustedAuthservID string
}

// Result is the outcome of Check.
type Result struct {
	// Authenticated is true when an aligned DKIM signature is valid, or when, no signature of
	// the policy's domains failing, the trusted Authentication-Results field reports dkim=pass
	// for an aligned domain.
	Authenticated bool
	// Method is MethodDKIM, MethodAuthenticationResults, or "" when not authenticated.
	Method string
	// Domain is the domain that passed, lower-cased; "" when not authenticated.
	Domain string
	// Reasons say, in English for logs, why the message is not authenticated, or what was
	// ignored on the way. Values taken from the message are quoted when not printable.
	Reasons []string
}

// Passes reports whether the message satisfies the policy: always when p does not require DKIM,
// otherwise only when it is authenticated.
func (r Result) Passes(p Policy) bool {
	return !p.RequireDKIM || r.Authenticated
}

// Check verifies raw, a whole RFC 5322 message, against p.
//
// lookupTXT resolves DNS TXT records; nil means net.DefaultResolver. It is only called for the
// keys of signatures whose domain is aligned with the policy, and with ctx. When ctx has no
// deadline, Check applies DefaultTimeout. Check never fails: errors (DNS included) are reasons.
func Check(ctx context.Context, raw []byte, p Policy, lookupTXT func(ctx context.Context, domain string) ([]string, error)) (res Result) {
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, DefaultTimeout)
		defer cancel()
	}
	if lookupTXT == nil {
		lookupTXT = net.DefaultResolver.LookupTXT
	}

	defer res.trimReasons()

	domains := normalizeDomains(p.DKIMDomains)
	if len(domains) == 0 {
		res.addReason("no DKIM domain configured")
		return res
	}
	fields := readHeader(raw)
	if n := fields.count("From"); n != 1 {
		res.addReason(fmt.Sprintf("message has %d From header fields, want exactly 1", n))
		return res
	}
	addr, problem := mailparse.ParseFrom(fields.first("From"))
	if problem != "" {
		res.addReason("From field does not hold exactly one mailbox: " + show(fields.first("From")))
		return res
	}
	from := normalizeDomain(addr[strings.LastIndexByte(addr, '@')+1:])
	switch checkDKIM(ctx, raw, fields, domains, from, lookupTXT, &res) {
	case dkimPass:
		return res
	case dkimFail:
		res.addReason("a DKIM signature of " + strings.Join(domains, ", ") + " is present and fails: Authentication-Results not consulted")
		return res
	}
	checkAuthResults(fields, domains, from, p.TrustedAuthservID, &res)
	return res
}

// pass records that the message is authenticated.
func (r *Result) pass(method, domain string) {
	r.Authenticated = true
	r.Method = method
	r.Domain = domain
}

func (r *Result) addReason(s string) {
	r.Reasons = append(r.Reasons, s)
}

// trimReasons keeps at most maxReasons reasons: a message may hold thousands of signatures or
// Authentication-Results fields.
func (r *Result) trimReasons() {
	if n := len(r.Reasons); n > maxReasons {
		r.Reasons = append(r.Reasons[:maxReasons-1], fmt.Sprintf("and %d more reasons", n-maxReasons+1))
	}
}

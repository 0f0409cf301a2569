package auth

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/textproto"
	"strings"

	"github.com/emersion/go-msgauth/dkim"
)

// protectedFields are the fields a mail reader takes from the first instance and that tell who
// sent the message or how to read its body: when a signature covers one of them, it must cover
// every instance in the message.
var protectedFields = []string{
	"From", "Sender", "Reply-To", "To", "Cc", "Subject", "Date", "Message-ID",
	"MIME-Version", "Content-Type", "Content-Transfer-Encoding", "Content-Disposition",
}

// errNotQueried answers the verifier's key lookups for signatures that could not count anyway.
var errNotQueried = errors.New("key not looked up: domain not in policy")

// dkimOutcome is what the DKIM signatures of a message say.
type dkimOutcome int

const (
	// dkimNone: no signature of the policy's domains was verified, or only temporary failures;
	// the trusted Authentication-Results may decide.
	dkimNone dkimOutcome = iota
	// dkimPass: a signature aligned with the policy and the From is valid.
	dkimPass
	// dkimFail: a signature of the policy's domains is present and fails, or could not be
	// checked; nothing else may authenticate the message.
	dkimFail
)

// checkDKIM verifies the message's DKIM signatures and records in res the first aligned valid
// one, or why none is. from is the normalized domain of the From address.
func checkDKIM(ctx context.Context, raw []byte, h header, domains []string, from string, lookupTXT func(context.Context, string) ([]string, error), res *Result) dkimOutcome {
	if h.count("DKIM-Signature") == 0 {
		res.addReason("no DKIM signature")
		return dkimNone
	}
	verifs, err := verify(ctx, raw, domains, lookupTXT)
	unchecked := false
	switch {
	case errors.Is(err, dkim.ErrTooManySignatures):
		// A failing signature of the commune may be among those not checked.
		res.addReason(fmt.Sprintf("more than %d DKIM signatures: only the first %d checked", MaxSignatures, MaxSignatures))
		unchecked = true
	case err != nil:
		// On an unexpected error the verifier may leave a failed verification without its
		// error: trust none.
		res.addReason("DKIM verification failed: " + strings.TrimPrefix(err.Error(), "dkim: "))
		return dkimFail
	}
	failed := false
	for _, v := range verifs {
		d := normalizeDomain(v.Domain)
		switch {
		case d == "":
			res.addReason("signature without a signing domain: " + describe(v.Err))
			failed = true
		case !aligned(d, domains):
			res.addReason(fmt.Sprintf("signature by %s not in %v", show(d), domains))
		case v.Err != nil:
			res.addReason(fmt.Sprintf("signature by %s: %s", show(d), describe(v.Err)))
			// A key that could not be fetched here proves nothing, unless fields were added
			// above the signature: the trusted MTA would have passed those too.
			failed = failed || !dkim.IsTempFail(v.Err) || unsignedInstance(h, v.HeaderKeys) != ""
		case !fromAligned(d, from):
			res.addReason(fmt.Sprintf("signature by %s not aligned with the From domain %s", show(d), show(from)))
		default:
			if why := unsignedInstance(h, v.HeaderKeys); why != "" {
				res.addReason(fmt.Sprintf("signature by %s: %s", show(d), why))
				failed = true
				continue
			}
			res.pass(MethodDKIM, d)
			return dkimPass
		}
	}
	if failed || unchecked {
		return dkimFail
	}
	return dkimNone
}

// verify runs the DKIM verifier on raw within ctx. Keys are only looked up for aligned domains.
func verify(ctx context.Context, raw []byte, domains []string, lookupTXT func(context.Context, string) ([]string, error)) ([]*dkim.Verification, error) {
	opts := &dkim.VerifyOptions{
		MaxVerifications: MaxSignatures,
		LookupTXT: func(name string) ([]string, error) {
			// name is selector._domainkey.domain. The key is looked up under the normalized
			// domain, the one checked for alignment and reported.
			const sep = "._domainkey."
			i := strings.LastIndex(name, sep)
			if i < 0 {
				return nil, errNotQueried
			}
			d := normalizeDomain(name[i+len(sep):])
			if !aligned(d, domains) {
				return nil, errNotQueried
			}
			if err := ctx.Err(); err != nil {
				return nil, err
			}
			return lookupTXT(ctx, name[:i]+sep+d)
		},
	}
	type outcome struct {
		verifs []*dkim.Verification
		err    error
	}
	done := make(chan outcome, 1)
	go func() {
		defer func() {
			if p := recover(); p != nil {
				done <- outcome{err: fmt.Errorf("verifier panic: %v", p)}
			}
		}()
		verifs, err := dkim.VerifyWithOptions(bytes.NewReader(raw), opts)
		done <- outcome{verifs, err}
	}()
	select {
	case o := <-done:
		return o.verifs, o.err
	case <-ctx.Done():
		return nil, fmt.Errorf("gave up: %w", context.Cause(ctx))
	}
}

// describe turns a verification error into a reason.
func describe(err error) string {
	if err == nil {
		return "valid"
	}
	s := strings.TrimPrefix(err.Error(), "dkim: ")
	if s == "body hash did not verify" {
		return "body hash mismatch"
	}
	if dkim.IsTempFail(err) {
		return "temporary failure: " + s
	}
	return s
}

// unsignedInstance returns why a signature over the fields keys leaves an instance of a
// protected field unsigned, or "".
func unsignedInstance(h header, keys []string) string {
	for _, name := range protectedFields {
		signed := 0
		for _, k := range keys {
			if strings.EqualFold(strings.TrimSpace(k), name) {
				signed++
			}
		}
		if signed == 0 {
			continue
		}
		if n := h.count(name); n > signed {
			return fmt.Sprintf("%d %s fields in the message but %d signed", n, textproto.CanonicalMIMEHeaderKey(name), signed)
		}
	}
	return ""
}

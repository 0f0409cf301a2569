package auth

import (
	"fmt"
	"strings"

	"github.com/emersion/go-msgauth/authres"
)

// checkAuthResults looks for a dkim=pass for a domain aligned with the policy's domains and
// with from, the From domain, in the topmost Authentication-Results field issued by trusted, and
// records in res what it finds or ignores.
func checkAuthResults(h header, domains []string, from, trusted string, res *Result) {
	var top *field
	for i := range h {
		f := &h[i]
		if !strings.EqualFold(f.name, "Authentication-Results") {
			continue
		}
		id := authservID(f.value)
		switch {
		case trusted == "":
			res.addReason("Authentication-Results from " + show(id) + " ignored: no trusted authserv-id configured")
		case !strings.EqualFold(id, trusted):
			res.addReason("Authentication-Results from untrusted authserv-id " + show(id))
		case top != nil:
			res.addReason("Authentication-Results from " + show(id) + " below the topmost one ignored")
		default:
			top = f
		}
	}
	if trusted == "" {
		return
	}
	if top == nil {
		res.addReason("no Authentication-Results from " + show(trusted))
		return
	}

	id, results, err := authres.Parse(stripComments(top.value))
	if err != nil {
		res.addReason(fmt.Sprintf("malformed Authentication-Results from %s: %v", show(trusted), err))
		return
	}
	by := "Authentication-Results from " + show(id) + ": "
	sawDKIM := false
	for _, r := range results {
		dr, ok := r.(*authres.DKIMResult)
		if !ok {
			continue
		}
		sawDKIM = true
		d := dr.Domain
		if d == "" {
			// header.i is an address or @domain.
			d = dr.Identifier[strings.LastIndexByte(dr.Identifier, '@')+1:]
		}
		d = normalizeDomain(strings.Trim(d, `"`))
		switch {
		case dr.Value != authres.ResultPass:
			res.addReason(fmt.Sprintf("%sdkim=%s for %s", by, show(string(dr.Value)), show(d)))
		case !aligned(d, domains):
			res.addReason(fmt.Sprintf("%sdkim=pass for %s not in %v", by, show(d), domains))
		case !fromAligned(d, from):
			res.addReason(fmt.Sprintf("%sdkim=pass for %s not aligned with the From domain %s", by, show(d), show(from)))
		default:
			res.pass(MethodAuthenticationResults, d)
			return
		}
	}
	if !sawDKIM {
		res.addReason(by + "no dkim result")
	}
}

// authservID returns the authserv-id of an Authentication-Results value: its first word, before
// any version, comment or semicolon.
func authservID(value string) string {
	id, _, _ := strings.Cut(stripComments(value), ";")
	if fields := strings.Fields(id); len(fields) > 0 {
		return fields[0]
	}
	return ""
}

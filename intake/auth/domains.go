package auth

import (
	"slices"
	"strconv"
	"strings"
	"unicode"

	"golang.org/x/net/idna"
	"golang.org/x/net/publicsuffix"
)

// DomainsOf returns the default DKIM domains for a commune's senders, which are addresses
// ("a@ville.fr") or whole domains ("@ville.fr"): their domains, lower-cased, without a trailing
// dot, deduplicated, in the order of their first appearance.
func DomainsOf(senders []string) []string {
	var domains []string
	seen := make(map[string]bool)
	for _, s := range senders {
		if i := strings.LastIndexByte(s, '@'); i >= 0 {
			s = s[i+1:]
		}
		d := strings.TrimSuffix(strings.ToLower(strings.TrimSpace(s)), ".")
		if d == "" || seen[d] {
			continue
		}
		seen[d] = true
		domains = append(domains, d)
	}
	return domains
}

// normalizeDomain returns d lower-cased, without surrounding dots or spaces, and in ASCII form
// when it is an internationalized name.
func normalizeDomain(d string) string {
	d = strings.ToLower(strings.Trim(strings.TrimSpace(d), "."))
	if !isASCII(d) {
		if a, err := idna.Lookup.ToASCII(d); err == nil {
			d = a
		}
	}
	return d
}

// normalizeDomains normalizes the configured domains, dropping duplicates, empty entries and
// single-label ones (a top-level domain would align every domain below it).
func normalizeDomains(list []string) []string {
	var domains []string
	for _, d := range list {
		d = normalizeDomain(d)
		if !strings.Contains(d, ".") || slices.Contains(domains, d) {
			continue
		}
		domains = append(domains, d)
	}
	return domains
}

// aligned reports whether the normalized domain d is one of domains or a subdomain of one.
func aligned(d string, domains []string) bool {
	for _, a := range domains {
		if d == a || strings.HasSuffix(d, "."+a) {
			return true
		}
	}
	return false
}

// organizational returns the organizational domain of the normalized domain d, as DMARC
// (RFC 7489 section 3.2) defines it: the public suffix (from the Public Suffix List) and one
// label more. It returns "" when d is itself a public suffix or not a domain.
func organizational(d string) string {
	org, err := publicsuffix.EffectiveTLDPlusOne(d)
	if err != nil {
		return ""
	}
	return org
}

// fromAligned reports whether the normalized signing domain d is aligned with the From domain
// the way DMARC's relaxed mode wants: both have the same organizational domain (d=mail.ville.fr
// for From: a@ville.fr, or d=ville.fr for From: a@ecoles.ville.fr).
func fromAligned(d, from string) bool {
	org := organizational(d)
	return org != "" && org == organizational(from)
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

// maxShown bounds the length of a value from the message shown in a reason.
const maxShown = 100

// show returns s for a log line: cut to maxShown bytes, and quoted when it is empty or holds
// anything but printable characters without spaces.
func show(s string) string {
	if len(s) > maxShown {
		s = strings.ToValidUTF8(s[:maxShown], "") + "..."
	}
	if s == "" || strings.ContainsFunc(s, func(r rune) bool { return !unicode.IsPrint(r) || unicode.IsSpace(r) }) {
		return strconv.Quote(s)
	}
	return s
}

package convention

import (
	"sync"

	"github.com/nyaruka/phonenumbers"
)

// ReadablePhone writes an E.164 number the way a person reads it: French numbers in the national
// format with spaces (+33472103140 → 04 72 10 31 40), others in the international format
// (+32 2 123 45 67). The store, JSON and the directory API keep E.164; this is for what people
// read. A value that is not a number is returned as it is.
func ReadablePhone(e164 string) string {
	if e164 == "" {
		return ""
	}
	if r, ok := readableFrench(e164); ok {
		return r
	}
	readable.mu.Lock()
	r, ok := readable.m[e164]
	readable.mu.Unlock()
	if ok {
		return r
	}
	r = readablePhone(e164)
	readable.mu.Lock()
	if len(readable.m) >= maxReadable {
		clear(readable.m) // a bound, not an eviction policy: the numbers of a year fit
	}
	if readable.m == nil {
		readable.m = map[string]string{}
	}
	readable.m[e164] = r
	readable.mu.Unlock()
	return r
}

// readableFrench writes, without phonenumbers, the numbers a reply lists most: metropolitan
// French ones (+33 and nine digits, the first not 0), and those of the overseas departments
// (+262, +590, +594, +596 and nine digits) that phonenumbers writes in groups. It writes exactly
// what readablePhone writes (TestReadableFrenchAsPhonenumbers); ok is false for any other input.
func readableFrench(e164 string) (string, bool) {
	if len(e164) < 4 || e164[0] != '+' {
		return "", false
	}
	switch {
	case len(e164) == 12 && e164[1:3] == "33" && digits(e164[3:]) && e164[3] != '0':
		n := e164[3:]
		if n[0] == '8' {
			// phonenumbers' French national format for 8xx: "0 $1" then 3-2-2-2.
			return "0 " + n[0:3] + " " + n[3:5] + " " + n[5:7] + " " + n[7:9], true
		}
		return "0" + n[0:1] + " " + n[1:3] + " " + n[3:5] + " " + n[5:7] + " " + n[7:9], true
	case len(e164) == 13 && digits(e164[1:]) && overseasGrouped(e164[1:4], e164[4]):
		n := e164[4:]
		return e164[:4] + " " + n[0:3] + " " + n[3:5] + " " + n[5:7] + " " + n[7:9], true
	}
	return "", false
}

// overseasGrouped reports whether phonenumbers writes a nine-digit number of the overseas
// department code cc, starting with first, in groups (3-2-2-2) in its international format:
// its metadata (the main region of the code) has a format whose leading digits take it. For
// other first digits it writes the digits in one piece, which is left to it.
func overseasGrouped(cc string, first byte) bool {
	switch cc {
	case "262": // Réunion, Mayotte: leading digits [26-9]
		return first == '2' || first >= '6'
	case "590", "594", "596": // Guadeloupe (and Saint-Barthélemy, Saint-Martin), Guyane, Martinique: [5-9]
		return first >= '5'
	}
	return false
}

// digits reports whether s holds nothing but ASCII digits.
func digits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// readable keeps what ReadablePhone wrote through phonenumbers: every reply lists its schools'
// administrators, and phonenumbers' parsing (regular expressions over its metadata) was a
// twentieth of the daemon's CPU for them.
var readable struct {
	mu sync.Mutex
	m  map[string]string
}

// maxReadable bounds readable: about a megabyte.
const maxReadable = 10000

func readablePhone(e164 string) string {
	num, err := phonenumbers.Parse(e164, "FR")
	if err != nil {
		return e164
	}
	if phonenumbers.GetRegionCodeForNumber(num) == "FR" {
		return phonenumbers.Format(num, phonenumbers.NATIONAL)
	}
	return phonenumbers.Format(num, phonenumbers.INTERNATIONAL)
}

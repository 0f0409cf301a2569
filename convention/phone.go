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

// readable keeps what ReadablePhone wrote: every reply lists its schools' administrators, and
// phonenumbers' parsing (regular expressions over its metadata) was a twentieth of the daemon's
// CPU for them.
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

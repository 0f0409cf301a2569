package convention

import "github.com/nyaruka/phonenumbers"

// ReadablePhone writes an E.164 number the way a person reads it: French numbers in the national
// format with spaces (+33472103140 → 04 72 10 31 40), others in the international format
// (+32 2 123 45 67). The store, JSON and the directory API keep E.164; this is for what people
// read. A value that is not a number is returned as it is.
func ReadablePhone(e164 string) string {
	if e164 == "" {
		return ""
	}
	num, err := phonenumbers.Parse(e164, "FR")
	if err != nil {
		return e164
	}
	if phonenumbers.GetRegionCodeForNumber(num) == "FR" {
		return phonenumbers.Format(num, phonenumbers.NATIONAL)
	}
	return phonenumbers.Format(num, phonenumbers.INTERNATIONAL)
}

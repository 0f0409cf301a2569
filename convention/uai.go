package convention

import "strings"

// uaiLetters is the alphabet of the UAI check letter (no I, O, Q).
const uaiLetters = "ABCDEFGHJKLMNPRSTUVWXYZ"

// NormalizeUAI upper-cases and trims a UAI (code RNE) and removes inner spaces.
func NormalizeUAI(s string) string {
	return strings.ToUpper(strings.Join(strings.Fields(s), ""))
}

// ValidUAI reports whether s (already normalized) is a UAI: seven digits and the check letter,
// which is the seven-digit number modulo 23 indexed into ABCDEFGHJKLMNPRSTUVWXYZ (0690026D).
func ValidUAI(s string) bool {
	if len(s) != 8 {
		return false
	}
	n := 0
	for i := 0; i < 7; i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return false
		}
		n = n*10 + int(c-'0')
	}
	return s[7] == uaiLetters[n%23]
}

// UAICheckLetter returns the check letter that the seven digits of s call for, or 0 when s does
// not start with seven digits.
func UAICheckLetter(s string) byte {
	if len(s) < 7 {
		return 0
	}
	n := 0
	for i := 0; i < 7; i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0
		}
		n = n*10 + int(c-'0')
	}
	return uaiLetters[n%23]
}

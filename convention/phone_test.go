package convention

import "testing"

func TestReadablePhone(t *testing.T) {
	for _, tc := range []struct{ name, in, want string }{
		{"Landline", "+33472103140", "04 72 10 31 40"},
		{"Mobile", "+33612345678", "06 12 34 56 78"},
		{"Belgian", "+3221234567", "+32 2 123 45 67"},
		{"Empty", "", ""},
		{"NotANumber", "inconnu", "inconnu"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := ReadablePhone(tc.in); got != tc.want {
				t.Errorf("ReadablePhone(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

// TestReadablePhoneRemembers checks that a number written once is not parsed again (a reply
// writes every administrator's phone; phonenumbers' parsing was a twentieth of the daemon's CPU),
// and that what is remembered is what parsing writes, the second time as the first.
func TestReadablePhoneRemembers(t *testing.T) {
	const n = "+33472103141"
	first := ReadablePhone(n)
	if first != readablePhone(n) || first != "04 72 10 31 41" {
		t.Fatalf("ReadablePhone(%q) = %q, parsing gives %q", n, first, readablePhone(n))
	}
	var again string
	if allocs := testing.AllocsPerRun(100, func() { again = ReadablePhone(n) }); allocs != 0 {
		t.Errorf("ReadablePhone of a number written before allocates %v times: it is parsed again", allocs)
	}
	if again != first {
		t.Errorf("the second time %q, the first %q", again, first)
	}
}

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

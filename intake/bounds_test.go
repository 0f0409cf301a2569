package intake

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// TestClipName: a file name the sender chose is kept to maxFilename characters.
func TestClipName(t *testing.T) {
	for _, tc := range []struct {
		name, in string
		want     int
	}{
		{"Short", "écoles.xlsx", 11},
		{"Long", strings.Repeat("é", 1<<20) + ".xlsx", maxFilename},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := clipName(tc.in)
			if n := utf8.RuneCountInString(got); n != tc.want || !utf8.ValidString(got) {
				t.Errorf("clipName: %d characters (valid %v), want %d", n, utf8.ValidString(got), tc.want)
			}
		})
	}
}

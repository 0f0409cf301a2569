package convention

import "testing"

func TestValidUAI(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want bool
	}{
		{"0690026D", true},
		{"0691606W", true},
		{"0690101K", true},
		{"0690026E", false},
		{"069002D", false},
		{"A690026D", false},
		{"", false},
	} {
		if got := ValidUAI(NormalizeUAI(tc.in)); got != tc.want {
			t.Errorf("ValidUAI(%q) = %v, want %v", tc.in, got, tc.want)
		}
	}
	if got := NormalizeUAI(" 0690 026d "); got != "0690026D" {
		t.Errorf("NormalizeUAI = %q", got)
	}
	if got := UAICheckLetter("0690026"); got != 'D' {
		t.Errorf("UAICheckLetter = %q", got)
	}
}

package convention

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

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

// TestReadablePhoneRemembers checks that a number phonenumbers wrote once is not parsed again (a
// reply writes every administrator's phone; phonenumbers' parsing was a twentieth of the daemon's
// CPU), and that what is remembered is what parsing writes, the second time as the first. (French
// numbers take the fast path, TestReadableFrenchAsPhonenumbers: a Belgian one is parsed.)
func TestReadablePhoneRemembers(t *testing.T) {
	const n = "+3221234568"
	first := ReadablePhone(n)
	if first != readablePhone(n) || first != "+32 2 123 45 68" {
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

// phoneInputs is a wide set of what ReadablePhone may be given: for the country codes the fast
// path knows, every three-digit start of national numbers of 7 to 11 digits (four of nine); numbers of other countries; and odd inputs (spaces, national form, extensions,
// non-ASCII digits, a country code alone).
func phoneInputs() []string {
	rng := rand.New(rand.NewPCG(17, 2))
	suffix := func(n int) string {
		b := make([]byte, n)
		for i := range b {
			b[i] = byte('0' + rng.IntN(10))
		}
		return string(b)
	}
	var in []string
	for _, cc := range []string{"33", "262", "590", "594", "596"} {
		for start := range 1000 {
			for _, n := range []int{7, 8, 9, 9, 9, 9, 10, 11} {
				in = append(in, fmt.Sprintf("+%s%03d%s", cc, start, suffix(n-3)))
			}
		}
		for n := range 7 {
			in = append(in, "+"+cc+suffix(n))
		}
	}
	for _, cc := range []string{"3", "34", "32", "41", "44", "49", "1", "352", "377", "376", "508", "687", "689", "681", "269", "590", "331", "262"} {
		for range 150 {
			in = append(in, "+"+cc+suffix(4+rng.IntN(9)))
		}
	}
	in = append(in, "", "+", "+3", "+33", "+33 4 72 10 31 40", "+33 472103140", "0472103140", "04 72 10 31 40", "+33-472103140",
		"+33(0)472103140", "+330472103140", "+33047210314", "++33472103140", "+33472103140 ", " +33472103140", "tel:+33472103140",
		"+33472103140;ext=12", "+33472103140x12", "+33４72103140", "+33472１03140", "+33ABCDEFGHI", "inconnu", "+262 262 12 34 56",
		"+2626921234567", "+26269212345", "+590590123456", "+590 690 12 34 56", "+594594123456", "+596596123456", "+33800123456",
		"+33899123456", "+33912345678", "+33112345678", "+33712345678", "+332626921234")
	return in
}

// TestReadableFrenchAsPhonenumbers: wherever the fast path writes a number, phonenumbers writes
// the same bytes; and the fast path does take the numbers it is for.
func TestReadableFrenchAsPhonenumbers(t *testing.T) {
	fast := 0
	for _, in := range phoneInputs() {
		got, ok := readableFrench(in)
		if !ok {
			continue
		}
		fast++
		if want := readablePhone(in); got != want {
			t.Errorf("readableFrench(%q) = %q, phonenumbers writes %q", in, got, want)
		}
		if ReadablePhone(in) != got {
			t.Errorf("ReadablePhone(%q) = %q, want %q", in, ReadablePhone(in), got)
		}
	}
	if fast < 11000 { // four nine-digit numbers for each start of each code, less those left to phonenumbers
		t.Errorf("the fast path took %d of the generated numbers: it is not used", fast)
	}
	for _, tc := range []struct{ in, want string }{
		{"+33472103140", "04 72 10 31 40"},
		{"+33612345678", "06 12 34 56 78"},
		{"+33912345678", "09 12 34 56 78"},
		{"+33800123456", "0 800 12 34 56"},
		{"+262262123456", "+262 262 12 34 56"},
		{"+262692123456", "+262 692 12 34 56"},
		{"+590690123456", "+590 690 12 34 56"},
		{"+594594123456", "+594 594 12 34 56"},
		{"+596696123456", "+596 696 12 34 56"},
	} {
		if got, ok := readableFrench(tc.in); !ok || got != tc.want {
			t.Errorf("readableFrench(%q) = %q, %v; want %q from the fast path", tc.in, got, ok, tc.want)
		}
	}
	for _, in := range []string{"+3221234567", "+330472103140", "+33 472103140", "+3347210314", "+262123456789", "+590123456789", "+508412345"} {
		if got, ok := readableFrench(in); ok {
			t.Errorf("readableFrench(%q) = %q: it is phonenumbers' to write", in, got)
		}
	}
}

// BenchmarkReadablePhone is the cost of an administrator's phone never seen before, as each
// reply of the backlog writes.
func BenchmarkReadablePhone(b *testing.B) {
	b.ReportAllocs()
	for i := range b.N {
		_ = ReadablePhone(fmt.Sprintf("+3347%07d", i%10_000_000))
	}
}

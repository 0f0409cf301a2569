package mailparse

import (
	"bytes"
	"encoding/base64"
	"io"
	"math/rand/v2"
	"strings"
	"testing"
)

func TestTransferDecoders(t *testing.T) {
	big := bytes.Repeat([]byte("UAI;Nom;École\r\n\x00\xff"), 12000)
	for _, tc := range []struct {
		name, cte, in, want string
		unknown             bool
	}{
		{name: "base64", cte: "base64", in: "VUFJO05vbQ==\r\n", want: "UAI;Nom"},
		{name: "base64 upper case, comment", cte: " BASE64 (encoded)", in: "VUFJO05vbQ==", want: "UAI;Nom"},
		{name: "base64 missing padding", cte: "base64", in: "VUFJO05vbQ", want: "UAI;Nom"},
		{name: "base64 indented lines", cte: "base64", in: "  VUFJ\r\n\tO05v\r\n bQ==", want: "UAI;Nom"},
		{name: "base64 padding inside", cte: "base64", in: "VQ==QUk=O05vbQ==", want: "UAI;Nom"},
		{name: "base64 garbage lines", cte: "base64", in: "VUFJO05v\r\n-- pied de page, ajouté !\r\nbQ==\r\n--boundary--\r\n", want: "UAI;Nom"},
		{name: "base64 lone trailing character", cte: "base64", in: "VUFJO05vbQ==A", want: "UAI;Nom"},
		{name: "base64 single long line", cte: "base64", in: base64.StdEncoding.EncodeToString(big), want: string(big)},
		{name: "not base64 at all", cte: "base64", in: "UAI;Nom\r\n0691234A;Centre\r\n", want: "UAI;Nom\r\n0691234A;Centre\r\n"},
		{name: "base64 empty", cte: "base64", in: "\r\n \r\n", want: ""},
		{name: "qp", cte: "quoted-printable", in: "=C9cole=3Bbis\r\nfin", want: "\xc9cole;bis\r\nfin"},
		{name: "qp soft breaks", cte: "Quoted-Printable", in: "a=\r\nb= \t\r\nc=\nd", want: "abcd"},
		{name: "qp lower-case hex and bad escapes", cte: "quoted-printable", in: "=c3=a9 =ZZ =4 50=%", want: "é =ZZ =4 50=%"},
		{name: "qp trailing white space dropped", cte: "quoted-printable", in: "a  \r\nb\t\n", want: "a\r\nb\n"},
		{name: "qp final equal sign", cte: "quoted-printable", in: "fin=", want: "fin"},
		{name: "qp long line with escapes across chunks", cte: "quoted-printable", in: strings.Repeat("=C3=A9", 30000) + "x", want: strings.Repeat("é", 30000) + "x"},
		{name: "7bit", cte: "7bit", in: "a=b\r\n", want: "a=b\r\n"},
		{name: "none", cte: "", in: "a=b", want: "a=b"},
		{name: "8bits misspelled", cte: "8bits", in: "\xe9", want: "\xe9"},
		{name: "unknown", cte: "x-uuencode", in: "begin 644", want: "begin 644", unknown: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dec, known := transferDecoder(tc.cte, strings.NewReader(tc.in))
			if known == tc.unknown {
				t.Errorf("known = %v", known)
			}
			got, err := io.ReadAll(dec)
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tc.want {
				if len(got) > 100 || len(tc.want) > 100 {
					t.Errorf("got %d bytes, want %d", len(got), len(tc.want))
				} else {
					t.Errorf("got %q, want %q", got, tc.want)
				}
			}
		})
	}
}

func TestLooksBase64(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want bool
	}{
		{b64(xlsxData), true},
		{b64(bytes.Repeat([]byte("x"), 300)), true},
		{"UAI;Nom\r\n", false},
		{"VUFJO05vbQ==", false}, // too short to tell
		{"Bonjour la liste est jointe a ce message merci beaucoup", false},
		{strings.Repeat("A", 76) + "\r\n" + strings.Repeat("A", 75), false},
	} {
		if got := looksBase64([]byte(tc.in)); got != tc.want {
			t.Errorf("looksBase64(%.30q) = %v, want %v", tc.in, got, tc.want)
		}
	}
}

// TestBase64FastPath: the base64 decoder writes the same bytes whether clean lines go to the
// standard decoder or through the tolerant loop, on encodings with lines of every length
// (longer than the buffer too), CRLF or LF, padding inside, white space and garbage lines.
func TestBase64FastPath(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 9))
	decode := func(in string) []byte {
		dec := newBase64Reader(strings.NewReader(in))
		defer releaseDecoder(dec)
		out, err := io.ReadAll(dec)
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	for i := range 140 {
		data := make([]byte, rng.IntN(150_000))
		for j := range data {
			data[j] = byte(rng.IntN(256))
		}
		enc := base64.StdEncoding.EncodeToString(data)
		width := []int{4, 60, 76, 77, 1000, 70_000, len(enc) + 1}[i%7]
		eol := []string{"\r\n", "\n"}[i%2]
		var b strings.Builder
		for k := 0; k < len(enc); k += width {
			b.WriteString(enc[k:min(k+width, len(enc))])
			b.WriteString(eol)
			switch rng.IntN(40) {
			case 0:
				b.WriteString("-- pied de page ajouté !" + eol)
			case 1:
				b.WriteString("  " + eol)
			case 2:
				b.WriteString("QQ==" + eol) // a block of its own, padded
			case 3:
				b.WriteString(" QUJD\tREVG" + eol)
			}
		}
		in := b.String()
		fast := decode(in)
		base64FastPath = false
		slow := decode(in)
		base64FastPath = true
		if !bytes.Equal(fast, slow) {
			t.Fatalf("case %d (lines of %d): the fast path writes %d bytes, the loop %d", i, width, len(fast), len(slow))
		}
		if !strings.Contains(in, "QQ==") && !strings.Contains(in, "QUJD") && !bytes.Equal(fast, data) {
			t.Fatalf("case %d (lines of %d): %d bytes decoded, want the %d encoded", i, width, len(fast), len(data))
		}
	}
}

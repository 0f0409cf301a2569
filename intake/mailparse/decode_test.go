package mailparse

import (
	"bytes"
	"encoding/base64"
	"io"
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

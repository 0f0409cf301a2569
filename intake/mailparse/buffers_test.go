package mailparse

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"reflect"
	"runtime"
	"strings"
	"testing"
)

// pooledMessage is a message that goes through every pooled reader: the message reader, a
// header block, base64 and quoted-printable decoders, a forwarded message and a base64
// attachment whose Content-Transfer-Encoding was forgotten.
func pooledMessage(tag string) []byte {
	data := bytes.Repeat([]byte("UAI;Nom;"+tag+"\r\n"), 200)
	inner := "From: c@d.fr\r\nSubject: " + tag + "\r\nContent-Type: multipart/mixed; boundary=c\r\n\r\n" +
		"--c\r\nContent-Type: text/plain\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\nint=C3=A9rieur " + tag + "\r\n" +
		"--c\r\nContent-Type: text/csv\r\nContent-Disposition: attachment; filename=inner-" + tag + ".csv\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\nUAI=3B" + tag + "\r\n--c--\r\n"
	return []byte("From: Mairie <a@b.fr>\r\nSubject: liste " + tag + "\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n" +
		"--b\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\nBonjour =C3=A9coles " + tag + "\r\n" +
		"--b\r\nContent-Type: text/csv\r\nContent-Disposition: attachment; filename=" + tag + ".csv\r\nContent-Transfer-Encoding: base64\r\n\r\n" + base64.StdEncoding.EncodeToString(data) + "\r\n" +
		"--b\r\nContent-Type: application/octet-stream\r\nContent-Disposition: attachment; filename=" + tag + ".bin\r\n\r\n" + base64.StdEncoding.EncodeToString(data[:600]) + "\r\n" +
		"--b\r\nContent-Type: message/rfc822\r\nContent-Transfer-Encoding: base64\r\n\r\n" + base64.StdEncoding.EncodeToString([]byte(inner)) + "\r\n" +
		"--b--\r\n")
}

// TestParseKeepsNothingPooled: what Parse returned stays as it was while later messages reuse
// the pooled buffers, and each parse reads what the message says.
func TestParseKeepsNothingPooled(t *testing.T) {
	first, err := Parse(pooledMessage("premier"), Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if len(first.Attachments) != 3 || !strings.Contains(first.Text, "écoles premier") ||
		!bytes.Contains(first.Attachments[0].Data, []byte("UAI;Nom;premier\r\n")) ||
		!bytes.Contains(first.Attachments[1].Data, []byte("UAI;Nom;premier\r\n")) ||
		string(first.Attachments[2].Data) != "UAI;premier" {
		t.Fatalf("first message read as %q: %s", first.Text, summary(first))
	}
	keep := deepCopy(t, first)
	for i := range 20 {
		tag := fmt.Sprintf("suivant%02d", i)
		m, err := Parse(pooledMessage(tag), Limits{})
		if err != nil {
			t.Fatal(err)
		}
		if len(m.Attachments) != 3 || string(m.Attachments[2].Data) != "UAI;"+tag || !strings.Contains(m.Text, tag) {
			t.Fatalf("message %s read as %q: %s", tag, m.Text, summary(m))
		}
	}
	if !reflect.DeepEqual(first, keep) {
		t.Errorf("the first message changed while others were parsed: %q %s", first.Text, summary(first))
	}
}

// deepCopy copies m by parsing nothing: every slice and string copied.
func deepCopy(t *testing.T, m *Message) *Message {
	t.Helper()
	c := *m
	c.Attachments = nil
	for _, a := range m.Attachments {
		a.Data = bytes.Clone(a.Data)
		c.Attachments = append(c.Attachments, a)
	}
	c.Problems = append([]string(nil), m.Problems...)
	c.References = append([]string(nil), m.References...)
	return &c
}

// TestParseReusesBuffers: parsing a message allocates far less than the 64 KiB buffered
// readers its decoders read through (four of them in pooledMessage), since they are reused.
func TestParseReusesBuffers(t *testing.T) {
	if raceDetector {
		t.Skip("under -race, sync.Pool drops buffers at random")
	}
	raw := pooledMessage("octets")
	if _, err := Parse(raw, Limits{}); err != nil {
		t.Fatal(err)
	}
	const runs = 50
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	for range runs {
		if _, err := Parse(raw, Limits{}); err != nil {
			t.Fatal(err)
		}
	}
	runtime.ReadMemStats(&after)
	perParse := (after.TotalAlloc - before.TotalAlloc) / runs
	if perParse > decodeBufferSize {
		t.Errorf("one parse allocates %d bytes, more than one decode buffer (%d): the buffers are not reused", perParse, decodeBufferSize)
	}
}

// TestReleasedDecoder: a decoder read after its buffer went back to the pool says so instead of
// reading someone else's data.
func TestReleasedDecoder(t *testing.T) {
	for _, cte := range []string{"base64", "quoted-printable"} {
		dec, _ := transferDecoder(cte, strings.NewReader("QUJD\r\n"))
		releaseDecoder(dec)
		if n, err := dec.Read(make([]byte, 10)); n != 0 || err != errReleased {
			t.Errorf("%s: read %d bytes after release, err %v", cte, n, err)
		}
	}
}

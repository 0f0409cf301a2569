package mailparse

import (
	"fmt"
	"strings"
	"testing"
)

// manyParts writes a message of n CSV parts.
func manyParts(n int) []byte {
	var b strings.Builder
	b.WriteString("From: mairie@commune.fr\r\nContent-Type: multipart/mixed; boundary=\"b\"\r\n\r\n")
	for i := 1; i <= n; i++ {
		fmt.Fprintf(&b, "--b\r\nContent-Type: text/csv; name=\"f%d.csv\"\r\n\r\n%d\r\n", i, i)
	}
	b.WriteString("--b--\r\n")
	return []byte(b.String())
}

// deepMultipart writes n nested multiparts, each holding a CSV part named after its level.
func deepMultipart(n int) []byte {
	var b strings.Builder
	b.WriteString("From: mairie@commune.fr\r\n")
	for i := 1; i <= n; i++ {
		fmt.Fprintf(&b, "Content-Type: multipart/mixed; boundary=\"l%d\"\r\n\r\n--l%d\r\nContent-Type: text/csv; name=\"niveau%d.csv\"\r\n\r\n%d\r\n--l%d\r\n", i, i, i, i, i)
	}
	b.WriteString("Content-Type: text/plain\r\n\r\nfond\r\n")
	for i := n; i >= 1; i-- {
		fmt.Fprintf(&b, "--l%d--\r\n", i)
	}
	return []byte(b.String())
}

// deepMessage writes n forwarded messages nested in one another, a CSV at the bottom.
func deepMessage(n int) []byte {
	var b strings.Builder
	for i := 1; i <= n; i++ {
		fmt.Fprintf(&b, "From: niveau%d@commune.fr\r\nContent-Type: message/rfc822\r\n\r\n", i)
	}
	b.WriteString("From: fond@commune.fr\r\nContent-Type: text/csv; name=\"fond.csv\"\r\n\r\na;b\r\n")
	return []byte(b.String())
}

// TestHostileStructures checks that 10,000 parts and 100 levels of nesting are cut at the limits
// with what came before kept.
func TestHostileStructures(t *testing.T) {
	t.Run("10000 parts, default limits", func(t *testing.T) {
		m, err := Parse(manyParts(10000), DefaultLimits())
		if err != nil {
			t.Fatal(err)
		}
		if len(m.Attachments) != 1000 || m.Attachments[999].Filename != "f1000.csv" {
			t.Errorf("%d attachments", len(m.Attachments))
		}
		checkProblems(t, m.Problems, []string{"trop de parties (plus de 1000)"})
	})
	t.Run("10000 parts, limit raised", func(t *testing.T) {
		m, err := Parse(manyParts(10000), Limits{MaxParts: 10000})
		if err != nil {
			t.Fatal(err)
		}
		if len(m.Attachments) != 10000 || string(m.Attachments[9999].Data) != "10000" {
			t.Errorf("%d attachments", len(m.Attachments))
		}
		checkProblems(t, m.Problems, nil)
	})
	t.Run("multipart 100 deep", func(t *testing.T) {
		m, err := Parse(deepMultipart(100), DefaultLimits())
		if err != nil {
			t.Fatal(err)
		}
		if len(m.Attachments) != 20 || m.Attachments[19].Filename != "niveau20.csv" {
			t.Errorf("attachments: %s", summary(m))
		}
		if p := m.Attachments[2].Path; p != "2.2.1" {
			t.Errorf("level 3 at path %q", p)
		}
		checkProblems(t, m.Problems, []string{"plus de 20 niveaux"})
	})
	t.Run("forwarded messages 100 deep", func(t *testing.T) {
		m, err := Parse(deepMessage(100), DefaultLimits())
		if err != nil {
			t.Fatal(err)
		}
		if len(m.Attachments) != 0 || m.From != "niveau1@commune.fr" {
			t.Errorf("From %q, attachments: %s", m.From, summary(m))
		}
		checkProblems(t, m.Problems, []string{"plus de 20 niveaux"})
		m, err = Parse(deepMessage(10), DefaultLimits())
		if err != nil {
			t.Fatal(err)
		}
		if got := summary(m); got != "1.1.1.1.1.1.1.1.1.1.1:fond.csv:text/csv" {
			t.Errorf("attachments: %s", got)
		}
	})
}

// TestHugePartHeader checks that a part header of millions of fields is cut: go-message would
// read it whole, at some hundred bytes of memory per field.
func TestHugePartHeader(t *testing.T) {
	var b strings.Builder
	b.WriteString("From: a@b.fr\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n")
	b.WriteString("--b\r\nContent-Type: text/csv; name=\"a.csv\"\r\n\r\na;b\r\n--b\r\n")
	for b.Len() < 8<<20 {
		b.WriteString("a:b\r\n")
	}
	b.WriteString("\r\nx\r\n--b--\r\n")
	m, err := Parse([]byte(b.String()), Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if got := summary(m); got != "1:a.csv:text/csv" {
		t.Errorf("attachments: %s", got)
	}
	checkProblems(t, m.Problems, []string{problemStructure})
}

// TestMixedLineEndingsRetry shows why Parse reads again a damaged message with mixed line
// endings: go-message loses the parts after a CRLF boundary once the first one ended in LF.
func TestMixedLineEndingsRetry(t *testing.T) {
	var tc parseCase
	for _, c := range parseCases {
		if c.name == "mixed line endings" {
			tc = c
		}
	}
	first, damaged, err := parse([]byte(tc.raw), DefaultLimits())
	if err != nil || !damaged || len(first.Attachments) != 0 {
		t.Fatalf("first reading: %v, damaged=%v, %s", err, damaged, summary(first))
	}
	m, err := Parse([]byte(tc.raw), Limits{})
	if err != nil || summary(m) != "2:a.csv:text/csv" || len(m.Problems) != 0 {
		t.Errorf("Parse: %v %s %q", err, summary(m), m.Problems)
	}
}

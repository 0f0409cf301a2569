package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"
)

// TestDemo runs the README's first command and reads what it prints.
func TestDemo(t *testing.T) {
	var out, errOut bytes.Buffer
	m := &Main{Stdout: &out, Stderr: &errOut, Now: time.Now}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := m.Run(ctx, []string{"demo"}); err != nil {
		t.Fatalf("demo: %v\n%s", err, errOut.String())
	}
	text := out.String()
	for _, want := range []string{
		"quarantaine", "doublon", "ignoré", "sans effet", "appliqué",
		"dossier INBOX    : 0 message(s)",
		"Objet : Re: Adhésion laclasse.com",
		"au plus tard le 28 septembre 2026",
		"Laclasse.com : synthèse des demandes",
		"modele-liste-ecoles-laclasse.xlsx",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("demo output lacks %q", want)
		}
	}
	if t.Failed() {
		t.Log(text)
	}
}

package main

import (
	"bytes"
	"context"
	"log/slog"
	"os"
	"strings"
	"testing"
	"time"
)

// TestSecrets checks that a password never reaches the output or the log, and that a
// configuration readable by every user is warned about.
func TestSecrets(t *testing.T) {
	const secret = "S3cr3t-P4ssw0rd"
	s := memServers(t)
	cfg := writeConfig(t, s)
	data, err := os.ReadFile(cfg)
	if err != nil {
		t.Fatal(err)
	}
	text := strings.Replace(string(data), "password = \"secret\"", "password = \""+secret+"\"", 1)
	if err := os.WriteFile(cfg, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(cfg, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{
		{"check-config", "--config", cfg},
		{"run", "--once", "--config", cfg},
		{"status", "--config", cfg},
	} {
		var out bytes.Buffer
		m := &Main{Stdout: &out, Stderr: &out, Now: time.Now, Logger: slog.New(slog.NewTextHandler(&out, &slog.HandlerOptions{Level: slog.LevelDebug}))}
		err := m.Run(context.Background(), args)
		if strings.Contains(out.String(), secret) {
			t.Errorf("%s shows the password:\n%s", args[0], out.String())
		}
		if args[0] != "status" && !strings.Contains(out.String(), "readable by every user") {
			t.Errorf("%s does not warn about a world-readable configuration:\n%s", args[0], out.String())
		}
		if err != nil && args[0] != "run" {
			t.Errorf("%s: %v", args[0], err)
		}
	}
	// A wrong password: the error names the login, not the password.
	bad := strings.Replace(text, secret, secret+"-wrong", 1)
	if err := os.WriteFile(cfg, []byte(bad), 0o600); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	m := &Main{Stdout: &out, Stderr: &out, Now: time.Now, Logger: slog.New(slog.NewTextHandler(&out, nil))}
	err = m.Run(context.Background(), []string{"run", "--once", "--config", cfg})
	if err == nil || strings.Contains(err.Error()+out.String(), secret) {
		t.Errorf("a wrong password: err %v, output %s", err, out.String())
	}
}

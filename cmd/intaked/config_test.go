package main

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestConfigExample(t *testing.T) {
	data, err := os.ReadFile("../../config.example.toml")
	if err != nil {
		t.Fatal(err)
	}
	// The example points at password files that do not exist here.
	dir := t.TempDir()
	pw := filepath.Join(dir, "pw")
	if err := os.WriteFile(pw, []byte("secret\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	text := strings.ReplaceAll(string(data), "/etc/intaked/imap-password", pw)
	text = strings.ReplaceAll(text, "/etc/intaked/smtp-password", pw)
	text = strings.ReplaceAll(text, "/etc/intaked/laclasse-key", pw)
	text = strings.ReplaceAll(text, "/etc/intaked/console-oidc-secret", pw)
	text = strings.ReplaceAll(text, "#~ ", "") // the optional [laclasse] and [console] sections
	cfg, err := ParseConfig([]byte(text))
	if err != nil {
		t.Fatalf("config.example.toml does not validate: %v", err)
	}
	if cfg.IMAP.Password != "secret" {
		t.Errorf("password_file not read: %q", cfg.IMAP.Password)
	}
	if cfg.Laclasse == nil || cfg.Laclasse.AppKey != "secret" || cfg.Laclasse.StructureType != 3 {
		t.Errorf("[laclasse] not decoded: %+v", cfg.Laclasse)
	}
	if len(cfg.Communes) != 2 || !cfg.CommuneList()[0].Accepts("Jean@VILLE-GIVORS.fr") {
		t.Errorf("communes not decoded: %+v", cfg.Communes)
	}
}

func TestConfigErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		toml string
		want []string // every key that must be named
	}{
		{"UnknownKey", `[imap]
adress = "x:1"
`, []string{"imap.adress: unknown key", "imap.address: required", "smtp.address", "metropole.summary_to", "commune"}},
		{"AllAtOnce", `[imap]
address = "nohost"
tls = "ssl"
username = "u"
[smtp]
address = "h:25"
tls = "none"
from = "not an address"
[metropole]
summary_to = ["a@b.example"]
timezone = "Mars/Olympus"
[[commune]]
name = "A"
insee = "6909"
senders = ["nobody"]
[[commune]]
name = "a"
insee = "69091"
senders = ["@x.example"]
`, []string{"imap.address", "imap.tls", "smtp.from", "metropole.timezone", "commune[0].insee", "commune[0].senders[0]", "commune[1].name"}},
		{"BothPasswordAndFile", `[imap]
address = "h:143"
username = "u"
password = "p"
password_file = "/nonexistent"
[smtp]
address = "h:25"
from = "a@b.example"
[metropole]
summary_to = ["a@b.example"]
[[commune]]
name = "A"
insee = "69091"
senders = ["@x.example"]
`, []string{"imap.password_file"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseConfig([]byte(tc.toml))
			var ce *ConfigError
			if !errors.As(err, &ce) {
				t.Fatalf("want a ConfigError, got %v", err)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error does not name %q:\n%v", w, err)
				}
			}
		})
	}
}

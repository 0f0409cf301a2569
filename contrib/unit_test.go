package contrib

import (
	"bufio"
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// directive is one Key=Value line of a unit file.
type directive struct {
	line       int // 1-based
	key, value string
	comment    bool // the line just above is a comment
}

// parseUnit reads the directives of a unit file, section by section.
func parseUnit(t *testing.T, path string) map[string][]directive {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sections := map[string][]directive{}
	section, prevComment := "", false
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		switch {
		case line == "":
			prevComment = false
		case strings.HasPrefix(line, "#") || strings.HasPrefix(line, ";"):
			prevComment = true
		case strings.HasPrefix(line, "[") && strings.HasSuffix(line, "]"):
			section, prevComment = line, false
		default:
			key, value, ok := strings.Cut(line, "=")
			if !ok {
				t.Fatalf("%s:%d: not a Key=Value line: %q", path, n, line)
			}
			if strings.HasSuffix(line, `\`) {
				t.Fatalf("%s:%d: continuation lines are not expected", path, n)
			}
			sections[section] = append(sections[section], directive{line: n, key: key, value: value, comment: prevComment})
			prevComment = false
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return sections
}

// values returns every value given to key in section.
func values(sections map[string][]directive, section, key string) []string {
	var vs []string
	for _, d := range sections[section] {
		if d.key == key {
			vs = append(vs, d.value)
		}
	}
	return vs
}

// hardening is the sandbox of the service, each setting with the value it must have.
var hardening = []struct{ key, value string }{
	{"ProtectSystem", "strict"},
	{"ProtectHome", "yes"},
	{"PrivateTmp", "yes"},
	{"PrivateDevices", "yes"},
	{"NoNewPrivileges", "yes"},
	{"ProtectKernelTunables", "yes"},
	{"ProtectKernelModules", "yes"},
	{"ProtectKernelLogs", "yes"},
	{"ProtectControlGroups", "yes"},
	{"ProtectClock", "yes"},
	{"ProtectHostname", "yes"},
	{"RestrictAddressFamilies", "AF_UNIX AF_INET AF_INET6"},
	{"RestrictNamespaces", "yes"},
	{"RestrictRealtime", "yes"},
	{"RestrictSUIDSGID", "yes"},
	{"LockPersonality", "yes"},
	{"MemoryDenyWriteExecute", "yes"},
	{"SystemCallArchitectures", "native"},
	{"SystemCallFilter", "@system-service"},
	{"SystemCallFilter", "~@privileged @resources"},
	{"SystemCallErrorNumber", "EPERM"},
	{"CapabilityBoundingSet", ""},
	{"UMask", "0077"},
}

func TestUnitSettings(t *testing.T) {
	u := parseUnit(t, "intaked.service")
	for _, want := range []struct{ section, key, value string }{
		{"[Unit]", "After", "network-online.target"},
		{"[Unit]", "Wants", "network-online.target"},
		{"[Service]", "Type", "notify"},
		{"[Service]", "ExecStart", "/usr/local/bin/intaked run --config ${CONFIGURATION_DIRECTORY}/intaked.toml"},
		{"[Service]", "ExecReload", "/bin/kill -HUP $MAINPID"},
		{"[Service]", "WatchdogSec", "60"},
		{"[Service]", "Restart", "on-failure"},
		{"[Service]", "RestartPreventExitStatus", "2"},
		{"[Service]", "TimeoutStopSec", "30"},
		{"[Service]", "DynamicUser", "yes"},
		{"[Service]", "StateDirectory", "intaked"},
		{"[Service]", "ConfigurationDirectory", "intaked"},
		{"[Service]", "SupplementaryGroups", "intaked"},
		{"[Install]", "WantedBy", "multi-user.target"},
	} {
		got := values(u, want.section, want.key)
		if len(got) != 1 || got[0] != want.value {
			t.Errorf("%s %s=%q, want exactly %q", want.section, want.key, got, want.value)
		}
	}
}

func TestHardeningIsCommented(t *testing.T) {
	u := parseUnit(t, "intaked.service")
	for _, h := range hardening {
		found := false
		for _, d := range u["[Service]"] {
			if d.key != h.key || d.value != h.value {
				continue
			}
			found = true
			if !d.comment {
				t.Errorf("intaked.service:%d: %s=%s has no comment line just above it", d.line, d.key, d.value)
			}
		}
		if !found {
			t.Errorf("intaked.service lacks %s=%s", h.key, h.value)
		}
	}
	// Beyond the hardening, every setting of the service and of the drop-in is explained.
	for file, u := range map[string]map[string][]directive{"intaked.service": u, "credentials.conf": parseUnit(t, "credentials.conf")} {
		for _, d := range u["[Service]"] {
			if !d.comment {
				t.Errorf("%s:%d: %s has no comment line just above it", file, d.line, d.key)
			}
		}
	}
}

// TestStorePathInStateDirectory checks that the example configuration keeps the store where
// the sandbox lets the service write.
func TestStorePathInStateDirectory(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("..", "config.example.toml"))
	if err != nil {
		t.Skipf("no example configuration: %v", err)
	}
	m := regexp.MustCompile(`(?m)^\s*path\s*=\s*"([^"]*)"`).FindSubmatch(data)
	if m == nil {
		t.Fatal("config.example.toml has no store path")
	}
	if p := string(m[1]); !strings.HasPrefix(filepath.Clean(p), "/var/lib/intaked/") {
		t.Errorf("store path %q is outside /var/lib/intaked, the only place the service may write", p)
	}
}

// systemdAnalyze runs systemd-analyze in the unit directory dir, also first in the search path
// (where drop-ins are looked for), and returns the lines of its output that are about intaked
// and its exit error.
func systemdAnalyze(t *testing.T, dir string, args ...string) (string, error) {
	t.Helper()
	cmd := exec.Command("systemd-analyze", args...)
	cmd.Dir = dir // verify takes a unit name as a path
	// The trailing ':' keeps the system's directories, for the targets the unit names.
	cmd.Env = append(os.Environ(), "SYSTEMD_UNIT_PATH="+dir+":", "SYSTEMD_LOG_COLOR=0", "SYSTEMD_PAGER=")
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	var lines []string
	for _, l := range strings.Split(out.String(), "\n") {
		if strings.Contains(l, dir) || strings.Contains(l, "intaked") {
			lines = append(lines, l)
		}
	}
	return strings.Join(lines, "\n"), err
}

// installCopy writes the unit and its drop-in to a temporary unit directory, as they would be
// installed, with ExecStart pointing at a stub: verify wants the binary to exist, and this test
// must not depend on intaked being installed.
func installCopy(t *testing.T, unit string) string {
	t.Helper()
	dir := t.TempDir()
	stub := filepath.Join(dir, "intaked")
	if err := os.WriteFile(stub, []byte("#!/bin/sh\nexit 0\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	unit = strings.ReplaceAll(unit, "/usr/local/bin/intaked", stub)
	if err := os.WriteFile(filepath.Join(dir, "intaked.service"), []byte(unit), 0o644); err != nil {
		t.Fatal(err)
	}
	dropin, err := os.ReadFile("credentials.conf")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(filepath.Join(dir, "intaked.service.d"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "intaked.service.d", "credentials.conf"), dropin, 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

func needSystemdAnalyze(t *testing.T) {
	t.Helper()
	if _, err := exec.LookPath("systemd-analyze"); err != nil {
		t.Skip("systemd-analyze not installed (apt-get install systemd)")
	}
	// Make sure verify reports mistakes here (it needs no running systemd): a unit with a
	// misspelt key must draw a complaint, or a silent verify below would prove nothing.
	dir := installCopy(t, "[Service]\nExecStart=/usr/local/bin/intaked\nProtectSystm=strict\n")
	out, _ := systemdAnalyze(t, dir, "verify", "intaked.service")
	if !strings.Contains(out, "ProtectSystm") {
		t.Skipf("systemd-analyze verify does not report a misspelt key here; its output: %q", out)
	}
}

func TestSystemdAnalyzeVerify(t *testing.T) {
	needSystemdAnalyze(t)
	unit, err := os.ReadFile("intaked.service")
	if err != nil {
		t.Fatal(err)
	}
	dir := installCopy(t, string(unit))
	out, err := systemdAnalyze(t, dir, "verify", "intaked.service")
	if err != nil || out != "" {
		t.Errorf("systemd-analyze verify intaked.service (with credentials.conf): %v\n%s", err, out)
	}
}

// maxExposure is the highest "overall exposure level" systemd-analyze security may give the
// unit (0 is best, 10 worst; under 2 is rated "OK").
const maxExposure = 2.0

func TestSystemdAnalyzeSecurity(t *testing.T) {
	needSystemdAnalyze(t)
	unit, err := os.ReadFile("intaked.service")
	if err != nil {
		t.Fatal(err)
	}
	dir := installCopy(t, string(unit))
	// --offline (systemd 250 and later) reads the unit file instead of asking a running systemd.
	out, err := systemdAnalyze(t, dir, "security", "--offline=yes", "--no-pager", "intaked.service")
	var ee *exec.ExitError
	if err != nil && !errors.As(err, &ee) {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`Overall exposure level for intaked\.service: ([0-9.]+)`).FindStringSubmatch(out)
	if m == nil {
		t.Skipf("systemd-analyze security --offline gave no exposure level here (%v): %s", err, out)
	}
	level, err := strconv.ParseFloat(m[1], 64)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("systemd-analyze security: exposure %.1f", level)
	if level > maxExposure {
		t.Errorf("exposure level %.1f, want at most %.1f", level, maxExposure)
	}
}

// TestDocsInstallWhatTheUnitReads: README.md and INSTALL.md install the configuration the same
// way, readable by the group the unit gives the dynamic user, and by no other user.
func TestDocsInstallWhatTheUnitReads(t *testing.T) {
	u := parseUnit(t, "intaked.service")
	if got := values(u, "[Service]", "SupplementaryGroups"); len(got) != 1 || got[0] != "intaked" {
		t.Fatalf("SupplementaryGroups=%q, want intaked", got)
	}
	for _, doc := range []string{"../README.md", "INSTALL.md"} {
		data, err := os.ReadFile(doc)
		if err != nil {
			t.Fatal(err)
		}
		for _, line := range []string{
			"groupadd --system intaked",
			"install -m 0640 -g intaked config.example.toml /etc/intaked/intaked.toml",
			"install -d -m 0700 /var/lib/intaked",
		} {
			if !bytes.Contains(data, []byte(line)) {
				t.Errorf("%s does not say %q", doc, line)
			}
		}
		if bytes.Contains(data, []byte("install -m 0644 config.example.toml")) || bytes.Contains(data, []byte("install -m 0640 config.example.toml")) {
			t.Errorf("%s still installs the configuration without the group", doc)
		}
	}
}

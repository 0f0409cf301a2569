package metrics

import (
	"context"
	"errors"
	"net"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestConfigReloaded: a failed reload shows in /metrics and as a second line of /healthz, which
// keeps its status; a successful one clears it and records its time.
func TestConfigReloaded(t *testing.T) {
	m := New()
	h := Handler(m, nil)
	m.ConfigReloaded(t0, nil)
	hasLines(t, scrape(t, h, "/metrics", http.StatusOK),
		"intake_config_last_reload_successful 1",
		"intake_config_last_reload_success_timestamp_seconds "+strconv.FormatFloat(float64(t0.Unix()), 'g', -1, 64))
	if body := scrape(t, h, "/healthz", http.StatusOK); body != "ok\n" {
		t.Errorf("/healthz = %q", body)
	}

	m.ConfigReloaded(t0.Add(time.Hour), errors.New("invalid config:\n  imap.adress: unknown key\n  smtp.from: required"))
	hasLines(t, scrape(t, h, "/metrics", http.StatusOK),
		"intake_config_last_reload_successful 0",
		"intake_config_last_reload_success_timestamp_seconds "+strconv.FormatFloat(float64(t0.Unix()), 'g', -1, 64))
	body := scrape(t, h, "/healthz", http.StatusOK)
	want := "ok\nconfiguration reload failed at 2026-03-02T09:30:00Z, running on the previous one: invalid config: imap.adress: unknown key smtp.from: required\n"
	if body != want {
		t.Errorf("/healthz after a failed reload = %q, want %q", body, want)
	}
	// An unhealthy daemon says why first.
	unhealthy := Handler(m, func(context.Context) error { return errors.New("store does not answer") })
	if body := scrape(t, unhealthy, "/healthz", http.StatusServiceUnavailable); !strings.HasPrefix(body, "store does not answer\nconfiguration reload failed") {
		t.Errorf("/healthz unhealthy = %q", body)
	}

	m.ConfigReloaded(t0.Add(2*time.Hour), nil)
	hasLines(t, scrape(t, h, "/metrics", http.StatusOK),
		"intake_config_last_reload_successful 1",
		"intake_config_last_reload_success_timestamp_seconds "+strconv.FormatFloat(float64(t0.Add(2*time.Hour).Unix()), 'g', -1, 64))
	if body := scrape(t, h, "/healthz", http.StatusOK); body != "ok\n" {
		t.Errorf("/healthz after a successful reload = %q", body)
	}
}

// TestServeListener serves on a listener opened beforehand: a connection made before Serve
// starts waits in the backlog and is answered.
func TestServeListener(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	conn, err := net.Dial("tcp", ln.Addr().String()) // before anything serves
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- ServeListener(ctx, ln, Handler(New(), nil), nil) }()
	if _, err := conn.Write([]byte("GET /healthz HTTP/1.0\r\n\r\n")); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 512)
	_ = conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	n, _ := conn.Read(buf)
	if !strings.HasPrefix(string(buf[:n]), "HTTP/1.0 200") {
		t.Errorf("answer: %q", buf[:n])
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

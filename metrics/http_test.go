package metrics

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func TestHealthz(t *testing.T) {
	long := strings.Repeat("é", 400)
	for _, tc := range []struct {
		name   string
		health func(context.Context) error
		code   int
		body   string // the whole body, or with "~" before it a part of it
		absent string
	}{
		{name: "no check", health: nil, code: 200, body: "ok\n"},
		{name: "healthy", health: func(context.Context) error { return nil }, code: 200, body: "ok\n"},
		{name: "unhealthy", health: func(context.Context) error { return errors.New("store does not answer: database is locked") }, code: 503, body: "store does not answer: database is locked\n"},
		{
			name: "URL password",
			health: func(context.Context) error {
				return errors.New(`dial imaps://intake:s3cr3t-Pa55@imap.example.org:993: refused`)
			},
			code: 503, body: "dial imaps://intake:xxxxx@imap.example.org:993: refused\n", absent: "s3cr3t",
		},
		{
			name:   "first line only",
			health: func(context.Context) error { return errors.New("smtp failed\nAUTH PLAIN aW50YWtlAHMzY3IzdA==") },
			code:   503, body: "smtp failed\n", absent: "AUTH",
		},
		{name: "bounded", health: func(context.Context) error { return errors.New(long) }, code: 503, body: "~…\n"},
		{
			name: "deadline",
			health: func(ctx context.Context) error {
				if _, ok := ctx.Deadline(); !ok {
					return errors.New("no deadline")
				}
				return nil
			},
			code: 200, body: "ok\n",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			body := scrape(t, Handler(New(), tc.health), "/healthz", tc.code)
			if want, ok := strings.CutPrefix(tc.body, "~"); ok {
				if !strings.Contains(body, want) {
					t.Errorf("body %q lacks %q", body, want)
				}
			} else if body != tc.body {
				t.Errorf("body %q, want %q", body, tc.body)
			}
			if tc.absent != "" && strings.Contains(body, tc.absent) {
				t.Errorf("body %q shows %q", body, tc.absent)
			}
			if len(body) > maxReason+10 {
				t.Errorf("body of %d bytes", len(body))
			}
		})
	}
}

func TestHandlerMethodsAndPaths(t *testing.T) {
	srv := httptest.NewServer(Handler(New(), func(context.Context) error { return errors.New("down") }))
	defer srv.Close()
	for _, tc := range []struct {
		method, path string
		code         int
	}{
		{http.MethodHead, "/healthz", 503},
		{http.MethodHead, "/metrics", 200},
		{http.MethodPost, "/healthz", 405},
		{http.MethodPost, "/metrics", 405},
		{http.MethodGet, "/", 404},
		{http.MethodGet, "/debug/pprof/", 404},
	} {
		req, err := http.NewRequest(tc.method, srv.URL+tc.path, nil)
		if err != nil {
			t.Fatal(err)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != tc.code {
			t.Errorf("%s %s: %d, want %d", tc.method, tc.path, resp.StatusCode, tc.code)
		}
	}
}

// addrHandler is a slog.Handler that hands over the address Serve says it listens on.
type addrHandler struct{ addr chan string }

func (h addrHandler) Enabled(context.Context, slog.Level) bool { return true }
func (h addrHandler) WithAttrs([]slog.Attr) slog.Handler       { return h }
func (h addrHandler) WithGroup(string) slog.Handler            { return h }
func (h addrHandler) Handle(_ context.Context, r slog.Record) error {
	r.Attrs(func(a slog.Attr) bool {
		if a.Key == "addr" {
			h.addr <- a.Value.String()
		}
		return true
	})
	return nil
}

// serve starts Serve on a free loopback port and returns its address and the channel its
// result comes on.
func serve(t *testing.T, ctx context.Context, h http.Handler) (string, chan error) {
	t.Helper()
	logs := addrHandler{addr: make(chan string, 1)}
	done := make(chan error, 1)
	go func() { done <- Serve(ctx, "127.0.0.1:0", h, slog.New(logs)) }()
	select {
	case addr := <-logs.addr:
		return addr, done
	case err := <-done:
		t.Fatalf("Serve: %v", err)
	case <-time.After(5 * time.Second):
		t.Fatal("Serve did not listen within 5s")
	}
	return "", nil
}

func get(url string) (int, string, error) {
	resp, err := http.Get(url)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), err
}

func TestServeStopsWhenContextEnds(t *testing.T) {
	m := New()
	m.MessageHandled(OutcomeApplied, 0)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	addr, done := serve(t, ctx, Handler(m, nil))

	if code, body, err := get("http://" + addr + "/healthz"); err != nil || code != 200 || body != "ok\n" {
		t.Fatalf("GET /healthz: %d %q %v", code, body, err)
	}
	if code, body, err := get("http://" + addr + "/metrics"); err != nil || code != 200 || !strings.Contains(body, `intake_messages_handled_total{outcome="applied"} 1`) {
		t.Fatalf("GET /metrics: %d %v, applied counter missing", code, err)
	}

	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Serve after ctx ended: %v, want nil", err)
		}
	case <-time.After(shutdownTimeout + 2*time.Second):
		t.Fatal("Serve did not return after ctx ended")
	}
	if _, _, err := get("http://" + addr + "/healthz"); err == nil {
		t.Error("still serving after Serve returned")
	}
}

func TestServeWaitsForRequestsInFlight(t *testing.T) {
	started, release := make(chan struct{}), make(chan struct{})
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		close(started)
		<-release
		io.WriteString(w, "finished")
	})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	addr, done := serve(t, ctx, h)
	type result struct {
		body string
		err  error
	}
	got := make(chan result, 1)
	go func() {
		_, body, err := get("http://" + addr + "/")
		got <- result{body, err}
	}()
	<-started
	cancel()
	select {
	case err := <-done:
		t.Fatalf("Serve returned %v with a request in flight", err)
	case <-time.After(100 * time.Millisecond):
	}
	close(release)
	if r := <-got; r.err != nil || r.body != "finished" {
		t.Errorf("request in flight: %q %v, want it finished", r.body, r.err)
	}
	if err := <-done; err != nil {
		t.Errorf("Serve: %v, want nil", err)
	}
}

func TestServeShutdownIsBounded(t *testing.T) {
	defer func(d time.Duration) { shutdownTimeout = d }(shutdownTimeout)
	shutdownTimeout = 200 * time.Millisecond
	release := make(chan struct{})
	defer close(release)
	started := make(chan struct{})
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		close(started)
		<-release // a handler that never finishes on its own
	})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	addr, done := serve(t, ctx, h)
	go get("http://" + addr + "/")
	<-started
	start := time.Now()
	cancel()
	select {
	case <-done:
		if d := time.Since(start); d < shutdownTimeout {
			t.Errorf("Serve returned after %v, before the %v grace", d, shutdownTimeout)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Serve did not return after its shutdown timeout")
	}
}

func TestServeListenErrorAtOnce(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	done := make(chan error, 1)
	go func() { done <- Serve(context.Background(), ln.Addr().String(), http.NotFoundHandler(), nil) }()
	select {
	case err := <-done:
		if err == nil || !strings.Contains(err.Error(), "address already in use") {
			t.Errorf("Serve on a taken address: %v, want address already in use", err)
		}
	case <-time.After(2 * time.Second):
		t.Fatal("Serve on a taken address did not return at once")
	}
	if err := Serve(context.Background(), "127.0.0.1:notaport", http.NotFoundHandler(), nil); err == nil {
		t.Error("Serve on a bad address: nil error")
	}
}

package metrics

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"regexp"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/laclasse/intake/internal/httpserve"
)

const (
	// healthTimeout bounds one call to the health function from /healthz.
	healthTimeout = 5 * time.Second
	// maxReason is the longest reason /healthz shows.
	maxReason = 512
)

// shutdownTimeout bounds the graceful shutdown of Serve; tests shorten it.
var shutdownTimeout = 5 * time.Second

// Handler serves, on GET (and HEAD):
//   - /metrics: m in the Prometheus exposition format, after reading its source (see
//     SetSource);
//   - /healthz: 200 "ok" when health returns nil, 503 with the reason otherwise. A nil health
//     always answers ok. While the last reload of the configuration failed (see
//     ConfigReloaded), a second line says so; it does not change the status.
//
// The reason /healthz shows is the first line of health's error, at most 512 bytes, with any
// password written in a URL (scheme://user:password@host) masked. health should still return
// errors that are fit to be read by anyone who reaches the address: HealthCheck's are. The
// address is meant to be bound to the loopback interface.
func Handler(m *Metrics, health func(ctx context.Context) error) http.Handler {
	prom := promhttp.InstrumentMetricHandler(m.registry, promhttp.HandlerFor(m.registry, promhttp.HandlerOpts{
		Registry:            m.registry, // promhttp_metric_handler_errors_total
		MaxRequestsInFlight: 4,
		Timeout:             30 * time.Second,
	}))
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = m.refresh(r.Context()) // counted in intake_metrics_source_errors_total
		prom.ServeHTTP(w, r)
	}))
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store")
		w.Header().Set("X-Content-Type-Options", "nosniff")
		var err error
		if health != nil {
			ctx, cancel := context.WithTimeout(r.Context(), healthTimeout)
			err = health(ctx)
			cancel()
		}
		detail := m.reloadDetail()
		if err != nil {
			w.WriteHeader(http.StatusServiceUnavailable)
			fmt.Fprintln(w, reason(err))
		} else {
			fmt.Fprintln(w, "ok")
		}
		if detail != "" {
			fmt.Fprintln(w, reason(errors.New(detail)))
		}
	})
	return mux
}

// urlPassword matches the password in the user information of a URL.
var urlPassword = regexp.MustCompile(`(://[^/\s:@]*:)[^/\s@]+@`)

// reason is err made fit for /healthz: one line, bounded, with no URL password.
func reason(err error) string {
	s, _, _ := strings.Cut(err.Error(), "\n")
	s = urlPassword.ReplaceAllString(s, "${1}xxxxx@")
	if len(s) > maxReason {
		s = strings.ToValidUTF8(s[:maxReason], "") + "…"
	}
	return s
}

// Serve serves h on addr (such as "127.0.0.1:9464") until ctx ends, then shuts the server down
// gracefully, giving requests in flight at most 5 seconds before closing what remains. It
// returns the listen error at once if addr cannot be bound, nil after a shutdown caused by ctx,
// and the server's error if it stops by itself.
func Serve(ctx context.Context, addr string, h http.Handler, logger *slog.Logger) error {
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", addr)
	if err != nil {
		return fmt.Errorf("metrics: %w", err)
	}
	return ServeListener(ctx, ln, h, logger)
}

// ServeListener is Serve on a listener the caller opened, so that the address is bound (and
// connections wait in its backlog) before the daemon says it is ready. It closes ln.
func ServeListener(ctx context.Context, ln net.Listener, h http.Handler, logger *slog.Logger) error {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	srv := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       10 * time.Second,
		WriteTimeout:      40 * time.Second, // above the /metrics timeout
		IdleTimeout:       60 * time.Second,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}
	return httpserve.Serve(ctx, srv, ln, shutdownTimeout, logger, "metrics")
}

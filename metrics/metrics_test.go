package metrics

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"
)

// scrape returns the body of GET path on h, failing the test unless the status is want.
func scrape(t *testing.T, h http.Handler, path string, want int) string {
	t.Helper()
	srv := httptest.NewServer(h)
	defer srv.Close()
	resp, err := http.Get(srv.URL + path)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != want {
		t.Fatalf("GET %s: %d %q, want %d", path, resp.StatusCode, body, want)
	}
	return string(body)
}

// hasLines fails the test for each line of want missing from the exposition body.
func hasLines(t *testing.T, body string, want ...string) {
	t.Helper()
	lines := map[string]bool{}
	for _, l := range strings.Split(body, "\n") {
		lines[l] = true
	}
	for _, w := range want {
		if !lines[w] {
			t.Errorf("/metrics lacks the line %q", w)
		}
	}
}

var t0 = time.Date(2026, 3, 2, 8, 30, 0, 0, time.UTC)

func TestNewExposesEverySeriesAtZero(t *testing.T) {
	m := New()
	body := scrape(t, Handler(m, nil), "/metrics", http.StatusOK)
	hasLines(t, body,
		`intake_messages_handled_total{outcome="applied"} 0`,
		`intake_messages_handled_total{outcome="refused"} 0`,
		`intake_messages_handled_total{outcome="rejected"} 0`,
		`intake_messages_handled_total{outcome="duplicate"} 0`,
		`intake_messages_handled_total{outcome="ignored"} 0`,
		`intake_rows_refused_total 0`,
		`intake_last_successful_poll_timestamp_seconds 0`,
		`intake_imap_connected 0`,
		`intake_outbox_depth 0`,
		`intake_outbox_oldest_age_seconds 0`,
		`intake_activations_pending 0`,
		`intake_activations_overdue 0`,
		`intake_metrics_source_errors_total 0`,
	)
	for _, name := range []string{"go_goroutines", "go_memstats_alloc_bytes", "process_cpu_seconds_total", "process_open_fds"} {
		if !strings.Contains(body, "\n"+name+" ") {
			t.Errorf("/metrics lacks %s", name)
		}
	}
	if strings.Contains(body, "intake_job_runs_total{") {
		t.Error("job series before any job ran")
	}
}

func TestEventsAndSetters(t *testing.T) {
	m := New()
	m.now = func() time.Time { return t0 }
	m.MessageHandled(OutcomeApplied, 0)
	m.MessageHandled(OutcomeApplied, 2)
	m.MessageHandled(OutcomeRefused, 3)
	m.MessageHandled(OutcomeRejected, 0)
	m.MessageHandled(OutcomeDuplicate, 0)
	m.MessageHandled(OutcomeIgnored, -1)
	m.MessageHandled("exploded", 0)
	m.JobRan("daily-digest", "ok")
	m.JobRan("daily-digest", "ok")
	m.JobRan("daily-digest", "failed")
	m.JobRan("yearly-update", "ok")
	m.SetLastPoll(t0.Add(-90 * time.Second))
	m.SetIMAPConnected(true)
	m.SetOutbox(4, t0.Add(-150*time.Second))
	m.Set(Snapshot{LastPoll: t0.Add(-90 * time.Second), IMAPConnected: true, OutboxDepth: 4, OutboxOldest: t0.Add(-150 * time.Second), OutboxUndeliverable: 3})
	m.SetActivations(7, 2)

	body := scrape(t, Handler(m, nil), "/metrics", http.StatusOK)
	hasLines(t, body,
		`intake_messages_handled_total{outcome="applied"} 2`,
		`intake_messages_handled_total{outcome="refused"} 1`,
		`intake_messages_handled_total{outcome="rejected"} 1`,
		`intake_messages_handled_total{outcome="duplicate"} 1`,
		`intake_messages_handled_total{outcome="ignored"} 1`,
		`intake_messages_handled_total{outcome="other"} 1`,
		`intake_rows_refused_total 5`,
		`intake_job_runs_total{job="daily-digest",result="ok"} 2`,
		`intake_job_runs_total{job="daily-digest",result="failed"} 1`,
		`intake_job_runs_total{job="yearly-update",result="ok"} 1`,
		"intake_last_successful_poll_timestamp_seconds "+strconv.FormatFloat(float64(t0.Unix()-90), 'g', -1, 64),
		`intake_imap_connected 1`,
		`intake_outbox_depth 4`,
		`intake_outbox_undeliverable 3`,
		`intake_outbox_oldest_age_seconds 150`,
		`intake_activations_pending 7`,
		`intake_activations_overdue 2`,
	)
	if got, want := testutil.ToFloat64(m.lastPoll), float64(t0.Unix()-90); got != want {
		t.Errorf("intake_last_successful_poll_timestamp_seconds = %v, want %v", got, want)
	}
	if strings.Contains(body, "exploded") {
		t.Error("an unknown outcome got its own series")
	}

	m.SetIMAPConnected(false)
	m.SetOutbox(0, time.Time{})
	hasLines(t, scrape(t, Handler(m, nil), "/metrics", http.StatusOK),
		`intake_imap_connected 0`,
		`intake_outbox_depth 0`,
		`intake_outbox_oldest_age_seconds 0`,
	)
}

func TestOutboxAgeGrowsBetweenScrapes(t *testing.T) {
	m := New()
	now := t0
	m.now = func() time.Time { return now }
	m.SetOutbox(1, t0.Add(-time.Minute))
	h := Handler(m, nil)
	hasLines(t, scrape(t, h, "/metrics", http.StatusOK), `intake_outbox_oldest_age_seconds 60`)
	now = now.Add(time.Minute)
	hasLines(t, scrape(t, h, "/metrics", http.StatusOK), `intake_outbox_oldest_age_seconds 120`)
}

func TestSourceIsReadAtEachScrape(t *testing.T) {
	m := New()
	m.now = func() time.Time { return t0 }
	calls := 0
	var fail error
	m.SetSource(func(ctx context.Context) (Snapshot, error) {
		calls++
		if _, ok := ctx.Deadline(); !ok {
			t.Error("source called without a deadline")
		}
		if fail != nil {
			return Snapshot{}, fail
		}
		return Snapshot{
			LastPoll:      t0.Add(-time.Duration(calls) * time.Minute),
			IMAPConnected: true,
			OutboxDepth:   calls,
			OutboxOldest:  t0.Add(-30 * time.Second),
			Pending:       10 + calls,
			Overdue:       calls,
		}, nil
	})
	h := Handler(m, nil)
	hasLines(t, scrape(t, h, "/metrics", http.StatusOK),
		"intake_last_successful_poll_timestamp_seconds "+strconv.FormatFloat(float64(t0.Unix()-60), 'g', -1, 64),
		`intake_imap_connected 1`,
		`intake_outbox_depth 1`,
		`intake_outbox_oldest_age_seconds 30`,
		`intake_activations_pending 11`,
		`intake_activations_overdue 1`,
	)
	hasLines(t, scrape(t, h, "/metrics", http.StatusOK),
		`intake_outbox_depth 2`,
		`intake_activations_pending 12`,
		`intake_activations_overdue 2`,
	)

	// A failing source keeps the last values, counts the failure, and the scrape succeeds.
	fail = errors.New("database is locked")
	hasLines(t, scrape(t, h, "/metrics", http.StatusOK),
		`intake_outbox_depth 2`,
		`intake_activations_pending 12`,
		`intake_metrics_source_errors_total 1`,
	)

	// No source: gauges stay as they are.
	m.SetSource(nil)
	fail = nil
	hasLines(t, scrape(t, h, "/metrics", http.StatusOK), `intake_outbox_depth 2`)
	if calls != 3 {
		t.Errorf("source called %d times, want 3", calls)
	}
}

func TestHandlerTwiceOnOneMetrics(t *testing.T) {
	m := New()
	scrape(t, Handler(m, nil), "/metrics", http.StatusOK)
	body := scrape(t, Handler(m, nil), "/metrics", http.StatusOK)
	if !strings.Contains(body, `promhttp_metric_handler_requests_total{code="200"} 1`) {
		t.Error("/metrics lacks promhttp_metric_handler_requests_total")
	}
}

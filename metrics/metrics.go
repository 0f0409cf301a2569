// Package metrics is in charge of what operators see over HTTP: /healthz and the Prometheus
// /metrics.
//
// Metrics are kept on a private registry, not the process-wide default one, with the Go runtime
// and process collectors beside the daemon's own. Events (a message handled, a job run) are
// counted as they happen; the state of the daemon (last poll, IMAP connection, outbox,
// activations) is either pushed with the setters or read from a source at each scrape, see
// SetSource.
package metrics

import (
	"context"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
)

// The outcomes of handling one message, the values of the outcome label of
// intake_messages_handled_total. They are the request states of the convention package.
const (
	OutcomeApplied   = "applied"
	OutcomeRefused   = "refused"
	OutcomeRejected  = "rejected"
	OutcomeDuplicate = "duplicate"
	OutcomeIgnored   = "ignored"
	// OutcomeOther stands for any outcome not listed above, so that a bug cannot grow the
	// number of series without bound.
	OutcomeOther = "other"
)

// outcomes are the known outcomes; each has a series from the start, at 0.
var outcomes = []string{OutcomeApplied, OutcomeRefused, OutcomeRejected, OutcomeDuplicate, OutcomeIgnored}

// sourceTimeout bounds the call to the source at each scrape.
const sourceTimeout = 5 * time.Second

// Snapshot is the state of the daemon that the gauges show, as a source reads it at scrape
// time. A zero time means "never" (no poll yet, empty outbox).
type Snapshot struct {
	// LastPoll is the end of the last successful poll of the mailbox.
	LastPoll time.Time
	// IMAPConnected tells whether the watcher holds an IMAP connection.
	IMAPConnected bool
	// OutboxDepth is how many mails wait to be sent; OutboxOldest is when the oldest of them
	// was queued.
	OutboxDepth  int
	OutboxOldest time.Time
	// OutboxUndeliverable is how many mails the SMTP server refused for good.
	OutboxUndeliverable int
	// Pending is how many school activations are to do, Overdue how many of them are late.
	Pending, Overdue int
	// Directory is the national directory of schools; nil without [directory].
	Directory *DirectorySnapshot
}

// Metrics holds the daemon's metrics and the registry they are served from. Its methods are
// safe for concurrent use. Create it with New.
type Metrics struct {
	registry *prometheus.Registry

	messages      *prometheus.CounterVec
	rowsRefused   prometheus.Counter
	lastPoll      prometheus.Gauge
	imapConnected prometheus.Gauge
	outboxDepth   prometheus.Gauge
	undeliverable prometheus.Gauge
	pending       prometheus.Gauge
	overdue       prometheus.Gauge
	jobRuns       *prometheus.CounterVec
	sourceErrors  prometheus.Counter
	reloadOK      prometheus.Gauge
	reloadAt      prometheus.Gauge
	directory     directoryGauges

	// now is the clock for intake_outbox_oldest_age_seconds.
	now func() time.Time

	mu           sync.Mutex
	outboxOldest time.Time                               // guarded by mu
	source       func(context.Context) (Snapshot, error) // guarded by mu
	reloadFailed string                                  // guarded by mu: why the last reload failed, "" if it did not
}

// New returns the daemon's metrics on a fresh private registry, with the Go and process
// collectors.
func New() *Metrics {
	m := &Metrics{
		registry: prometheus.NewRegistry(),
		now:      time.Now,
		messages: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "intake_messages_handled_total",
			Help: "Messages handled from the mailbox, by outcome (applied, refused, rejected, duplicate, ignored).",
		}, []string{"outcome"}),
		rowsRefused: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "intake_rows_refused_total",
			Help: "Spreadsheet rows refused in handled messages.",
		}),
		lastPoll: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "intake_last_successful_poll_timestamp_seconds",
			Help: "Unix time of the last successful poll of the mailbox; 0 if none yet.",
		}),
		imapConnected: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "intake_imap_connected",
			Help: "1 while the daemon holds an IMAP connection, 0 otherwise.",
		}),
		undeliverable: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "intake_outbox_undeliverable",
			Help: "Mails the SMTP server refused for good (5xx); they are shown in the daily digest and never retried.",
		}),
		outboxDepth: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "intake_outbox_depth",
			Help: "Mails waiting in the outbox.",
		}),
		pending: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "intake_activations_pending",
			Help: "School activations to do.",
		}),
		overdue: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "intake_activations_overdue",
			Help: "School activations to do that are late.",
		}),
		jobRuns: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "intake_job_runs_total",
			Help: "Calendar job occurrences, by job and result: ok (run), stale (recorded, too late to run), merged (covered by a later run after downtime), failed (to be tried again).",
		}, []string{"job", "result"}),
		sourceErrors: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "intake_metrics_source_errors_total",
			Help: "Scrapes where the daemon's state could not be read; the gauges then keep their last values.",
		}),
		reloadOK: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "intake_config_last_reload_successful",
			Help: "1 if the last load of the configuration (at start or on SIGHUP) succeeded, 0 if the last reload failed and the daemon runs on the previous configuration.",
		}),
		reloadAt: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "intake_config_last_reload_success_timestamp_seconds",
			Help: "Unix time the configuration in use was loaded; 0 if never.",
		}),
	}
	outboxAge := prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "intake_outbox_oldest_age_seconds",
		Help: "Age of the oldest mail waiting in the outbox; 0 if the outbox is empty.",
	}, m.outboxOldestAge)
	for _, o := range outcomes {
		m.messages.WithLabelValues(o)
	}
	m.registry.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		m.messages, m.rowsRefused, m.lastPoll, m.imapConnected, m.outboxDepth, m.undeliverable, outboxAge,
		m.pending, m.overdue, m.jobRuns, m.sourceErrors, m.reloadOK, m.reloadAt,
	)
	m.directory = newDirectoryGauges()
	m.registry.MustRegister(m.directory.collectors()...)
	m.directory.set(nil)
	return m
}

// MessageHandled counts one handled message with its outcome (one of the Outcome constants;
// any other value is counted as OutcomeOther) and the spreadsheet rows it refused.
func (m *Metrics) MessageHandled(outcome string, rowsRefused int) {
	known := false
	for _, o := range outcomes {
		if o == outcome {
			known = true
			break
		}
	}
	if !known {
		outcome = OutcomeOther
	}
	m.messages.WithLabelValues(outcome).Inc()
	if rowsRefused > 0 {
		m.rowsRefused.Add(float64(rowsRefused))
	}
}

// JobRan counts one occurrence of the calendar job named job, with its result (ok, stale, merged
// or failed: the scheduler's Result constants). Job names come from the configuration, so there
// are few of them.
func (m *Metrics) JobRan(job, result string) {
	m.jobRuns.WithLabelValues(job, result).Inc()
}

// ConfigReloaded records a load of the configuration at at, at start or on a reload: nil err
// for a success, or why the reload failed (the daemon then runs on the previous configuration).
// While the last reload failed, /healthz adds a line saying so under its answer.
func (m *Metrics) ConfigReloaded(at time.Time, err error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if err != nil {
		m.reloadOK.Set(0)
		m.reloadFailed = "configuration reload failed at " + at.UTC().Format(time.RFC3339) + ", running on the previous one: " +
			strings.Join(strings.Fields(err.Error()), " ")
		return
	}
	m.reloadOK.Set(1)
	m.reloadAt.Set(unixSeconds(at))
	m.reloadFailed = ""
}

// reloadDetail is the line /healthz adds while the last reload failed, "" otherwise.
func (m *Metrics) reloadDetail() string {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.reloadFailed
}

// SetLastPoll records the end of the last successful poll of the mailbox.
func (m *Metrics) SetLastPoll(t time.Time) {
	m.lastPoll.Set(unixSeconds(t))
}

// SetIMAPConnected records whether the daemon holds an IMAP connection.
func (m *Metrics) SetIMAPConnected(connected bool) {
	if connected {
		m.imapConnected.Set(1)
	} else {
		m.imapConnected.Set(0)
	}
}

// SetOutbox records how many mails wait in the outbox and when the oldest of them was queued
// (zero if none). The age of the oldest is computed at each scrape.
func (m *Metrics) SetOutbox(depth int, oldest time.Time) {
	m.outboxDepth.Set(float64(depth))
	m.mu.Lock()
	m.outboxOldest = oldest
	m.mu.Unlock()
}

// SetActivations records how many school activations are to do and how many of them are late.
func (m *Metrics) SetActivations(pending, overdue int) {
	m.pending.Set(float64(pending))
	m.overdue.Set(float64(overdue))
}

// Set records a whole snapshot, as the setters do one by one.
func (m *Metrics) Set(s Snapshot) {
	m.SetLastPoll(s.LastPoll)
	m.SetIMAPConnected(s.IMAPConnected)
	m.SetOutbox(s.OutboxDepth, s.OutboxOldest)
	m.undeliverable.Set(float64(s.OutboxUndeliverable))
	m.SetActivations(s.Pending, s.Overdue)
	m.directory.set(s.Directory)
}

// SetSource makes every scrape of /metrics (through Handler) first read the daemon's state
// from source, within 5 seconds, and Set it. When source fails the gauges keep their last
// values and intake_metrics_source_errors_total grows; the scrape itself succeeds. A nil source
// turns this off.
func (m *Metrics) SetSource(source func(ctx context.Context) (Snapshot, error)) {
	m.mu.Lock()
	m.source = source
	m.mu.Unlock()
}

// refresh reads the source, if any, into the gauges.
func (m *Metrics) refresh(ctx context.Context) error {
	m.mu.Lock()
	source := m.source
	m.mu.Unlock()
	if source == nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, sourceTimeout)
	defer cancel()
	s, err := source(ctx)
	if err != nil {
		m.sourceErrors.Inc()
		return err
	}
	m.Set(s)
	return nil
}

// outboxOldestAge is the value of intake_outbox_oldest_age_seconds.
func (m *Metrics) outboxOldestAge() float64 {
	m.mu.Lock()
	oldest := m.outboxOldest
	m.mu.Unlock()
	if oldest.IsZero() {
		return 0
	}
	return max(m.now().Sub(oldest).Seconds(), 0)
}

// unixSeconds is t as a Prometheus timestamp, 0 for the zero time.
func unixSeconds(t time.Time) float64 {
	if t.IsZero() {
		return 0
	}
	return float64(t.UnixNano()) / 1e9
}

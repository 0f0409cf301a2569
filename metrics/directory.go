package metrics

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// DirectorySnapshot is the state of the national directory of schools (Annuaire de
// l'éducation) that the gauges show; nil in a Snapshot without [directory].
type DirectorySnapshot struct {
	Rows     int       // rows of the directory in use (0: none loaded)
	LoadedAt time.Time // when it was loaded
	// Failing says the last refresh (or load) was refused: the previous directory stays in
	// use.
	Failing bool
}

// directoryGauges are the directory's gauges.
type directoryGauges struct {
	rows, loadedAt, ok prometheus.Gauge
}

func newDirectoryGauges() directoryGauges {
	return directoryGauges{
		rows: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "intake_directory_entries",
			Help: "Establishments in the national directory of schools in use (Annuaire de l'education); 0 if none is loaded.",
		}),
		loadedAt: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "intake_directory_loaded_timestamp_seconds",
			Help: "Unix time the directory in use was loaded; 0 if never.",
		}),
		ok: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "intake_directory_last_refresh_successful",
			Help: "1 if the last refresh of the national directory succeeded (or found nothing new), 0 if its file was refused and the previous one stays in use.",
		}),
	}
}

func (g directoryGauges) collectors() []prometheus.Collector {
	return []prometheus.Collector{g.rows, g.loadedAt, g.ok}
}

// set shows s; nil (no [directory]) leaves the gauges at 0, the refresh at 1.
func (g directoryGauges) set(s *DirectorySnapshot) {
	if s == nil {
		g.rows.Set(0)
		g.loadedAt.Set(0)
		g.ok.Set(1)
		return
	}
	g.rows.Set(float64(s.Rows))
	g.loadedAt.Set(unixSeconds(s.LoadedAt))
	if s.Failing {
		g.ok.Set(0)
	} else {
		g.ok.Set(1)
	}
}

package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/laclasse/intake/internal/realserver"
	"github.com/laclasse/intake/internal/samples"
)

func TestZZUExperimentFixedSpacing(t *testing.T) {
	d, mp := realserver.Dovecot(t), realserver.Mailpit(t)
	cfg := realConfig(t, d, mp)
	var logs syncBuffer
	m := &Main{Stdout: io.Discard, Stderr: &logs, Now: time.Now, Logger: slog.New(slog.NewJSONHandler(&logs, nil))}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- m.Run(ctx, []string{"run", "--config", cfg}) }()
	defer func() { cancel(); <-done }()
	for !strings.Contains(logs.String(), "intaked started") {
		time.Sleep(20 * time.Millisecond)
	}
	probe := startIdleClient(t, d)
	time.Sleep(300 * time.Millisecond)
	const n = 30
	var appended, heard []time.Time
	start := time.Now()
	for i := range n {
		time.Sleep(time.Until(start.Add(time.Duration(i) * 730 * time.Millisecond)))
		msg := samples.Message{From: "secretariat@mairie-givors.fr", To: samples.Mailbox, Subject: fmt.Sprintf("Écoles %d", i),
			MessageID: fmt.Sprintf("exp-%d@test", i), Date: time.Date(2025, 9, 14, 8, i, 0, 0, time.UTC),
			Attachments: []samples.Attachment{{Name: "ecoles.csv", ContentType: "text/csv", Data: samples.CSV(samples.Rows(5000+i, 1))}}}
		t0 := time.Now()
		d.Append(t, "INBOX", msg.Raw(), msg.Date)
		h, _ := probe.heard(t0)
		appended, heard = append(appended, t0), append(heard, h)
	}
	time.Sleep(time.Second)
	var lat, plat, gap []float64
	for i := 1; i < n; i++ {
		h, ok := handledAt(logs.String(), fmt.Sprintf("exp-%d@test", i))
		if !ok {
			t.Fatalf("%d not handled", i)
		}
		lat = append(lat, float64(h.Sub(appended[i]))/1e6)
		plat = append(plat, float64(heard[i].Sub(appended[i]))/1e6)
		gap = append(gap, float64(h.Sub(heard[i]))/1e6)
	}
	t.Logf("daemon %.0f", lat)
	t.Logf("probe  %.0f", plat)
	slices.Sort(lat); slices.Sort(plat); slices.Sort(gap)
	t.Logf("median daemon %.0f probe %.0f gap %.0f", lat[len(lat)/2], plat[len(plat)/2], gap[len(gap)/2])
}

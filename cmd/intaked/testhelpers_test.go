package main

import (
	"bytes"
	"context"
	"io"
	"mime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-message/mail"
)

type mimeWordDecoder = mime.WordDecoder

// syncBuffer is a bytes.Buffer safe for a logger and a test to share.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// wait waits up to 30 s for what to stand in b, and fails t when it does not.
func (b *syncBuffer) wait(t *testing.T, what string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !strings.Contains(b.String(), what) {
		if time.Now().After(deadline) {
			t.Fatalf("no %q in the log:\n%s", what, b.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// runUntilEnd runs m with args in the background until t ends, then cancels it and waits for it.
func runUntilEnd(t *testing.T, m *Main, args ...string) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- m.Run(ctx, args) }()
	t.Cleanup(func() {
		cancel()
		<-done
	})
}

// attachment is a file of a sent mail.
type attachment struct {
	Name string
	Data []byte
}

// parts returns the text part and the attachments of a raw mail.
func parts(t *testing.T, raw []byte) (string, []attachment) {
	t.Helper()
	mr, err := mail.CreateReader(bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("read sent mail: %v", err)
	}
	var text string
	var files []attachment
	for {
		p, err := mr.NextPart()
		if err == io.EOF {
			break
		} else if err != nil {
			t.Fatalf("read sent mail: %v", err)
		}
		body, _ := io.ReadAll(p.Body)
		switch h := p.Header.(type) {
		case *mail.InlineHeader:
			if ct, _, _ := h.ContentType(); ct == "text/plain" {
				text = string(body)
			}
		case *mail.AttachmentHeader:
			name, _ := h.Filename()
			files = append(files, attachment{name, body})
		}
	}
	return text, files
}

func textPart(t *testing.T, raw []byte) string {
	text, _ := parts(t, raw)
	return text
}

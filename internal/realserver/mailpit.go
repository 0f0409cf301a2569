package realserver

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/mail"
	"net/url"
	"path/filepath"
	"sort"
	"syscall"
	"testing"
	"time"
)

// MailpitServer is a private Mailpit started by Mailpit: an SMTP server that
// keeps every message it receives and shows them through an HTTP API.
type MailpitServer struct {
	// SMTPAddr is the host:port of its SMTP listener on 127.0.0.1. It takes
	// plain-text connections, with or without AUTH (any credentials).
	SMTPAddr string
	// APIURL is the base URL of its web interface and API, without a
	// trailing slash, e.g. http://127.0.0.1:41234.
	APIURL string
	// Args are more command-line options, taken at the next Start (e.g.
	// --smtp-allowed-recipients, to have a recipient refused with a 550).
	Args []string

	bin, dir string
	proc     *process
}

// MailpitMessage is a message received by Mailpit.
type MailpitMessage struct {
	// ID is Mailpit's identifier of the message.
	ID string
	// From is the address of the From header.
	From string
	// To, Cc and Bcc are addresses; Bcc holds the SMTP recipients that
	// appear in neither To nor Cc.
	To, Cc, Bcc []string
	// Subject is the decoded Subject header.
	Subject string
	// Created is when Mailpit received it.
	Created time.Time
	// Raw is the message as received.
	Raw []byte
	// Headers are the message's headers, parsed from Raw by net/mail.
	Headers mail.Header
	// Text and HTML are the decoded plain-text and HTML bodies.
	Text, HTML string
	// Attachments describe its attachments, not inline parts.
	Attachments []MailpitAttachment
}

// MailpitAttachment describes an attachment of a MailpitMessage; Attachment
// fetches its content.
type MailpitAttachment struct {
	PartID      string
	FileName    string
	ContentType string
	Size        int
}

// Mailpit starts a fresh Mailpit for this test, on free 127.0.0.1 ports and
// with its database in a temporary directory. It returns once the API and the
// SMTP listener answer, and stops it when the test ends. It skips the test if
// Mailpit is not installed, or fails it when Required.
func Mailpit(t testing.TB) *MailpitServer {
	t.Helper()
	var extra []string
	for _, d := range goBinDirs() {
		extra = append(extra, filepath.Join(d, "mailpit"))
	}
	m := &MailpitServer{bin: findBinary(t, "mailpit", extra...), dir: t.TempDir()}

	// Cleanups run last first: stop, then show the log if the test failed.
	t.Cleanup(func() {
		if t.Failed() {
			logFiles(t, filepath.Join(m.dir, "mailpit.log"))
		}
	})
	t.Cleanup(func() { m.stop(t) })

	// Another process may take a free port before Mailpit binds it: then try
	// again on other ones.
	for attempt := 1; ; attempt++ {
		m.SMTPAddr = freePort(t)
		m.APIURL = "http://" + freePort(t)
		err := m.start()
		if err == nil {
			return m
		}
		if attempt == 3 {
			t.Fatalf("realserver: start Mailpit: %v", err)
		}
	}
}

// start runs Mailpit as a child of the test and waits until it answers.
func (m *MailpitServer) start() error {
	args := append([]string{
		"--smtp", m.SMTPAddr,
		"--listen", m.APIURL[len("http://"):],
		"--database", filepath.Join(m.dir, "mailpit.db"),
		"--smtp-auth-accept-any", "--smtp-auth-allow-insecure",
		"--disable-version-check"}, m.Args...)
	p, err := startProcess(filepath.Join(m.dir, "mailpit.log"), m.bin, args...)
	if err != nil {
		return err
	}
	err = m.waitAPI(p, 30*time.Second)
	if err == nil {
		err = waitGreeting(p, m.SMTPAddr, "220", 10*time.Second)
	}
	if err != nil {
		p.cmd.Process.Kill()
		<-p.done
		return err
	}
	m.proc = p
	return nil
}

// waitAPI waits until the message list answers 200.
func (m *MailpitServer) waitAPI(p *process, timeout time.Duration) error {
	client := &http.Client{Timeout: 2 * time.Second}
	deadline := time.Now().Add(timeout)
	var last error
	for time.Now().Before(deadline) {
		if p.exited() {
			return fmt.Errorf("exited before answering on %s: %v", m.APIURL, p.err)
		}
		resp, err := client.Get(m.APIURL + "/api/v1/messages?limit=1")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
			err = fmt.Errorf("status %s", resp.Status)
		}
		last = err
		time.Sleep(50 * time.Millisecond)
	}
	return fmt.Errorf("API on %s not ready after %v: %v", m.APIURL, timeout, last)
}

// Stop stops the server, as for a test of the daemon's behaviour when its
// SMTP server goes away. Start starts it again.
func (m *MailpitServer) Stop(t testing.TB) {
	t.Helper()
	if m.proc == nil {
		t.Fatal("realserver: Mailpit is not running")
	}
	m.stop(t)
}

// stop stops the server if it runs.
func (m *MailpitServer) stop(t testing.TB) {
	t.Helper()
	p := m.proc
	if p == nil {
		return
	}
	m.proc = nil
	p.cmd.Process.Signal(syscall.SIGTERM)
	if !p.wait(30 * time.Second) {
		t.Errorf("realserver: Mailpit did not stop within 30s; killed it")
	}
}

// Start starts the server again after Stop, on the same ports and with the
// same database.
func (m *MailpitServer) Start(t testing.TB) {
	t.Helper()
	if m.proc != nil {
		t.Fatal("realserver: Mailpit is already running")
	}
	var err error
	for attempt := 1; attempt <= 5; attempt++ {
		if err = m.start(); err == nil {
			return
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Fatalf("realserver: restart Mailpit: %v", err)
}

// get fetches an API path and returns the body of a 200 answer.
func (m *MailpitServer) get(t testing.TB, path string) []byte {
	t.Helper()
	client := &http.Client{Timeout: 30 * time.Second}
	resp, err := client.Get(m.APIURL + path)
	if err != nil {
		t.Fatalf("realserver: Mailpit API: %v", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("realserver: Mailpit API GET %s: %v", path, err)
	}
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("realserver: Mailpit API GET %s: %s: %s", path, resp.Status, body)
	}
	return body
}

// getJSON fetches an API path and decodes its JSON answer into v.
func (m *MailpitServer) getJSON(t testing.TB, path string, v any) {
	t.Helper()
	if err := json.Unmarshal(m.get(t, path), v); err != nil {
		t.Fatalf("realserver: Mailpit API GET %s: %v", path, err)
	}
}

// Mailpit's JSON, as far as used here.
type (
	mpAddress struct{ Address string }
	mpSummary struct {
		ID          string
		From        *mpAddress
		To, Cc, Bcc []mpAddress
		Subject     string
		Created     time.Time
	}
	mpList struct {
		Total    int `json:"total"`
		Messages []mpSummary
	}
	mpMessage struct {
		Text, HTML  string
		Attachments []MailpitAttachment
	}
)

func addresses(l []mpAddress) []string {
	var s []string
	for _, a := range l {
		s = append(s, a.Address)
	}
	return s
}

// list returns the summaries of all messages, oldest first.
func (m *MailpitServer) list(t testing.TB) []mpSummary {
	t.Helper()
	var all []mpSummary
	for {
		var page mpList
		m.getJSON(t, fmt.Sprintf("/api/v1/messages?start=%d&limit=200", len(all)), &page)
		all = append(all, page.Messages...)
		if len(page.Messages) == 0 || len(all) >= page.Total {
			break
		}
	}
	// Mailpit lists the newest first.
	for i, j := 0, len(all)-1; i < j; i, j = i+1, j-1 {
		all[i], all[j] = all[j], all[i]
	}
	sort.SliceStable(all, func(i, j int) bool { return all[i].Created.Before(all[j].Created) })
	return all
}

// Messages returns all messages Mailpit has received, oldest first.
func (m *MailpitServer) Messages(t testing.TB) []MailpitMessage {
	t.Helper()
	msgs := []MailpitMessage{}
	for _, s := range m.list(t) {
		id := url.PathEscape(s.ID)
		msg := MailpitMessage{
			ID:      s.ID,
			To:      addresses(s.To),
			Cc:      addresses(s.Cc),
			Bcc:     addresses(s.Bcc),
			Subject: s.Subject,
			Created: s.Created,
			Raw:     m.get(t, "/api/v1/message/"+id+"/raw"),
		}
		if s.From != nil {
			msg.From = s.From.Address
		}
		var full mpMessage
		m.getJSON(t, "/api/v1/message/"+id, &full)
		msg.Text, msg.HTML, msg.Attachments = full.Text, full.HTML, full.Attachments
		parsed, err := mail.ReadMessage(bytes.NewReader(msg.Raw))
		if err != nil {
			t.Fatalf("realserver: parse the headers of message %s: %v\n%s", s.ID, err, msg.Raw)
		}
		msg.Headers = parsed.Header
		msgs = append(msgs, msg)
	}
	return msgs
}

// WaitMessages polls until Mailpit has received at least n messages, then
// returns them all as Messages does. It fails the test after timeout.
func (m *MailpitServer) WaitMessages(t testing.TB, n int, timeout time.Duration) []MailpitMessage {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		var page mpList
		m.getJSON(t, "/api/v1/messages?limit=1", &page)
		if page.Total >= n {
			return m.Messages(t)
		}
		if time.Now().After(deadline) {
			var subjects []string
			for _, s := range m.list(t) {
				subjects = append(subjects, fmt.Sprintf("%q", s.Subject))
			}
			t.Fatalf("realserver: Mailpit received %d messages within %v, want at least %d; subjects: %v",
				page.Total, timeout, n, subjects)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// Attachment returns the content of a part of a message, such as an
// attachment listed in MailpitMessage.Attachments.
func (m *MailpitServer) Attachment(t testing.TB, messageID, partID string) []byte {
	t.Helper()
	return m.get(t, "/api/v1/message/"+url.PathEscape(messageID)+"/part/"+url.PathEscape(partID))
}

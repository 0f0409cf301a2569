package directory

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/laclasse/intake/convention"
)

// memStore is the store in memory: the rows in use and the state.
type memStore struct {
	mu    sync.Mutex
	rows  map[string]convention.DirectoryEntry
	state convention.DirectoryState
	now   func() time.Time
}

func (s *memStore) DirectoryState(context.Context) (convention.DirectoryState, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.state, nil
}

func (s *memStore) ReplaceDirectory(_ context.Context, st convention.DirectoryState, rows func(func(convention.DirectoryEntry) error) (int, error)) error {
	next := map[string]convention.DirectoryEntry{}
	n, err := rows(func(e convention.DirectoryEntry) error { next[e.UAI] = e; return nil })
	if err != nil {
		return err // the transaction rolls back
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	s.rows = next
	s.state.SHA256, s.state.Rows, s.state.ETag, s.state.LastModified = st.SHA256, n, st.ETag, st.LastModified
	s.state.LoadedAt, s.state.CheckedAt = &now, &now
	return nil
}

func (s *memStore) DirectoryChecked(_ context.Context, at time.Time, etag, lm string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.state.CheckedAt = &at
	if etag != "" {
		s.state.ETag = etag
	}
	if lm != "" {
		s.state.LastModified = lm
	}
	return nil
}

func (s *memStore) DirectoryFailed(_ context.Context, at time.Time, reason, detail string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.state.FailedAt, s.state.Failure, s.state.FailureDetail = &at, reason, detail
	return nil
}

// publisher is the Ministry's server: it serves body with an ETag and answers 304 to a request
// that names it.
type publisher struct {
	mu       sync.Mutex
	body     []byte
	etag     string
	status   int // 0: 200 or 304
	requests []http.Header
}

func (p *publisher) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.requests = append(p.requests, r.Header.Clone())
	if p.status != 0 {
		w.WriteHeader(p.status)
		return
	}
	w.Header().Set("ETag", p.etag)
	w.Header().Set("Last-Modified", "Wed, 27 May 2026 06:00:00 GMT")
	if r.Header.Get("If-None-Match") == p.etag {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	w.Write(p.body)
}

func (p *publisher) serve(body []byte, etag string, status int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.body, p.etag, p.status = body, etag, status
}

func (p *publisher) last() http.Header {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.requests[len(p.requests)-1]
}

// TestRefresh downloads the real extract from a local server, then a file not modified, a
// truncated file, a shrunken one, a server error, and a good new file: only the good files are
// swapped in, and each refusal is recorded with its reason.
func TestRefresh(t *testing.T) {
	ctx := context.Background()
	real, err := os.ReadFile(realExtract(t))
	if err != nil {
		t.Fatal(err)
	}
	pub := &publisher{}
	srv := httptest.NewServer(pub)
	defer srv.Close()
	now := time.Date(2026, 6, 1, 4, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	store := &memStore{now: clock}
	file := filepath.Join(t.TempDir(), "annuaire.csv")
	l := &Loader{File: file, URL: srv.URL + "/annuaire.csv", Store: store, Now: clock, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}

	pub.serve(real, `"v1"`, 0)
	res, err := l.Refresh(ctx)
	if err != nil || !res.Loaded || res.Rows != 613 || len(store.rows) != 613 {
		t.Fatalf("first refresh: %+v, %v (%d rows stored)", res, err, len(store.rows))
	}
	if got, _ := os.ReadFile(file); !bytes.Equal(got, real) {
		t.Fatal("the file was not written")
	}
	if store.state.ETag != `"v1"` || store.state.Failing() {
		t.Errorf("state %+v", store.state)
	}

	t.Run("NotModified", func(t *testing.T) {
		now = now.Add(24 * time.Hour)
		res, err := l.Refresh(ctx)
		if err != nil || !res.NotNewer || res.Loaded {
			t.Fatalf("%+v, %v", res, err)
		}
		if h := pub.last(); h.Get("If-None-Match") != `"v1"` || h.Get("If-Modified-Since") != "Wed, 27 May 2026 06:00:00 GMT" {
			t.Errorf("request headers %v", h)
		}
		if !store.state.CheckedAt.Equal(now) {
			t.Errorf("checked at %v", store.state.CheckedAt)
		}
	})

	refused := func(t *testing.T, want Reason) {
		t.Helper()
		now = now.Add(24 * time.Hour)
		res, err := l.Refresh(ctx)
		if err == nil || ReasonOf(err) != want || res.Loaded {
			t.Fatalf("%+v, %v; want refused for %s", res, err, want)
		}
		if got, _ := os.ReadFile(file); !bytes.Equal(got, real) {
			t.Error("the file in use was replaced")
		}
		if len(store.rows) != 613 || store.state.Rows != 613 {
			t.Errorf("the rows in use changed: %d", len(store.rows))
		}
		if !store.state.Failing() || store.state.Failure != string(want) || !store.state.FailedAt.Equal(now) {
			t.Errorf("state %+v", store.state)
		}
		left, _ := filepath.Glob(filepath.Join(filepath.Dir(file), ".*download"))
		if len(left) != 0 {
			t.Errorf("temporary files left: %v", left)
		}
	}
	t.Run("ErrTruncated", func(t *testing.T) {
		pub.serve(real[:len(real)*2/3], `"v2"`, 0)
		refused(t, ReasonTruncated)
	})
	t.Run("ErrShrunk", func(t *testing.T) {
		// 500 of the 613 rows, whole lines: 18 % fewer.
		lines := bytes.SplitAfter(real, []byte("\r\n"))
		pub.serve(bytes.Join(lines[:501], nil), `"v3"`, 0)
		refused(t, ReasonShrunk)
	})
	t.Run("ErrServer", func(t *testing.T) {
		pub.serve(nil, "", http.StatusInternalServerError)
		refused(t, ReasonDownload)
	})
	t.Run("ErrMissingColumns", func(t *testing.T) {
		pub.serve(bytes.Replace(real, []byte("Code_commune"), []byte("Code_postal2"), 1), `"v4"`, 0)
		refused(t, ReasonMissingColumns)
	})
	t.Run("OK", func(t *testing.T) {
		// A file with one school more replaces the one in use.
		lines := bytes.SplitAfter(real, []byte("\r\n"))
		extra := bytes.Replace(lines[1], []byte("0940176F"), []byte("0949999W"), 1)
		next := append(append([]byte{}, real...), extra...)
		pub.serve(next, `"v5"`, 0)
		now = now.Add(24 * time.Hour)
		res, err := l.Refresh(ctx)
		if err != nil || !res.Loaded || res.Rows != 614 || res.Previous != 613 {
			t.Fatalf("%+v, %v", res, err)
		}
		if _, ok := store.rows["0949999W"]; !ok || store.state.Failing() || store.state.ETag != `"v5"` {
			t.Errorf("new file not in use: %+v", store.state)
		}
		if got, _ := os.ReadFile(file); !bytes.Equal(got, next) {
			t.Error("the file was not swapped in")
		}
	})
}

// TestLoad loads the file when it changed, and not otherwise; a missing file is a failure that
// keeps the rows in use.
func TestLoad(t *testing.T) {
	ctx := context.Background()
	real, err := os.ReadFile(realExtract(t))
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 6, 1, 4, 0, 0, 0, time.UTC)
	store := &memStore{now: func() time.Time { return now }}
	file := filepath.Join(t.TempDir(), "annuaire.csv")
	if err := os.WriteFile(file, real, 0o644); err != nil {
		t.Fatal(err)
	}
	l := &Loader{File: file, Store: store, Now: store.now, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
	if res, err := l.Load(ctx); err != nil || !res.Loaded || res.Rows != 613 {
		t.Fatalf("%+v %v", res, err)
	}
	if res, err := l.Refresh(ctx); err != nil || res.Loaded || !res.NotNewer {
		t.Fatalf("same file loaded again: %+v %v", res, err)
	}
	os.Remove(file)
	if _, err := l.Load(ctx); err == nil || len(store.rows) != 613 || store.state.Failure != string(ReasonUnreadable) {
		t.Fatalf("missing file: %v, %d rows, %+v", err, len(store.rows), store.state)
	}
}

// TestRefreshHostile: what a server may do to a refresh. A redirect to another host is followed,
// one from https to http is not; an HTML page served with 200, a file larger than the bound
// (announced or not), a server that stalls, and a shutdown during a download leave the file and
// the rows in use. A gzip file, compressed in transit or not, is read.
func TestRefreshHostile(t *testing.T) {
	ctx := context.Background()
	real, err := os.ReadFile(realExtract(t))
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 6, 1, 4, 0, 0, 0, time.UTC)
	// loaded returns a loader whose file and store hold the real extract, downloading from url.
	loaded := func(t *testing.T, url string) (*Loader, *memStore) {
		t.Helper()
		store := &memStore{now: func() time.Time { return now }}
		file := filepath.Join(t.TempDir(), "annuaire.csv")
		if err := os.WriteFile(file, real, 0o644); err != nil {
			t.Fatal(err)
		}
		l := &Loader{File: file, URL: url, Store: store, Now: store.now, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
		if _, err := l.Load(ctx); err != nil {
			t.Fatal(err)
		}
		return l, store
	}
	kept := func(t *testing.T, l *Loader, store *memStore) {
		t.Helper()
		if got, _ := os.ReadFile(l.File); !bytes.Equal(got, real) {
			t.Error("the file in use was replaced")
		}
		if len(store.rows) != 613 {
			t.Errorf("the rows in use changed: %d", len(store.rows))
		}
		if left, _ := filepath.Glob(filepath.Join(filepath.Dir(l.File), ".*download")); len(left) != 0 {
			t.Errorf("temporary files left: %v", left)
		}
	}
	serve := func(t *testing.T, h http.HandlerFunc) *httptest.Server {
		srv := httptest.NewServer(h)
		t.Cleanup(srv.Close)
		return srv
	}
	// A file one row longer than the extract, so that taking it shows.
	lines := bytes.SplitAfter(real, []byte("\r\n"))
	next := append(append([]byte{}, real...), bytes.Replace(lines[1], []byte("0940176F"), []byte("0949999W"), 1)...)

	t.Run("RedirectToAnotherHost", func(t *testing.T) {
		other := serve(t, func(w http.ResponseWriter, r *http.Request) { w.Write(next) })
		origin := serve(t, func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, other.URL+"/static/annuaire.csv", http.StatusFound)
		})
		l, store := loaded(t, strings.Replace(origin.URL, "127.0.0.1", "localhost", 1)+"/fr/datasets/r/annuaire")
		if res, err := l.Refresh(ctx); err != nil || !res.Loaded || len(store.rows) != 614 {
			t.Fatalf("%+v %v", res, err)
		}
	})
	t.Run("ErrRedirectToHTTP", func(t *testing.T) {
		plain := serve(t, func(w http.ResponseWriter, r *http.Request) { w.Write(next) })
		tls := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, plain.URL+"/annuaire.csv", http.StatusMovedPermanently)
		}))
		defer tls.Close()
		l, store := loaded(t, tls.URL+"/annuaire.csv")
		l.Client = tls.Client()
		if _, err := l.Refresh(ctx); ReasonOf(err) != ReasonDownload || !strings.Contains(err.Error(), "from https to") {
			t.Errorf("a downgrade to http: %v", err)
		}
		kept(t, l, store)
	})
	t.Run("ErrHTMLPage", func(t *testing.T) {
		srv := serve(t, func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			io.WriteString(w, "<!DOCTYPE html><html><body><h1>Maintenance</h1></body></html>")
		})
		l, store := loaded(t, srv.URL)
		if _, err := l.Refresh(ctx); ReasonOf(err) != ReasonUnreadable || !strings.Contains(err.Error(), "HTML") {
			t.Errorf("an HTML page: %v", err)
		}
		kept(t, l, store)
		if store.state.Failure != string(ReasonUnreadable) {
			t.Errorf("state %+v", store.state)
		}
	})
	for _, announced := range []bool{true, false} {
		t.Run(fmt.Sprintf("ErrTooLarge/announced=%v", announced), func(t *testing.T) {
			srv := serve(t, func(w http.ResponseWriter, r *http.Request) {
				if announced {
					w.Header().Set("Content-Length", strconv.Itoa(1<<40))
				}
				chunk := bytes.Repeat(real[:4096], 16)
				for i := 0; i < 64 && r.Context().Err() == nil; i++ { // 4 MB, or 1 TB announced
					if _, err := w.Write(chunk); err != nil {
						return
					}
				}
			})
			l, store := loaded(t, srv.URL)
			l.MaxBytes = 1 << 20
			if _, err := l.Refresh(ctx); ReasonOf(err) != ReasonDownload {
				t.Errorf("a file over the bound: %v", err)
			}
			kept(t, l, store)
		})
	}
	stall := func(t *testing.T) *httptest.Server {
		release := make(chan struct{})
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Write(real[:1000])
			w.(http.Flusher).Flush()
			select {
			case <-release:
			case <-r.Context().Done():
			}
		}))
		t.Cleanup(func() { close(release); srv.Close() })
		return srv
	}
	t.Run("ErrStalls", func(t *testing.T) {
		l, store := loaded(t, stall(t).URL)
		l.Client = &http.Client{Timeout: 300 * time.Millisecond}
		start := time.Now()
		if _, err := l.Refresh(ctx); ReasonOf(err) != ReasonDownload || time.Since(start) > 5*time.Second {
			t.Errorf("a server that stalls: %v after %v", err, time.Since(start))
		}
		kept(t, l, store)
	})
	t.Run("ShutdownDuringDownload", func(t *testing.T) {
		l, store := loaded(t, stall(t).URL)
		ctx, cancel := context.WithTimeout(ctx, 300*time.Millisecond)
		defer cancel()
		if _, err := l.Refresh(ctx); !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("refresh at shutdown: %v", err)
		}
		kept(t, l, store)
		if store.state.Failing() {
			t.Errorf("a shutdown is recorded as a refused file: %+v", store.state)
		}
	})
	t.Run("Gzip", func(t *testing.T) {
		var gz bytes.Buffer
		zw := gzip.NewWriter(&gz)
		zw.Write(next)
		zw.Close()
		for _, encoded := range []bool{true, false} {
			srv := serve(t, func(w http.ResponseWriter, r *http.Request) {
				if encoded {
					w.Header().Set("Content-Encoding", "gzip") // the transport inflates it
				} else {
					w.Header().Set("Content-Type", "application/gzip") // a .csv.gz file
				}
				w.Write(gz.Bytes())
			})
			l, store := loaded(t, srv.URL)
			if res, err := l.Refresh(ctx); err != nil || !res.Loaded || len(store.rows) != 614 {
				t.Errorf("gzip (Content-Encoding %v): %+v %v", encoded, res, err)
			}
		}
	})
}

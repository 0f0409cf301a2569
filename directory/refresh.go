package directory

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/laclasse/intake/convention"
)

// Store keeps the directory's rows and the state of the file in use (sqlite.DB).
type Store interface {
	DirectoryState(ctx context.Context) (convention.DirectoryState, error)
	// ReplaceDirectory replaces every row by those rows yields, in one transaction, unless rows
	// fails.
	ReplaceDirectory(ctx context.Context, st convention.DirectoryState, rows func(yield func(convention.DirectoryEntry) error) (int, error)) error
	DirectoryChecked(ctx context.Context, at time.Time, etag, lastModified string) error
	DirectoryFailed(ctx context.Context, at time.Time, reason, detail string) error
}

// MaxDownload bounds a download, in bytes: the national file is about 40 MB.
const MaxDownload = 512 << 20

// Loader keeps the store's directory in step with File, and File with URL.
type Loader struct {
	// File is the directory as published ([directory] file): read at start and at each
	// refresh, replaced by a refresh's download once it is checked.
	File string
	// URL is where the Ministry publishes it ([directory] url); "" turns downloads off.
	URL string
	// Client downloads URL; nil: a client with a 5-minute timeout. Either way it follows at
	// most 10 redirects, to any host (data.gouv.fr's stable links redirect to the producer's),
	// but never from https to http: the directory decides whose schools a commune may list.
	Client *http.Client
	// MaxBytes bounds a download; 0: MaxDownload.
	MaxBytes int64
	// AcceptShrink takes a file that has more than MaxShrink fewer rows than the one in use (a
	// shrink staff confirmed: `intaked directory --accept-shrink`); every other check still applies.
	AcceptShrink bool
	Store        Store
	Now          func() time.Time
	Logger       *slog.Logger // nil: none
}

func (l *Loader) log() *slog.Logger {
	if l.Logger == nil {
		return slog.New(slog.DiscardHandler)
	}
	return l.Logger
}

// Result says what a load or a refresh did.
type Result struct {
	Loaded    bool // a new file is in use
	Rows      int  // rows of the file in use
	NotNewer  bool // the server said the file had not changed (304), or it was the same file
	Previous  int  // rows of the file in use before
	Refused   error
	Refreshed bool // a download was tried
}

// Load loads File into the store when it is not the file in use (by its SHA-256), checking it
// first: a file that is not usable whole is not loaded, the previous rows stay, and the store
// records why (shown in the summary and /metrics). A file that is missing is an error too.
func (l *Loader) Load(ctx context.Context) (Result, error) {
	return l.load(ctx, "", "")
}

func (l *Loader) load(ctx context.Context, etag, lastModified string) (Result, error) {
	prev, err := l.Store.DirectoryState(ctx)
	if err != nil {
		return Result{}, err
	}
	res := Result{Rows: prev.Rows, Previous: prev.Rows}
	sum, err := fileSHA256(l.File)
	if err != nil {
		return res, l.fail(ctx, &res, invalid(ReasonUnreadable, "%v", err))
	}
	if sum == prev.SHA256 && prev.LoadedAt != nil {
		res.NotNewer = true
		if etag != "" || lastModified != "" {
			return res, l.Store.DirectoryChecked(ctx, l.Now(), etag, lastModified)
		}
		return res, nil
	}
	f, err := os.Open(l.File)
	if err != nil {
		return res, l.fail(ctx, &res, invalid(ReasonUnreadable, "%v", err))
	}
	defer f.Close()
	st := convention.DirectoryState{SHA256: sum, ETag: etag, LastModified: lastModified}
	if etag == "" && lastModified == "" && sum == prev.SHA256 {
		st.ETag, st.LastModified = prev.ETag, prev.LastModified
	}
	var rows int
	err = l.Store.ReplaceDirectory(ctx, st, func(yield func(convention.DirectoryEntry) error) (int, error) {
		n, err := Read(f, yield)
		if err != nil {
			return n, err
		}
		rows = n
		return n, CheckShrink(n, l.previous(prev.Rows))
	})
	var ie *InvalidError
	if errors.As(err, &ie) {
		return res, l.fail(ctx, &res, err)
	} else if err != nil {
		return res, fmt.Errorf("load the directory %s: %w", l.File, err)
	}
	res.Loaded, res.Rows = true, rows
	l.log().Info("directory loaded", "file", l.File, "rows", rows, "previous", prev.Rows)
	return res, nil
}

// fail records err, a file not used, in the store, and returns it.
func (l *Loader) fail(ctx context.Context, res *Result, err error) error {
	res.Refused = err
	detail := err.Error()
	var ie *InvalidError
	if errors.As(err, &ie) {
		detail = ie.Detail
	}
	l.log().Warn("directory file not used: keeping the previous one", "file", l.File, "err", err)
	if rerr := l.Store.DirectoryFailed(ctx, l.Now(), string(ReasonOf(err)), detail); rerr != nil {
		return errors.Join(err, rerr)
	}
	return err
}

// Refresh downloads URL when the server has a newer file than the last one (If-None-Match,
// If-Modified-Since), checks it, swaps it in for File atomically (a temporary file renamed
// over it) and loads it. A download that fails, or a file that is not usable whole, leaves File
// and the store's rows as they were, and the store records why. Without URL, it loads File when
// it changed.
func (l *Loader) Refresh(ctx context.Context) (Result, error) {
	if l.URL == "" {
		return l.Load(ctx)
	}
	prev, err := l.Store.DirectoryState(ctx)
	if err != nil {
		return Result{}, err
	}
	res := Result{Refreshed: true, Rows: prev.Rows, Previous: prev.Rows}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, l.URL, nil)
	if err != nil {
		return res, l.fail(ctx, &res, invalid(ReasonDownload, "%v", err))
	}
	if _, err := os.Stat(l.File); err == nil && prev.LoadedAt != nil {
		// Conditional only when the file the validators describe is still there.
		if prev.ETag != "" {
			req.Header.Set("If-None-Match", prev.ETag)
		}
		if prev.LastModified != "" {
			req.Header.Set("If-Modified-Since", prev.LastModified)
		}
	}
	resp, err := l.client().Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return res, ctx.Err()
		}
		return res, l.fail(ctx, &res, invalid(ReasonDownload, "%v", err))
	}
	defer resp.Body.Close()
	switch resp.StatusCode {
	case http.StatusNotModified:
		res.NotNewer = true
		if err := l.Store.DirectoryChecked(ctx, l.Now(), "", ""); err != nil {
			return res, err
		}
		l.log().Info("directory not modified", "url", l.URL)
		return res, nil
	case http.StatusOK:
	default:
		return res, l.fail(ctx, &res, invalid(ReasonDownload, "%s answered %s", l.URL, resp.Status))
	}
	if resp.ContentLength > l.maxBytes() {
		return res, l.fail(ctx, &res, invalid(ReasonDownload, "%s announces %d bytes, more than %d", l.URL, resp.ContentLength, l.maxBytes()))
	}
	tmp, err := l.download(resp.Body)
	if err != nil {
		if ctx.Err() != nil {
			return res, ctx.Err()
		}
		return res, l.fail(ctx, &res, err)
	}
	defer os.Remove(tmp) // gone once renamed
	// Checked before it replaces File: a bad download never reaches the disk's copy.
	if err := checkFile(tmp, l.previous(prev.Rows)); err != nil {
		return res, l.fail(ctx, &res, err)
	}
	if err := os.Rename(tmp, l.File); err != nil {
		return res, l.fail(ctx, &res, invalid(ReasonUnreadable, "swap in the download: %v", err))
	}
	syncDir(filepath.Dir(l.File))
	loaded, err := l.load(ctx, resp.Header.Get("ETag"), resp.Header.Get("Last-Modified"))
	loaded.Refreshed = true
	return loaded, err
}

// previous is the rows a new file is compared with: none with AcceptShrink.
func (l *Loader) previous(rows int) int {
	if l.AcceptShrink {
		return 0
	}
	return rows
}

func (l *Loader) maxBytes() int64 {
	if l.MaxBytes > 0 {
		return l.MaxBytes
	}
	return MaxDownload
}

// client is Client (or the default one) with the redirect policy of Client's comment.
func (l *Loader) client() *http.Client {
	c := &http.Client{Timeout: 5 * time.Minute}
	if l.Client != nil {
		cc := *l.Client
		c = &cc
	}
	next := c.CheckRedirect
	c.CheckRedirect = func(req *http.Request, via []*http.Request) error {
		if len(via) >= 10 {
			return fmt.Errorf("more than 10 redirects")
		}
		if req.URL.Scheme != "https" && via[0].URL.Scheme == "https" {
			return fmt.Errorf("redirected from https to %s: refused", req.URL.Redacted())
		}
		if next != nil {
			return next(req, via)
		}
		return nil
	}
	return c
}

// download writes body to a temporary file next to File, synced, and returns its name.
func (l *Loader) download(body io.Reader) (string, error) {
	f, err := os.CreateTemp(filepath.Dir(l.File), "."+filepath.Base(l.File)+".*.download")
	if err != nil {
		return "", invalid(ReasonDownload, "%v", err)
	}
	name := f.Name()
	n, err := io.Copy(f, io.LimitReader(body, l.maxBytes()+1))
	if err == nil && n > l.maxBytes() {
		err = fmt.Errorf("more than %d bytes", l.maxBytes())
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(name)
		return "", invalid(ReasonDownload, "%v", err)
	}
	return name, nil
}

// checkFile reads the file at path whole, as a load would, and checks it against the previous
// file's rows.
func checkFile(path string, previous int) error {
	f, err := os.Open(path)
	if err != nil {
		return invalid(ReasonUnreadable, "%v", err)
	}
	defer f.Close()
	n, err := Read(f, func(convention.DirectoryEntry) error { return nil })
	if err != nil {
		return err
	}
	return CheckShrink(n, previous)
}

func fileSHA256(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// syncDir makes a rename in dir durable; a failure only loses the rename at a crash, when the
// next refresh downloads the file again.
func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
}

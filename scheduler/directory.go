package scheduler

import (
	"context"
	"time"

	"github.com/laclasse/intake/convention"
	"github.com/laclasse/intake/sqlite"
	"github.com/laclasse/intake/templates"
)

// directoryRefresh downloads the national directory of schools again (or reloads its file when
// it changed), outside the store's write transaction, then records the occurrence. A download
// or a file that is refused is not a failure of the job: the store records it, the previous
// directory stays in use, and the next summary and /metrics show it; the next occurrence tries
// again. Only a store that cannot be written leaves the occurrence for the next tick.
func (c Calendar) directoryRefresh() Job {
	return Job{Name: "directory", Spec: c.Specs.DirectoryRefresh, CatchUpOnce: true,
		Before: func(ctx context.Context, _ time.Time) error {
			res, err := c.Directory.Refresh(ctx)
			if err != nil && res.Refused == nil {
				return err // the store or ctx: try again at the next tick
			}
			return nil
		},
		Run: func(context.Context, *sqlite.Tx, time.Time, time.Time) ([]convention.OutgoingMail, error) {
			return nil, nil
		},
	}
}

// digestDirectory adds to the digest of [prev, occ) what the national directory has to say: the
// last new file refused, for as long as no file was taken since (every summary says it until it
// is put right), and the schools lists had accepted with its warning.
func (c Calendar) digestDirectory(tx *sqlite.Tx, d *templates.Digest, prev, occ time.Time) error {
	if c.Directory == nil {
		return nil
	}
	st, err := tx.DirectoryState()
	if err != nil {
		return err
	}
	if st.Failing() {
		f := &templates.DirectoryFailure{At: st.FailedAt.In(c.loc()), Reason: templates.DirectoryRefusal(st.Failure), Rows: st.Rows}
		if st.LoadedAt != nil {
			f.LoadedAt = st.LoadedAt.In(c.loc())
		}
		d.DirectoryFailure = f
	}
	warnings, err := tx.DirectoryWarnings(prev, occ)
	if err != nil {
		return err
	}
	for _, w := range warnings {
		d.DirectoryWarnings = append(d.DirectoryWarnings, templates.DirectoryWarning{Commune: w.Commune, ReceivedAt: w.ReceivedAt.In(c.loc()), Message: w.Message})
	}
	return nil
}

// watchDirectory adds to the weekly overview the registered schools the directory says close or
// no longer lists, and those it places in another commune (none without [directory]).
func (c Calendar) watchDirectory(tx *sqlite.Tx, w *templates.Weekly) error {
	if c.Directory == nil {
		return nil
	}
	watched, err := tx.DirectoryWatch()
	if err != nil {
		return err
	}
	for _, dw := range watched {
		line := templates.DirectoryWatched{Commune: dw.School.Commune, UAI: dw.School.UAI, Name: dw.School.Name, Listed: dw.Listed}
		if !dw.Listed || dw.Entry.Closing() {
			w.Closing = append(w.Closing, line)
		}
		if dw.Elsewhere {
			line.Elsewhere = dw.Entry.Commune
			w.Elsewhere = append(w.Elsewhere, line)
		}
	}
	return nil
}

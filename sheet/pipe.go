package sheet

import (
	"context"
	"fmt"
	"strings"

	"github.com/laclasse/intake/templates"
)

// rowSink receives what a format reader finds, sheet by sheet and row by row. Rows come in
// increasing order within a sheet; num is 1-based, as the spreadsheet shows it; cells[i] is the
// text of column i (0 for A). The sink may keep cells: a reader never reuses the slice.
type rowSink interface {
	sheet(name string) error
	row(num int, cells []string) error
}

// event is one step of the stream a reader produces: a new sheet (num == 0) or a row.
type event struct {
	sheet string
	num   int
	cells []string
}

// batchSize is the number of events sent at once to the checking goroutine.
const batchSize = 256

// pipe is the rowSink the readers write to. It enforces the limits on rows and cells as they are
// read, and hands rows in batches to a second goroutine that finds the layout and checks values,
// so that checking runs while reading goes on.
type pipe struct {
	ctx      context.Context
	lim      Limits
	rows     int
	cells    int64
	rawCells int64
	batch    []event
	ch       chan []event
	done     chan struct{}
	closed   bool
	panicked any // set by the checking goroutine before done is closed
}

func newPipe(ctx context.Context, lim Limits, lay *layout) *pipe {
	p := &pipe{
		ctx:   ctx,
		lim:   lim,
		batch: make([]event, 0, batchSize),
		ch:    make(chan []event, 8),
		done:  make(chan struct{}),
	}
	go p.consume(lay)
	return p
}

// consume runs on its own goroutine until the channel is closed.
func (p *pipe) consume(lay *layout) {
	defer close(p.done)
	defer func() {
		if r := recover(); r != nil {
			p.panicked = r
			for range p.ch { // let the reader finish without blocking
			}
		}
	}()
	for batch := range p.ch {
		for i := range batch {
			if batch[i].num == 0 {
				lay.startSheet(batch[i].sheet)
			} else {
				lay.row(batch[i].num, batch[i].cells)
			}
		}
	}
}

func (p *pipe) sheet(name string) error {
	return p.push(event{sheet: cleanControls(name)})
}

func (p *pipe) row(num int, cells []string) error {
	p.rawCells += int64(len(cells))
	cells = cleanCells(cells)
	for len(cells) > 0 && cells[len(cells)-1] == "" {
		cells = cells[:len(cells)-1]
	}
	if p.rawCells > 8*p.lim.MaxCells {
		return errTooManyCells(p.lim)
	}
	if len(cells) == 0 {
		return nil
	}
	p.rows++
	p.cells += int64(len(cells))
	if p.rows > p.lim.MaxRows {
		return unreadable(nil, templates.SheetTooManyRows(p.lim.MaxRows))
	}
	if p.cells > p.lim.MaxCells {
		return errTooManyCells(p.lim)
	}
	return p.push(event{num: num, cells: cells})
}

func errTooManyCells(lim Limits) error {
	return unreadable(nil, templates.SheetTooManyCells(lim.MaxCells))
}

func (p *pipe) push(ev event) error {
	p.batch = append(p.batch, ev)
	if len(p.batch) < batchSize {
		return nil
	}
	return p.flush()
}

func (p *pipe) flush() error {
	if err := p.ctx.Err(); err != nil {
		return err
	}
	if len(p.batch) == 0 {
		return nil
	}
	select {
	case p.ch <- p.batch:
	case <-p.ctx.Done():
		return p.ctx.Err()
	}
	p.batch = make([]event, 0, batchSize)
	return nil
}

// finish sends what is left and waits for the checking goroutine.
func (p *pipe) finish() error {
	err := p.flush()
	p.abort()
	if p.panicked != nil {
		return fmt.Errorf("checking rows: panic: %v", p.panicked)
	}
	return err
}

// abort closes the stream, if still open, and waits for the checking goroutine.
func (p *pipe) abort() {
	if p.closed {
		return
	}
	p.closed = true
	close(p.ch)
	<-p.done
}

// cleanControls removes the control characters of a cell or a sheet name as it is read, in every
// format, so that no value taken from a file can drive the terminal, the log or the mail it is
// written to (an ESC starting a terminal sequence, a C1 CSI, a NUL): the C0 controls
// U+0000–U+001F, DEL and the C1 controls U+0080–U+009F. A tab, a line break (CR, LF, NEL) or
// another separator becomes a space, as a reader of the cell sees it. Removing ESC is enough to
// defuse an escape sequence: what follows it is printable text.
func cleanControls(s string) string {
	if !hasControls(s) {
		return s
	}
	return strings.Map(func(r rune) rune {
		switch {
		case r == '\t' || r == '\n' || r == '\r' || r == '\v' || r == '\f' || r == '\u0085':
			return ' '
		case r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0):
			return -1
		}
		return r
	}, s)
}

// hasControls reports whether s may hold a control character that cleanControls removes.
func hasControls(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c == 0x7f || c == 0xc2 {
			return true // 0xc2 leads the UTF-8 of U+0080–U+00BF, C1 controls included
		}
	}
	return false
}

// cleanCells returns cells with cleanControls applied to each. The slice is copied before the
// first change, never written: a reader may hand the same slice for repeated rows.
func cleanCells(cells []string) []string {
	out := cells
	for i, c := range cells {
		if !hasControls(c) {
			continue
		}
		if &out[0] == &cells[0] {
			out = append([]string(nil), cells...)
		}
		out[i] = cleanControls(c)
	}
	return out
}

package directory

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/laclasse/intake/convention"
	"github.com/laclasse/intake/internal/annuairegen"
	"github.com/laclasse/intake/sqlite"
)

// nationalFile writes, in dir, a directory of national size (annuairegen.NationalRows rows of
// every type) in the real extract's format.
func nationalFile(tb testing.TB, dir string) string {
	tb.Helper()
	x, err := annuairegen.ReadExtract(realExtract(tb))
	if err != nil {
		tb.Fatal(err)
	}
	path := filepath.Join(dir, "fr-en-annuaire-education.csv")
	f, err := os.Create(path)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	if err := x.Write(f, annuairegen.NationalRows); err != nil {
		tb.Fatal(err)
	}
	return path
}

// peakHeap samples the heap in use until stop is called, and returns the peak above the heap
// at its start.
func peakHeap() (stop func() uint64) {
	var ms runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&ms)
	base, peak := ms.HeapInuse, ms.HeapInuse
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(5 * time.Millisecond)
		defer t.Stop()
		for {
			var m runtime.MemStats
			runtime.ReadMemStats(&m)
			peak = max(peak, m.HeapInuse)
			select {
			case <-done:
				return
			case <-t.C:
			}
		}
	}()
	return func() uint64 {
		close(done)
		wg.Wait()
		return peak - base
	}
}

// load loads file into a new store in dir.
func load(tb testing.TB, dir, file string) Result {
	tb.Helper()
	store, err := sqlite.Open(context.Background(), filepath.Join(dir, fmt.Sprintf("intake-%d.db", time.Now().UnixNano())), nil)
	if err != nil {
		tb.Fatal(err)
	}
	defer store.Close()
	l := &Loader{File: file, Store: store, Now: time.Now}
	res, err := l.Load(context.Background())
	if err != nil {
		tb.Fatal(err)
	}
	return res
}

// TestLoadNational loads a directory of national size into the store: every row, every type.
func TestLoadNational(t *testing.T) {
	if testing.Short() {
		t.Skip("a national-size file")
	}
	dir := t.TempDir()
	file := nationalFile(t, dir)
	types := map[string]int{}
	if _, err := Read(mustOpen(t, file), func(e convention.DirectoryEntry) error { types[e.Type]++; return nil }); err != nil {
		t.Fatal(err)
	}
	if len(types) < 6 || types["Ecole"] < 40000 {
		t.Errorf("types %v", types)
	}
	start := time.Now()
	stop := peakHeap()
	res := load(t, dir, file)
	peak := stop()
	if res.Rows != annuairegen.NationalRows || !res.Loaded {
		t.Fatalf("%+v", res)
	}
	t.Logf("%d rows loaded in %v, heap peak +%.1f MB", res.Rows, time.Since(start).Round(time.Millisecond), float64(peak)/(1<<20))
}

func mustOpen(t *testing.T, path string) *os.File {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

// BenchmarkLoadNational measures loading a national-size directory (65,000 rows) into a new
// store: the check of the whole file, and its rows replaced in one transaction. It reports the
// peak of the heap above its level before the load.
func BenchmarkLoadNational(b *testing.B) {
	dir := b.TempDir()
	file := nationalFile(b, dir)
	var peak uint64
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		stop := peakHeap()
		load(b, dir, file)
		peak = max(peak, stop())
	}
	b.ReportMetric(float64(peak)/(1<<20), "MB-heap-peak")
}

// BenchmarkReadNational measures reading a national-size directory alone, without the store.
func BenchmarkReadNational(b *testing.B) {
	file := nationalFile(b, b.TempDir())
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		f, err := os.Open(file)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := Read(f, func(convention.DirectoryEntry) error { return nil }); err != nil {
			b.Fatal(err)
		}
		f.Close()
	}
}

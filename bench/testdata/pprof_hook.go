// This file is not part of any package of the module: the harness adds it to cmd/intaked with
// `go build -overlay` to build a second binary, used only for profiling. Nothing else of the
// daemon changes. With INTAKE_BENCH_PPROF=host:port, that binary serves net/http/pprof there;
// with INTAKE_BENCH_CPUPROFILE=FILE as well, it takes a CPU profile from its start until
// /bench/cpuprofile/stop is requested.

package main

import (
	"net"
	"net/http"
	_ "net/http/pprof" // registers /debug/pprof on http.DefaultServeMux
	"os"
	"runtime/pprof"
	"sync"
)

func init() {
	addr := os.Getenv("INTAKE_BENCH_PPROF")
	if addr == "" {
		return
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		os.Stderr.WriteString("bench pprof hook: " + err.Error() + "\n")
		return
	}
	if path := os.Getenv("INTAKE_BENCH_CPUPROFILE"); path != "" {
		f, err := os.Create(path)
		if err == nil {
			err = pprof.StartCPUProfile(f)
		}
		if err != nil {
			os.Stderr.WriteString("bench pprof hook: " + err.Error() + "\n")
		} else {
			var once sync.Once
			http.HandleFunc("/bench/cpuprofile/stop", func(w http.ResponseWriter, r *http.Request) {
				once.Do(func() {
					pprof.StopCPUProfile()
					f.Close()
				})
				w.Write([]byte("stopped\n"))
			})
		}
	}
	go func() { _ = http.Serve(ln, http.DefaultServeMux) }()
}

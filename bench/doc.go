// Package bench is the performance harness of intaked. It has no code of its own: everything is
// in its tests, which build cmd/intaked, start a private Dovecot and Mailpit on loopback
// (internal/realserver), run the daemon as a subprocess and write BENCHMARKS.md at the root of
// the module. Run it with one command:
//
//	INTAKE_BENCH=1 go test -run TestBenchmarks -timeout 40m -v ./bench/
//
// Without INTAKE_BENCH the test is skipped, so that `go test ./...` stays fast.
// INTAKE_BENCH=quick runs every measurement at a small size and writes the report to a temporary
// file, to check the harness itself; INTAKE_BENCH_OUT=FILE writes the report to FILE instead of
// BENCHMARKS.md. The hand-written analysis of the profiles, analysis.md, is copied into the report.
package bench

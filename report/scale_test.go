package report

import (
	"bytes"
	"fmt"
	"io"
	"runtime"
	"testing"
	"time"
)

// nationalFees is a fee statement of n communes of perCommune schools each.
func nationalFees(n, perCommune int) FeeStatement {
	st := FeeStatement{Year: "2025-2026", PerSchoolEUR: 150, Start: at(2025, 9, 1), End: at(2026, 9, 1)}
	for i := range n {
		c := CommuneFee{Name: fmt.Sprintf("Commune %04d", i), INSEE: fmt.Sprintf("%05d", 1000+i)}
		for j := range perCommune {
			act := at(2025, 9, 20)
			c.Lines = append(c.Lines, FeeLine{UAI: fmt.Sprintf("%07dA", i*100+j), Name: fmt.Sprintf("École %d", j),
				ReceivedAt: at(2025, 9, 5), ActivatedAt: &act, AmountEUR: 150})
		}
		c.Schools, c.AmountEUR = perCommune, perCommune*150
		st.TotalEUR += c.AmountEUR
		st.Communes = append(st.Communes, c)
	}
	return st
}

func TestProfileFees(t *testing.T) {
	for _, n := range []int{100, 400, 2000} {
		st := nationalFees(n, 22)
		t0 := time.Now()
		if err := WriteFeesXLSX(io.Discard, st); err != nil {
			t.Fatal(err)
		}
		t.Logf("%d communes: %v", n, time.Since(t0))
	}
	_ = bytes.MinRead
}

func TestTmpAllocs(t *testing.T) {
	for _, n := range []int{100, 400, 1600} {
		st := nationalFees(n, 22)
		var m0, m1 runtime.MemStats
		runtime.ReadMemStats(&m0)
		if err := WriteFeesXLSX(io.Discard, st); err != nil {
			t.Fatal(err)
		}
		runtime.ReadMemStats(&m1)
		t.Logf("%d: mallocs %d bytes %d", n, m1.Mallocs-m0.Mallocs, m1.TotalAlloc-m0.TotalAlloc)
	}
}

package bigstore

import (
	"context"
	"path/filepath"
	"testing"
)

func TestQuick(t *testing.T) {
	for _, p := range []Params{{Schools: 400, Communes: 40, Years: 3, Seed: 1, Archetypes: 10}, Metropole} {
		s, err := Generate(context.Background(), filepath.Join(t.TempDir(), "x.db"), p)
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("%v: real %d, counts %v, states %v, schools %v, samples %+v", s.Generated, s.Real, s.Counts, s.States, s.Schools, s.Samples)
	}
}

func TestNationalTime(t *testing.T) {
	s, err := Generate(context.Background(), filepath.Join(t.TempDir(), "x.db"), National)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%v: real %d, counts %v, states %v, schools %v, samples %+v", s.Generated, s.Real, s.Counts, s.States, s.Schools, s.Samples)
}

package sqlite

import (
	"sort"
	"strings"

	"github.com/laclasse/intake/convention"
)

func sortSchools(s []convention.School) {
	sort.Slice(s, func(i, j int) bool {
		ci, cj := strings.ToLower(s[i].Commune), strings.ToLower(s[j].Commune)
		if ci != cj {
			return ci < cj
		}
		return s[i].UAI < s[j].UAI
	})
}

//go:build race

package mailparse

// raceDetector is true under -race, where sync.Pool drops some of what it is given on purpose.
const raceDetector = true

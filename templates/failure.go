package templates

import "fmt"

// HandlingFailure is why a message is quarantined after attempts failed attempts at handling it,
// as the Métropole's summary says it: cause is the last error, internal says that the daemon
// itself failed on the message (a bug) rather than something the message holds.
func HandlingFailure(cause string, attempts int, internal bool) string {
	what := "erreur en traitant ce message"
	if internal {
		what = "erreur interne en lisant ce message"
	}
	return fmt.Sprintf("%s (%s), %d essais : à traiter à la main", what, cause, attempts)
}

package main

import (
	"context"
	"fmt"
	"os"
	"os/user"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/laclasse/intake/convention"
	"github.com/laclasse/intake/sqlite"
	"github.com/laclasse/intake/templates"
)

// Staff commands: what staff read to answer "we sent our list last week, where is our
// access?" (requests, history), and the actions they take by hand (release.go, activate).

// requestStates are the states `requests` shows and --state takes (a contract). A request still
// being decided (claimed: in the mailbox, or failing and tried again) is not listed.
var requestStates = []convention.RequestState{"applied", "refused", "rejected", "duplicate", "ignored", "forwarded", "held", "reverted"}

// requestJSON is one element of `requests --json` (a contract).
type requestJSON struct {
	ID          int64                   `json:"id"`
	ReceivedAt  string                  `json:"received_at"`
	Commune     string                  `json:"commune"`
	Sender      string                  `json:"sender"`
	Subject     string                  `json:"subject"`
	State       convention.RequestState `json:"state"`
	Reason      string                  `json:"reason"`
	Changes     int                     `json:"changes"`
	RefusedRows int                     `json:"refused_rows"`
}

func (m *Main) requestsCmd(ctx context.Context, args []string) error {
	c := m.command("requests", true)
	asJSON := c.fs.Bool("json", false, "one JSON array")
	commune := c.fs.String("commune", "", "only this commune's requests")
	state := c.fs.String("state", "", "only the requests in this state: "+joinStates())
	since := c.fs.String("since", "", "only the requests received on or after this day (YYYY-MM-DD)")
	if err := c.parse(args); err != nil {
		return err
	}
	if c.fs.NArg() != 0 {
		return fmt.Errorf("%w: requests takes no argument", errUsage)
	}
	cfg, err := m.loadConfig(*c.path)
	if err != nil {
		return err
	}
	f := sqlite.RequestFilter{State: convention.RequestState(*state)}
	if *state != "" && !validState(f.State) {
		return fmt.Errorf("%w: --state %q: one of %s", errUsage, *state, joinStates())
	}
	if *commune != "" {
		if f.Commune, err = configCommune(cfg, *commune); err != nil {
			return err
		}
	}
	loc := cfg.Location()
	if *since != "" {
		if f.Since, err = time.ParseInLocation("2006-01-02", *since, loc); err != nil {
			return fmt.Errorf("%w: --since %q: want YYYY-MM-DD", errUsage, *since)
		}
	}
	store, err := m.openStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer store.Close()
	reqs, err := store.Requests(ctx, f)
	if err != nil {
		return err
	}
	out := make([]requestJSON, 0, len(reqs))
	for _, r := range reqs {
		out = append(out, requestJSON{ID: r.ID, ReceivedAt: r.ReceivedAt.In(loc).Format(time.RFC3339), Commune: r.Commune, Sender: r.Sender, Subject: r.Subject,
			State: r.State, Reason: r.Reason, Changes: r.Changes, RefusedRows: r.RefusedRows})
	}
	if *asJSON {
		return writeJSON(m.Stdout, out)
	}
	tw := tabwriter.NewWriter(m.Stdout, 0, 2, 2, ' ', 0)
	fmt.Fprintln(tw, templates.CLIRequestsHeader)
	for _, r := range reqs {
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t%d\t%d\t%s\n", r.ID, r.ReceivedAt.In(loc).Format("02/01/2006 15:04"), dashIfEmpty(r.Commune), tableText(r.Sender),
			tableText(r.Subject), requestStateFR(r.State), r.Changes, r.RefusedRows, tableText(r.Reason))
	}
	return tw.Flush()
}

func validState(s convention.RequestState) bool {
	for _, v := range requestStates {
		if v == s {
			return true
		}
	}
	return false
}

func joinStates() string {
	var s []string
	for _, v := range requestStates {
		s = append(s, string(v))
	}
	return strings.Join(s, ", ")
}

// requestStateFR is a request's state as staff read it in `requests` and the console.
func requestStateFR(s convention.RequestState) string { return templates.RequestStateLabel(string(s)) }

func dashIfEmpty(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// tableText keeps a table row on one line and free of controls, whatever a sender wrote.
func tableText(s string) string {
	return strings.Join(strings.FieldsFunc(s, func(r rune) bool { return r < ' ' || r == 0x7f || (r >= 0x80 && r < 0xa0) }), " ")
}

// configCommune returns the configuration's name of the commune name (any case), or a usage
// error naming the communes.
func configCommune(cfg *Config, name string) (string, error) {
	var names []string
	for _, c := range cfg.CommuneList() {
		if strings.EqualFold(c.Name, strings.TrimSpace(name)) {
			return c.Name, nil
		}
		names = append(names, c.Name)
	}
	return "", fmt.Errorf("%w: commune %q is not in the configuration (%s)", errUsage, name, strings.Join(names, ", "))
}

// staffFlag adds --by to a staff command: who does it, by default the Unix user.
func staffFlag(c *command) *string {
	return c.fs.String("by", "", "who does it (default: the Unix user)")
}

// staffMember returns --by, or the Unix user running the command.
func staffMember(by string) string {
	if by = strings.TrimSpace(by); by != "" {
		return by
	}
	if u, err := user.Current(); err == nil && u.Username != "" {
		return u.Username
	}
	if u := os.Getenv("USER"); u != "" {
		return u
	}
	return templates.CLIUnknownStaff
}

// historyJSON is one element of `history --json`.
type historyJSON struct {
	At      string                `json:"at"`
	Kind    convention.ChangeKind `json:"kind"`
	Request int64                 `json:"request"`
	Job     string                `json:"job"`
	By      string                `json:"by"`
	Staff   string                `json:"staff_action"`
	Detail  string                `json:"detail"`
}

func (m *Main) historyCmd(ctx context.Context, args []string) error {
	c := m.command("history", false)
	asJSON := c.fs.Bool("json", false, "one JSON array")
	if err := c.parse(args); err != nil {
		return err
	}
	if c.fs.NArg() != 1 {
		return fmt.Errorf("%w: history needs one UAI", errUsage)
	}
	cfg, store, err := c.open(ctx)
	if err != nil {
		return err
	}
	defer store.Close()
	entries, err := store.History(ctx, convention.NormalizeUAI(c.fs.Arg(0)))
	if err != nil {
		return err
	}
	loc := cfg.Location()
	if *asJSON {
		out := make([]historyJSON, 0, len(entries))
		for _, e := range entries {
			out = append(out, historyJSON{At: e.At.In(loc).Format(time.RFC3339), Kind: e.Kind, Request: e.RequestID, Job: e.Job, By: e.By, Staff: e.Staff, Detail: e.Detail})
		}
		return writeJSON(m.Stdout, out)
	}
	tw := tabwriter.NewWriter(m.Stdout, 0, 2, 2, ' ', 0)
	fmt.Fprintln(tw, templates.CLIHistoryHeader)
	for _, e := range entries {
		req := "-"
		if e.RequestID != 0 {
			req = fmt.Sprint(e.RequestID)
		} else if e.Staff != "" {
			req = templates.StaffActionLabel(e.Staff)
		} else if e.Job != "" {
			req = e.Job
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", e.At.In(loc).Format("02/01/2006 15:04"), templates.ChangeLabel(string(e.Kind)), req, dashIfEmpty(e.By), tableText(e.Detail))
	}
	return tw.Flush()
}

package bench

import (
	"fmt"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/laclasse/intake/convention"
	"github.com/laclasse/intake/internal/samples"
)

// receivedDay is the internal date given to every appended message: a day outside the yearly
// campaign (May–June), so that lists are additions whatever the date the harness runs on.
var receivedDay = time.Date(2026, 9, 14, 8, 0, 0, 0, time.UTC)

// benchMessage is a message to append and the address its reply goes to.
type benchMessage struct {
	raw     []byte
	replyTo string
	format  string // of its attachment
}

// sender returns the address a commune's message comes from: a personal address under its
// domain when it declares a whole domain, its one address otherwise.
func sender(c convention.Commune, local string) string {
	s := c.Senders[0]
	if strings.HasPrefix(s, "@") {
		return local + s
	}
	return s
}

// domainCommunes are the sample communes that declare a whole domain: each message can then
// come from its own address, which its reply goes back to.
func domainCommunes() []convention.Commune {
	var out []convention.Commune
	for _, c := range samples.Communes() {
		if strings.HasPrefix(c.Senders[0], "@") {
			out = append(out, c)
		}
	}
	return out
}

// latencyMessage is the i-th message of a latency run (tag tells runs and warm-ups apart): an
// xlsx of 4 new schools, from an address of its own.
func latencyMessage(tag string, i, firstUAI int) benchMessage {
	cs := domainCommunes()
	c := cs[i%len(cs)]
	from := sender(c, fmt.Sprintf("bench.%s.%03d", tag, i))
	rows := samples.Rows(firstUAI, 4)
	m := samples.Message{
		From: "Service éducation <" + from + ">", To: samples.Mailbox,
		Subject:   fmt.Sprintf("Liste des écoles (%s %d)", tag, i),
		MessageID: fmt.Sprintf("%s-%03d@bench.intake.example", tag, i),
		Date:      receivedDay,
		Attachments: []samples.Attachment{{Name: "ecoles.xlsx", ContentType: samples.XLSXType,
			Data: samples.XLSX(c.Name, rows)}},
	}
	return benchMessage{raw: m.Raw(), replyTo: from, format: "xlsx"}
}

// backlogPool is how many schools each commune has in the backlog: the registry stays the size of
// the Métropole's (5 communes × 200 schools), and a commune's lists overlap.
const backlogPool = 200

// backlogMessage is the i-th message of the backlog: from commune i mod 5, a list of 3 to 12 of
// its schools (a window over its pool), as xlsx, or as csv one message in five. The
// administrators' phone numbers depend on i, so that no two files are the same (a second copy of
// a file is a duplicate, which changes nothing and gets no reply): a school seen before gets a
// change of administrator, a new one is added.
func backlogMessage(i int) benchMessage {
	cs := samples.Communes()
	ci := i % len(cs)
	c := cs[ci]
	n := 3 + i%10
	start := (i / len(cs) * 37) % backlogPool
	var rows []samples.Row
	for j := range n {
		k := (start + j) % backlogPool
		r := samples.Rows(10_000+ci*1000+k, 1)[0]
		r.Phone = fmt.Sprintf("04 72 %02d %02d %02d", i/100%100, i%100, j)
		rows = append(rows, r)
	}
	from := sender(c, fmt.Sprintf("bench.backlog.%04d", i))
	m := samples.Message{
		From: "Mairie de " + c.Name + " <" + from + ">", To: samples.Mailbox,
		Subject:   fmt.Sprintf("Écoles de %s, liste n° %d", c.Name, i),
		MessageID: fmt.Sprintf("backlog-%04d@bench.intake.example", i),
		Date:      receivedDay,
	}
	format := "xlsx"
	if i%5 == 4 {
		format = "csv"
		m.Attachments = []samples.Attachment{{Name: "ECOLES.CSV", ContentType: "text/csv", Data: samples.CSV(rows)}}
	} else {
		m.Attachments = []samples.Attachment{{Name: "Écoles " + c.Name + ".xlsx", ContentType: samples.XLSXType, Data: samples.XLSX(c.Name, rows)}}
	}
	return benchMessage{raw: m.Raw(), replyTo: from, format: format}
}

// generate builds n messages with gen, on every core.
func generate(n int, gen func(int) benchMessage) []benchMessage {
	out := make([]benchMessage, n)
	var wg sync.WaitGroup
	next := make(chan int)
	for range runtime.NumCPU() {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				out[i] = gen(i)
			}
		}()
	}
	for i := range n {
		next <- i
	}
	close(next)
	wg.Wait()
	return out
}

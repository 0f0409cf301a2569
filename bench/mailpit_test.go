package bench

import (
	"bufio"
	"crypto/rand"
	"crypto/sha1"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
)

// arrival is a message Mailpit received, seen through its event stream or its API.
type arrival struct {
	at time.Time // when the harness learnt of it
	to []string
}

// mailpitWatch reports each message Mailpit receives as soon as it is stored: through the
// websocket Mailpit's web interface uses (/api/events), or, if that cannot be opened, by polling
// the message list every 5 ms.
type mailpitWatch struct {
	C    chan arrival
	mode string // "websocket" or "polling"

	apiURL string
	conn   net.Conn
	stop   chan struct{}
	once   sync.Once
	wg     sync.WaitGroup
}

func watchMailpit(apiURL string) *mailpitWatch {
	w := &mailpitWatch{C: make(chan arrival, 4096), apiURL: apiURL, stop: make(chan struct{})}
	conn, br, err := dialWebsocket(apiURL + "/api/events")
	w.wg.Add(1)
	if err == nil {
		w.mode, w.conn = "websocket", conn
		go w.readWebsocket(br)
	} else {
		w.mode = "polling"
		go w.poll()
	}
	return w
}

func (w *mailpitWatch) close() {
	w.once.Do(func() {
		close(w.stop)
		if w.conn != nil {
			w.conn.Close()
		}
	})
	w.wg.Wait()
}

// waitFor waits for a message to addr, discarding the others.
func (w *mailpitWatch) waitFor(addr string, timeout time.Duration) (time.Time, error) {
	t := time.NewTimer(timeout)
	defer t.Stop()
	for {
		select {
		case a, ok := <-w.C:
			if !ok {
				return time.Time{}, errors.New("Mailpit's event stream ended")
			}
			for _, to := range a.to {
				if strings.EqualFold(to, addr) {
					return a.at, nil
				}
			}
		case <-t.C:
			return time.Time{}, fmt.Errorf("no mail to %s at Mailpit within %v", addr, timeout)
		}
	}
}

// drain discards the arrivals seen so far.
func (w *mailpitWatch) drain() {
	for {
		select {
		case <-w.C:
		default:
			return
		}
	}
}

// mpSummary is the part of Mailpit's message summary the harness reads.
type mpSummary struct {
	ID string
	To []struct{ Address string }
}

func (w *mailpitWatch) send(s mpSummary, at time.Time) {
	a := arrival{at: at}
	for _, to := range s.To {
		a.to = append(a.to, to.Address)
	}
	select {
	case w.C <- a:
	default: // nobody listens: drop
	}
}

// dialWebsocket opens a websocket (RFC 6455) to rawURL: the handshake, nothing more.
func dialWebsocket(rawURL string) (net.Conn, *bufio.Reader, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, nil, err
	}
	conn, err := net.DialTimeout("tcp", u.Host, 5*time.Second)
	if err != nil {
		return nil, nil, err
	}
	keyBytes := make([]byte, 16)
	_, _ = rand.Read(keyBytes)
	key := base64.StdEncoding.EncodeToString(keyBytes)
	conn.SetDeadline(time.Now().Add(10 * time.Second))
	fmt.Fprintf(conn, "GET %s HTTP/1.1\r\nHost: %s\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\n\r\n", u.RequestURI(), u.Host, key)
	br := bufio.NewReader(conn)
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		conn.Close()
		return nil, nil, err
	}
	sum := sha1.Sum([]byte(key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"))
	if resp.StatusCode != http.StatusSwitchingProtocols || resp.Header.Get("Sec-WebSocket-Accept") != base64.StdEncoding.EncodeToString(sum[:]) {
		conn.Close()
		return nil, nil, fmt.Errorf("websocket handshake: %s", resp.Status)
	}
	conn.SetDeadline(time.Time{})
	return conn, br, nil
}

// readWebsocket reads frames (the server's are never masked), answers pings, and passes on the
// "new" events.
func (w *mailpitWatch) readWebsocket(br *bufio.Reader) {
	defer w.wg.Done()
	var msg []byte
	for {
		var h [2]byte
		if _, err := io.ReadFull(br, h[:]); err != nil {
			return
		}
		fin, op := h[0]&0x80 != 0, h[0]&0x0F
		n := uint64(h[1] & 0x7F)
		switch n {
		case 126:
			var b [2]byte
			if _, err := io.ReadFull(br, b[:]); err != nil {
				return
			}
			n = uint64(binary.BigEndian.Uint16(b[:]))
		case 127:
			var b [8]byte
			if _, err := io.ReadFull(br, b[:]); err != nil {
				return
			}
			n = binary.BigEndian.Uint64(b[:])
		}
		var mask [4]byte
		masked := h[1]&0x80 != 0
		if masked {
			if _, err := io.ReadFull(br, mask[:]); err != nil {
				return
			}
		}
		if n > 64<<20 {
			return
		}
		payload := make([]byte, n)
		if _, err := io.ReadFull(br, payload); err != nil {
			return
		}
		at := time.Now()
		if masked {
			for i := range payload {
				payload[i] ^= mask[i%4]
			}
		}
		switch op {
		case 0x8: // close
			return
		case 0x9: // ping: answer with a masked pong
			if len(payload) <= 125 {
				frame := []byte{0x8A, 0x80 | byte(len(payload)), 0, 0, 0, 0}
				frame = append(frame, payload...)
				_, _ = w.conn.Write(frame)
			}
			continue
		case 0xA:
			continue
		}
		msg = append(msg, payload...)
		if !fin {
			continue
		}
		var ev struct {
			Type string
			Data json.RawMessage
		}
		if json.Unmarshal(msg, &ev) == nil && ev.Type == "new" {
			var s mpSummary
			if json.Unmarshal(ev.Data, &s) == nil {
				w.send(s, at)
			}
		}
		msg = msg[:0]
	}
}

// poll lists the newest messages every 5 ms and passes on those not seen before.
func (w *mailpitWatch) poll() {
	defer w.wg.Done()
	client := &http.Client{Timeout: 10 * time.Second}
	seen := map[string]bool{}
	first := true
	for {
		select {
		case <-w.stop:
			return
		case <-time.After(5 * time.Millisecond):
		}
		resp, err := client.Get(w.apiURL + "/api/v1/messages?limit=20")
		if err != nil {
			continue
		}
		var page struct{ Messages []mpSummary }
		err = json.NewDecoder(resp.Body).Decode(&page)
		resp.Body.Close()
		if err != nil {
			continue
		}
		at := time.Now()
		for _, s := range page.Messages {
			if !seen[s.ID] {
				seen[s.ID] = true
				if !first {
					w.send(s, at)
				}
			}
		}
		first = false
	}
}

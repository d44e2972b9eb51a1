package redistest

import (
	"bytes"
	"io"
	"net"
	"sync"
	"testing"
	"time"
)

// proxyQueue is how many delayed chunks one connection may hold before the
// proxy stops reading from its client.
const proxyQueue = 1024

// proxyDialTimeout bounds the proxy's connect to its target.
const proxyDialTimeout = 5 * time.Second

// StartProxy listens on a free loopback port and forwards every connection
// made to it to target, holding each chunk the client sends for delay before
// passing it on; replies come back at once. Bytes keep their order on each
// connection, and one request/response round trip takes about delay longer
// than it would directly, which lets a test tell concurrent round trips from
// sequential ones. It returns the proxy's address. When the test ends the
// listener and all connections are closed and every goroutine of the proxy
// has returned.
//
// A new go-redis connection pays the delay for each round trip of its
// handshake (four with go-redis v9 and redis-server 7.0), so a test that
// measures should warm its client's connections first.
func StartProxy(tb testing.TB, target string, delay time.Duration) string {
	tb.Helper()
	p := &proxy{relay: newRelay(tb, target), delay: delay}
	p.serve(func(client, server net.Conn) {
		p.wg.Add(3)
		queue := make(chan chunk, proxyQueue)
		go p.readClient(client, server, queue)
		go p.writeServer(client, server, queue)
		go p.copyBack(client, server)
	})
	return p.addr
}

// proxy is the state of one StartProxy.
type proxy struct {
	*relay
	delay time.Duration
}

// relay is what a proxy keeps of its connections: it listens on a free
// loopback port, dials target for every connection made to it, and hands
// the pair to the function given to serve, which starts the goroutines
// that pass bytes between them, counted in wg. When the test ends the listener and all
// connections are closed and every goroutine has returned.
type relay struct {
	ln     net.Listener
	addr   string
	target string
	done   chan struct{} // closed when the test ends
	wg     sync.WaitGroup

	mu    sync.Mutex
	conns map[net.Conn]struct{} // open connections, both sides; guarded by mu
}

// newRelay returns a relay to target, listening; serve starts it.
func newRelay(tb testing.TB, target string) *relay {
	tb.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatalf("redistest: proxy listen: %v", err)
	}
	r := &relay{ln: ln, addr: ln.Addr().String(), target: target, done: make(chan struct{}), conns: map[net.Conn]struct{}{}}
	tb.Cleanup(func() {
		close(r.done)
		ln.Close()
		r.mu.Lock()
		for c := range r.conns {
			c.Close()
		}
		r.mu.Unlock()
		r.wg.Wait()
	})
	return r
}

// serve accepts connections and hands each pair to fn.
func (r *relay) serve(fn func(client, server net.Conn)) {
	r.wg.Add(1)
	go r.accept(r.ln, fn)
}

// accept serves connections until the listener is closed.
func (r *relay) accept(ln net.Listener, serve func(client, server net.Conn)) {
	defer r.wg.Done()
	for {
		client, err := ln.Accept()
		if err != nil {
			return
		}
		server, err := net.DialTimeout("tcp", r.target, proxyDialTimeout)
		if err != nil {
			client.Close()
			continue
		}
		if !r.track(client, server) {
			return
		}
		serve(client, server)
	}
}

// track registers a connection pair, or closes it and reports false if the
// proxy is shutting down.
func (r *relay) track(conns ...net.Conn) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	select {
	case <-r.done:
		for _, c := range conns {
			c.Close()
		}
		return false
	default:
	}
	for _, c := range conns {
		r.conns[c] = struct{}{}
	}
	return true
}

// closePair closes both sides of a connection and forgets them.
func (r *relay) closePair(client, server net.Conn) {
	r.mu.Lock()
	defer r.mu.Unlock()
	client.Close()
	server.Close()
	delete(r.conns, client)
	delete(r.conns, server)
}

// chunk is bytes read from a client, to be written to the target at due.
type chunk struct {
	data []byte
	due  time.Time
}

// readClient reads the client's bytes into timestamped chunks. It closes
// queue when the client stops sending.
func (p *proxy) readClient(client, server net.Conn, queue chan<- chunk) {
	defer p.wg.Done()
	defer close(queue)
	buf := make([]byte, 32<<10)
	for {
		n, err := client.Read(buf)
		if n > 0 {
			c := chunk{data: bytes.Clone(buf[:n]), due: time.Now().Add(p.delay)}
			select {
			case queue <- c:
			case <-p.done:
				return
			}
		}
		if err != nil {
			return
		}
	}
}

// writeServer writes each chunk to the target when it is due. Once the
// client has stopped sending and every chunk is written, it half-closes the
// target so that the target sees end of file after the last request.
func (p *proxy) writeServer(client, server net.Conn, queue <-chan chunk) {
	defer p.wg.Done()
	timer := time.NewTimer(0)
	defer timer.Stop()
	failed := false
	for c := range queue {
		if failed {
			continue // drain, so that readClient never blocks
		}
		timer.Reset(time.Until(c.due))
		select {
		case <-timer.C:
		case <-p.done:
			failed = true
			continue
		}
		if _, err := server.Write(c.data); err != nil {
			failed = true
			p.closePair(client, server)
		}
	}
	if cw, ok := server.(interface{ CloseWrite() error }); ok && !failed {
		_ = cw.CloseWrite()
	}
}

// copyBack copies the target's replies to the client at once, and closes
// both sides when the target closes its side or either side fails.
func (p *proxy) copyBack(client, server net.Conn) {
	defer p.wg.Done()
	// An error has no one to go to: the client sees its connection close.
	_, _ = io.Copy(client, server)
	p.closePair(client, server)
}

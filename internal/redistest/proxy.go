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
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatalf("redistest: proxy listen: %v", err)
	}
	p := &proxy{target: target, delay: delay, done: make(chan struct{}), conns: map[net.Conn]struct{}{}}
	p.wg.Add(1)
	go p.accept(ln)
	tb.Cleanup(func() {
		close(p.done)
		ln.Close()
		p.mu.Lock()
		for c := range p.conns {
			c.Close()
		}
		p.mu.Unlock()
		p.wg.Wait()
	})
	return ln.Addr().String()
}

// proxy is the state of one StartProxy.
type proxy struct {
	target string
	delay  time.Duration
	done   chan struct{} // closed when the test ends
	wg     sync.WaitGroup

	mu    sync.Mutex
	conns map[net.Conn]struct{} // open connections, both sides; guarded by mu
}

// chunk is bytes read from a client, to be written to the target at due.
type chunk struct {
	data []byte
	due  time.Time
}

// accept serves connections until the listener is closed.
func (p *proxy) accept(ln net.Listener) {
	defer p.wg.Done()
	for {
		client, err := ln.Accept()
		if err != nil {
			return
		}
		server, err := net.DialTimeout("tcp", p.target, proxyDialTimeout)
		if err != nil {
			client.Close()
			continue
		}
		if !p.track(client, server) {
			return
		}
		p.wg.Add(3)
		queue := make(chan chunk, proxyQueue)
		go p.readClient(client, server, queue)
		go p.writeServer(client, server, queue)
		go p.copyBack(client, server)
	}
}

// track registers a connection pair, or closes it and reports false if the
// proxy is shutting down.
func (p *proxy) track(conns ...net.Conn) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	select {
	case <-p.done:
		for _, c := range conns {
			c.Close()
		}
		return false
	default:
	}
	for _, c := range conns {
		p.conns[c] = struct{}{}
	}
	return true
}

// closePair closes both sides of a connection and forgets them.
func (p *proxy) closePair(client, server net.Conn) {
	p.mu.Lock()
	defer p.mu.Unlock()
	client.Close()
	server.Close()
	delete(p.conns, client)
	delete(p.conns, server)
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

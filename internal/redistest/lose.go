package redistest

import (
	"bytes"
	"net"
	"sync/atomic"
	"testing"
	"time"
)

// loseWait is how long a losing proxy lets the server run the commands
// whose replies it loses before it closes their connection.
const loseWait = 100 * time.Millisecond

// StartLosingProxy listens on a free loopback port and forwards every
// connection made to it to target, both ways, except once: the first
// time a client sends bytes that hold marker, the proxy passes them on,
// lets the server run them, and then closes that connection, both sides,
// without passing on a byte of the replies, as a network that drops a
// connection after the request would. It returns the proxy's address
// and a count of the connections it lost that way (0 or 1). When the
// test ends the listener and all connections are closed and every
// goroutine of the proxy has returned.
func StartLosingProxy(tb testing.TB, target, marker string) (string, *atomic.Int64) {
	tb.Helper()
	p := &losingProxy{relay: newRelay(tb, target), marker: []byte(marker)}
	p.armed.Store(true)
	p.serve(func(client, server net.Conn) {
		cut := new(atomic.Bool)
		p.wg.Add(2)
		go p.forward(client, server, cut)
		go p.back(client, server, cut)
	})
	return p.addr, &p.lost
}

// losingProxy is the state of one StartLosingProxy.
type losingProxy struct {
	*relay
	marker []byte
	armed  atomic.Bool  // no connection has been lost yet
	lost   atomic.Int64 // connections lost
}

// forward passes the client's bytes on to the server; the first bytes
// holding the marker cut the connection's replies.
func (p *losingProxy) forward(client, server net.Conn, cut *atomic.Bool) {
	defer p.wg.Done()
	defer p.closePair(client, server)
	buf := make([]byte, 32<<10)
	for {
		n, err := client.Read(buf)
		if n > 0 {
			if bytes.Contains(buf[:n], p.marker) && p.armed.CompareAndSwap(true, false) {
				cut.Store(true) // before the server can answer
				p.wg.Add(1)
				go func() {
					defer p.wg.Done()
					select {
					case <-time.After(loseWait):
					case <-p.done:
					}
					p.lost.Add(1)
					p.closePair(client, server)
				}()
			}
			if _, err := server.Write(buf[:n]); err != nil {
				return
			}
		}
		if err != nil {
			return
		}
	}
}

// back passes the server's replies on to the client until the connection
// is cut; then it drops them.
func (p *losingProxy) back(client, server net.Conn, cut *atomic.Bool) {
	defer p.wg.Done()
	buf := make([]byte, 32<<10)
	for {
		n, err := server.Read(buf)
		if n > 0 && !cut.Load() {
			if _, err := client.Write(buf[:n]); err != nil {
				return
			}
		}
		if err != nil {
			return
		}
	}
}

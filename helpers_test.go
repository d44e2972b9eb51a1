package redpipe_test

import (
	"context"
	"fmt"
	"net"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"

	"github.com/go-redpipe/redpipe"
	"github.com/go-redpipe/redpipe/internal/redistest"
)

// backend starts an empty Redis server for one test and returns its address.
type backend struct {
	name  string
	start func(tb testing.TB) string
}

// backends lists the servers every semantic test runs against: miniredis,
// fast and always there, and a real redis-server (skipped when it is not
// installed, except under CI=true).
func backends() []backend {
	return []backend{
		{"miniredis", func(tb testing.TB) string { return miniredis.RunT(tb).Addr() }},
		{"redis-server", func(tb testing.TB) string { return redistest.ReuseServer(tb).Addr }},
	}
}

// eachBackend runs fn as a subtest per backend.
func eachBackend(t *testing.T, fn func(t *testing.T, b backend)) {
	t.Helper()
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) { fn(t, b) })
	}
}

// tripCounter is a go-redis hook that counts the round trips a client makes
// and the commands it sends, leaving out the handshake go-redis sends on a
// new connection.
type tripCounter struct {
	trips atomic.Int64
	cmds  atomic.Int64

	mu        sync.Mutex
	before    func()     // if set, runs before each pipeline is sent
	pipelines [][]string // the command names of each pipeline sent
}

// sent returns the command names of each pipeline sent so far, in order.
func (h *tripCounter) sent() [][]string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return slices.Clone(h.pipelines)
}

func (h *tripCounter) DialHook(next redis.DialHook) redis.DialHook { return next }

func (h *tripCounter) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		if !isHandshake(cmd) {
			h.trips.Add(1)
			h.cmds.Add(1)
		}
		return next(ctx, cmd)
	}
}

func (h *tripCounter) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		n := 0
		for _, c := range cmds {
			if !isHandshake(c) {
				n++
			}
		}
		if n > 0 {
			h.trips.Add(1)
			h.cmds.Add(int64(n))
			names := make([]string, len(cmds))
			for i, c := range cmds {
				names[i] = c.Name()
			}
			h.mu.Lock()
			h.pipelines = append(h.pipelines, names)
			before := h.before
			h.mu.Unlock()
			if before != nil {
				before()
			}
		}
		return next(ctx, cmds)
	}
}

// setBefore makes fn run before each pipeline the client sends.
func (h *tripCounter) setBefore(fn func()) {
	h.mu.Lock()
	h.before = fn
	h.mu.Unlock()
}

// killedBefore starts a redis-server and returns a client of it, made with
// opts and the server's address, and the number of pipelines the client
// began to send: just before it sends the n-th, the server is killed with
// kill -9.
func killedBefore(t *testing.T, opts redis.Options, n int64) (*redis.Client, *atomic.Int64) {
	t.Helper()
	server := redistest.StartServer(t)
	opts.Addr = server.Addr
	c := redis.NewClient(&opts)
	t.Cleanup(func() { _ = c.Close() })
	trips := new(tripCounter)
	c.AddHook(trips)
	pipelines := new(atomic.Int64)
	trips.setBefore(func() {
		if pipelines.Add(1) == n {
			server.Stop()
		}
	})
	return c, pipelines
}

// isHandshake reports whether cmd is one go-redis sends to set up a new
// connection rather than one a test queued.
func isHandshake(cmd redis.Cmder) bool {
	switch cmd.Name() {
	case "hello", "auth", "select", "readonly":
		return true
	case "client":
		args := cmd.Args()
		if len(args) < 2 {
			return false
		}
		switch strings.ToLower(fmt.Sprint(args[1])) {
		case "setinfo", "setname", "maint_notifications":
			return true
		}
	}
	return false
}

// newClient returns a client for addr that counts its round trips, closed
// when the test ends.
func newClient(tb testing.TB, addr string) (*redis.Client, *tripCounter) {
	tb.Helper()
	c := redis.NewClient(&redis.Options{Addr: addr, MaxRetries: -1})
	h := new(tripCounter)
	c.AddHook(h)
	tb.Cleanup(func() { _ = c.Close() })
	return c, h
}

// deadAddr returns a loopback address nothing listens on.
func deadAddr(tb testing.TB) string {
	tb.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	addr := l.Addr().String()
	_ = l.Close()
	return addr
}

// register registers c under a name of its own for the test and returns
// the name.
func register(tb testing.TB, c redis.UniversalClient) string {
	tb.Helper()
	name := tb.Name() + "/" + fmt.Sprint(registered.Add(1))
	if err := redpipe.ConnectNamed(name, c); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { redpipe.Disconnect(name) })
	return name
}

// registered counts the names register made.
var registered atomic.Int64

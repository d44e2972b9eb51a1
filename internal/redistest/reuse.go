package redistest

import (
	"context"
	"fmt"
	"os"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// kept holds the servers that tests have finished with, emptied, for
// ReuseServer to hand out again; Main stops them once the tests have run.
var kept struct {
	mu      sync.Mutex
	servers []*Server
	dir     string // where kept servers keep their files; Main removes it
}

// mainRunning is set while Main runs the tests: only then is there someone
// to stop the servers kept between tests.
var mainRunning atomic.Bool

// ReuseServer returns a redis-server that holds no keys, scripts or
// functions, has its statistics reset and has no client connected. It may be
// one that an earlier test of the package used: starting a redis-server costs
// tens of milliseconds of CPU, emptying one a fraction of that.
//
// When tb ends, a server that still answers is emptied (every client is
// disconnected) and kept for the next test; [Main] stops the kept servers
// once the tests have run. A test that stops, stalls or reconfigures its
// server, or needs one to itself after it ends, uses [StartServer]. Without
// [Main], ReuseServer is StartServer.
func ReuseServer(tb testing.TB) *Server {
	tb.Helper()
	if !mainRunning.Load() {
		return StartServer(tb)
	}
	kept.mu.Lock()
	var s *Server
	if n := len(kept.servers); n > 0 {
		s, kept.servers = kept.servers[n-1], kept.servers[:n-1]
	}
	kept.mu.Unlock()
	if s == nil {
		s = launchServer(tb, keptDir(tb), 1, func([]int) []string { return nil })
	}
	tb.Cleanup(func() { keep(s) })
	return s
}

// keptDir returns the directory kept servers share, making it on first use.
func keptDir(tb testing.TB) string {
	tb.Helper()
	kept.mu.Lock()
	defer kept.mu.Unlock()
	if kept.dir == "" {
		dir, err := os.MkdirTemp("", "redistest-")
		if err != nil {
			tb.Fatalf("redistest: %v", err)
		}
		kept.dir = dir
	}
	return kept.dir
}

// keep empties s and keeps it for the next ReuseServer, or stops it if it no
// longer answers or cannot be emptied.
func keep(s *Server) {
	if !s.running() {
		return
	}
	if err := s.empty(); err != nil {
		s.Stop()
		return
	}
	kept.mu.Lock()
	defer kept.mu.Unlock()
	kept.servers = append(kept.servers, s)
}

// empty disconnects every other client of s and removes its keys, scripts,
// functions and statistics.
func (s *Server) empty() error {
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	rdb := adminClient(s)
	defer rdb.Close()
	cmds, err := rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		p.ClientKillByFilter(ctx, "TYPE", "normal") // SKIPME yes: not this one
		p.ClientKillByFilter(ctx, "TYPE", "pubsub")
		p.FlushAll(ctx)
		p.ScriptFlush(ctx)
		p.FunctionFlush(ctx)
		p.ConfigResetStat(ctx)
		return nil
	})
	if err != nil {
		return fmt.Errorf("emptying %s: %w", s.Addr, err)
	}
	for _, cmd := range cmds {
		if err := cmd.Err(); err != nil {
			return fmt.Errorf("emptying %s: %v: %w", s.Addr, cmd.Args(), err)
		}
	}
	return nil
}

// stopKept stops the kept servers and removes their directory.
func stopKept() error {
	kept.mu.Lock()
	defer kept.mu.Unlock()
	for _, s := range kept.servers {
		s.Stop()
	}
	kept.servers = nil
	if kept.dir == "" {
		return nil
	}
	dir := kept.dir
	kept.dir = ""
	return os.RemoveAll(dir)
}

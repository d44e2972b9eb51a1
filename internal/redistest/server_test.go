package redistest

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

func TestStartServer(t *testing.T) {
	t.Parallel()
	s := StartServer(t)
	if strings.HasSuffix(s.Addr, ":6379") || !strings.HasPrefix(s.Addr, "127.0.0.1:") {
		t.Errorf("Addr = %q; want 127.0.0.1 and a port other than 6379", s.Addr)
	}
	ctx := context.Background()
	rdb := redis.NewClient(&redis.Options{Addr: s.Addr})
	defer rdb.Close()
	if got, err := rdb.Ping(ctx).Result(); err != nil || got != "PONG" {
		t.Fatalf("PING = %q, %v; want PONG", got, err)
	}
	if err := rdb.Set(ctx, "k", "v", 0).Err(); err != nil {
		t.Fatalf("SET: %v", err)
	}
	if got, err := rdb.Get(ctx, "k").Result(); err != nil || got != "v" {
		t.Errorf("GET = %q, %v; want v", got, err)
	}
	for _, param := range []string{"save", "appendonly", "bind"} {
		got, err := rdb.ConfigGet(ctx, param).Result()
		if err != nil {
			t.Fatalf("CONFIG GET %s: %v", param, err)
		}
		want := map[string]string{"save": "", "appendonly": "no", "bind": "127.0.0.1"}[param]
		if got[param] != want {
			t.Errorf("CONFIG GET %s = %q; want %q", param, got[param], want)
		}
	}

	pid := s.Pid()
	if pid <= 0 {
		t.Fatalf("Pid() = %d; want > 0", pid)
	}
	if err := signal0(pid); err != nil {
		t.Fatalf("signal 0 to pid %d before Stop = %v; want the process alive", pid, err)
	}
	s.Stop()
	s.Stop() // idempotent; the Cleanup calls it a third time
	if err := signal0(pid); !errors.Is(err, os.ErrProcessDone) {
		t.Errorf("signal 0 to pid %d after Stop = %v; want %v", pid, err, os.ErrProcessDone)
	}
	if err := ping(s.Addr, 100*time.Millisecond); err == nil {
		t.Errorf("PING after Stop succeeded; want an error")
	}
}

// signal0 checks whether process pid exists, without affecting it.
func signal0(pid int) error {
	p, err := os.FindProcess(pid)
	if err != nil {
		return err
	}
	return p.Signal(syscall.Signal(0))
}

func TestStartServerExtraArgs(t *testing.T) {
	t.Parallel()
	s := StartServer(t, "--maxmemory", "12345678", "--databases", "3")
	rdb := redis.NewClient(&redis.Options{Addr: s.Addr})
	defer rdb.Close()
	cases := []struct {
		param, want string
	}{
		{"maxmemory", "12345678"},
		{"databases", "3"},
	}
	for _, c := range cases {
		got, err := rdb.ConfigGet(context.Background(), c.param).Result()
		if err != nil {
			t.Fatalf("CONFIG GET %s: %v", c.param, err)
		}
		if got[c.param] != c.want {
			t.Errorf("CONFIG GET %s = %q; want %q", c.param, got[c.param], c.want)
		}
	}
}

func TestServerRestart(t *testing.T) {
	t.Parallel()
	s := StartServer(t, "--databases", "3")
	ctx := context.Background()
	rdb := redis.NewClient(&redis.Options{Addr: s.Addr, MaxRetries: -1})
	defer rdb.Close()
	if err := rdb.Set(ctx, "k", "v", 0).Err(); err != nil {
		t.Fatalf("SET: %v", err)
	}
	old := s.Pid()
	again := s.Restart(t)
	if again.Addr != s.Addr {
		t.Errorf("Addr after Restart = %q; want %q", again.Addr, s.Addr)
	}
	if again.Pid() == old {
		t.Errorf("Pid after Restart = %d, the old one; want a new process", old)
	}
	if err := signal0(old); !errors.Is(err, os.ErrProcessDone) {
		t.Errorf("signal 0 to the old pid %d after Restart = %v; want %v", old, err, os.ErrProcessDone)
	}
	// The client's connection died with the old process; the next dial
	// reaches the new one.
	_ = rdb.Ping(ctx).Err()
	if got, err := rdb.Ping(ctx).Result(); err != nil || got != "PONG" {
		t.Fatalf("PING after Restart = %q, %v; want PONG", got, err)
	}
	if n, err := rdb.Exists(ctx, "k").Result(); err != nil || n != 0 {
		t.Errorf("EXISTS k after Restart = %d, %v; want 0: a restarted server starts empty", n, err)
	}
	if got, err := rdb.ConfigGet(ctx, "databases").Result(); err != nil || got["databases"] != "3" {
		t.Errorf("CONFIG GET databases after Restart = %v, %v; want 3: the same arguments", got, err)
	}
}

func TestStartServerDistinctPorts(t *testing.T) {
	t.Parallel()
	a, b := StartServer(t), StartServer(t)
	if a.Addr == b.Addr {
		t.Errorf("two servers share Addr %q", a.Addr)
	}
	if a.Pid() == b.Pid() {
		t.Errorf("two servers share Pid %d", a.Pid())
	}
}

// fakeTB records Skipf and Fatalf instead of ending the real test.
type fakeTB struct {
	testing.TB
	skipped, failed bool
	msg             string
}

func (f *fakeTB) Skipf(format string, args ...any) {
	f.skipped, f.msg = true, fmt.Sprintf(format, args...)
	runtime.Goexit()
}

func (f *fakeTB) Fatalf(format string, args ...any) {
	f.failed, f.msg = true, fmt.Sprintf(format, args...)
	runtime.Goexit()
}

func TestRequireServerMissing(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	cases := []struct {
		ci            string
		skip, fail    bool
		msgContaining string
	}{
		{ci: "true", fail: true, msgContaining: "redis-server"},
		{ci: "", skip: true, msgContaining: "apt-get install -y redis-server"},
		{ci: "false", skip: true, msgContaining: "apt-get install -y redis-server"},
	}
	before := skipped.Load()
	for _, c := range cases {
		t.Setenv("CI", c.ci)
		f := &fakeTB{TB: t}
		done := make(chan struct{})
		go func() {
			defer close(done)
			RequireServer(f)
		}()
		<-done
		if f.skipped != c.skip || f.failed != c.fail {
			t.Errorf("CI=%q: skipped, failed = %v, %v; want %v, %v", c.ci, f.skipped, f.failed, c.skip, c.fail)
		}
		if !strings.Contains(f.msg, c.msgContaining) {
			t.Errorf("CI=%q: message %q does not contain %q", c.ci, f.msg, c.msgContaining)
		}
	}
	if got := skipped.Load() - before; got != 2 {
		t.Errorf("skips counted = %d; want 2", got)
	}
	if line := skipSummary(); !strings.Contains(line, "tests skipped: redis-server is not installed") {
		t.Errorf("skipSummary() = %q", line)
	}
	skipped.Add(-2) // these skips were the test's own, not for want of a server
}

func TestLaunchPortTaken(t *testing.T) {
	t.Parallel()
	path := RequireServer(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	port := ln.Addr().(*net.TCPAddr).Port
	s, err := launch(path, t.TempDir(), 0, port, nil)
	if err == nil {
		s.Stop()
		t.Fatalf("launch on the taken port %d succeeded; want an error", port)
	}
	if !strings.Contains(err.Error(), "Address already in use") {
		t.Errorf("launch on a taken port: err = %v; want it to quote the log's %q", err, "Address already in use")
	}
}

func TestLaunchBadArgs(t *testing.T) {
	t.Parallel()
	path := RequireServer(t)
	s, err := launch(path, t.TempDir(), 0, 1, []string{"--no-such-directive", "x"})
	if err == nil {
		s.Stop()
		t.Fatal("launch with a bad directive succeeded; want an error")
	}
	if !strings.Contains(err.Error(), "no-such-directive") {
		t.Errorf("launch with a bad directive: err = %v; want it to quote redis-server's complaint", err)
	}
}

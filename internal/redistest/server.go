// Package redistest starts real Redis processes for the test that asks for them.
//
// [StartServer] runs one redis-server, [ReuseServer] hands out an emptied
// one that an earlier test may have used, [StartCluster] a three-master Redis
// Cluster, and [StartProxy] a TCP proxy that delays every request by a fixed
// amount. Each process listens on a free loopback port (never 6379), keeps its
// files in [testing.TB.TempDir], has persistence turned off, and is killed by
// its pid in a [testing.TB.Cleanup] registered by the helper that started it.
// [Slot] and [KeyInSlot] compute Redis Cluster hash slots without a server.
//
// When redis-server is not installed the helpers skip the test, except when
// the CI environment variable is "true": then they fail it, so that a CI run
// never passes by skipping.
//
//	func TestSomething(t *testing.T) {
//		srv := redistest.StartServer(t)
//		rdb := redis.NewClient(&redis.Options{Addr: srv.Addr})
//		defer rdb.Close()
//		// ...
//	}
package redistest

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// startAttempts is how many times a process is started on fresh ports before
// giving up; a free port can be taken by someone else between the moment it
// is picked and the moment redis-server binds it.
const startAttempts = 5

// startTimeout bounds how long one redis-server may take to answer PING.
const startTimeout = 10 * time.Second

// RequireServer returns the path of the redis-server executable found in
// $PATH. If there is none, it fails the test when the environment variable CI
// is "true" and skips it otherwise.
func RequireServer(tb testing.TB) string {
	tb.Helper()
	path, err := exec.LookPath("redis-server")
	if err == nil {
		return path
	}
	if os.Getenv("CI") == "true" {
		tb.Fatalf("redistest: redis-server is required in CI but was not found: %v", err)
	}
	skipped.Add(1)
	tb.Skipf("redistest: redis-server not found (%v); install it with: apt-get install -y redis-server", err)
	return ""
}

// Server is one redis-server process listening on a loopback address.
//
// The zero value is not usable; create a Server with [StartServer]. A Server
// must not be copied. Its methods may be called from several goroutines at
// once.
type Server struct {
	// Addr is the host:port the server listens on, e.g. "127.0.0.1:40123".
	Addr string

	cmd     *exec.Cmd
	logPath string

	// output collects stdout and stderr, where redis-server reports errors
	// in its arguments; read it only after exited is closed.
	output bytes.Buffer

	// exited is closed once cmd.Wait has returned; waitErr is written before.
	exited  chan struct{}
	waitErr error

	stopOnce sync.Once
}

// StartServer starts a redis-server on a free loopback port and waits until
// it answers PING. extraArgs are appended to its command line, e.g.
// "--maxmemory", "10mb". The process is killed when the test ends.
func StartServer(tb testing.TB, extraArgs ...string) *Server {
	tb.Helper()
	return startServer(tb, tb.TempDir(), 1, func([]int) []string { return extraArgs })
}

// startServer starts redis-server in dir on nports fresh loopback ports, the
// first of which is its client port, with the common arguments followed by
// those extra returns for the ports, and kills it when tb ends.
func startServer(tb testing.TB, dir string, nports int, extra func(ports []int) []string) *Server {
	tb.Helper()
	s := launchServer(tb, dir, nports, extra)
	tb.Cleanup(s.Stop)
	return s
}

// launchServer starts redis-server as startServer does, and leaves stopping
// it to the caller. A start that fails, e.g. because a port was taken in
// between, is retried on fresh ports.
func launchServer(tb testing.TB, dir string, nports int, extra func(ports []int) []string) *Server {
	tb.Helper()
	path := RequireServer(tb)
	var errs []error
	for attempt := range startAttempts {
		ports, err := freePorts(nports)
		if err != nil {
			tb.Fatalf("redistest: %v", err)
		}
		s, err := launch(path, dir, attempt, ports[0], extra(ports))
		if err == nil {
			return s
		}
		errs = append(errs, err)
	}
	tb.Fatalf("redistest: redis-server did not start after %d attempts: %v", startAttempts, errors.Join(errs...))
	return nil
}

// launch runs one redis-server in dir on port, with the common arguments
// followed by extra, as run does.
func launch(path, dir string, attempt, port int, extra []string) (*Server, error) {
	logPath := filepath.Join(dir, fmt.Sprintf("redis-%d-%d.log", port, attempt))
	args := []string{
		"--port", strconv.Itoa(port),
		"--bind", "127.0.0.1",
		"--save", "",
		"--appendonly", "no",
		"--daemonize", "no",
		"--dir", dir,
		"--logfile", logPath,
	}
	args = append(args, extra...)
	return run(path, "127.0.0.1:"+strconv.Itoa(port), logPath, args)
}

// run runs redis-server at path with args, which make it listen on addr and
// log to logPath, and waits for it to answer PING. On failure the process is
// gone and the error includes the end of its log.
func run(path, addr, logPath string, args []string) (*Server, error) {
	s := &Server{
		Addr:    addr,
		cmd:     exec.Command(path, args...),
		logPath: logPath,
		exited:  make(chan struct{}),
	}
	s.cmd.Stdout = &s.output
	s.cmd.Stderr = &s.output
	s.cmd.SysProcAttr = sysProcAttr()
	// A child the server forked (BGSAVE) may hold the output pipe open after
	// the server is killed; do not wait for it.
	s.cmd.WaitDelay = time.Second
	if err := s.cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", path, err)
	}
	go func() {
		s.waitErr = s.cmd.Wait()
		close(s.exited)
	}()
	deadline := time.Now().Add(startTimeout)
	for {
		err := ping(s.Addr, 100*time.Millisecond)
		if err == nil {
			// Another process may have taken the port between freePorts
			// and the server's bind, and answered the PING.
			pid, err := pidAt(s.Addr, time.Second)
			if err == nil && pid == s.Pid() {
				return s, nil
			}
			s.Stop()
			return nil, fmt.Errorf("%s is not answered by the redis-server started on it (pid %d; %v)", addr, pid, err)
		}
		select {
		case <-s.exited:
			return nil, fmt.Errorf("redis-server on %s exited (%v): %s", addr, s.waitErr, s.diagnostics())
		case <-time.After(10 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			s.Stop()
			return nil, fmt.Errorf("redis-server on %s did not answer PING within %v (%v): %s",
				addr, startTimeout, err, s.diagnostics())
		}
	}
}

// Pid returns the process id of the redis-server.
func (s *Server) Pid() int {
	return s.cmd.Process.Pid
}

// Stop kills the redis-server at once (SIGKILL) and waits for it to exit.
// Calling Stop more than once, or after the test ended, does nothing.
func (s *Server) Stop() {
	s.stopOnce.Do(func() {
		// Kill fails only if the process has already exited, which Wait
		// below observes either way.
		_ = s.cmd.Process.Kill()
		<-s.exited
	})
}

// Restart kills the redis-server, as Stop does, and starts another on the
// same address with the same arguments, which starts with no keys, as a
// server restarted without persistence does. It returns the new server,
// killed when tb ends, and fails tb if the address cannot be bound again.
func (s *Server) Restart(tb testing.TB) *Server {
	tb.Helper()
	s.Stop()
	var errs []error
	for range startAttempts {
		n, err := run(s.cmd.Path, s.Addr, s.logPath, s.cmd.Args[1:])
		if err == nil {
			tb.Cleanup(n.Stop)
			return n
		}
		errs = append(errs, err)
		time.Sleep(100 * time.Millisecond) // the old process's socket may linger
	}
	tb.Fatalf("redistest: redis-server did not restart on %s after %d attempts: %v", s.Addr, startAttempts, errors.Join(errs...))
	return nil
}

// running reports whether the process has not exited yet.
func (s *Server) running() bool {
	select {
	case <-s.exited:
		return false
	default:
		return true
	}
}

// diagnostics returns what the exited server printed and the last lines of
// its log file, for error messages.
func (s *Server) diagnostics() string {
	var lines []string
	if out := strings.TrimSpace(s.output.String()); out != "" {
		lines = append(lines, strings.Split(out, "\n")...)
	}
	b, err := os.ReadFile(s.logPath)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		lines = append(lines, fmt.Sprintf("(log: %v)", err))
	}
	if log := strings.TrimSpace(string(b)); log != "" {
		log := strings.Split(log, "\n")
		lines = append(lines, log[max(0, len(log)-10):]...)
	}
	if len(lines) == 0 {
		return "(no output)"
	}
	return "\n\t" + strings.Join(lines, "\n\t")
}

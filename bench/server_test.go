package bench

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strconv"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// addr is the Redis server the benchmarks run against: REDIS_ADDR, or a
// redis-server that TestMain starts on a free loopback port.
var addr string

func TestMain(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	if addr = os.Getenv("REDIS_ADDR"); addr != "" {
		return m.Run()
	}
	srv, err := startServer()
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		return 1
	}
	defer srv.stop()
	addr = srv.addr
	return m.Run()
}

// serverCPU names the environment variable that, when set, pins the
// redis-server to that CPU (with taskset).
const serverCPU = "BENCH_SERVER_CPU"

// server is a redis-server process started for the benchmarks.
type server struct {
	addr string
	cmd  *exec.Cmd
	dir  string // its working directory, removed by stop
}

// startServer starts redis-server on a free loopback port, persistence off,
// and waits until it answers PING.
func startServer() (*server, error) {
	path, err := exec.LookPath("redis-server")
	if err != nil {
		return nil, fmt.Errorf("%w: install redis-server (apt-get install -y redis-server) or set REDIS_ADDR", err)
	}
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "redpipe-bench-")
	if err != nil {
		return nil, err
	}
	args := []string{"--port", strconv.Itoa(port), "--bind", "127.0.0.1",
		"--save", "", "--appendonly", "no", "--dir", dir}
	cmd := exec.Command(path, args...)
	if cpu := os.Getenv(serverCPU); cpu != "" { // the server on a core of its own
		cmd = exec.Command("taskset", append([]string{"-c", cpu, path}, args...)...)
	}
	if err := cmd.Start(); err != nil {
		_ = os.RemoveAll(dir)
		return nil, err
	}
	s := &server{addr: net.JoinHostPort("127.0.0.1", strconv.Itoa(port)), cmd: cmd, dir: dir}
	c := redis.NewClient(&redis.Options{Addr: s.addr})
	defer c.Close()
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		if c.Ping(context.Background()).Err() == nil {
			return s, nil
		}
		if time.Now().After(deadline) {
			s.stop()
			return nil, fmt.Errorf("redis-server on %s did not answer PING", s.addr)
		}
	}
}

// startServers starts n redis-servers, as startServer does, and stops each
// of them, by its process, when tb ends.
func startServers(tb testing.TB, n int) []*server {
	tb.Helper()
	servers := make([]*server, n)
	for i := range servers {
		srv, err := startServer()
		if err != nil {
			tb.Fatal(err)
		}
		tb.Cleanup(srv.stop)
		servers[i] = srv
	}
	return servers
}

// stop kills the server's process and removes its directory.
func (s *server) stop() {
	_ = s.cmd.Process.Kill()
	_ = s.cmd.Wait()
	_ = os.RemoveAll(s.dir)
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

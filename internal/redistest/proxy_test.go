package redistest

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"net"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// roundTrip sends one PING on conn and returns how long the PONG took.
func roundTrip(conn net.Conn, r *bufio.Reader) (time.Duration, error) {
	start := time.Now()
	if _, err := conn.Write([]byte("*1\r\n$4\r\nPING\r\n")); err != nil {
		return 0, err
	}
	line, err := r.ReadString('\n')
	if err != nil {
		return 0, err
	}
	if line != "+PONG\r\n" {
		return 0, fmt.Errorf("PING reply = %q; want +PONG", line)
	}
	return time.Since(start), nil
}

func dial(t *testing.T, addr string) (net.Conn, *bufio.Reader) {
	t.Helper()
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatalf("dial %s: %v", addr, err)
	}
	t.Cleanup(func() { conn.Close() })
	return conn, bufio.NewReader(conn)
}

func TestProxyDelay(t *testing.T) {
	t.Parallel()
	const delay = 200 * time.Millisecond // long enough that a loaded machine's scheduling delays stay far below it
	s := StartServer(t)
	addr := StartProxy(t, s.Addr, delay)

	// The fastest of a few direct round trips shows the server itself is
	// quick; any single one may be slowed by a busy machine.
	conn, r := dial(t, s.Addr)
	fastest := time.Duration(1<<63 - 1)
	for range 5 {
		direct, err := roundTrip(conn, r)
		if err != nil {
			t.Fatalf("direct PING: %v", err)
		}
		fastest = min(fastest, direct)
	}
	if fastest >= delay/2 {
		t.Errorf("fastest direct PING took %v; want far less than %v", fastest, delay)
	}
	conn, r = dial(t, addr)
	for range 3 {
		via, err := roundTrip(conn, r)
		if err != nil {
			t.Fatalf("PING through the proxy: %v", err)
		}
		if via < delay {
			t.Errorf("PING through the proxy took %v; want >= %v", via, delay)
		}
	}
}

func TestProxyConcurrentConnections(t *testing.T) {
	t.Parallel()
	const delay, n = 200 * time.Millisecond, 4 // long enough that a loaded machine's scheduling delays do not look sequential
	s := StartServer(t)
	addr := StartProxy(t, s.Addr, delay)
	conns := make([]net.Conn, n)
	readers := make([]*bufio.Reader, n)
	for i := range n {
		conns[i], readers[i] = dial(t, addr)
	}
	start := time.Now()
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			if _, err := roundTrip(conns[i], readers[i]); err != nil {
				t.Errorf("PING on connection %d: %v", i, err)
			}
		})
	}
	wg.Wait()
	// Sequential round trips would take n*delay.
	if took := time.Since(start); took >= n*delay-delay/2 {
		t.Errorf("%d concurrent round trips took %v; want about %v, not %v", n, took, delay, n*delay)
	}
}

func TestProxyDataIntact(t *testing.T) {
	t.Parallel()
	s := StartServer(t)
	addr := StartProxy(t, s.Addr, 5*time.Millisecond)
	ctx := context.Background()
	via := redis.NewClient(&redis.Options{Addr: addr})
	defer via.Close()
	direct := redis.NewClient(&redis.Options{Addr: s.Addr})
	defer direct.Close()

	big := make([]byte, 3<<20) // spans many chunks in both directions
	rand.Read(big)
	if err := via.Set(ctx, "big", big, 0).Err(); err != nil {
		t.Fatalf("SET through the proxy: %v", err)
	}
	for name, rdb := range map[string]*redis.Client{"direct": direct, "proxy": via} {
		got, err := rdb.Get(ctx, "big").Bytes()
		if err != nil || !bytes.Equal(got, big) {
			t.Errorf("GET %s: %d bytes, %v; want the %d bytes set", name, len(got), err, len(big))
		}
	}

	// A long pipeline keeps its order.
	cmds, err := via.Pipelined(ctx, func(p redis.Pipeliner) error {
		for range 5000 {
			p.Incr(ctx, "counter")
		}
		return nil
	})
	if err != nil {
		t.Fatalf("pipeline through the proxy: %v", err)
	}
	for i, cmd := range cmds {
		if got := cmd.(*redis.IntCmd).Val(); got != int64(i+1) {
			t.Fatalf("INCR #%d = %d; want %d", i, got, i+1)
		}
	}
}

func TestProxyCleanup(t *testing.T) {
	s := StartServer(t)
	var conn net.Conn
	t.Run("proxy", func(t *testing.T) {
		addr := StartProxy(t, s.Addr, time.Hour)
		var err error
		conn, err = net.Dial("tcp", addr)
		if err != nil {
			t.Fatalf("dial: %v", err)
		}
		// A request still held by the proxy when the test ends.
		if _, err := conn.Write([]byte("*1\r\n$4\r\nPING\r\n")); err != nil {
			t.Fatalf("write: %v", err)
		}
		time.Sleep(20 * time.Millisecond)
	})
	defer conn.Close()

	conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	n, err := conn.Read(make([]byte, 16))
	var ne net.Error
	if err == nil || errors.As(err, &ne) && ne.Timeout() {
		t.Errorf("Read after the proxy's test ended = %d bytes, %v; want the connection closed", n, err)
	}
	// A goroutine that has called wg.Done in its deferred calls may still
	// be on its way out for a moment: give it a second to go.
	buf := make([]byte, 1<<20)
	var stacks string
	for deadline := time.Now().Add(time.Second); ; time.Sleep(10 * time.Millisecond) {
		stacks = string(buf[:runtime.Stack(buf, true)])
		if !strings.Contains(stacks, "redistest.(*proxy)") || time.Now().After(deadline) {
			break
		}
	}
	if strings.Contains(stacks, "redistest.(*proxy)") {
		t.Errorf("proxy goroutines still running after its test ended:\n%s", stacks)
	}
}

package redistest

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// TestReuseServer leaves a server dirty in one subtest: the next subtest gets
// the same process, emptied. A server its test stopped is not handed out
// again.
func TestReuseServer(t *testing.T) {
	ctx := context.Background()
	var first *Server
	var pid int
	var sha string
	t.Run("dirty", func(t *testing.T) {
		first = ReuseServer(t)
		pid = first.Pid()
		rdb := redis.NewClient(&redis.Options{Addr: first.Addr})
		// Left open on purpose: ReuseServer disconnects it.
		for _, err := range []error{
			rdb.Set(ctx, "k", "v", 0).Err(),
			rdb.Do(ctx, "select", 3).Err(),
			rdb.Set(ctx, "k3", "v", 0).Err(),
			rdb.Get(ctx, "k3").Err(), // a keyspace hit, for the statistics
			rdb.FunctionLoad(ctx, "#!lua name=lib\nredis.register_function('f', function() return 1 end)").Err(),
		} {
			if err != nil {
				t.Fatal(err)
			}
		}
		var err error
		if sha, err = rdb.ScriptLoad(ctx, "return 1").Result(); err != nil {
			t.Fatal(err)
		}
		sub := rdb.Subscribe(ctx, "news")
		if _, err := sub.Receive(ctx); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("emptied", func(t *testing.T) {
		s := ReuseServer(t)
		if s != first || s.Pid() != pid {
			t.Fatalf("ReuseServer started pid %d; want the kept pid %d", s.Pid(), pid)
		}
		rdb := redis.NewClient(&redis.Options{Addr: s.Addr})
		defer rdb.Close()
		info, err := rdb.Info(ctx, "keyspace", "clients", "stats").Result()
		if err != nil {
			t.Fatal(err)
		}
		for _, want := range []string{"connected_clients:1\r\n", "pubsub_channels:0\r\n", "keyspace_hits:0\r\n"} {
			if !strings.Contains(info, want) {
				t.Errorf("INFO lacks %q:\n%s", want, info)
			}
		}
		if strings.Contains(info, "db0:") || strings.Contains(info, "db3:") {
			t.Errorf("INFO keyspace lists keys:\n%s", info)
		}
		if exists, err := rdb.ScriptExists(ctx, sha).Result(); err != nil || exists[0] {
			t.Errorf("SCRIPT EXISTS of the loaded script = %v, %v; want false", exists, err)
		}
		if libs, err := rdb.FunctionList(ctx, redis.FunctionListQuery{}).Result(); err != nil || len(libs) != 0 {
			t.Errorf("FUNCTION LIST = %v, %v; want none", libs, err)
		}
		s.Stop()
	})
	t.Run("after a stop", func(t *testing.T) {
		s := ReuseServer(t)
		if s == first {
			t.Fatalf("ReuseServer handed out the server a test stopped (pid %d)", pid)
		}
		if err := ping(s.Addr, time.Second); err != nil {
			t.Fatalf("PING the new server: %v", err)
		}
	})
}

package redpipe_test

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-redpipe/redpipe"
	"github.com/go-redpipe/redpipe/internal/redistest"
)

func TestRing(t *testing.T) {
	ctx := context.Background()
	shards := []*redistest.Server{redistest.StartServer(t), redistest.StartServer(t)}
	ring := redis.NewRing(&redis.RingOptions{
		Addrs: map[string]string{"a": shards[0].Addr, "b": shards[1].Addr},
	})
	t.Cleanup(func() { _ = ring.Close() })
	name := t.Name()
	require.NoError(t, redpipe.ConnectNamed(name, ring))
	t.Cleanup(func() { redpipe.Disconnect(name) })

	for _, root := range []*redpipe.Pipe{redpipe.New(ring), redpipe.Pipeline(nil, redpipe.On(name))} {
		counts := make(map[string]*redpipe.Future[int64])
		for i := range 200 {
			key := fmt.Sprint("ring:", i%100)
			child := redpipe.Pipeline(root)
			counts[key] = child.Incr(key)
			require.NoError(t, child.Execute(ctx))
		}
		require.NoError(t, root.Execute(ctx))
		for key, f := range counts {
			n, err := ring.Get(ctx, key).Int64()
			require.NoError(t, err)
			assert.Equal(t, n, f.Val(), key)
		}
	}
	for i, s := range shards {
		c := redis.NewClient(&redis.Options{Addr: s.Addr})
		size, err := c.DBSize(ctx).Result()
		_ = c.Close()
		require.NoError(t, err)
		assert.Positive(t, size, "shard %d holds some of the keys", i)
	}
}

// TestConnectionsFlushConcurrentlyInTime sends one root to two connections,
// each behind a proxy that adds a latency to every request: sent at once,
// the batch takes about one latency, not two.
func TestConnectionsFlushConcurrentlyInTime(t *testing.T) {
	t.Parallel() // waits on the proxies; the fastest of its attempts absorbs a busy machine
	// Wide enough for a loaded machine: sequential takes a second.
	const latency = 500 * time.Millisecond
	ctx := context.Background()
	var names []string
	for i := range 2 {
		server := redistest.StartServer(t)
		c := redis.NewClient(&redis.Options{Addr: redistest.StartProxy(t, server.Addr, latency), PoolSize: 1})
		t.Cleanup(func() { _ = c.Close() })
		name := fmt.Sprint(t.Name(), "/", i)
		require.NoError(t, redpipe.ConnectNamed(name, c))
		warm := redpipe.Pipeline(nil, redpipe.On(name))
		warm.Ping()
		require.NoError(t, warm.Execute(ctx), "warm the pipeline's connection up")
		t.Cleanup(func() { redpipe.Disconnect(name) })
		names = append(names, name)
	}

	// Sent one after the other, every attempt takes two latencies; the
	// fastest of a few shows the overlap even on a busy machine.
	const n, attempts = 100, 5
	fastest := time.Duration(1<<63 - 1)
	for attempt := 0; attempt < attempts && fastest >= 2*latency-latency/10; attempt++ {
		root := redpipe.Pipeline(nil, redpipe.On(names[0]))
		other := redpipe.Pipeline(root, redpipe.On(names[1]))
		var a, b []*redpipe.Future[int64]
		var words []*redpipe.Future[string]
		for i := range n {
			a = append(a, root.Incr("counter"))
			b = append(b, other.Incr("counter"))
			other.Set("word", fmt.Sprint("w", i), 0)
			words = append(words, other.Get("word"))
		}
		require.NoError(t, other.Execute(ctx))

		start := time.Now()
		require.NoError(t, root.Execute(ctx))
		elapsed := time.Since(start)
		assert.GreaterOrEqual(t, elapsed, latency)
		fastest = min(fastest, elapsed)

		for i := range n {
			want := int64(attempt*n + i + 1)
			assert.Equal(t, want, a[i].Val(), "replies keep their order on the first connection")
			assert.Equal(t, want, b[i].Val(), "replies keep their order on the second connection")
			assert.Equal(t, fmt.Sprint("w", i), words[i].Val())
		}
	}
	assert.Less(t, fastest, 2*latency-latency/10, "the two connections' round trips overlap: one after the other they take 2 latencies")
}

func TestBinarySafety(t *testing.T) {
	values := []struct {
		name, key, value string
	}{
		{"NUL bytes", "nul\x00key\x00", "a\x00b\x00\x00c"},
		{"CR LF", "crlf\r\nkey", "line one\r\nline two\r\n$3\r\nfoo\r\n"},
		{"invalid UTF-8", "bad\xff\xfekey", "\xc3\x28\xa0\xa1\xe2\x28\xa1\xff"},
		{"1 MB", "big", strings.Repeat("0123456789abcdef\x00\r\n\xff", 1<<20/20)},
		{"empty", "", ""},
	}
	eachBackend(t, func(t *testing.T, b backend) {
		ctx := context.Background()
		c, _ := newClient(t, b.start(t))
		root := redpipe.New(c)
		for _, v := range values {
			root.Set(v.key, v.value, 0)
			root.HSet("hash", v.key, v.value)
		}
		gets := make([]*redpipe.Future[string], len(values))
		keys := make([]string, len(values))
		for i, v := range values {
			gets[i] = root.Get(v.key)
			keys[i] = v.key
		}
		all := root.HGetAll("hash")
		mget := root.MGet(keys...)
		byteKeys := root.Do("GET", []byte(values[0].key))
		require.NoError(t, root.Execute(ctx))

		for i, v := range values {
			got := gets[i].Val()
			assert.True(t, got == v.value, "%s: GET returned %d bytes, want %d", v.name, len(got), len(v.value))
			assert.True(t, all.Val()[v.key] == v.value, "%s: HGETALL", v.name)
			assert.Equal(t, v.value, mget.Val()[i], "%s: MGET", v.name)
		}
		assert.True(t, bytes.Equal([]byte(values[0].value), []byte(byteKeys.Val().(string))))
	})
}

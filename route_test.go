package redpipe_test

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-redpipe/redpipe"
	"github.com/go-redpipe/redpipe/internal/redistest"
)

// TestDeadConnectionFailsFast kills the server while a chunked batch is in
// flight: the chunks after the one that failed fail at once, unsent,
// instead of each paying go-redis's dial retries.
func TestDeadConnectionFailsFast(t *testing.T) {
	t.Parallel() // waits on servers, dials and timeouts more than it computes
	ctx := context.Background()
	c, chunks := killedBefore(t, redis.Options{}, 2) // go-redis's default retries; killed before the second chunk

	const n, chunk = 50000, 1000
	root := redpipe.New(c, redpipe.ChunkSize(chunk))
	futures := make([]*redpipe.Future[int64], n)
	for i := range futures {
		futures[i] = root.Incr("n")
	}
	start := time.Now()
	err := root.Execute(ctx)
	elapsed := time.Since(start)
	require.Error(t, err)
	// The chunk that failed pays go-redis's retries, about four seconds
	// under the race detector; 48 more chunks paying them would take minutes.
	assert.Less(t, elapsed, 10*time.Second, "every future settles within a few seconds")
	assert.LessOrEqual(t, chunks.Load(), int64(2+3), "the chunk that failed, its retries, and no other")

	for i, f := range futures[:chunk] {
		require.Equal(t, int64(i+1), f.Val(), "the first chunk ran")
	}
	for _, f := range futures[chunk:] {
		require.True(t, f.Ready())
		require.Error(t, f.Err())
	}
	for _, f := range futures[2*chunk:] {
		require.ErrorIs(t, f.Err(), redpipe.ErrNotSent)
	}
	var netErr net.Error
	assert.ErrorAs(t, futures[n-1].Err(), &netErr, "the connection's error reaches the unsent futures")
}

// clusterDeadNodeKeepsChunksGoing runs on a cluster whose third node is
// stopped: go-redis splits every chunk by node, so the commands of the live
// nodes succeed in every chunk, and only the dead node's fail.
func clusterDeadNodeKeepsChunksGoing(t *testing.T, cluster *redistest.Cluster, cc *redis.ClusterClient) {
	ctx := context.Background()

	keys := redistest.SlotKeys("dead:")
	root := redpipe.New(cc, redpipe.ChunkSize(500))
	futures := make([]*redpipe.Future[string], 0, 1500) // three chunks
	for i := 0; i < len(keys) && len(futures) < cap(futures); i += 10 {
		futures = append(futures, root.Set(keys[i], "v", 0))
	}
	err := root.Execute(ctx)
	var execErr *redpipe.ExecError
	require.ErrorAs(t, err, &execErr)
	dead := cluster.Nodes[2]
	failed := 0
	for i, f := range futures {
		key := keys[i*10]
		if cluster.NodeForSlot(redistest.Slot(key)) == dead {
			require.Error(t, f.Err(), key)
			failed++
			continue
		}
		require.Equal(t, "OK", f.Val(), "%s: %v", key, f.Err())
	}
	assert.Positive(t, failed)
	assert.Len(t, execErr.Commands, failed)
}

// TestFanOutIsBoundedByThePool sends ten transactions and a plain pipeline
// on a client whose pool holds two connections: they take turns instead of
// waiting for connections the same Execute holds.
func TestFanOutIsBoundedByThePool(t *testing.T) {
	eachBackend(t, func(t *testing.T, b backend) {
		ctx := context.Background()
		c := redis.NewClient(&redis.Options{
			Addr:             b.start(t),
			PoolSize:         2,
			PipelinePoolSize: -1,
			PoolTimeout:      200 * time.Millisecond,
			MaxRetries:       -1,
		})
		t.Cleanup(func() { _ = c.Close() })
		var inFlight, most atomic.Int64
		c.AddHook(hookFunc(func(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
			return func(ctx context.Context, cmds []redis.Cmder) error {
				if isHandshake(cmds[0]) { // a new connection's, inside a pipeline's
					return next(ctx, cmds)
				}
				n := inFlight.Add(1)
				defer inFlight.Add(-1)
				for m := most.Load(); n > m && !most.CompareAndSwap(m, n); m = most.Load() {
				}
				time.Sleep(5 * time.Millisecond)
				return next(ctx, cmds)
			}
		}))

		root := redpipe.New(c)
		plain := root.Incr("plain")
		var txs []*redpipe.Future[int64]
		for i := range 10 {
			tx := redpipe.Pipeline(root, redpipe.Transaction())
			txs = append(txs, tx.Incr(fmt.Sprint("tx:", i)), tx.Incr("all"))
			require.NoError(t, tx.Execute(ctx))
		}
		require.NoError(t, root.Execute(ctx))
		assert.Equal(t, int64(1), plain.Val())
		alls := map[int64]bool{}
		for i := 0; i < len(txs); i += 2 {
			assert.Equal(t, int64(1), txs[i].Val())
			alls[txs[i+1].Val()] = true
		}
		assert.Len(t, alls, 10, "every transaction ran once")
		assert.Equal(t, int64(2), most.Load(), "two at a time: the pool's size")
		assert.Zero(t, c.PoolStats().Timeouts)
	})
}

// hookFunc is a go-redis hook that wraps only pipelines.
type hookFunc func(redis.ProcessPipelineHook) redis.ProcessPipelineHook

func (h hookFunc) DialHook(next redis.DialHook) redis.DialHook          { return next }
func (h hookFunc) ProcessHook(next redis.ProcessHook) redis.ProcessHook { return next }
func (h hookFunc) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return h(next)
}

// lossyConn is a connection that, once armed, loses the replies to the
// first write that holds marker: it lets the server run the commands, then
// closes, as a network that drops the connection after the request.
type lossyConn struct {
	net.Conn
	marker []byte
	armed  *atomic.Bool
	cut    bool
}

func (c *lossyConn) Write(b []byte) (int, error) {
	if bytes.Contains(b, c.marker) && c.armed.CompareAndSwap(true, false) {
		c.cut = true
	}
	return c.Conn.Write(b)
}

func (c *lossyConn) Read(b []byte) (int, error) {
	if c.cut {
		time.Sleep(50 * time.Millisecond) // the server runs the commands
		_ = c.Conn.Close()
		return 0, &net.OpError{Op: "read", Net: "tcp", Err: fmt.Errorf("connection lost")}
	}
	return c.Conn.Read(b)
}

// TestRetriesAndLostReplies loses the replies of a batch of INCRs after the
// server ran them. With go-redis's retries on (its default) or off, each
// runs once and every future fails with ErrOutcomeUnknown; with
// RetryWrites, go-redis sends the batch again and the commands run twice.
func TestRetriesAndLostReplies(t *testing.T) {
	t.Parallel() // waits on servers and stalls more than it computes
	cases := []struct {
		name       string
		maxRetries int
		opts       []redpipe.Option
		runs       string
	}{
		{"retries off", -1, nil, "10"},
		{"go-redis default retries", 0, nil, "10"},
		{"RetryWrites", 0, []redpipe.Option{redpipe.RetryWrites()}, "20"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			addr := redistest.StartServer(t).Addr
			var armed atomic.Bool
			c := redis.NewClient(&redis.Options{
				Addr:       addr,
				MaxRetries: tc.maxRetries,
				Dialer: func(ctx context.Context, network, addr string) (net.Conn, error) {
					conn, err := (&net.Dialer{}).DialContext(ctx, network, addr)
					if err != nil {
						return nil, err
					}
					return &lossyConn{Conn: conn, marker: []byte("lost:n"), armed: &armed}, nil
				},
			})
			t.Cleanup(func() { _ = c.Close() })
			require.NoError(t, c.Ping(ctx).Err())
			armed.Store(true)

			root := redpipe.New(c, tc.opts...)
			futures := make([]*redpipe.Future[int64], 10)
			for i := range futures {
				futures[i] = root.Incr("lost:n")
			}
			err := root.Execute(ctx)
			direct := redis.NewClient(&redis.Options{Addr: addr})
			defer direct.Close()
			assert.Equal(t, tc.runs, direct.Get(ctx, "lost:n").Val(), "runs on the server")
			if tc.opts == nil {
				var execErr *redpipe.ExecError
				require.ErrorAs(t, err, &execErr)
				assert.Len(t, execErr.Commands, 10)
				for _, f := range futures {
					assert.ErrorIs(t, f.Err(), redpipe.ErrOutcomeUnknown, "a future whose reply was lost fails")
					assert.NotErrorIs(t, f.Err(), redpipe.ErrNotSent)
				}
				return
			}
			require.NoError(t, err)
			assert.Equal(t, int64(20), futures[9].Val(), "the futures hold the second run's replies")
		})
	}
}

// TestConcurrentRoutesSettleTogether sends one root to five clients, each
// along its own route in a goroutine of its own: every command settles in
// the one Execute with its own connection's value.
func TestConcurrentRoutesSettleTogether(t *testing.T) {
	eachBackend(t, func(t *testing.T, b backend) {
		ctx := context.Background()
		c, _ := newClient(t, b.start(t))
		root := redpipe.New(c)
		got := []*redpipe.Future[int64]{root.Incr("n"), root.Incr("n")}
		for range 4 {
			c, _ := newClient(t, b.start(t))
			child := redpipe.Pipeline(root, redpipe.On(register(t, c)))
			got = append(got, child.Incr("n"), child.Incr("n"))
			require.NoError(t, child.Execute(ctx))
		}
		require.NoError(t, root.Execute(ctx))
		for i, f := range got {
			assert.Equal(t, int64(i%2+1), f.Val())
		}
	})
}

package redpipe_test

import (
	"context"
	"errors"
	"io"
	"net"
	"strconv"
	"sync/atomic"
	"testing"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-redpipe/redpipe"
	"github.com/go-redpipe/redpipe/internal/redistest"
)

// losing starts a redis-server behind a proxy that lets the server run
// the first pipeline holding marker and then drops its connection before
// the replies. It returns a client of the proxy with go-redis's default
// options (retries on), a client of the server itself, and the count of
// connections the proxy lost.
func losing(t *testing.T, marker string) (through, direct *redis.Client, lost *atomic.Int64) {
	t.Helper()
	server := redistest.StartServer(t)
	addr, lost := redistest.StartLosingProxy(t, server.Addr, marker)
	through = redis.NewClient(&redis.Options{Addr: addr})
	direct = redis.NewClient(&redis.Options{Addr: server.Addr})
	t.Cleanup(func() {
		_ = through.Close()
		_ = direct.Close()
	})
	require.NoError(t, through.Ping(context.Background()).Err(), "the proxy passes a new connection's setup")
	return through, direct, lost
}

// runs returns the value of the counter at key on the server.
func runs(t *testing.T, direct *redis.Client, key string) int {
	t.Helper()
	v, err := direct.Get(context.Background(), key).Result()
	if err == redis.Nil {
		return 0
	}
	require.NoError(t, err)
	n, err := strconv.Atoi(v)
	require.NoError(t, err)
	return n
}

// requireUnknown requires that each future failed with ErrOutcomeUnknown.
func requireUnknown[T any](t *testing.T, fs []*redpipe.Future[T]) {
	t.Helper()
	for _, f := range fs {
		require.True(t, f.Ready())
		require.ErrorIs(t, f.Err(), redpipe.ErrOutcomeUnknown)
		require.NotErrorIs(t, f.Err(), redpipe.ErrNotSent)
	}
}

// TestLostRepliesWrites: the replies of 10 INCRs are lost after the server
// ran them; with go-redis's default retries each runs exactly once, and
// its future says the outcome is unknown.
func TestLostRepliesWrites(t *testing.T) {
	t.Parallel() // waits on servers and stalls more than it computes
	ctx := context.Background()
	through, direct, lost := losing(t, "lost:incr")
	root := redpipe.New(through)
	fs := make([]*redpipe.Future[int64], 10)
	for i := range fs {
		fs[i] = root.Incr("lost:incr")
	}
	err := root.Execute(ctx)
	var execErr *redpipe.ExecError
	require.ErrorAs(t, err, &execErr)
	assert.Equal(t, 10, execErr.OutcomeUnknown())
	assert.Zero(t, execErr.NotSent())
	assert.ErrorContains(t, err, "10 may have run (outcome unknown)")
	requireUnknown(t, fs)
	for _, f := range fs {
		var netErr net.Error
		if !errors.Is(f.Err(), io.EOF) && !errors.As(f.Err(), &netErr) {
			t.Errorf("%v: want an error that also matches the connection's failure", f.Err())
		}
	}
	assert.EqualValues(t, 1, lost.Load())
	assert.Equal(t, 10, runs(t, direct, "lost:incr"), "each INCR ran once")
}

// TestLostRepliesReads: the replies of 10 GETs are lost; go-redis sends
// them again, and they succeed.
func TestLostRepliesReads(t *testing.T) {
	t.Parallel() // waits on servers and stalls more than it computes
	ctx := context.Background()
	through, direct, lost := losing(t, "lost:get")
	require.NoError(t, direct.Set(ctx, "lost:get", "v", 0).Err())
	root := redpipe.New(through)
	fs := make([]*redpipe.Future[string], 10)
	for i := range fs {
		fs[i] = root.Get("lost:get")
	}
	require.NoError(t, root.Execute(ctx))
	for _, f := range fs {
		assert.Equal(t, "v", f.Val())
	}
	assert.EqualValues(t, 1, lost.Load(), "a connection was lost, and the reads sent again")
}

// TestLostRepliesMixed: a batch of reads and writes is not sent again.
func TestLostRepliesMixed(t *testing.T) {
	t.Parallel() // waits on servers and stalls more than it computes
	ctx := context.Background()
	through, direct, _ := losing(t, "lost:mixed")
	root := redpipe.New(through)
	var incrs []*redpipe.Future[int64]
	var gets []*redpipe.Future[string]
	for range 5 {
		gets = append(gets, root.Get("lost:mixed"))
		incrs = append(incrs, root.Incr("lost:mixed"))
	}
	require.Error(t, root.Execute(ctx))
	requireUnknown(t, incrs)
	requireUnknown(t, gets)
	assert.Equal(t, 5, runs(t, direct, "lost:mixed"), "no write ran twice")
}

// TestLostRepliesEveryPath loses the replies of a transaction begun by a
// child, of a shared root's flush, of a writing script, and of the second
// of several chunks: each write runs at most once.
func TestLostRepliesEveryPath(t *testing.T) {
	t.Parallel() // waits on servers and stalls more than it computes
	ctx := context.Background()
	t.Run("transactional child", func(t *testing.T) {
		through, direct, lost := losing(t, "lost:tx")
		root := redpipe.New(through)
		child := redpipe.Pipeline(root, redpipe.Transaction())
		fs := []*redpipe.Future[int64]{child.Incr("lost:tx"), child.Incr("lost:tx"), child.Incr("lost:tx")}
		require.NoError(t, child.Execute(ctx))
		require.Error(t, root.Execute(ctx))
		requireUnknown(t, fs)
		assert.EqualValues(t, 1, lost.Load())
		// go-redis never writes a MULTI ... EXEC twice; what the root
		// adds is the truth on the futures.
		assert.Equal(t, 3, runs(t, direct, "lost:tx"), "the transaction ran once")
	})
	t.Run("shared root", func(t *testing.T) {
		through, direct, lost := losing(t, "lost:auto")
		shared := redpipe.New(through, redpipe.AutoFlush(10, 0, 1))
		child := redpipe.Pipeline(shared)
		fs := make([]*redpipe.Future[int64], 10)
		for i := range fs {
			fs[i] = child.Incr("lost:auto")
		}
		require.NoError(t, child.Execute(ctx))
		for _, f := range fs {
			_, err := f.Wait(ctx)
			require.Error(t, err)
		}
		require.NoError(t, shared.Close(ctx))
		requireUnknown(t, fs)
		assert.EqualValues(t, 1, lost.Load())
		assert.Equal(t, 10, runs(t, direct, "lost:auto"), "the flush ran once")
	})
	t.Run("script", func(t *testing.T) {
		through, direct, lost := losing(t, "lost:script")
		script := redpipe.NewScript("return redis.call('INCR', KEYS[1])")
		require.NoError(t, direct.ScriptLoad(ctx, "return redis.call('INCR', KEYS[1])").Err())
		root := redpipe.New(through)
		f := script.RunInt64(root, []string{"lost:script"})
		require.Error(t, root.Execute(ctx))
		requireUnknown(t, []*redpipe.Future[int64]{f})
		assert.EqualValues(t, 1, lost.Load())
		assert.Equal(t, 1, runs(t, direct, "lost:script"), "the script ran once")
	})
	t.Run("NOSCRIPT follow-up", func(t *testing.T) {
		// The marker is in the script's source only: the EVALSHA goes
		// through and comes back NOSCRIPT, and the follow-up that sends
		// the source loses its replies.
		through, direct, lost := losing(t, "lost:noscript")
		script := redpipe.NewScript("return redis.call('INCR', KEYS[1]) -- lost:noscript")
		root := redpipe.New(through)
		f := script.RunInt64(root, []string{"lost:ns"})
		require.Error(t, root.Execute(ctx))
		requireUnknown(t, []*redpipe.Future[int64]{f})
		assert.EqualValues(t, 1, lost.Load())
		assert.Equal(t, 1, runs(t, direct, "lost:ns"), "the script ran once")
	})
	t.Run("Watch", func(t *testing.T) {
		through, direct, lost := losing(t, "lost:watch")
		var f *redpipe.Future[int64]
		err := redpipe.Watch(ctx, through, []string{"watched"}, func(tx *redis.Tx, pipe *redpipe.Pipe) error {
			f = pipe.Incr("lost:watch")
			return nil
		})
		require.ErrorIs(t, err, redpipe.ErrOutcomeUnknown)
		requireUnknown(t, []*redpipe.Future[int64]{f})
		assert.EqualValues(t, 1, lost.Load())
		assert.Equal(t, 1, runs(t, direct, "lost:watch"), "the transaction ran once")
	})
	t.Run("second chunk", func(t *testing.T) {
		through, direct, lost := losing(t, "lost:c2")
		root := redpipe.New(through, redpipe.ChunkSize(5))
		var chunks [3][]*redpipe.Future[int64]
		for i, key := range []string{"lost:c1", "lost:c2", "lost:c3"} {
			for range 5 {
				chunks[i] = append(chunks[i], root.Incr(key))
			}
		}
		err := root.Execute(ctx)
		var execErr *redpipe.ExecError
		require.ErrorAs(t, err, &execErr)
		assert.Equal(t, 5, execErr.OutcomeUnknown())
		assert.Equal(t, 5, execErr.NotSent())
		for _, f := range chunks[0] {
			require.NoError(t, f.Err())
		}
		requireUnknown(t, chunks[1])
		for _, f := range chunks[2] {
			require.ErrorIs(t, f.Err(), redpipe.ErrNotSent)
			require.NotErrorIs(t, f.Err(), redpipe.ErrOutcomeUnknown)
		}
		assert.EqualValues(t, 1, lost.Load())
		assert.Equal(t, 5, runs(t, direct, "lost:c1"))
		assert.Equal(t, 5, runs(t, direct, "lost:c2"), "the lost chunk ran once")
		assert.Zero(t, runs(t, direct, "lost:c3"), "the chunk after it was not sent")
	})
}

// TestRetryWrites opts in to go-redis's retries: the batch whose replies
// were lost is sent again, its writes run twice, and the futures hold the
// second run's replies.
func TestRetryWrites(t *testing.T) {
	t.Parallel() // waits on servers and stalls more than it computes
	ctx := context.Background()
	through, direct, lost := losing(t, "lost:again")
	root := redpipe.New(through, redpipe.RetryWrites())
	child := redpipe.Pipeline(root)
	fs := make([]*redpipe.Future[int64], 10)
	for i := range fs {
		fs[i] = child.Incr("lost:again")
	}
	require.NoError(t, child.Execute(ctx))
	require.NoError(t, root.Execute(ctx))
	assert.EqualValues(t, 20, fs[9].Val())
	assert.EqualValues(t, 1, lost.Load())
	assert.Equal(t, 20, runs(t, direct, "lost:again"), "the opt-in: each INCR ran twice")
}

// TestRefusedDialNotSent: a connection that cannot be dialed sent
// nothing: the futures fail with ErrNotSent, not ErrOutcomeUnknown.
func TestRefusedDialNotSent(t *testing.T) {
	t.Parallel() // waits on servers and stalls more than it computes
	c := redis.NewClient(&redis.Options{Addr: deadAddr(t)})
	t.Cleanup(func() { _ = c.Close() })
	root := redpipe.New(c)
	f := root.Incr("n")
	err := root.Execute(context.Background())
	var execErr *redpipe.ExecError
	require.ErrorAs(t, err, &execErr)
	assert.Equal(t, 1, execErr.NotSent())
	require.ErrorIs(t, f.Err(), redpipe.ErrNotSent)
	require.NotErrorIs(t, f.Err(), redpipe.ErrOutcomeUnknown)
	assert.ErrorContains(t, f.Err(), "connection refused")
}

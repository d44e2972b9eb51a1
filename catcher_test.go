package redpipe_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-redpipe/redpipe"
)

// recovered runs fn and returns what it panicked with, nil if it did not.
func recovered(fn func()) (r any) {
	defer func() { r = recover() }()
	fn()
	return nil
}

// panicError asserts that r is a *PanicError with the given value, and
// that its message holds the value and a stack.
func panicError(t *testing.T, r any, value any) *redpipe.PanicError {
	t.Helper()
	p, ok := r.(*redpipe.PanicError)
	require.True(t, ok, "panicked with %T %v; want a *redpipe.PanicError", r, r)
	assert.Equal(t, value, p.Value)
	assert.Contains(t, p.Error(), fmt.Sprint(value))
	assert.Contains(t, p.Error(), "goroutine ", "the message holds the stack")
	assert.NotEmpty(t, p.Stack)
	return p
}

func TestPanicInThenSettlesEverything(t *testing.T) {
	eachBackend(t, func(t *testing.T, b backend) {
		ctx := context.Background()
		c, _ := newClient(t, b.start(t))
		other, _ := newClient(t, b.start(t))
		name := register(t, other)

		root := redpipe.New(c)
		before := root.Incr("n")
		boom := redpipe.Then(before, func(int64) (int64, error) { panic("boom") })
		second := redpipe.Then(before, func(int64) (int64, error) { panic("second") })
		after := redpipe.Then(before, func(n int64) (int64, error) { return n + 1, nil })
		child := redpipe.Pipeline(root, redpipe.On(name))
		elsewhere := child.Incr("m")
		tx := redpipe.Pipeline(root, redpipe.Transaction())
		inTx := tx.Incr("t")
		require.NoError(t, child.Execute(ctx))
		require.NoError(t, tx.Execute(ctx))
		callbacks := 0
		root.OnExecute(func() { callbacks++ })
		root.OnExecute(func() { panic("callback") })
		root.OnExecute(func() { callbacks++ })

		r := recovered(func() { _ = root.Execute(ctx) })
		panicError(t, r, "boom") // the first panic is re-raised
		assert.Equal(t, int64(1), before.Val())
		assert.Equal(t, int64(2), after.Val(), "the other Then functions ran")
		assert.Equal(t, int64(1), elsewhere.Val())
		assert.Equal(t, int64(1), inTx.Val())
		assert.Equal(t, 2, callbacks, "the other callbacks ran")
		for f, value := range map[*redpipe.Future[int64]]string{boom: "boom", second: "second"} {
			require.True(t, f.Ready())
			var p *redpipe.PanicError
			require.ErrorAs(t, f.Err(), &p, "the panicking function's own future fails")
			assert.Equal(t, value, p.Value)
			assert.Contains(t, f.Err().Error(), "panic in a Then function")
		}

		again := root.Incr("n")
		require.NoError(t, root.Execute(ctx), "the root is usable after the panic")
		assert.Equal(t, int64(2), again.Val())
	})
}

func TestPanicInCallback(t *testing.T) {
	eachBackend(t, func(t *testing.T, b backend) {
		ctx := context.Background()
		c, _ := newClient(t, b.start(t))
		root := redpipe.New(c)
		f := root.Incr("n")
		sentinel := errors.New("callback failed")
		root.OnExecute(func() { panic(sentinel) })
		ran := false
		root.OnExecute(func() { ran = true })
		r := recovered(func() { _ = root.Execute(ctx) })
		p := panicError(t, r, sentinel)
		assert.ErrorIs(t, p, sentinel, "a panic with an error unwraps to it")
		assert.Contains(t, p.Error(), "panic in an OnExecute callback")
		assert.True(t, ran)
		assert.Equal(t, int64(1), f.Val())
	})
}

func TestPanicInWatchFunction(t *testing.T) {
	eachBackend(t, func(t *testing.T, b backend) {
		ctx := context.Background()
		c, _ := newClient(t, b.start(t))
		var queued *redpipe.Future[string]
		r := recovered(func() {
			_ = redpipe.Watch(ctx, c, []string{"k"}, func(tx *redis.Tx, pipe *redpipe.Pipe) error {
				queued = pipe.Set("k", "never", 0)
				panic("in watch")
			})
		})
		panicError(t, r, "in watch")
		require.True(t, queued.Ready(), "what the function queued settles")
		assert.ErrorIs(t, queued.Err(), redpipe.ErrDiscarded)
		var p *redpipe.PanicError
		assert.ErrorAs(t, queued.Err(), &p)
		assert.Equal(t, int64(0), c.Exists(ctx, "k").Val(), "nothing was sent")
		require.NoError(t, c.Ping(ctx).Err(), "the client is still usable")
	})
}

// TestNilContextPanicsInTheCaller executes a root on two connections with a
// nil context: go-redis panics in the goroutines Execute starts, and the
// panic reaches the caller, after every future has settled, instead of
// killing the process.
func TestNilContextPanicsInTheCaller(t *testing.T) {
	eachBackend(t, func(t *testing.T, b backend) {
		c, _ := newClient(t, b.start(t))
		other, _ := newClient(t, b.start(t))
		name := register(t, other)
		root := redpipe.New(c)
		a := root.Incr("a")
		child := redpipe.Pipeline(root, redpipe.On(name))
		bb := child.Incr("b")
		require.NoError(t, child.Execute(context.Background()))
		var nilCtx context.Context
		r := recovered(func() { _ = root.Execute(nilCtx) })
		_, ok := r.(*redpipe.PanicError)
		require.True(t, ok, "panicked with %T %v", r, r)
		for _, f := range []*redpipe.Future[int64]{a, bb} {
			require.True(t, f.Ready())
			var p *redpipe.PanicError
			assert.ErrorAs(t, f.Err(), &p)
		}
	})
}

// TestPanicsUnderConcurrency runs many roots at once, each with a Then
// function that panics: every future of every root settles.
func TestPanicsUnderConcurrency(t *testing.T) {
	eachBackend(t, func(t *testing.T, b backend) {
		ctx := context.Background()
		c, _ := newClient(t, b.start(t))
		var wg sync.WaitGroup
		var mu sync.Mutex
		var all []*redpipe.Future[int64]
		for g := range 8 {
			wg.Go(func() {
				for i := range 20 {
					root := redpipe.New(c)
					var mine []*redpipe.Future[int64]
					for k := range 10 {
						child := redpipe.Pipeline(root)
						f := child.Incr(fmt.Sprint("k", g, ":", k))
						mine = append(mine, f, redpipe.Then(f, func(n int64) (int64, error) {
							if k == i%10 {
								panic(k)
							}
							return n, nil
						}))
						require.NoError(t, child.Execute(ctx))
					}
					r := recovered(func() { _ = root.Execute(ctx) })
					assert.IsType(t, &redpipe.PanicError{}, r)
					mu.Lock()
					all = append(all, mine...)
					mu.Unlock()
				}
			})
		}
		wg.Wait()
		for _, f := range all {
			require.True(t, f.Ready())
		}
	})
}

// TestPanicInGoRedisKeepsAnsweredChunks panics inside go-redis while the
// second chunk of a batch is sent: the first chunk's futures keep their
// replies, the others fail with the panic, and Execute panics after.
func TestPanicInGoRedisKeepsAnsweredChunks(t *testing.T) {
	eachBackend(t, func(t *testing.T, b backend) {
		ctx := context.Background()
		c, trips := newClient(t, b.start(t))
		var pipelines atomic.Int64
		trips.setBefore(func() {
			if pipelines.Add(1) == 2 {
				panic("in a hook")
			}
		})
		root := redpipe.New(c, redpipe.ChunkSize(10))
		futures := make([]*redpipe.Future[int64], 30)
		for i := range futures {
			futures[i] = root.Incr("n")
		}
		r := recovered(func() { _ = root.Execute(ctx) })
		panicError(t, r, "in a hook")
		for i, f := range futures[:10] {
			assert.Equal(t, int64(i+1), f.Val(), "the first chunk was answered")
		}
		for _, f := range futures[10:] {
			require.True(t, f.Ready())
			var p *redpipe.PanicError
			assert.ErrorAs(t, f.Err(), &p)
		}
		trips.setBefore(nil)
		assert.Equal(t, "10", c.Get(ctx, "n").Val(), "nothing after the panic was sent")
	})
}

package redpipe_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-redpipe/redpipe"
)

// TestThenReadsAnotherBlocksFuture derives a future in one building block
// from a future queued by another block under the same root: every future
// of the batch settles before any Then function runs.
func TestThenReadsAnotherBlocksFuture(t *testing.T) {
	eachBackend(t, func(t *testing.T, b backend) {
		ctx := context.Background()
		c, _ := newClient(t, b.start(t))
		require.NoError(t, c.Set(ctx, "price", "7", 0).Err())
		require.NoError(t, c.Set(ctx, "qty", "6", 0).Err())
		root := redpipe.New(c)

		blockA := redpipe.Pipeline(root)
		price := blockA.Get("price")
		blockB := redpipe.Pipeline(root)
		qty := blockB.Get("qty")
		total := redpipe.Then(price, func(p string) (string, error) {
			q, err := qty.Result() // block B's future
			return p + "*" + q, err
		})
		require.NoError(t, blockA.Execute(ctx))
		require.NoError(t, blockB.Execute(ctx))
		callback := ""
		root.OnExecute(func() { callback = total.Val() })

		require.NoError(t, root.Execute(ctx))
		v, err := total.Result()
		require.NoError(t, err)
		assert.Equal(t, "7*6", v)
		assert.Equal(t, "7*6", callback, "callbacks run after the Then functions")
	})
}

func TestNotReadyErrorsSayWhere(t *testing.T) {
	eachBackend(t, func(t *testing.T, b backend) {
		ctx := context.Background()
		c, _ := newClient(t, b.start(t))
		root := redpipe.New(c)
		onRoot := root.Incr("a")
		child := redpipe.Pipeline(root)
		grandchild := redpipe.Pipeline(child)
		deep := grandchild.Incr("b")
		derived := redpipe.Then(deep, func(n int64) (int64, error) { return n, nil })

		for _, err := range []error{onRoot.Err(), deep.Err(), derived.Err()} {
			assert.ErrorIs(t, err, redpipe.ErrNotReady)
		}
		assert.Equal(t, redpipe.ErrNotReady, onRoot.Err())
		assert.Contains(t, onRoot.Err().Error(), "its root pipe has not executed")
		for _, err := range []error{deep.Err(), derived.Err()} {
			assert.Contains(t, err.Error(), "queued on a pipe that has not executed")
		}

		require.NoError(t, grandchild.Execute(ctx))
		assert.Contains(t, deep.Err().Error(), "queued on a pipe that has not executed", "the child has not executed")
		require.NoError(t, child.Execute(ctx))
		assert.Equal(t, redpipe.ErrNotReady, deep.Err(), "handed to the root")
		assert.Equal(t, redpipe.ErrNotReady, derived.Err())

		require.NoError(t, root.Execute(ctx))
		assert.Equal(t, int64(1), deep.Val())
		assert.Equal(t, int64(1), derived.Val())
	})
}

func TestWait(t *testing.T) {
	eachBackend(t, func(t *testing.T, b backend) {
		ctx := context.Background()
		c, _ := newClient(t, b.start(t))
		root := redpipe.New(c)
		n := root.Incr("n")
		derived := redpipe.Then(n, func(v int64) (int64, error) { return 10 * v, nil })

		start := time.Now() // before the deadline is set: it is 50 ms after
		short, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
		defer cancel()
		v, err := n.Wait(short)
		assert.ErrorIs(t, err, context.DeadlineExceeded, "nothing executes the root")
		assert.Equal(t, int64(0), v)
		assert.GreaterOrEqual(t, time.Since(start), 50*time.Millisecond)

		got := make(chan int64, 2)
		for _, f := range []*redpipe.Future[int64]{n, derived} {
			go func() {
				v, err := f.Wait(ctx)
				assert.NoError(t, err)
				got <- v
			}()
		}
		time.Sleep(20 * time.Millisecond) // let both wait
		require.NoError(t, root.Execute(ctx))
		assert.ElementsMatch(t, []int64{1, 10}, []int64{<-got, <-got})

		v, err = n.Wait(short) // short is done: a settled future wins
		require.NoError(t, err)
		assert.Equal(t, int64(1), v)

		missing := root.Get("missing")
		require.NoError(t, root.Execute(ctx))
		_, err = missing.Wait(ctx)
		assert.True(t, errors.Is(err, redis.Nil), "Wait returns the Result, nil reply included")
	})
}

func TestZeroFutureWait(t *testing.T) {
	var f redpipe.Future[string]
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	v, err := f.Wait(ctx)
	assert.Equal(t, "", v)
	assert.ErrorIs(t, err, context.DeadlineExceeded)
	assert.False(t, strings.Contains(f.Err().Error(), "queued on a pipe"), "a zero future is not on a pipe")
}

package redpipe_test

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"testing"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-redpipe/redpipe"
)

func TestZeroFuture(t *testing.T) {
	var f redpipe.Future[string]
	assert.False(t, f.Ready())
	v, err := f.Result()
	assert.Equal(t, "", v)
	assert.ErrorIs(t, err, redpipe.ErrNotReady)
	assert.ErrorIs(t, f.Err(), redpipe.ErrNotReady)
	assert.Equal(t, "", f.Val())
	g := redpipe.Then(&f, func(s string) (int, error) { return len(s), nil })
	assert.False(t, g.Ready(), "a future derived from one never ready is never ready")
}

func TestThen(t *testing.T) {
	eachBackend(t, func(t *testing.T, b backend) {
		ctx := context.Background()
		c, _ := newClient(t, b.start(t))
		require.NoError(t, c.Set(ctx, "num", "42", 0).Err())
		require.NoError(t, c.Set(ctx, "word", "forty-two", 0).Err())
		root := redpipe.New(c)

		num := redpipe.Then(root.Get("num"), strconv.Atoi)
		doubled := redpipe.Then(num, func(n int) (int, error) { return 2 * n, nil })
		word := redpipe.Then(root.Get("word"), strconv.Atoi)
		called := false
		missing := redpipe.Then(root.Get("missing"), func(s string) (int, error) {
			called = true
			return 0, nil
		})
		assert.False(t, doubled.Ready())
		assert.ErrorIs(t, doubled.Err(), redpipe.ErrNotReady)

		require.NoError(t, root.Execute(ctx), "an error from fn is not a command failure")
		assert.Equal(t, 42, num.Val())
		assert.Equal(t, 84, doubled.Val())
		var numErr *strconv.NumError
		assert.ErrorAs(t, word.Err(), &numErr, "fn's error is the derived future's")
		assert.Equal(t, 0, word.Val())
		assert.ErrorIs(t, missing.Err(), redis.Nil, "the source's error passes through")
		assert.False(t, called, "fn is not called when the source failed")

		late := redpipe.Then(num, func(n int) (string, error) { return strconv.Itoa(n + 1), nil })
		assert.True(t, late.Ready(), "Then on a ready future settles at once")
		assert.Equal(t, "43", late.Val())
	})
}

func TestThenConcurrentWithExecute(t *testing.T) {
	eachBackend(t, func(t *testing.T, b backend) {
		ctx := context.Background()
		c, _ := newClient(t, b.start(t))
		for range 20 {
			root := redpipe.New(c)
			src := root.Incr("n")
			var wg sync.WaitGroup
			derived := make([]*redpipe.Future[int64], 8)
			for i := range derived {
				wg.Go(func() {
					derived[i] = redpipe.Then(src, func(n int64) (int64, error) { return n + int64(i), nil })
				})
			}
			wg.Go(func() { assert.NoError(t, root.Execute(ctx)) })
			wg.Wait()
			for i, d := range derived {
				require.True(t, d.Ready(), "derived future %d", i)
				assert.Equal(t, src.Val()+int64(i), d.Val())
			}
		}
	})
}

func TestThenErrorIsNotWrapped(t *testing.T) {
	eachBackend(t, func(t *testing.T, b backend) {
		ctx := context.Background()
		c, _ := newClient(t, b.start(t))
		root := redpipe.New(c)
		sentinel := errors.New("bad value")
		f := redpipe.Then(root.Set("k", "v", 0), func(string) (bool, error) { return true, sentinel })
		require.NoError(t, root.Execute(ctx))
		assert.Equal(t, sentinel, f.Err())
		assert.False(t, f.Val(), "a failed future's Val is the zero value")
	})
}

// TestThen2 combines futures of two types: fn runs once both have
// settled, on one root or on two; the first error, in argument order,
// passes unchanged; a panic fails the derived future and is raised by the
// root that ran fn.
func TestThen2(t *testing.T) {
	eachBackend(t, func(t *testing.T, b backend) {
		ctx := context.Background()
		c, _ := newClient(t, b.start(t))
		require.NoError(t, c.Set(ctx, "name", "Ada", 0).Err())
		describe := func(name string, visits int64) (string, error) { return fmt.Sprintf("%s: %d", name, visits), nil }

		root := redpipe.New(c)
		name := root.Get("name")
		visits := root.Incr("visits")
		both := redpipe.Then2(name, visits, describe)
		badA := redpipe.Then2(root.Incr("name"), visits, func(int64, int64) (int, error) { return 1, nil })
		badB := redpipe.Then2(name, root.Incr("name"), func(string, int64) (int, error) { return 1, nil })
		assert.False(t, both.Ready())
		require.Error(t, root.Execute(ctx))
		assert.Equal(t, "Ada: 1", both.Val())
		assert.ErrorContains(t, badA.Err(), "not an integer")
		assert.ErrorContains(t, badB.Err(), "not an integer")

		first, second := redpipe.New(c), redpipe.New(c)
		later := redpipe.Then2(first.Get("name"), second.Incr("visits"), describe)
		require.NoError(t, first.Execute(ctx))
		assert.False(t, later.Ready(), "waits for both")
		require.NoError(t, second.Execute(ctx))
		assert.Equal(t, "Ada: 2", later.Val())

		now := redpipe.Then2(redpipe.Settled("Bob", nil), redpipe.Settled[int64](3, nil), describe)
		require.True(t, now.Ready(), "both ready: fn ran at once")
		assert.Equal(t, "Bob: 3", now.Val())
		failed := redpipe.Then2(redpipe.Settled("", errors.New("a")), redpipe.Settled[int64](0, errors.New("b")), describe)
		assert.EqualError(t, failed.Err(), "a", "the first error, in argument order")

		root = redpipe.New(c)
		boom := redpipe.Then2(root.Get("name"), root.Incr("visits"), func(string, int64) (int, error) { panic("boom") })
		func() {
			defer func() { panicError(t, recover(), "boom") }()
			_ = root.Execute(ctx)
			t.Fatal("Execute did not panic")
		}()
		var pe *redpipe.PanicError
		require.ErrorAs(t, boom.Err(), &pe)
	})
}

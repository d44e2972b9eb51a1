package redpipe_test

import (
	"context"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-redpipe/redpipe"
)

// TestCallerGivesUp has two callers hand a child each to a shared root
// while its flush is stalled; one's context ends before the next flush
// takes them: its commands are not sent, and their futures fail at once
// with ErrNotSent and the context's error; the other's run.
func TestCallerGivesUp(t *testing.T) {
	t.Parallel() // waits on servers and stalls more than it computes
	eachBackend(t, func(t *testing.T, b backend) {
		ctx := waitCtx(t)
		client, _ := newClient(t, b.start(t))
		stall := newStall(t, client)
		shared := redpipe.New(client, redpipe.AutoFlush(0, 0, 1))
		warm := shared.Incr("warm")
		stall.waitHeld(t)

		gaveUp, cancel := context.WithCancel(ctx)
		quitter := redpipe.Pipeline(shared)
		quit := quitter.Set("a", "1", 0)
		quitCount := quitter.Incr("counter")
		ran := false
		quitter.OnExecute(func() { ran = true })
		require.NoError(t, quitter.Execute(gaveUp))

		stays := redpipe.Pipeline(shared)
		kept := stays.Set("b", "1", 0)
		keptCount := stays.Incr("counter")
		require.NoError(t, stays.Execute(ctx))

		cancel()
		_, err := quit.Wait(ctx) // settles before the stall ends
		require.ErrorIs(t, err, redpipe.ErrNotSent)
		require.ErrorIs(t, err, context.Canceled)
		require.ErrorIs(t, quitCount.Err(), redpipe.ErrNotSent)
		assert.False(t, kept.Ready())

		stall.release()
		_, err = kept.Wait(ctx)
		require.NoError(t, err)
		assert.EqualValues(t, 1, keptCount.Val(), "only the other caller's INCR ran")
		require.NoError(t, warm.Err())
		require.NoError(t, shared.Close(ctx))
		assert.False(t, ran, "the callback of a caller who gave up is dropped")
		exists, err := client.Exists(ctx, "a").Result()
		require.NoError(t, err)
		assert.Zero(t, exists, "the SET of a caller who gave up was not sent")
	})
}

// TestCallerDoneAtHandOff hands a child to a shared root with a context
// that is already done: the root refuses it whole, and the child's
// Execute says why.
func TestCallerDoneAtHandOff(t *testing.T) {
	t.Parallel() // waits on servers and stalls more than it computes
	eachBackend(t, func(t *testing.T, b backend) {
		ctx := waitCtx(t)
		client, trips := newClient(t, b.start(t))
		shared := redpipe.New(client, redpipe.AutoFlush(0, 0, 1))
		done, cancel := context.WithTimeout(ctx, -time.Second)
		defer cancel()
		child := redpipe.Pipeline(shared)
		f := child.Incr("counter")
		err := child.Execute(done)
		require.ErrorIs(t, err, redpipe.ErrNotSent)
		require.ErrorIs(t, err, context.DeadlineExceeded)
		require.True(t, f.Ready())
		require.ErrorIs(t, f.Err(), redpipe.ErrNotSent)
		require.ErrorIs(t, f.Err(), context.DeadlineExceeded)
		require.NoError(t, shared.Close(ctx))
		assert.Zero(t, trips.cmds.Load())
	})
}

// TestCallerFlushedFirst ends a caller's context after a flush took its
// commands: they are sent, and their futures hold the replies.
func TestCallerFlushedFirst(t *testing.T) {
	t.Parallel() // waits on servers and stalls more than it computes
	eachBackend(t, func(t *testing.T, b backend) {
		ctx := waitCtx(t)
		client, _ := newClient(t, b.start(t))
		shared := redpipe.New(client, redpipe.AutoFlush(0, 0, 1))
		for i := range 100 {
			callerCtx, cancel := context.WithCancel(ctx)
			child := redpipe.Pipeline(shared)
			f := child.Incr("counter")
			require.NoError(t, child.Execute(callerCtx))
			n, err := f.Wait(ctx)
			cancel()
			require.NoError(t, err)
			require.EqualValues(t, i+1, n)
		}
		require.NoError(t, shared.Close(ctx))
		n, err := client.Get(ctx, "counter").Int64()
		require.NoError(t, err)
		assert.EqualValues(t, 100, n)
	})
}

// TestCallerNotShared: on a root without AutoFlush, a child's context is
// not the root's business: the root's Execute sends what the child
// handed it.
func TestCallerNotShared(t *testing.T) {
	ctx := waitCtx(t)
	client, _ := newClient(t, miniredis.RunT(t).Addr())
	root := redpipe.New(client)
	done, cancel := context.WithCancel(ctx)
	cancel()
	child := redpipe.Pipeline(root)
	f := child.Incr("counter")
	require.NoError(t, child.Execute(done))
	require.NoError(t, root.Execute(ctx))
	assert.EqualValues(t, 1, f.Val())
}

package redpipe_test

import (
	"context"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-redpipe/redpipe"
)

// TestAutoFlushClose closes a shared root while flushes are in flight and
// commands wait for a slot: when Close returns every future has settled,
// with its reply; what is queued afterwards fails at once.
func TestAutoFlushClose(t *testing.T) {
	eachBackend(t, func(t *testing.T, b backend) {
		ctx := waitCtx(t)
		client, _ := newClient(t, b.start(t))
		var inFlight, most atomic.Int64
		client.AddHook(inFlightHook{&inFlight, &most, 50 * time.Millisecond})
		shared := redpipe.New(client, redpipe.AutoFlush(0, 0, 1))
		var mu sync.Mutex
		var fs []*redpipe.Future[int64]
		var wg sync.WaitGroup
		for range 20 {
			wg.Go(func() {
				for range 5 {
					f := shared.Incr("counter")
					mu.Lock()
					fs = append(fs, f)
					mu.Unlock()
				}
			})
		}
		wg.Wait()
		for inFlight.Load() == 0 { // a flush is in flight, the rest waits for its slot
			time.Sleep(time.Millisecond)
		}
		require.NoError(t, shared.Close(ctx))
		requireCounted(t, fs)

		late := shared.Incr("counter")
		require.True(t, late.Ready())
		assert.ErrorIs(t, late.Err(), redpipe.ErrClosed)
		assert.ErrorContains(t, late.Err(), "INCR")

		child := redpipe.Pipeline(shared)
		viaChild := child.Get("counter")
		ran := false
		child.OnExecute(func() { ran = true })
		require.ErrorIs(t, child.Execute(ctx), redpipe.ErrClosed, "the root refused the child's commands")
		require.True(t, viaChild.Ready())
		assert.ErrorIs(t, viaChild.Err(), redpipe.ErrClosed)
		assert.False(t, ran, "a closed root drops callbacks")

		chained := redpipe.Chain(shared, redpipe.Settled(1, nil), func(next *redpipe.Pipe, v int, err error) *redpipe.Future[string] {
			return next.Get("counter")
		})
		require.True(t, chained.Ready())
		assert.ErrorIs(t, chained.Err(), redpipe.ErrClosed)

		assert.NoError(t, shared.Close(ctx), "a second Close")
		n, err := client.Get(ctx, "counter").Int64()
		require.NoError(t, err)
		assert.EqualValues(t, 100, n, "nothing queued after Close was sent")
	})
}

// TestAutoFlushCloseContextDone closes a shared root whose only slot stays
// taken past Close's deadline: Close returns the context's error, and
// what it could not flush fails with an error matching ErrClosed and the
// context's error; the flush in flight still settles its own futures.
func TestAutoFlushCloseContextDone(t *testing.T) {
	t.Parallel() // waits on servers and stalls more than it computes
	eachBackend(t, func(t *testing.T, b backend) {
		client, _ := newClient(t, b.start(t))
		var inFlight, most atomic.Int64
		client.AddHook(inFlightHook{&inFlight, &most, 300 * time.Millisecond})
		shared := redpipe.New(client, redpipe.AutoFlush(0, 0, 1))
		first := shared.Incr("counter")
		for inFlight.Load() == 0 {
			time.Sleep(time.Millisecond)
		}
		second := shared.Incr("counter") // waits for the slot
		ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
		defer cancel()
		err := shared.Close(ctx)
		assert.ErrorIs(t, err, context.DeadlineExceeded)
		n, err := first.Wait(waitCtx(t))
		require.NoError(t, err)
		assert.EqualValues(t, 1, n)
		_, err = second.Wait(waitCtx(t))
		if err != nil { // unless the flush waiting for the slot took it first
			assert.ErrorIs(t, err, redpipe.ErrClosed)
			assert.ErrorIs(t, err, context.DeadlineExceeded)
		}
	})
}

// TestCloseWaitsForExecute closes a shared root while an Execute in
// another goroutine is in flight, held by a stalled server: Close returns
// only once that Execute's futures have settled.
func TestCloseWaitsForExecute(t *testing.T) {
	t.Parallel() // waits on servers and stalls more than it computes
	eachBackend(t, func(t *testing.T, b backend) {
		ctx := waitCtx(t)
		client, _ := newClient(t, b.start(t))
		stall := newStall(t, client)
		shared := redpipe.New(client, redpipe.AutoFlush(0, time.Hour, 2))
		fs := []*redpipe.Future[int64]{shared.Incr("counter"), shared.Incr("counter")}
		executed := make(chan error, 1)
		go func() { executed <- shared.Execute(ctx) }()
		stall.waitHeld(t)
		closed := make(chan error, 1)
		go func() { closed <- shared.Close(ctx) }()
		assert.Never(t, func() bool { return len(closed) > 0 }, 300*time.Millisecond, 10*time.Millisecond,
			"Close returned while an Execute was in flight")
		stall.release()
		require.NoError(t, <-closed)
		for i, f := range fs {
			require.True(t, f.Ready(), "settled when Close returned")
			assert.EqualValues(t, i+1, f.Val())
		}
		require.NoError(t, <-executed)
	})
}

// TestConcurrentClose closes a shared root from two goroutines at once
// while its only slot is taken, by a flush or by an Execute, stalled by
// the server: neither Close returns before the commands queued before
// them have their replies, and neither fails them.
func TestConcurrentClose(t *testing.T) {
	t.Parallel() // waits on servers and stalls more than it computes
	takers := []struct {
		name string
		d    time.Duration // AutoFlush's
		take func(ctx context.Context, shared *redpipe.Pipe) <-chan error
	}{
		{"flush", 0, func(context.Context, *redpipe.Pipe) <-chan error { return nil }},
		{"Execute", time.Hour, func(ctx context.Context, shared *redpipe.Pipe) <-chan error {
			executed := make(chan error, 1)
			go func() { executed <- shared.Execute(ctx) }()
			return executed
		}},
	}
	eachBackend(t, func(t *testing.T, b backend) {
		for _, taker := range takers {
			t.Run(taker.name, func(t *testing.T) {
				ctx := waitCtx(t)
				client, _ := newClient(t, b.start(t))
				stall := newStall(t, client)
				shared := redpipe.New(client, redpipe.AutoFlush(0, taker.d, 1))
				first := shared.Incr("counter")
				executed := taker.take(ctx, shared)
				stall.waitHeld(t)
				var fs []*redpipe.Future[int64]
				for range 20 {
					fs = append(fs, shared.Incr("counter"))
				}
				closed := make(chan error, 2)
				for range 2 {
					go func() { closed <- shared.Close(ctx) }()
				}
				assert.Never(t, func() bool { return len(closed) > 0 }, 300*time.Millisecond, 10*time.Millisecond,
					"a Close returned while the commands queued before it waited for the slot")
				stall.release()
				require.NoError(t, <-closed)
				require.NoError(t, <-closed)
				if executed != nil {
					require.NoError(t, <-executed)
				}
				requireCounted(t, append(fs, first))
				assert.NoError(t, shared.Close(ctx), "a later Close")
			})
		}
	})
}

// TestCloseContextDone closes shared roots with a context already done,
// many times: every command the root held fails with an error matching
// both ErrClosed and the context's error, and none is sent. An Execute
// with a done context before it takes nothing: what the root holds stays
// for the next flush.
func TestCloseContextDone(t *testing.T) {
	t.Parallel() // waits on servers and stalls more than it computes
	eachBackend(t, func(t *testing.T, b backend) {
		ctx := waitCtx(t)
		client, trips := newClient(t, b.start(t))
		done, cancel := context.WithCancel(context.Background())
		cancel()
		for i := range 200 {
			shared := redpipe.New(client, redpipe.AutoFlush(0, time.Hour, 1))
			kept := shared.Incr("kept")
			require.ErrorIs(t, shared.Execute(done), context.Canceled)
			require.False(t, kept.Ready(), "an Execute with a done context took nothing")
			require.NoError(t, shared.Execute(ctx))
			require.NoError(t, kept.Err())
			require.EqualValues(t, i+1, kept.Val())

			fs := []*redpipe.Future[int64]{shared.Incr("counter"), shared.Incr("counter")}
			require.ErrorIs(t, shared.Close(done), context.Canceled)
			for _, f := range fs {
				require.True(t, f.Ready())
				require.ErrorIs(t, f.Err(), redpipe.ErrClosed)
				require.ErrorIs(t, f.Err(), context.Canceled)
			}
		}
		assert.EqualValues(t, 200, trips.cmds.Load(), "only the kept INCRs were sent")
	})
}

// TestCloseAfterPanic closes a shared root again after a Close that
// panicked: the later Close returns nil.
func TestCloseAfterPanic(t *testing.T) {
	eachBackend(t, func(t *testing.T, b backend) {
		ctx := waitCtx(t)
		client, _ := newClient(t, b.start(t))
		shared := redpipe.New(client, redpipe.AutoFlush(0, 0, 1))
		// Then is registered on a child, before its Execute hands the
		// INCR to the root: the function panics in a flush, never here.
		child := redpipe.Pipeline(shared)
		bad := redpipe.Then(child.Incr("a"), func(int64) (int, error) { panic("boom") })
		require.NoError(t, child.Execute(ctx))
		_, err := bad.Wait(ctx)
		require.Error(t, err)
		func() {
			defer func() { panicError(t, recover(), "boom") }()
			_ = shared.Close(ctx)
			t.Fatal("Close did not panic")
		}()
		assert.NotPanics(t, func() { assert.NoError(t, shared.Close(ctx)) })
	})
}

// requireCounted requires that fs, the futures of INCRs of one counter,
// have settled, and hold 1 to len(fs), in any order.
func requireCounted(t *testing.T, fs []*redpipe.Future[int64]) {
	t.Helper()
	var got []int64
	for _, f := range fs {
		require.True(t, f.Ready(), "settled when Close returned")
		n, err := f.Result()
		require.NoError(t, err)
		got = append(got, n)
	}
	slices.Sort(got)
	for i, n := range got {
		require.EqualValues(t, i+1, n)
	}
}

// stall holds every pipeline a client sends, but the setup of a new
// connection, until it is released, as a server that stopped answering
// would; it counts the pipelines it holds.
type stall struct {
	held     atomic.Int64
	released chan struct{}
	once     sync.Once
}

// newStall adds a stall to c; it is released at the end of the test.
func newStall(t *testing.T, c *redis.Client) *stall {
	s := &stall{released: make(chan struct{})}
	c.AddHook(s)
	t.Cleanup(s.release)
	return s
}

func (s *stall) release() { s.once.Do(func() { close(s.released) }) }

// waitHeld waits until the stall holds a pipeline.
func (s *stall) waitHeld(t *testing.T) {
	t.Helper()
	require.Eventually(t, func() bool { return s.held.Load() > 0 }, 10*time.Second, time.Millisecond, "a pipeline reached the stall")
}

func (s *stall) DialHook(next redis.DialHook) redis.DialHook          { return next }
func (s *stall) ProcessHook(next redis.ProcessHook) redis.ProcessHook { return next }

func (s *stall) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		if slices.ContainsFunc(cmds, func(c redis.Cmder) bool { return !isHandshake(c) }) {
			s.held.Add(1)
			<-s.released
		}
		return next(ctx, cmds)
	}
}

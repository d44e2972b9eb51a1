package redpipe_test

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-redpipe/redpipe"
	"github.com/go-redpipe/redpipe/internal/redistest"
)

// waitCtx returns a context that ends the test's waits after a generous
// time, so that a future that never settles fails the test instead of
// hanging it.
func waitCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	t.Cleanup(cancel)
	return ctx
}

// TestAutoFlushManyGoroutines has 1,000 goroutines queue 20 INCRs each on
// one shared root, half of them one command at a time, waiting for each,
// and half through a child per ten commands, as building blocks do: the
// INCR replies are exactly 1 to 20,000.
func TestAutoFlushManyGoroutines(t *testing.T) {
	t.Parallel() // many goroutines and round trips: it overlaps the others' waits
	// Many goroutines at once, a few batches each.
	const goroutines, each = 1000, 20
	policies := []struct {
		name    string
		n       int
		d       time.Duration
		inFight int
	}{
		{"as soon as a slot is free", 0, 0, 4},
		{"by count or time", 64, time.Millisecond, 2},
	}
	eachBackend(t, func(t *testing.T, b backend) {
		for _, pol := range policies {
			t.Run(pol.name, func(t *testing.T) {
				ctx := waitCtx(t)
				client, trips := newClient(t, b.start(t))
				shared := redpipe.New(client, redpipe.AutoFlush(pol.n, pol.d, pol.inFight))
				replies := make([][]int64, goroutines)
				var wg sync.WaitGroup
				for g := range goroutines {
					wg.Go(func() {
						if g%2 == 0 {
							for range each {
								n, err := shared.Incr("counter").Wait(ctx)
								if !assert.NoError(t, err) {
									return
								}
								replies[g] = append(replies[g], n)
							}
							return
						}
						for range each / 10 {
							pipe := redpipe.Pipeline(shared)
							fs := make([]*redpipe.Future[int64], 10)
							for i := range fs {
								fs[i] = pipe.Incr("counter")
							}
							assert.NoError(t, pipe.Execute(ctx))
							for _, f := range fs {
								n, err := f.Wait(ctx)
								if !assert.NoError(t, err) {
									return
								}
								replies[g] = append(replies[g], n)
							}
						}
					})
				}
				wg.Wait()
				require.NoError(t, shared.Close(ctx))

				all := slices.Concat(replies...)
				slices.Sort(all)
				require.Len(t, all, goroutines*each)
				for i, n := range all {
					if n != int64(i+1) {
						t.Fatalf("the %d-th smallest INCR reply is %d", i+1, n)
					}
				}
				assert.EqualValues(t, goroutines*each, trips.cmds.Load())
				assert.Less(t, trips.trips.Load(), int64(goroutines*each/2), "flushes carry many commands each")
			})
		}
	})
}

// TestAutoFlushByCount flushes on the n-th command and not before.
func TestAutoFlushByCount(t *testing.T) {
	eachBackend(t, func(t *testing.T, b backend) {
		ctx := waitCtx(t)
		client, trips := newClient(t, b.start(t))
		shared := redpipe.New(client, redpipe.AutoFlush(10, time.Hour, 1))
		fs := make([]*redpipe.Future[int64], 10)
		for i := range 9 {
			fs[i] = shared.Incr(fmt.Sprint("k", i))
		}
		assert.Equal(t, 9, shared.Len())
		assert.Zero(t, trips.trips.Load(), "nine commands do not start a flush")
		fs[9] = shared.Incr("k9")
		for _, f := range fs {
			n, err := f.Wait(ctx)
			require.NoError(t, err)
			assert.EqualValues(t, 1, n)
		}
		assert.EqualValues(t, 1, trips.trips.Load())
		require.NoError(t, shared.Close(ctx))
	})
}

// TestAutoFlushByTime flushes a lone command once d has passed.
func TestAutoFlushByTime(t *testing.T) {
	eachBackend(t, func(t *testing.T, b backend) {
		ctx := waitCtx(t)
		client, trips := newClient(t, b.start(t))
		const d = 20 * time.Millisecond
		shared := redpipe.New(client, redpipe.AutoFlush(1000, d, 1))
		start := time.Now()
		f := shared.Set("k", "v", 0)
		v, err := f.Wait(ctx)
		require.NoError(t, err)
		assert.Equal(t, "OK", v)
		assert.GreaterOrEqual(t, time.Since(start), d, "the flush waits for d")
		assert.EqualValues(t, 1, trips.trips.Load())
		require.NoError(t, shared.Close(ctx))
	})
}

// TestAutoFlushInFlight keeps at most k flushes in flight: the commands
// queued meanwhile wait, and go out together.
func TestAutoFlushInFlight(t *testing.T) {
	eachBackend(t, func(t *testing.T, b backend) {
		ctx := waitCtx(t)
		client, trips := newClient(t, b.start(t))
		var inFlight, most atomic.Int64
		client.AddHook(inFlightHook{&inFlight, &most, 20 * time.Millisecond})
		shared := redpipe.New(client, redpipe.AutoFlush(0, 0, 2))
		const goroutines = 50
		var wg sync.WaitGroup
		for g := range goroutines {
			wg.Go(func() {
				_, err := shared.Set(fmt.Sprint("k", g), g, 0).Wait(ctx)
				assert.NoError(t, err)
			})
		}
		wg.Wait()
		require.NoError(t, shared.Close(ctx))
		assert.LessOrEqual(t, most.Load(), int64(2))
		assert.Less(t, trips.trips.Load(), int64(goroutines), "commands gathered while two flushes were in flight")
		assert.EqualValues(t, goroutines, trips.cmds.Load())
	})
}

// inFlightHook counts the pipelines a client has in flight, keeps the most
// it saw, and holds each pipeline for a while before sending it. The
// pipelines that set up a new connection are not counted.
type inFlightHook struct {
	now, most *atomic.Int64
	hold      time.Duration
}

func (h inFlightHook) DialHook(next redis.DialHook) redis.DialHook          { return next }
func (h inFlightHook) ProcessHook(next redis.ProcessHook) redis.ProcessHook { return next }

func (h inFlightHook) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		if !slices.ContainsFunc(cmds, func(c redis.Cmder) bool { return !isHandshake(c) }) {
			return next(ctx, cmds) // a new connection's setup, inside a pipeline's send
		}
		n := h.now.Add(1)
		defer h.now.Add(-1)
		for m := h.most.Load(); n > m && !h.most.CompareAndSwap(m, n); m = h.most.Load() {
		}
		time.Sleep(h.hold)
		return next(ctx, cmds)
	}
}

// TestAutoFlushFailedFlush kills the server between two flushes: the
// flush that fails fails only the futures it carried.
func TestAutoFlushFailedFlush(t *testing.T) {
	t.Parallel() // waits on servers and stalls more than it computes
	servers := []struct {
		name  string
		start func(t *testing.T) (addr string, kill func())
	}{
		{"miniredis", func(t *testing.T) (string, func()) {
			m := miniredis.RunT(t)
			return m.Addr(), m.Close
		}},
		{"redis-server", func(t *testing.T) (string, func()) {
			s := redistest.StartServer(t)
			return s.Addr, s.Stop
		}},
	}
	for _, srv := range servers {
		t.Run(srv.name, func(t *testing.T) {
			ctx := waitCtx(t)
			addr, kill := srv.start(t)
			client, _ := newClient(t, addr)
			shared := redpipe.New(client, redpipe.AutoFlush(0, 0, 2))
			var before []*redpipe.Future[int64]
			for i := range 10 {
				before = append(before, shared.Incr(fmt.Sprint("k", i)))
			}
			for _, f := range before {
				_, err := f.Wait(ctx)
				require.NoError(t, err)
			}
			kill()
			var after []*redpipe.Future[int64]
			for i := range 10 {
				after = append(after, shared.Incr(fmt.Sprint("k", i)))
			}
			for _, f := range after {
				_, err := f.Wait(ctx)
				require.Error(t, err)
				assert.NotErrorIs(t, err, redpipe.ErrNotReady)
			}
			for _, f := range before {
				n, err := f.Result()
				require.NoError(t, err, "a later flush does not touch what an earlier one settled")
				assert.EqualValues(t, 1, n)
			}
			assert.NoError(t, shared.Close(ctx))
		})
	}
}

// TestAutoFlushServerRestart has goroutines share a root while its
// redis-server is killed and, a while later, started again on the same
// address: every future settles; a reply is always its own command's; a
// command that fails fails as not sent or with its outcome unknown; and
// once the server is back the root serves again.
func TestAutoFlushServerRestart(t *testing.T) {
	t.Parallel() // waits on a server and stalls more than it computes
	ctx := waitCtx(t)
	srv := redistest.StartServer(t)
	client, _ := newClient(t, srv.Addr)
	shared := redpipe.New(client, redpipe.AutoFlush(0, 0, 2))
	var answered, failed atomic.Int64
	var mu sync.Mutex
	var wrong []string
	stop := make(chan struct{})
	var wg sync.WaitGroup
	stopAll := sync.OnceFunc(func() { close(stop); wg.Wait() })
	t.Cleanup(stopAll) // also when a wait below fails the test
	for g := range 16 {
		wg.Go(func() {
			key := fmt.Sprint("restart:", g)
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				pipe := redpipe.Pipeline(shared)
				set := pipe.Set(key, i, 0)
				get := pipe.Get(key)
				_ = pipe.Execute(ctx) // a refusal is on the futures too
				_, setErr := set.Wait(ctx)
				v, getErr := get.Wait(ctx)
				var bad string
				switch {
				case getErr == nil && (setErr != nil || v != fmt.Sprint(i)):
					bad = fmt.Sprintf("SET %d: %v, then GET = %q", i, setErr, v)
				case getErr == nil:
					answered.Add(1)
				default:
					failed.Add(1)
					for _, err := range []error{setErr, getErr} {
						if err != nil && !errors.Is(err, redpipe.ErrNotSent) && !errors.Is(err, redpipe.ErrOutcomeUnknown) {
							bad = fmt.Sprintf("SET, GET %d failed with %v", i, err)
						}
					}
				}
				if bad != "" {
					mu.Lock()
					wrong = append(wrong, key+": "+bad)
					mu.Unlock()
				}
			}
		})
	}
	waitFor := func(what string, n *atomic.Int64, more int64) {
		t.Helper()
		want := n.Load() + more
		for n.Load() < want {
			if ctx.Err() != nil {
				t.Fatalf("%s: %d, want %d", what, n.Load(), want)
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	waitFor("operations answered before the kill", &answered, 100)
	srv.Stop()
	waitFor("operations failed while the server is down", &failed, 20)
	srv.Restart(t)
	waitFor("operations answered after the restart", &answered, 100)
	stopAll()
	assert.NoError(t, shared.Close(ctx))
	assert.Empty(t, wrong)
}

// TestAutoFlushStagesAndCallbacks chains on a shared root from many
// goroutines: each lookup's dependent GET goes out in a later stage of
// the flush that settled its first GET, and callbacks run after their
// futures settled.
func TestAutoFlushStagesAndCallbacks(t *testing.T) {
	eachBackend(t, func(t *testing.T, b backend) {
		ctx := waitCtx(t)
		client, _ := newClient(t, b.start(t))
		for i := range 50 {
			require.NoError(t, client.Set(ctx, fmt.Sprint("ptr:", i), fmt.Sprint("val:", i), 0).Err())
			require.NoError(t, client.Set(ctx, fmt.Sprint("val:", i), fmt.Sprint("value ", i), 0).Err())
		}
		shared := redpipe.New(client, redpipe.AutoFlush(0, 0, 2))
		var wg sync.WaitGroup
		for i := range 50 {
			wg.Go(func() {
				pipe := redpipe.Pipeline(shared)
				ptr := pipe.Get(fmt.Sprint("ptr:", i))
				val := redpipe.Chain(pipe, ptr, func(next *redpipe.Pipe, key string, err error) *redpipe.Future[string] {
					if err != nil {
						return redpipe.Settled("", err)
					}
					return next.Get(key)
				})
				upper := redpipe.Then(val, func(v string) (int, error) { return len(v), nil })
				var seen string
				called := make(chan struct{})
				pipe.OnExecute(func() {
					seen = ptr.Val()
					close(called)
				})
				assert.NoError(t, pipe.Execute(ctx))
				v, err := val.Wait(ctx)
				assert.NoError(t, err)
				assert.Equal(t, fmt.Sprint("value ", i), v)
				n, err := upper.Wait(ctx)
				assert.NoError(t, err)
				assert.Equal(t, len(v), n)
				select {
				case <-called:
					assert.Equal(t, fmt.Sprint("val:", i), seen)
				case <-ctx.Done():
					t.Error("the callback did not run")
				}
			})
		}
		wg.Wait()
		require.NoError(t, shared.Close(ctx))
	})
}

// TestAutoFlushPanic panics in a Then function run by a background flush:
// its future fails with the panic, the others settle, and Close panics.
func TestAutoFlushPanic(t *testing.T) {
	ctx := waitCtx(t)
	client, _ := newClient(t, miniredis.RunT(t).Addr())
	shared := redpipe.New(client, redpipe.AutoFlush(0, 0, 1))
	pipe := redpipe.Pipeline(shared)
	a := pipe.Incr("a")
	bad := redpipe.Then(a, func(int64) (int, error) { panic("boom") })
	b := pipe.Incr("b")
	require.NoError(t, pipe.Execute(ctx))
	_, err := bad.Wait(ctx)
	var pe *redpipe.PanicError
	require.ErrorAs(t, err, &pe)
	assert.Equal(t, "boom", pe.Value)
	n, err := b.Wait(ctx)
	require.NoError(t, err)
	assert.EqualValues(t, 1, n)
	defer func() {
		panicError(t, recover(), "boom")
	}()
	_ = shared.Close(ctx)
	t.Fatal("Close did not panic")
}

// TestAutoFlushExecute flushes at once in the caller's goroutine.
func TestAutoFlushExecute(t *testing.T) {
	ctx := waitCtx(t)
	client, trips := newClient(t, miniredis.RunT(t).Addr())
	shared := redpipe.New(client, redpipe.AutoFlush(100, time.Hour, 1))
	f := shared.Incr("k")
	require.NoError(t, shared.Execute(ctx))
	require.True(t, f.Ready())
	assert.EqualValues(t, 1, f.Val())
	assert.EqualValues(t, 1, trips.trips.Load())
	require.NoError(t, shared.Close(ctx))
}

// TestAutoFlushMisuse panics where AutoFlush cannot apply.
func TestAutoFlushMisuse(t *testing.T) {
	client, _ := newClient(t, miniredis.RunT(t).Addr())
	root := redpipe.New(client)
	assert.PanicsWithValue(t, "redpipe: AutoFlush given to a child: only a root executes", func() {
		redpipe.Pipeline(root, redpipe.AutoFlush(0, 0, 1))
	})
	assert.Panics(t, func() { redpipe.New(client, redpipe.AutoFlush(0, 0, 1), redpipe.Transaction()) })
	assert.PanicsWithValue(t, "redpipe: Close on a pipe not made with AutoFlush", func() {
		_ = root.Close(context.Background())
	})
	require.False(t, errors.Is(redpipe.ErrClosed, redpipe.ErrNotReady))
}

// TestMaxHeld bounds a shared root whose flush the server stalls: with
// MaxHeld(100) and 100 commands held, the 101st fails at once with
// ErrFull, and so does each command of a child that does not fit whole,
// whose Execute says so; none of them runs. Once the flush is done there
// is room again.
func TestMaxHeld(t *testing.T) {
	t.Parallel() // waits on servers and stalls more than it computes
	eachBackend(t, func(t *testing.T, b backend) {
		ctx := waitCtx(t)
		client, _ := newClient(t, b.start(t))
		stall := newStall(t, client)
		shared := redpipe.New(client, redpipe.AutoFlush(0, 0, 1), redpipe.MaxHeld(100))
		warm := shared.Incr("warm")
		stall.waitHeld(t)

		var held []*redpipe.Future[int64]
		for range 99 {
			held = append(held, shared.Incr("counter"))
		}
		child := redpipe.Pipeline(shared)
		refused := []*redpipe.Future[int64]{child.Incr("refused"), child.Incr("refused"), child.Incr("refused")}
		err := child.Execute(ctx)
		require.ErrorIs(t, err, redpipe.ErrFull)
		assert.ErrorContains(t, err, "MaxHeld (100)")
		for _, f := range refused {
			require.True(t, f.Ready())
			require.ErrorIs(t, f.Err(), redpipe.ErrFull)
		}

		held = append(held, shared.Incr("counter")) // the 100th fits
		over := shared.Incr("counter")
		require.True(t, over.Ready())
		require.ErrorIs(t, over.Err(), redpipe.ErrFull)
		assert.ErrorContains(t, over.Err(), "INCR was not queued")

		stall.release()
		for _, f := range append(held, warm) {
			_, err := f.Wait(ctx)
			require.NoError(t, err)
		}
		again := redpipe.Pipeline(shared)
		more := again.Incr("counter")
		require.NoError(t, again.Execute(ctx), "room again once a flush took the commands")
		n, err := more.Wait(ctx)
		require.NoError(t, err)
		assert.EqualValues(t, 101, n, "the refused INCR did not run")
		require.NoError(t, shared.Close(ctx))
		exists, err := client.Exists(ctx, "refused").Result()
		require.NoError(t, err)
		assert.Zero(t, exists, "the refused child's commands did not run")
	})
}

// TestMaxHeldOptions checks where MaxHeld applies, and the default.
func TestMaxHeldOptions(t *testing.T) {
	t.Parallel() // computes while the others wait
	ctx := waitCtx(t)
	client, _ := newClient(t, miniredis.RunT(t).Addr())
	assert.Panics(t, func() { redpipe.New(client, redpipe.MaxHeld(10)) })
	shared := redpipe.New(client, redpipe.AutoFlush(0, time.Hour, 1))
	assert.PanicsWithValue(t, "redpipe: MaxHeld given to a child: only a root made with AutoFlush holds commands for others", func() {
		redpipe.Pipeline(shared, redpipe.MaxHeld(10))
	})
	child := redpipe.Pipeline(shared)
	for range redpipe.DefaultMaxHeld {
		child.Ping()
	}
	require.NoError(t, child.Execute(ctx), "DefaultMaxHeld commands fit")
	assert.ErrorIs(t, shared.Ping().Err(), redpipe.ErrFull, "one more does not")
	shared.Reset() // what it holds need not reach the server to show the bound
	assert.ErrorIs(t, shared.Ping().Err(), redpipe.ErrNotReady, "Reset makes room again: the command is held, not refused")
	require.NoError(t, shared.Close(ctx))

	unbounded := redpipe.New(client, redpipe.AutoFlush(0, time.Hour, 1), redpipe.MaxHeld(0))
	child = redpipe.Pipeline(unbounded)
	for range redpipe.DefaultMaxHeld + 1 {
		child.Ping()
	}
	require.NoError(t, child.Execute(ctx), "MaxHeld(0) sets no bound")
	assert.Equal(t, redpipe.DefaultMaxHeld+1, unbounded.Len(), "the root holds every command")
	unbounded.Reset()
	require.NoError(t, unbounded.Close(ctx))
}

// TestAutoFlushChainSettledElsewhere queues a Chain on a shared root whose
// timer is an hour away, whose source settles on another root: the chain
// runs, and its command goes out, once the source settles, with nothing
// else queued on the shared root: queued directly, handed up by a child,
// or left waiting by a flush.
func TestAutoFlushChainSettledElsewhere(t *testing.T) {
	t.Parallel() // waits on servers and stalls more than it computes
	eachBackend(t, func(t *testing.T, b backend) {
		for _, how := range []string{"direct", "child", "after a flush"} {
			t.Run(how, func(t *testing.T) {
				ctx := waitCtx(t)
				client, _ := newClient(t, b.start(t))
				require.NoError(t, client.Set(ctx, "src", "7", 0).Err())
				shared := redpipe.New(client, redpipe.AutoFlush(0, time.Hour, 1))
				other := redpipe.New(client)
				src := other.Get("src")
				on := shared
				if how == "child" {
					on = redpipe.Pipeline(shared)
				}
				chained := redpipe.Chain(on, src, func(next *redpipe.Pipe, v string, err error) *redpipe.Future[int64] {
					return next.IncrBy("counter", int64(len(v)))
				})
				switch how {
				case "child":
					require.NoError(t, on.Execute(ctx))
				case "after a flush":
					require.NoError(t, shared.Execute(ctx)) // the chain waits: src has not settled
				}
				require.ErrorIs(t, chained.Err(), redpipe.ErrNotReady)
				require.NoError(t, other.Execute(ctx))
				waitFor, cancel := context.WithTimeout(ctx, 10*time.Second)
				defer cancel()
				n, err := chained.Wait(waitFor)
				require.NoError(t, err, "the chain ran once its source settled, an hour before the timer")
				assert.EqualValues(t, 1, n)
				require.NoError(t, shared.Close(ctx))
			})
		}
	})
}

// TestAutoFlushGathers has 16 goroutines make requests on a shared root
// that keeps 4 flushes in flight, on one processor: the goroutines ready to
// run queue their commands before a flush takes the queue, so a flush
// carries the requests of several goroutines, not one.
func TestAutoFlushGathers(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
	ctx := waitCtx(t)
	const goroutines, each = 16, 200
	client, trips := newClient(t, redistest.ReuseServer(t).Addr)
	shared := redpipe.New(client, redpipe.AutoFlush(0, 0, 4))
	var wg sync.WaitGroup
	for range goroutines {
		wg.Go(func() {
			for range each {
				pipe := redpipe.Pipeline(shared)
				incr := pipe.Incr("n")
				pipe.Get("k")
				_ = pipe.Execute(ctx)
				if _, err := incr.Wait(ctx); !assert.NoError(t, err) {
					return
				}
			}
		})
	}
	wg.Wait()
	require.NoError(t, shared.Close(ctx))
	per := float64(trips.cmds.Load()) / float64(trips.trips.Load())
	t.Logf("%d flushes, %.1f commands each", trips.trips.Load(), per)
	assert.EqualValues(t, 2*goroutines*each, trips.cmds.Load())
	assert.GreaterOrEqual(t, per, 7.0, "a flush carries the requests of several goroutines")
}

// TestAutoFlushSplits holds 600 commands, in requests of two, on a shared
// root that keeps 2 flushes in flight, until the 600th starts a flush: the
// flushes take about 256 commands each, in whole batches and whole
// requests, rather than one flush taking all, and every reply lands on its
// own future. The requests are handed over with a context that never ends
// (they ride on one another's batches) and with one that may (each stays
// in batches of its own, so that it can leave the queue).
func TestAutoFlushSplits(t *testing.T) {
	eachBackend(t, func(t *testing.T, b backend) {
		ctx := waitCtx(t)
		for _, handCtx := range []context.Context{context.Background(), ctx} {
			client, trips := newClient(t, b.start(t))
			var sizes []int
			var mu sync.Mutex
			shared := redpipe.New(client, redpipe.AutoFlush(600, time.Hour, 2), redpipe.OnReport(func(r redpipe.BatchReport) {
				mu.Lock()
				defer mu.Unlock()
				for _, c := range r.Conns { // Close's flush sends nothing
					sizes = append(sizes, c.Commands)
				}
			}))
			var incrs []*redpipe.Future[int64]
			for i := range 300 {
				pipe := redpipe.Pipeline(shared)
				incrs = append(incrs, pipe.Incr(fmt.Sprint("k", i)), pipe.Incr(fmt.Sprint("k", i)))
				require.NoError(t, pipe.Execute(handCtx))
			}
			for i, f := range incrs {
				n, err := f.Wait(ctx)
				require.NoError(t, err)
				assert.EqualValues(t, 1+i%2, n, "command %d", i)
			}
			require.NoError(t, shared.Close(ctx))
			mu.Lock()
			assert.EqualValues(t, 600, trips.cmds.Load())
			assert.Len(t, sizes, 3, "flushes of %v commands", sizes)
			for _, n := range sizes {
				assert.LessOrEqual(t, n, 256+16, "flushes of %v commands", sizes)
			}
			mu.Unlock()
		}
	})
}

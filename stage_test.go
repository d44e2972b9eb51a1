package redpipe_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-redpipe/redpipe"
	"github.com/go-redpipe/redpipe/internal/redistest"
)

// loadFor returns a loader that counts its calls.
func loadFor(calls *int) func(string) (string, error) {
	return func(key string) (string, error) {
		*calls++
		return "loaded " + key, nil
	}
}

func TestGetOrLoadRoundTrips(t *testing.T) {
	eachBackend(t, func(t *testing.T, b backend) {
		ctx := context.Background()
		c, trips := newClient(t, b.start(t))
		require.NoError(t, redpipe.Connect(c))
		t.Cleanup(func() { redpipe.Disconnect("") })
		calls := 0
		load := loadFor(&calls)

		miss := GetOrLoad(ctx, nil, "alone", time.Hour, load)
		assert.Equal(t, "loaded alone", miss.Val())
		assert.Equal(t, int64(2), trips.trips.Load(), "alone, a miss costs two round trips")
		hit := GetOrLoad(ctx, nil, "alone", time.Hour, load)
		assert.Equal(t, "loaded alone", hit.Val())
		assert.Equal(t, int64(3), trips.trips.Load(), "and a hit one")
		assert.Equal(t, 1, calls)

		for i := 0; i < 100; i += 2 {
			require.NoError(t, c.Set(ctx, fmt.Sprint("k", i), fmt.Sprint("v", i), 0).Err())
		}
		before := len(trips.sent())
		root := redpipe.Pipeline(nil)
		got := make([]*redpipe.Future[string], 100)
		for i := range got {
			got[i] = GetOrLoad(ctx, root, fmt.Sprint("k", i), time.Hour, load)
		}
		require.NoError(t, root.Execute(ctx))
		sent := trips.sent()[before:]
		require.Len(t, sent, 2, "100 calls with 50 misses: two round trips")
		assert.Len(t, sent[0], 100)
		assert.Equal(t, 100, count(sent[:1], "get"))
		assert.Equal(t, 50, count(sent[1:], "set"))
		assert.Len(t, sent[1], 50)
		for i, f := range got {
			want := fmt.Sprint("v", i)
			if i%2 == 1 {
				want = fmt.Sprint("loaded k", i)
			}
			assert.Equal(t, want, f.Val())
		}
		assert.Equal(t, "loaded k1", c.Get(ctx, "k1").Val(), "the miss was cached")
	})
}

// chainLevels is a building block whose dependent commands go levels deep:
// INCR, then an INCR of the key the first reply names, and so on.
func chainLevels(ctx context.Context, parent *redpipe.Pipe, key string, levels int) *redpipe.Future[int64] {
	pipe := redpipe.Pipeline(parent)
	defer pipe.Execute(ctx)
	f := pipe.Incr(key)
	for level := 1; level < levels; level++ {
		prev := f
		f = redpipe.Chain(pipe, prev, func(next *redpipe.Pipe, n int64, err error) *redpipe.Future[int64] {
			if err != nil {
				return redpipe.Settled(n, err)
			}
			return next.Incr(fmt.Sprint(key, ":", level))
		})
	}
	return f
}

func TestRoundTripsPerDependencyLevel(t *testing.T) {
	eachBackend(t, func(t *testing.T, b backend) {
		ctx := context.Background()
		c, trips := newClient(t, b.start(t))
		for _, levels := range []int{1, 2, 3} {
			for _, blocks := range []int{1, 100, 1000} {
				t.Run(fmt.Sprint(levels, " levels, ", blocks, " blocks"), func(t *testing.T) {
					require.NoError(t, c.FlushDB(ctx).Err())
					before := len(trips.sent())
					root := redpipe.New(c)
					got := make([]*redpipe.Future[int64], blocks)
					for i := range got {
						got[i] = chainLevels(ctx, root, fmt.Sprint("block", i), levels)
					}
					require.NoError(t, root.Execute(ctx))
					sent := trips.sent()[before:]
					require.Len(t, sent, levels, "one round trip per level")
					for _, names := range sent {
						assert.Len(t, names, blocks)
					}
					for i, f := range got {
						require.Equal(t, int64(1), f.Val(), "block %d", i)
					}
				})
			}
		}
	})
}

func TestChainSemantics(t *testing.T) {
	eachBackend(t, func(t *testing.T, b backend) {
		ctx := context.Background()
		c, trips := newClient(t, b.start(t))
		other, otherTrips := newClient(t, b.start(t))
		name := register(t, other)

		root := redpipe.New(c)
		onOther := redpipe.Pipeline(root, redpipe.On(name))
		src := onOther.Incr("n")
		var nextLen int
		viaNext := redpipe.Chain(onOther, src, func(next *redpipe.Pipe, n int64, err error) *redpipe.Future[int64] {
			tx := redpipe.Pipeline(next, redpipe.Transaction())
			tx.Incr("a")
			f := tx.Incr("b")
			require.NoError(t, tx.Execute(ctx))
			nextLen = next.Len()
			return f
		})
		missing := root.Get("missing")
		sawNil := redpipe.Chain(root, missing, func(next *redpipe.Pipe, v string, err error) *redpipe.Future[bool] {
			return redpipe.Settled(errors.Is(err, redis.Nil), nil)
		})
		nilFuture := redpipe.Chain(root, missing, func(*redpipe.Pipe, string, error) *redpipe.Future[int] { return nil })
		require.NoError(t, onOther.Execute(ctx))

		require.NoError(t, root.Execute(ctx), "a Chain returning nil is not a command failure")
		rootTrips := trips.trips.Load()
		assert.Equal(t, int64(1), viaNext.Val())
		assert.Equal(t, 2, nextLen, "the transaction was handed to next")
		assert.True(t, sawNil.Val(), "fn runs with the source's error, redis.Nil included")
		require.Error(t, nilFuture.Err())
		assert.Contains(t, nilFuture.Err().Error(), "nil future")
		assert.NotErrorIs(t, nilFuture.Err(), redpipe.ErrNotReady)
		assert.Equal(t, "1", other.Get(ctx, "a").Val(), "next is on the source pipe's connection")
		assert.Equal(t, int64(0), c.Exists(ctx, "a").Val())
		assert.Equal(t, int64(1), rootTrips, "one round trip on the root's connection")
		names := otherTrips.sent()
		require.Len(t, names, 2)
		assert.True(t, isTx(names[1]), "Pipeline(next, Transaction()) is atomic: %v", names[1])
	})
}

func TestChainOrderAndPendingSource(t *testing.T) {
	eachBackend(t, func(t *testing.T, b backend) {
		ctx := context.Background()
		c, _ := newClient(t, b.start(t))
		root := redpipe.New(c)
		var order []string
		f := root.Incr("n")
		redpipe.Then(f, func(int64) (int, error) { order = append(order, "then 1"); return 0, nil })
		redpipe.Chain(root, f, func(*redpipe.Pipe, int64, error) *redpipe.Future[int] {
			order = append(order, "chain 2")
			return redpipe.Settled(0, nil)
		})
		redpipe.Then(f, func(int64) (int, error) { order = append(order, "then 3"); return 0, nil })
		early := redpipe.Chain(root, redpipe.Settled("ready", nil), func(next *redpipe.Pipe, v string, err error) *redpipe.Future[string] {
			order = append(order, "settled source")
			return next.Set("early", v, 0)
		})

		other := redpipe.New(c) // never executed here
		pendingSrc := other.Incr("never")
		runs := 0
		pending := redpipe.Chain(root, pendingSrc, func(*redpipe.Pipe, int64, error) *redpipe.Future[int] {
			runs++
			return redpipe.Settled(1, nil)
		})
		callbackSaw := ""
		root.OnExecute(func() { callbackSaw = early.Val() })

		require.NoError(t, root.Execute(ctx))
		assert.Equal(t, []string{"settled source", "then 1", "chain 2", "then 3"}, order,
			"a settled source runs before the first stage; then Then and Chain in the order they were called")
		assert.Equal(t, "OK", early.Val())
		assert.Equal(t, "OK", callbackSaw, "callbacks run after the last stage")
		assert.Equal(t, 0, runs)
		assert.ErrorIs(t, pending.Err(), redpipe.ErrNotReady)
		assert.Contains(t, pending.Err().Error(), "waiting")

		require.NoError(t, other.Execute(ctx))
		require.NoError(t, root.Execute(ctx), "the waiting Chain stayed queued on the root")
		assert.Equal(t, 1, runs)
		assert.Equal(t, 1, pending.Val())
	})
}

func TestChainFailuresAcrossStages(t *testing.T) {
	t.Parallel() // waits on servers, dials and timeouts more than it computes
	eachBackend(t, func(t *testing.T, b backend) {
		ctx := context.Background()
		c, _ := newClient(t, b.start(t))
		dead, _ := newClient(t, deadAddr(t))
		deadName := register(t, dead)
		require.NoError(t, c.Set(ctx, "str", "text", 0).Err())

		root := redpipe.New(c)
		onDead := redpipe.Pipeline(root, redpipe.On(deadName))
		lost := onDead.Incr("x")
		afterDead := redpipe.Chain(onDead, lost, func(next *redpipe.Pipe, n int64, err error) *redpipe.Future[string] {
			return redpipe.Settled("saw "+errKind(err), nil)
		})
		require.NoError(t, onDead.Execute(ctx))
		first := root.Incr("str")
		second := redpipe.Chain(root, root.Incr("n"), func(next *redpipe.Pipe, n int64, err error) *redpipe.Future[int64] {
			return next.Incr("str") // fails in stage 2
		})
		err := root.Execute(ctx)
		var execErr *redpipe.ExecError
		require.ErrorAs(t, err, &execErr)
		require.Len(t, execErr.Commands, 3)
		assert.Equal(t, lost.Err(), execErr.Commands[0].Err, "stage 1's failures first, by connection in queue order")
		assert.Equal(t, first.Err(), execErr.Commands[1].Err)
		assert.Equal(t, second.Err(), execErr.Commands[2].Err, "then stage 2's")
		assert.Equal(t, "saw connection error", afterDead.Val(), "a failed connection does not stop its chains")
	})
}

func errKind(err error) string {
	if err == nil {
		return "no error"
	}
	return "connection error"
}

func TestChainResetAndPanic(t *testing.T) {
	eachBackend(t, func(t *testing.T, b backend) {
		ctx := context.Background()
		c, _ := newClient(t, b.start(t))
		root := redpipe.New(c)
		child := redpipe.Pipeline(root)
		ran := false
		dropped := redpipe.Chain(child, child.Incr("n"), func(*redpipe.Pipe, int64, error) *redpipe.Future[int] {
			ran = true
			return redpipe.Settled(1, nil)
		})
		require.NoError(t, child.Execute(ctx))
		root.Reset()
		assert.ErrorIs(t, dropped.Err(), redpipe.ErrDiscarded)
		require.NoError(t, root.Execute(ctx))
		assert.False(t, ran)

		src := root.Incr("n")
		var queued *redpipe.Future[int64]
		boom := redpipe.Chain(root, src, func(next *redpipe.Pipe, _ int64, _ error) *redpipe.Future[int64] {
			queued = next.Incr("never")
			panic("in chain")
		})
		fine := redpipe.Chain(root, src, func(next *redpipe.Pipe, n int64, err error) *redpipe.Future[int64] {
			return next.IncrBy("fine", n)
		})
		r := recovered(func() { _ = root.Execute(ctx) })
		panicError(t, r, "in chain")
		var p *redpipe.PanicError
		assert.ErrorAs(t, boom.Err(), &p)
		assert.ErrorIs(t, queued.Err(), redpipe.ErrDiscarded)
		assert.Equal(t, int64(1), fine.Val(), "the other chains go on")
		assert.Equal(t, int64(0), c.Exists(ctx, "never").Val())
	})
}

func TestChainInWatchAndNotTransactional(t *testing.T) {
	eachBackend(t, func(t *testing.T, b backend) {
		ctx := context.Background()
		c, trips := newClient(t, b.start(t))
		var inWatch *redpipe.Future[int]
		err := redpipe.Watch(ctx, c, []string{"k"}, func(tx *redis.Tx, pipe *redpipe.Pipe) error {
			inWatch = redpipe.Chain(pipe, redpipe.Settled(1, nil), func(*redpipe.Pipe, int, error) *redpipe.Future[int] {
				return redpipe.Settled(2, nil)
			})
			pipe.Set("k", "v", 0)
			return nil
		})
		require.NoError(t, err)
		require.Error(t, inWatch.Err())
		assert.Contains(t, inWatch.Err().Error(), "not available inside Watch")

		root := redpipe.New(c, redpipe.Transaction())
		a := root.Incr("a")
		follow := redpipe.Chain(root, a, func(next *redpipe.Pipe, n int64, err error) *redpipe.Future[int64] {
			return next.Incr("b")
		})
		before := len(trips.sent())
		require.NoError(t, root.Execute(ctx))
		assert.Equal(t, int64(1), follow.Val())
		sent := trips.sent()[before:]
		require.Len(t, sent, 2)
		assert.True(t, isTx(sent[0]), "the transactional root's own commands: %v", sent[0])
		assert.Equal(t, []string{"incr"}, sent[1], "next is never transactional")
	})
}

func TestChainChunksCallbacksAndContext(t *testing.T) {
	eachBackend(t, func(t *testing.T, b backend) {
		ctx := context.Background()
		c, trips := newClient(t, b.start(t))
		root := redpipe.New(c, redpipe.ChunkSize(10))
		var order []string
		for i := range 25 {
			redpipe.Chain(root, root.Incr(fmt.Sprint("a", i)), func(next *redpipe.Pipe, n int64, err error) *redpipe.Future[int64] {
				if i == 0 {
					next.OnExecute(func() { order = append(order, "from next") })
				}
				return next.Incr(fmt.Sprint("b", i))
			})
		}
		root.OnExecute(func() { order = append(order, "root") })
		require.NoError(t, root.Execute(ctx))
		assert.Equal(t, []string{"root", "from next"}, order, "callbacks run after the last stage, in the order they reach the root")
		var sizes []int
		for _, names := range trips.sent() {
			sizes = append(sizes, len(names))
		}
		assert.Equal(t, []int{10, 10, 5, 10, 10, 5}, sizes, "ChunkSize applies to every stage")

		cctx, cancel := context.WithCancel(ctx)
		root = redpipe.New(c)
		var second *redpipe.Future[int64]
		first := redpipe.Chain(root, root.Incr("x"), func(next *redpipe.Pipe, n int64, err error) *redpipe.Future[int64] {
			cancel() // the context ends between the stages
			second = next.Incr("y")
			return second
		})
		err := root.Execute(cctx)
		assert.ErrorIs(t, err, context.Canceled)
		assert.ErrorIs(t, second.Err(), context.Canceled)
		assert.ErrorIs(t, first.Err(), context.Canceled)
		assert.Equal(t, int64(0), c.Exists(ctx, "y").Val(), "the second stage was not sent")
	})
}

func TestChainConcurrentRegistration(t *testing.T) {
	eachBackend(t, func(t *testing.T, b backend) {
		ctx := context.Background()
		c, trips := newClient(t, b.start(t))
		root := redpipe.New(c)
		var wg sync.WaitGroup
		got := make([][]*redpipe.Future[int64], 8)
		for g := range got {
			wg.Go(func() {
				for i := range 50 {
					key := fmt.Sprint("g", g, ":", i)
					got[g] = append(got[g], redpipe.Chain(root, root.Incr(key), func(next *redpipe.Pipe, n int64, err error) *redpipe.Future[int64] {
						return next.IncrBy(key, 10)
					}))
				}
			})
		}
		wg.Wait()
		require.NoError(t, root.Execute(ctx))
		assert.Len(t, trips.sent(), 2)
		for g := range got {
			for i, f := range got[g] {
				assert.Equal(t, int64(11), f.Val(), "goroutine %d, chain %d", g, i)
			}
		}
	})
}

func TestSettledAndAll(t *testing.T) {
	eachBackend(t, func(t *testing.T, b backend) {
		ctx := context.Background()
		c, _ := newClient(t, b.start(t))
		require.NoError(t, c.Set(ctx, "a", "1", 0).Err())
		require.NoError(t, c.Set(ctx, "b", "2", 0).Err())

		s := redpipe.Settled(42, nil)
		assert.True(t, s.Ready())
		assert.Equal(t, 42, s.Val())
		sentinel := errors.New("no")
		assert.Equal(t, sentinel, redpipe.Settled(0, sentinel).Err())

		none := redpipe.All[string]()
		require.True(t, none.Ready())
		assert.NotNil(t, none.Val())
		assert.Empty(t, none.Val())

		root := redpipe.New(c)
		later := redpipe.New(c)
		both := redpipe.All(root.Get("a"), later.Get("b"), redpipe.Settled("3", nil))
		withMiss := redpipe.All(root.Get("a"), root.Get("missing"))
		require.NoError(t, root.Execute(ctx))
		assert.False(t, both.Ready(), "settles once all have")
		require.NoError(t, later.Execute(ctx))
		assert.Equal(t, []string{"1", "2", "3"}, both.Val())
		assert.ErrorIs(t, withMiss.Err(), redis.Nil)
		assert.Nil(t, withMiss.Val())
	})
}

// clusterRoundTripsPerDependencyLevel runs chains of 1, 2 and 3 levels
// in 100 and 1000 blocks on a real cluster: each level is one pipeline per
// node, however many blocks.
func clusterRoundTripsPerDependencyLevel(t *testing.T, cluster *redistest.Cluster) {
	cc := newClusterClient(t, cluster)
	trips := new(tripCounter) // counts the pipelines go-redis sends to each node
	cc.OnNewNode(func(node *redis.Client) { node.AddHook(trips) })
	ctx := context.Background()
	nodes := len(cluster.Nodes)
	for _, levels := range []int{1, 2, 3} {
		for _, blocks := range []int{100, 1000} {
			t.Run(fmt.Sprint(levels, " levels, ", blocks, " blocks"), func(t *testing.T) {
				before := len(trips.sent())
				root := redpipe.New(cc)
				got := make([]*redpipe.Future[int64], blocks)
				for i := range got {
					got[i] = chainLevels(ctx, root, fmt.Sprint(t.Name(), ":", i), levels)
				}
				require.NoError(t, root.Execute(ctx))
				sent := trips.sent()[before:]
				assert.Equal(t, levels*nodes, len(sent), "one pipeline per node per level")
				total := 0
				for _, names := range sent {
					total += len(names)
				}
				assert.Equal(t, levels*blocks, total)
				for i, f := range got {
					require.Equal(t, int64(1), f.Val(), "block %d", i)
				}
			})
		}
	}
}

// TestQueuedOnTheRootDuringExecute queues on a root while it executes,
// from a Chain function and from another goroutine: nothing is lost, it
// goes out with the root's next Execute.
func TestQueuedOnTheRootDuringExecute(t *testing.T) {
	eachBackend(t, func(t *testing.T, b backend) {
		ctx := context.Background()
		c, _ := newClient(t, b.start(t))
		root := redpipe.New(c)
		var late, fromGoroutine *redpipe.Future[int64]
		redpipe.Chain(root, root.Incr("n"), func(next *redpipe.Pipe, n int64, err error) *redpipe.Future[int64] {
			late = root.Incr("late")
			done := make(chan struct{})
			go func() { fromGoroutine = root.Incr("other"); close(done) }()
			<-done
			return next.Incr("in stage 2")
		})
		require.NoError(t, root.Execute(ctx))
		assert.ErrorIs(t, late.Err(), redpipe.ErrNotReady, "queued on the root, not on next: it waits for the next Execute")
		assert.Equal(t, 2, root.Len())
		require.NoError(t, root.Execute(ctx))
		assert.Equal(t, int64(1), late.Val())
		assert.Equal(t, int64(1), fromGoroutine.Val())
	})
}

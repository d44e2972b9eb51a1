package redpipe_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-redpipe/redpipe"
)

func TestCommandsWaitForTheRoot(t *testing.T) {
	eachBackend(t, func(t *testing.T, b backend) {
		ctx := context.Background()
		c, trips := newClient(t, b.start(t))
		root := redpipe.New(c)
		set := root.Set("k", "v", 0)
		child := redpipe.Pipeline(root)
		n := child.Incr("n")

		for _, f := range []interface{ Ready() bool }{set, n} {
			assert.False(t, f.Ready())
		}
		_, err := set.Result()
		assert.ErrorIs(t, err, redpipe.ErrNotReady)
		assert.ErrorIs(t, n.Err(), redpipe.ErrNotReady)
		assert.Equal(t, int64(0), n.Val())
		assert.Equal(t, "", set.Val())

		require.NoError(t, child.Execute(ctx))
		assert.False(t, n.Ready(), "a child's Execute settles nothing")
		assert.Equal(t, int64(0), trips.trips.Load(), "nothing is sent before the root executes")
		assert.Equal(t, 2, root.Len())
		assert.Equal(t, 0, child.Len())
		exists, err := c.Exists(ctx, "k", "n").Result()
		require.NoError(t, err)
		assert.Equal(t, int64(0), exists)

		require.NoError(t, root.Execute(ctx))
		assert.True(t, set.Ready())
		assert.Equal(t, "OK", set.Val())
		assert.Equal(t, int64(1), n.Val())
		assert.Equal(t, int64(2), trips.trips.Load(), "one round trip for the batch, one for Exists")
	})
}

func TestChildNeverSentWithoutParentExecute(t *testing.T) {
	eachBackend(t, func(t *testing.T, b backend) {
		ctx := context.Background()
		c, trips := newClient(t, b.start(t))
		root := redpipe.New(c)
		child := redpipe.Pipeline(root)
		f := child.Incr("n")
		require.NoError(t, child.Execute(ctx))
		assert.Equal(t, int64(0), trips.trips.Load())
		n, err := c.Exists(ctx, "n").Result()
		require.NoError(t, err)
		assert.Equal(t, int64(0), n)
		assert.False(t, f.Ready())
	})
}

func TestChildConnections(t *testing.T) {
	eachBackend(t, func(t *testing.T, b backend) {
		ctx := context.Background()
		a, tripsA := newClient(t, b.start(t))
		other, tripsB := newClient(t, b.start(t))
		name := t.Name() + "/b"
		require.NoError(t, redpipe.ConnectNamed(name, other))
		t.Cleanup(func() { redpipe.Disconnect(name) })

		root := redpipe.New(a)
		root.Set("root", "a", 0)
		child := redpipe.Pipeline(root)
		child.Set("child", "a", 0)
		onB := redpipe.Pipeline(child, redpipe.On(name))
		onB.Set("onB", "b", 0)
		grandchild := redpipe.Pipeline(onB)
		g := grandchild.Set("grandchild", "b", 0)
		require.NoError(t, grandchild.Execute(ctx))
		require.NoError(t, onB.Execute(ctx))
		require.NoError(t, child.Execute(ctx))
		require.NoError(t, root.Execute(ctx))
		require.NoError(t, g.Err())

		keysOn := func(c *redis.Client) []string {
			keys, err := c.Keys(ctx, "*").Result()
			require.NoError(t, err)
			return keys
		}
		assert.ElementsMatch(t, []string{"root", "child"}, keysOn(a))
		assert.ElementsMatch(t, []string{"onB", "grandchild"}, keysOn(other))
		assert.Equal(t, int64(1), tripsA.trips.Load()-1, "one round trip on a, besides Keys")
		assert.Equal(t, int64(1), tripsB.trips.Load()-1, "one round trip on b, besides Keys")
	})
}

func TestRootExecute(t *testing.T) {
	eachBackend(t, func(t *testing.T, b backend) {
		ctx := context.Background()
		c, trips := newClient(t, b.start(t))
		root := redpipe.New(c)
		var futures []*redpipe.Future[int64]
		for i := range 5 {
			child := redpipe.Pipeline(root)
			futures = append(futures, child.Incr(fmt.Sprint("k", i%2)))
			require.NoError(t, child.Execute(ctx))
		}
		settled := 0
		root.OnExecute(func() {
			for _, f := range futures {
				if f.Ready() {
					settled++
				}
			}
		})
		require.NoError(t, root.Execute(ctx))
		assert.Equal(t, 5, settled, "callbacks run after every future settled")
		for i, f := range futures {
			assert.Equal(t, int64(i/2+1), f.Val(), "future %d", i)
		}
		assert.Equal(t, int64(1), trips.trips.Load())
		assert.Equal(t, int64(5), trips.cmds.Load())

		require.NoError(t, root.Execute(ctx), "a second Execute sends nothing")
		assert.Equal(t, int64(1), trips.trips.Load())
		assert.Equal(t, 5, settled, "callbacks ran once")

		again := root.Incr("k0")
		require.NoError(t, root.Execute(ctx), "the root is reusable")
		assert.Equal(t, int64(4), again.Val())
		assert.Equal(t, int64(2), trips.trips.Load())
	})
}

func TestNilReplyIsNotAFailure(t *testing.T) {
	eachBackend(t, func(t *testing.T, b backend) {
		ctx := context.Background()
		c, _ := newClient(t, b.start(t))
		root := redpipe.New(c)
		missing := root.Get("missing")
		set := root.Set("k", "v", 0)
		require.NoError(t, root.Execute(ctx))
		assert.True(t, missing.Ready())
		assert.ErrorIs(t, missing.Err(), redis.Nil)
		assert.Equal(t, "", missing.Val())
		assert.Equal(t, "OK", set.Val())
	})
}

func TestFailedCommandFailsOnlyItsFuture(t *testing.T) {
	eachBackend(t, func(t *testing.T, b backend) {
		ctx := context.Background()
		c, _ := newClient(t, b.start(t))
		require.NoError(t, c.Set(ctx, "str", "not a number", 0).Err())
		root := redpipe.New(c, redpipe.On("main"))
		before := root.Incr("counter")
		bad := root.Incr("str")
		badHash := root.HGetAll("str")
		after := root.Get("str")

		err := root.Execute(ctx)
		require.Error(t, err)
		assert.Equal(t, int64(1), before.Val())
		assert.Equal(t, "not a number", after.Val())
		require.Error(t, bad.Err())
		assert.Contains(t, bad.Err().Error(), "not an integer")
		require.Error(t, badHash.Err())
		assert.Contains(t, badHash.Err().Error(), "WRONGTYPE")

		var execErr *redpipe.ExecError
		require.ErrorAs(t, err, &execErr)
		require.Len(t, execErr.Commands, 2)
		assert.Equal(t, `redpipe: 2 commands failed on connection "main" (first: INCR: `+bad.Err().Error()+`)`, err.Error())
		assert.ErrorIs(t, err, bad.Err())
		assert.ErrorIs(t, err, badHash.Err())
		var redisErr redis.Error
		assert.ErrorAs(t, err, &redisErr)
		var cmdErr *redpipe.CommandError
		require.ErrorAs(t, err, &cmdErr)
		assert.Equal(t, "incr", cmdErr.Cmd.Name())
		assert.Equal(t, []any{"incr", "str"}, cmdErr.Cmd.Args())
	})
}

func TestUnreachableConnection(t *testing.T) {
	t.Parallel() // waits on servers, dials and timeouts more than it computes
	eachBackend(t, func(t *testing.T, b backend) {
		ctx := context.Background()
		good, _ := newClient(t, b.start(t))
		dead, _ := newClient(t, deadAddr(t))
		deadName := t.Name() + "/dead"
		require.NoError(t, redpipe.ConnectNamed(deadName, dead))
		t.Cleanup(func() { redpipe.Disconnect(deadName) })

		root := redpipe.New(good)
		ok := root.Incr("n")
		onDead := redpipe.Pipeline(root, redpipe.On(deadName))
		lost := []*redpipe.Future[int64]{onDead.Incr("a"), onDead.Incr("b")}
		require.NoError(t, onDead.Execute(ctx))

		err := root.Execute(ctx)
		require.Error(t, err)
		assert.Equal(t, int64(1), ok.Val())
		for _, f := range lost {
			require.True(t, f.Ready())
			var opErr *net.OpError
			assert.ErrorAs(t, f.Err(), &opErr, "the dial error reaches the future")
		}
		assert.Contains(t, err.Error(), fmt.Sprintf("2 commands failed on connection %q", deadName))
	})
}

func TestUnknownConnectionFailsAtExecute(t *testing.T) {
	eachBackend(t, func(t *testing.T, b backend) {
		ctx := context.Background()
		c, _ := newClient(t, b.start(t))
		name := t.Name() + "/never-registered"
		root := redpipe.New(c)
		ok := root.Incr("n")
		child := redpipe.Pipeline(root, redpipe.On(name)) // no error yet
		lost := child.Incr("n")
		require.NoError(t, child.Execute(ctx))
		assert.False(t, lost.Ready())

		err := root.Execute(ctx)
		assert.ErrorIs(t, err, redpipe.ErrNoConnection)
		assert.ErrorIs(t, lost.Err(), redpipe.ErrNoConnection)
		assert.Contains(t, lost.Err().Error(), name)
		assert.Equal(t, int64(1), ok.Val())

		lone := redpipe.Pipeline(nil, redpipe.On(name))
		f := lone.Get("k")
		assert.ErrorIs(t, lone.Execute(ctx), redpipe.ErrNoConnection)
		assert.ErrorIs(t, f.Err(), redpipe.ErrNoConnection)
	})
}

func TestReset(t *testing.T) {
	eachBackend(t, func(t *testing.T, b backend) {
		ctx := context.Background()
		c, trips := newClient(t, b.start(t))
		root := redpipe.New(c)
		child := redpipe.Pipeline(root)
		handed := child.Incr("handed")
		child.OnExecute(func() { t.Error("a reset callback ran") })
		require.NoError(t, child.Execute(ctx))
		own := root.Incr("own")
		root.OnExecute(func() { t.Error("a reset callback ran") })
		grandchild := redpipe.Pipeline(child)
		kept := grandchild.Incr("kept")

		root.Reset()
		for _, f := range []*redpipe.Future[int64]{handed, own} {
			assert.True(t, f.Ready(), "Reset settles at once")
			assert.ErrorIs(t, f.Err(), redpipe.ErrDiscarded)
		}
		assert.Equal(t, 0, root.Len())
		require.NoError(t, root.Execute(ctx))
		assert.Equal(t, int64(0), trips.trips.Load())

		require.NoError(t, grandchild.Execute(ctx))
		require.NoError(t, child.Execute(ctx))
		require.NoError(t, root.Execute(ctx))
		assert.Equal(t, int64(1), kept.Val(), "commands queued after Reset are sent")
	})
}

func TestOnExecuteOrder(t *testing.T) {
	eachBackend(t, func(t *testing.T, b backend) {
		ctx := context.Background()
		c, _ := newClient(t, b.start(t))
		var order []string
		note := func(s string) func() { return func() { order = append(order, s) } }
		root := redpipe.New(c)
		f := root.Incr("n")
		root.OnExecute(note("root1"))
		child := redpipe.Pipeline(root)
		child.OnExecute(note("child1"))
		grandchild := redpipe.Pipeline(child)
		grandchild.OnExecute(note("grandchild"))
		child.OnExecute(note("child2"))
		root.OnExecute(note("root2"))
		require.NoError(t, grandchild.Execute(ctx))
		require.NoError(t, child.Execute(ctx))
		root.OnExecute(func() {
			order = append(order, "root3")
			assert.Equal(t, int64(1), f.Val(), "futures are settled before callbacks")
		})
		require.NoError(t, root.Execute(ctx))
		assert.Equal(t, []string{"root1", "root2", "child1", "child2", "grandchild", "root3"}, order)
	})
}

func TestIdiomRoundTrips(t *testing.T) {
	eachBackend(t, func(t *testing.T, b backend) {
		ctx := context.Background()
		c, trips := newClient(t, b.start(t))
		require.NoError(t, redpipe.Connect(c))
		t.Cleanup(func() { redpipe.Disconnect("") })

		n := IncrAndExpire(ctx, nil, "alone", time.Minute)
		assert.Equal(t, int64(1), n.Val(), "alone, it executes itself")
		assert.Equal(t, int64(1), trips.trips.Load())
		assert.Equal(t, int64(2), trips.cmds.Load())

		root := redpipe.Pipeline(nil)
		var counts []*redpipe.Future[int64]
		for i := range 100 {
			counts = append(counts, IncrAndExpire(ctx, root, fmt.Sprint("key", i%10), time.Minute))
		}
		assert.Equal(t, int64(1), trips.trips.Load(), "building blocks under a root add no round trip")
		assert.Equal(t, 200, root.Len())
		require.NoError(t, root.Execute(ctx))
		assert.Equal(t, int64(2), trips.trips.Load(), "the root sends all 200 commands in one round trip")
		assert.Equal(t, int64(202), trips.cmds.Load())
		for i, f := range counts {
			assert.Equal(t, int64(i/10+1), f.Val())
		}
		ttl, err := c.TTL(ctx, "key3").Result()
		require.NoError(t, err)
		assert.Greater(t, ttl, 50*time.Second)
	})
}

func TestDo(t *testing.T) {
	eachBackend(t, func(t *testing.T, b backend) {
		ctx := context.Background()
		c, _ := newClient(t, b.start(t))
		root := redpipe.New(c)
		set := root.Do("SET", "k", "v")
		get := root.Do("GET", "k")
		empty := root.Do()
		unknown := root.Do("NOSUCHCOMMAND")
		err := root.Execute(ctx)
		var execErr *redpipe.ExecError
		require.ErrorAs(t, err, &execErr)
		assert.Len(t, execErr.Commands, 2)
		assert.Equal(t, "OK", set.Val())
		assert.Equal(t, "v", get.Val())
		require.Error(t, empty.Err())
		assert.Contains(t, empty.Err().Error(), "Do needs")
		require.Error(t, unknown.Err())
		assert.Contains(t, unknown.Err().Error(), "unknown command")
	})
}

// TestFail queues a building block's refusal: its future fails at once,
// the root sends the rest and counts the refusal, in its place, in its
// ExecError; a transaction that holds one is not sent.
func TestFail(t *testing.T) {
	eachBackend(t, func(t *testing.T, b backend) {
		ctx := context.Background()
		c, trips := newClient(t, b.start(t))
		bad := errors.New("bad input")
		root := redpipe.New(c)
		before := root.Incr("n")
		child := redpipe.Pipeline(root)
		failed := redpipe.Fail[int64](child, "HSET", bad)
		require.True(t, failed.Ready(), "settled at once")
		require.ErrorIs(t, failed.Err(), bad)
		require.NoError(t, child.Execute(ctx))
		after := root.Incr("n")
		tx := redpipe.Pipeline(root, redpipe.Transaction())
		inTx := tx.Incr("tx")
		redpipe.Fail[string](tx, "SET", bad)
		require.NoError(t, tx.Execute(ctx))

		err := root.Execute(ctx)
		var execErr *redpipe.ExecError
		require.ErrorAs(t, err, &execErr)
		require.Len(t, execErr.Commands, 3)
		assert.ErrorIs(t, execErr.Commands[0], bad)
		assert.ErrorContains(t, execErr.Commands[0], "HSET")
		assert.ErrorIs(t, execErr.Commands[1], redpipe.ErrNotSent, "the transaction's INCR")
		assert.ErrorIs(t, execErr.Commands[2], bad)
		assert.ErrorContains(t, execErr.Commands[2], "SET")
		assert.EqualValues(t, 1, before.Val())
		assert.EqualValues(t, 2, after.Val())
		assert.ErrorIs(t, inTx.Err(), redpipe.ErrNotSent)
		assert.EqualValues(t, 2, trips.cmds.Load(), "only the two INCRs were sent")
	})
}

func TestRejectedCommandIsNotSent(t *testing.T) {
	eachBackend(t, func(t *testing.T, b backend) {
		ctx := context.Background()
		c, trips := newClient(t, b.start(t))
		root := redpipe.New(c)
		bad := root.BitPos("k", 1, 1, 2, 3) // go-redis refuses more than two positions
		assert.False(t, bad.Ready())
		require.Error(t, root.Execute(ctx))
		require.Error(t, bad.Err())
		assert.Contains(t, bad.Err().Error(), "too many arguments")
		assert.Equal(t, int64(0), trips.trips.Load())
	})
}

func TestCanceledContext(t *testing.T) {
	eachBackend(t, func(t *testing.T, b backend) {
		c, _ := newClient(t, b.start(t))
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		root := redpipe.New(c)
		f := root.Incr("n")
		err := root.Execute(ctx)
		assert.ErrorIs(t, err, context.Canceled)
		assert.ErrorIs(t, f.Err(), context.Canceled)
	})
}

func TestZeroPipeIsADefaultRoot(t *testing.T) {
	eachBackend(t, func(t *testing.T, b backend) {
		ctx := context.Background()
		c, trips := newClient(t, b.start(t))
		require.NoError(t, redpipe.Connect(c))
		t.Cleanup(func() { redpipe.Disconnect("") })
		var p redpipe.Pipe
		f := p.Incr("n")
		require.NoError(t, p.Execute(ctx))
		assert.Equal(t, int64(1), f.Val())
		assert.Equal(t, int64(1), trips.trips.Load())
	})
}

// TestZeroPipesConcurrently queues on two zero Pipes from several
// goroutines at once, directly and through building blocks: each is a
// root that guards its queue, and the commands of each goroutine run in
// its order.
func TestZeroPipesConcurrently(t *testing.T) {
	eachBackend(t, func(t *testing.T, b backend) {
		ctx := context.Background()
		c, _ := newClient(t, b.start(t))
		require.NoError(t, redpipe.Connect(c))
		t.Cleanup(func() { redpipe.Disconnect("") })
		var pipes [2]redpipe.Pipe
		const workers, each = 4, 25
		var wg sync.WaitGroup
		futures := make([][]*redpipe.Future[int64], workers)
		for w := range workers {
			wg.Go(func() {
				p := &pipes[w%2]
				key := fmt.Sprint("zero", w)
				for i := range each {
					if i%2 == 0 {
						futures[w] = append(futures[w], p.Incr(key))
					} else {
						futures[w] = append(futures[w], incrAndExpire(ctx, p, key))
					}
				}
			})
		}
		wg.Wait()
		for i := range pipes {
			require.NoError(t, pipes[i].Execute(ctx))
		}
		for w, fs := range futures {
			for i, f := range fs {
				assert.Equal(t, int64(i+1), f.Val(), "worker %d, INCR %d", w, i)
			}
		}
	})
}

func TestPanicWhileBuildingLeavesThePipeUsable(t *testing.T) {
	eachBackend(t, func(t *testing.T, b backend) {
		ctx := context.Background()
		c, _ := newClient(t, b.start(t))
		root := redpipe.New(c)
		assert.Panics(t, func() { root.GeoRadius("k", 0, 0, nil) }, "go-redis dereferences the nil query")
		f := root.Incr("n")
		require.NoError(t, root.Execute(ctx))
		assert.Equal(t, int64(1), f.Val())
	})
}

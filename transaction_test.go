package redpipe_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-redpipe/redpipe"
	"github.com/go-redpipe/redpipe/internal/redistest"
)

// isTx reports whether a pipeline's command names are one MULTI ... EXEC.
func isTx(names []string) bool {
	return len(names) >= 2 && names[0] == "multi" && names[len(names)-1] == "exec" &&
		!slices.Contains(names[1:len(names)-1], "multi")
}

func TestTransactionRoot(t *testing.T) {
	eachBackend(t, func(t *testing.T, b backend) {
		ctx := context.Background()
		c, trips := newClient(t, b.start(t))
		require.NoError(t, c.Set(ctx, "str", "text", 0).Err())
		for _, root := range []*redpipe.Pipe{redpipe.New(c, redpipe.Transaction()), txOnDefault(t, c)} {
			require.NoError(t, c.Del(ctx, "n").Err())
			before := len(trips.sent())
			n := root.Incr("n")
			bad := root.Incr("str")
			child := redpipe.Pipeline(root) // a child of a transaction is in it
			m := child.IncrBy("n", 10)
			require.NoError(t, child.Execute(ctx))

			err := root.Execute(ctx)
			var execErr *redpipe.ExecError
			require.ErrorAs(t, err, &execErr)
			assert.Len(t, execErr.Commands, 1)
			assert.Equal(t, int64(1), n.Val())
			assert.Equal(t, int64(11), m.Val())
			require.Error(t, bad.Err(), "a command failing inside EXEC fails its own future")
			assert.Contains(t, bad.Err().Error(), "not an integer")

			sent := trips.sent()[before:]
			require.Len(t, sent, 1, "one round trip")
			assert.Equal(t, []string{"multi", "incr", "incr", "incrby", "exec"}, sent[0])
		}
	})
}

// txOnDefault registers c as the default connection and returns a
// transactional root on it.
func txOnDefault(tb testing.TB, c *redis.Client) *redpipe.Pipe {
	require.NoError(tb, redpipe.Connect(c))
	tb.Cleanup(func() { redpipe.Disconnect("") })
	return redpipe.Pipeline(nil, redpipe.Transaction())
}

func TestTransactionAbortedAsAWhole(t *testing.T) {
	eachBackend(t, func(t *testing.T, b backend) {
		ctx := context.Background()
		c, _ := newClient(t, b.start(t))
		root := redpipe.New(c, redpipe.Transaction())
		set := root.Set("k", "v", 0)
		unknown := root.Do("SET", "only-a-key") // wrong arity: refused while queueing
		incr := root.Incr("n")
		err := root.Execute(ctx)
		var execErr *redpipe.ExecError
		require.ErrorAs(t, err, &execErr)
		assert.Len(t, execErr.Commands, 3, "every future of the transaction fails")
		for _, e := range []error{set.Err(), unknown.Err(), incr.Err()} {
			require.Error(t, e)
		}
		assert.Contains(t, set.Err().Error(), "EXECABORT")
		n, err := c.Exists(ctx, "k", "n").Result()
		require.NoError(t, err)
		assert.Equal(t, int64(0), n, "nothing was applied")
	})
}

func TestTransactionalChild(t *testing.T) {
	eachBackend(t, func(t *testing.T, b backend) {
		ctx := context.Background()
		c, trips := newClient(t, b.start(t))
		root := redpipe.New(c)
		before := root.Set("outside:1", "x", 0)
		tx := redpipe.Pipeline(root, redpipe.Transaction())
		a := tx.Incr("in:a")
		grandchild := redpipe.Pipeline(tx)
		g := grandchild.Incr("in:b")
		joins := redpipe.Pipeline(grandchild, redpipe.Transaction()) // joins tx
		j := joins.Incr("in:c")
		require.NoError(t, joins.Execute(ctx))
		require.NoError(t, grandchild.Execute(ctx))
		require.NoError(t, tx.Execute(ctx))
		after := root.Set("outside:2", "y", 0)

		second := redpipe.Pipeline(root, redpipe.Transaction())
		s := second.Incr("in:d")
		require.NoError(t, second.Execute(ctx))
		again := second.Incr("in:d") // a second Execute of the child: another transaction
		require.NoError(t, second.Execute(ctx))

		require.NoError(t, root.Execute(ctx))
		for _, f := range []*redpipe.Future[string]{before, after} {
			assert.Equal(t, "OK", f.Val())
		}
		assert.Equal(t, int64(1), a.Val())
		assert.Equal(t, int64(1), g.Val())
		assert.Equal(t, int64(1), j.Val())
		assert.ElementsMatch(t, []int64{1, 2}, []int64{s.Val(), again.Val()}, "two transactions, in either order")

		sent := trips.sent()
		require.Len(t, sent, 4, "one plain pipeline and three transactions, sent at once")
		var plain [][]string
		var txs [][]string
		for _, names := range sent {
			if isTx(names) {
				txs = append(txs, names)
			} else {
				plain = append(plain, names)
			}
		}
		assert.Equal(t, [][]string{{"set", "set"}}, plain, "the parent's other commands stay outside")
		assert.ElementsMatch(t, [][]string{
			{"multi", "incr", "incr", "incr", "exec"},
			{"multi", "incr", "exec"},
			{"multi", "incr", "exec"},
		}, txs)
	})
}

func transactionOnCluster(t *testing.T, cluster *redistest.Cluster) {
	cc := newClusterClient(t, cluster)
	ctx := context.Background()

	root := redpipe.New(cc)
	plain := root.Set(redistest.KeyInSlot(1, "plain"), "x", 0)
	same := redpipe.Pipeline(root, redpipe.Transaction())
	name := same.Set("{user:42}:name", "Ada", 0)
	visits := same.Incr("{user:42}:visits")
	require.NoError(t, same.Execute(ctx))
	cross := redpipe.Pipeline(root, redpipe.Transaction())
	crossKeys := []string{redistest.KeyInSlot(0, "x"), redistest.KeyInSlot(16000, "y")}
	x := cross.Set(crossKeys[0], "1", 0)
	y := cross.Set(crossKeys[1], "2", 0)
	require.NoError(t, cross.Execute(ctx))

	err := root.Execute(ctx)
	var execErr *redpipe.ExecError
	require.ErrorAs(t, err, &execErr)
	assert.Len(t, execErr.Commands, 2)
	assert.Equal(t, "OK", plain.Val())
	assert.Equal(t, "OK", name.Val())
	assert.Equal(t, int64(1), visits.Val())
	for _, f := range []*redpipe.Future[string]{x, y} {
		assert.ErrorIs(t, f.Err(), redis.ErrCrossSlot)
	}
	n, err := cc.Exists(ctx, crossKeys[0]).Result()
	require.NoError(t, err)
	m, err := cc.Exists(ctx, crossKeys[1]).Result()
	require.NoError(t, err)
	assert.Equal(t, int64(0), n+m, "nothing of the cross-slot transaction was applied")
}

// incrementBy is a building block that works under a Watch's pipe.
func incrementBy(ctx context.Context, parent *redpipe.Pipe, key string, n int64) *redpipe.Future[string] {
	pipe := redpipe.Pipeline(parent)
	defer pipe.Execute(ctx)
	return pipe.Set(key, n, 0)
}

func TestWatchNoLostUpdates(t *testing.T) {
	t.Parallel() // many goroutines and round trips: it overlaps the others' waits
	eachBackend(t, func(t *testing.T, b backend) {
		ctx := context.Background()
		addr := b.start(t)
		var wg sync.WaitGroup
		var attempts [10]int
		for w := range 10 {
			c, _ := newClient(t, addr)
			wg.Go(func() {
				for range 30 {
					err := redpipe.Watch(ctx, c, []string{"counter"}, func(tx *redis.Tx, pipe *redpipe.Pipe) error {
						attempts[w]++
						n, err := tx.Get(ctx, "counter").Int64()
						if err != nil && !errors.Is(err, redis.Nil) {
							return err
						}
						incrementBy(ctx, pipe, "counter", n+1)
						return nil
					}, redpipe.MaxAttempts(10000))
					if !assert.NoError(t, err) {
						return
					}
				}
			})
		}
		wg.Wait()
		c, _ := newClient(t, addr)
		assert.Equal(t, "300", c.Get(ctx, "counter").Val(), "no lost update")
		total := 0
		for _, a := range attempts {
			total += a
		}
		t.Logf("%d attempts for 300 increments", total)
	})
}

func TestWatchGivesUp(t *testing.T) {
	eachBackend(t, func(t *testing.T, b backend) {
		ctx := context.Background()
		addr := b.start(t)
		c, _ := newClient(t, addr)
		other, _ := newClient(t, addr)
		calls := 0
		var lastSet *redpipe.Future[string]
		err := redpipe.Watch(ctx, c, []string{"k"}, func(tx *redis.Tx, pipe *redpipe.Pipe) error {
			calls++
			require.NoError(t, other.Incr(ctx, "k").Err()) // a write behind the watch's back
			lastSet = pipe.Set("k", "mine", 0)
			return nil
		}, redpipe.MaxAttempts(3))
		assert.ErrorIs(t, err, redpipe.ErrWatchAborted)
		assert.ErrorIs(t, err, redis.TxFailedErr)
		assert.Contains(t, err.Error(), "3 attempts")
		assert.Equal(t, 3, calls)
		assert.ErrorIs(t, lastSet.Err(), redis.TxFailedErr)
		assert.Equal(t, "3", other.Get(ctx, "k").Val())

		sentinel := errors.New("changed my mind")
		var dropped *redpipe.Future[string]
		err = redpipe.Watch(ctx, c, []string{"k"}, func(tx *redis.Tx, pipe *redpipe.Pipe) error {
			dropped = pipe.Set("k", "never", 0)
			return sentinel
		})
		assert.Equal(t, sentinel, err)
		assert.ErrorIs(t, dropped.Err(), redpipe.ErrDiscarded)
		assert.Equal(t, "3", other.Get(ctx, "k").Val(), "nothing was sent")
	})
}

func watchOnCluster(t *testing.T, cluster *redistest.Cluster) {
	cc := newClusterClient(t, cluster)
	ctx := context.Background()
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for range 25 {
				err := redpipe.Watch(ctx, cc, []string{"{acct}:balance"}, func(tx *redis.Tx, pipe *redpipe.Pipe) error {
					n, err := tx.Get(ctx, "{acct}:balance").Int64()
					if err != nil && !errors.Is(err, redis.Nil) {
						return err
					}
					pipe.Set("{acct}:balance", n+1, 0)
					pipe.LPush("{acct}:log", fmt.Sprint(n+1))
					return nil
				}, redpipe.MaxAttempts(10000))
				assert.NoError(t, err)
			}
		})
	}
	wg.Wait()
	assert.Equal(t, "100", cc.Get(ctx, "{acct}:balance").Val())
	assert.Equal(t, int64(100), cc.LLen(ctx, "{acct}:log").Val())
}

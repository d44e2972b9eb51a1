package redpipe_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-redpipe/redpipe"
	"github.com/go-redpipe/redpipe/internal/redistest"
)

// countRuns counts its own runs in the key "runs" (or the hash-tagged one
// next to its key on a cluster) and replies with KEYS[1]'s new value.
var countRuns = redpipe.NewScript(`
local runs = KEYS[2] or "runs"
redis.call("INCR", runs)
return redis.call("INCRBY", KEYS[1], ARGV[1])
`)

// count returns how many commands named name the pipelines sent hold.
func count(pipelines [][]string, name string) int {
	n := 0
	for _, names := range pipelines {
		for _, got := range names {
			if got == name {
				n++
			}
		}
	}
	return n
}

func TestScriptLoadsOnNoScript(t *testing.T) {
	eachBackend(t, func(t *testing.T, b backend) {
		ctx := context.Background()
		c, trips := newClient(t, b.start(t))
		require.NoError(t, c.ScriptFlush(ctx).Err())

		root := redpipe.New(c)
		first := countRuns.Run(root, []string{"a"}, 1)
		second := countRuns.RunInt64(root, []string{"a"}, 2)
		other := countRuns.RunInt64(root, []string{"b"}, 5)
		plain := root.Incr("plain")
		require.NoError(t, root.Execute(ctx))
		assert.Equal(t, int64(1), first.Val())
		assert.Equal(t, int64(3), second.Val())
		assert.Equal(t, int64(5), other.Val())
		assert.Equal(t, int64(1), plain.Val())
		assert.Equal(t, "3", c.Get(ctx, "runs").Val(), "each Run ran the script once")

		sent := trips.sent()
		require.Len(t, sent, 2, "one follow-up round trip for the calls that got NOSCRIPT")
		assert.Equal(t, []string{"evalsha", "evalsha", "evalsha", "incr"}, sent[0])
		assert.Equal(t, []string{"script", "evalsha", "evalsha", "evalsha"}, sent[1], "the script is loaded once, the calls go by SHA")

		// Now the server has it: SHA only, one round trip.
		third := countRuns.RunInt64(root, []string{"a"}, 10)
		require.NoError(t, root.Execute(ctx))
		assert.Equal(t, int64(13), third.Val())
		sent = trips.sent()
		require.Len(t, sent, 3)
		assert.Equal(t, []string{"evalsha"}, sent[2])
		assert.Equal(t, "4", c.Get(ctx, "runs").Val())
	})
}

func TestScriptErrors(t *testing.T) {
	eachBackend(t, func(t *testing.T, b backend) {
		ctx := context.Background()
		c, _ := newClient(t, b.start(t))
		broken := redpipe.NewScript(`return redis.call("INCR", KEYS[1])`)
		require.NoError(t, c.Set(ctx, "str", "text", 0).Err())
		root := redpipe.New(c)
		fails := broken.Run(root, []string{"str"})
		works := broken.RunInt64(root, []string{"n"})
		err := root.Execute(ctx)
		var execErr *redpipe.ExecError
		require.ErrorAs(t, err, &execErr)
		assert.Len(t, execErr.Commands, 1)
		require.Error(t, fails.Err())
		assert.Contains(t, fails.Err().Error(), "not an integer")
		assert.Equal(t, int64(1), works.Val())

		nilScript := redpipe.NewScript(`return redis.call("GET", KEYS[1])`)
		missing := nilScript.RunString(root, []string{"missing"})
		require.NoError(t, root.Execute(ctx))
		assert.ErrorIs(t, missing.Err(), redis.Nil)
	})
}

func TestScriptInTransaction(t *testing.T) {
	eachBackend(t, func(t *testing.T, b backend) {
		ctx := context.Background()
		c, trips := newClient(t, b.start(t))
		require.NoError(t, c.ScriptFlush(ctx).Err())
		root := redpipe.New(c)
		tx := redpipe.Pipeline(root, redpipe.Transaction())
		before := tx.Set("before", "x", 0)
		a := countRuns.RunInt64(tx, []string{"a"}, 1)
		a2 := countRuns.RunInt64(tx, []string{"a"}, 1)
		require.NoError(t, tx.Execute(ctx))
		require.NoError(t, root.Execute(ctx))
		assert.Equal(t, "OK", before.Val())
		assert.Equal(t, int64(1), a.Val())
		assert.Equal(t, int64(2), a2.Val())
		assert.Equal(t, "2", c.Get(ctx, "runs").Val())

		sent := trips.sent()
		require.Len(t, sent, 1, "no NOSCRIPT, no follow-up")
		assert.Equal(t, []string{"multi", "script", "set", "evalsha", "evalsha", "exec"}, sent[0],
			"the script is loaded inside the transaction, before its first call")
	})
}

func scriptOnCluster(t *testing.T, cluster *redistest.Cluster) {
	cc := newClusterClient(t, cluster)
	ctx := context.Background()
	trips := new(tripCounter)
	cc.AddHook(trips)

	// Three keys per node, each with its own run counter in its slot.
	var keys [][2]string
	for _, slot := range []int{1, 2, 3, 6000, 6001, 6002, 12000, 12001, 12002} {
		tag := hashTagFor(slot)
		keys = append(keys, [2]string{"{" + tag + "}:n", "{" + tag + "}:runs"})
	}
	for round := 1; round <= 2; round++ {
		root := redpipe.New(cc)
		var futures []*redpipe.Future[int64]
		for _, k := range keys {
			futures = append(futures, countRuns.RunInt64(root, k[:], 1))
		}
		require.NoError(t, root.Execute(ctx))
		for i, f := range futures {
			assert.Equal(t, int64(round), f.Val(), "key %s", keys[i][0])
			assert.Equal(t, fmt.Sprint(round), cc.Get(ctx, keys[i][1]).Val(), "runs of %s", keys[i][0])
		}
	}
	sent := trips.sent()
	evals := count(sent, "eval")
	assert.Equal(t, 3, evals, "loaded once on each node that answered NOSCRIPT")
	assert.Equal(t, 9+6+9, count(sent, "evalsha"), "after the first batch, by SHA only")
	assert.True(t, slices.ContainsFunc(sent, func(names []string) bool { return slices.Contains(names, "eval") }))
}

func TestScriptFollowUpRespectsChunkSize(t *testing.T) {
	t.Parallel() // round trips on servers of its own
	eachBackend(t, func(t *testing.T, b backend) {
		ctx := context.Background()
		c, trips := newClient(t, b.start(t))
		require.NoError(t, c.ScriptFlush(ctx).Err())
		root := redpipe.New(c, redpipe.ChunkSize(100))
		futures := make([]*redpipe.Future[int64], 1000)
		for i := range futures {
			futures[i] = countRuns.RunInt64(root, []string{"a"}, 1)
		}
		require.NoError(t, root.Execute(ctx))
		for i, f := range futures {
			require.Equal(t, int64(i+1), f.Val())
		}
		sent := trips.sent()
		require.Len(t, sent, 20, "ten chunks, then ten follow-up chunks")
		for i, names := range sent {
			calls := count([][]string{names}, "evalsha")
			assert.Equal(t, 100, calls, "pipeline %d", i)
			if i == 10 {
				assert.Equal(t, "script", names[0], "the first follow-up loads the script")
			}
		}
		assert.Equal(t, 1, count(sent, "script"), "loaded once")
		assert.Equal(t, "1000", c.Get(ctx, "runs").Val())
	})
}

func TestScriptThatDoesNotCompile(t *testing.T) {
	broken := redpipe.NewScript(`return (`)
	eachBackend(t, func(t *testing.T, b backend) {
		ctx := context.Background()
		c, _ := newClient(t, b.start(t))
		root := redpipe.New(c)
		calls := []*redpipe.Future[any]{broken.Run(root, []string{"k"}), broken.Run(root, []string{"k"})}
		ok := root.Incr("n")
		tx := redpipe.Pipeline(root, redpipe.Transaction())
		inTx := broken.Run(tx, []string{"k"})
		require.NoError(t, tx.Execute(ctx))
		err := root.Execute(ctx)
		require.Error(t, err)
		assert.Equal(t, int64(1), ok.Val())
		for _, f := range append(calls, inTx) {
			require.Error(t, f.Err())
			assert.NotContains(t, f.Err().Error(), "NOSCRIPT", "the load's error, not NOSCRIPT")
			assert.Contains(t, strings.ToLower(f.Err().Error()), "compil")
		}
	})
}

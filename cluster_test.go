package redpipe_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-redpipe/redpipe"
	"github.com/go-redpipe/redpipe/internal/redistest"
)

// newClusterClient returns a cluster client for c, closed when the test ends.
func newClusterClient(tb testing.TB, c *redistest.Cluster) *redis.ClusterClient {
	tb.Helper()
	cc := redis.NewClusterClient(&redis.ClusterOptions{
		Addrs:       c.Addrs(),
		DialTimeout: time.Second,
		MaxRetries:  -1,
		// A stopped node refuses at once; go-redis's default five dial
		// attempts 100 ms apart only slow the tests that stop one.
		DialerRetries: 1,
	})
	tb.Cleanup(func() { _ = cc.Close() })
	return cc
}

// clusterRoots are the two ways to reach a cluster: a root on the client,
// and a root on a registered connection.
func clusterRoots(tb testing.TB, cc *redis.ClusterClient) []struct {
	name string
	root func() *redpipe.Pipe
} {
	name := tb.Name() + "/cluster"
	require.NoError(tb, redpipe.ConnectNamed(name, cc))
	tb.Cleanup(func() { redpipe.Disconnect(name) })
	return []struct {
		name string
		root func() *redpipe.Pipe
	}{
		{"New", func() *redpipe.Pipe { return redpipe.New(cc) }},
		{"registry", func() *redpipe.Pipe { return redpipe.Pipeline(nil, redpipe.On(name)) }},
	}
}

// storeSlots is a building block two levels deep: it stores one value per
// slot in [from, to) through a child per slot.
func storeSlots(ctx context.Context, parent *redpipe.Pipe, keys []string) map[string]*redpipe.Future[string] {
	pipe := redpipe.Pipeline(parent)
	defer pipe.Execute(ctx)
	sets := make(map[string]*redpipe.Future[string], len(keys))
	for _, key := range keys {
		child := redpipe.Pipeline(pipe)
		child.Set(key, "value of "+key, time.Minute)
		sets[key] = child.Get(key)
		child.Execute(ctx)
	}
	return sets
}

func clusterEverySlot(t *testing.T, cluster *redistest.Cluster) {
	cc := newClusterClient(t, cluster)
	ctx := context.Background()
	for _, r := range clusterRoots(t, cc) {
		t.Run(r.name, func(t *testing.T) {
			before := dbSizes(t, cluster)
			keys := redistest.SlotKeys(r.name + ":")
			root := r.root()
			gets := make(map[string]*redpipe.Future[string])
			const blocks = 64
			per := redistest.SlotCount / blocks
			for b := range blocks {
				for k, f := range storeSlots(ctx, root, keys[b*per:(b+1)*per]) {
					gets[k] = f
				}
			}
			assert.Equal(t, 2*redistest.SlotCount, root.Len())
			require.NoError(t, root.Execute(ctx))
			require.Len(t, gets, redistest.SlotCount)
			for key, f := range gets {
				if !assert.Equal(t, "value of "+key, f.Val(), "slot %d", redistest.Slot(key)) {
					break
				}
			}
			// Every node holds its own third of the keys.
			for i, size := range dbSizes(t, cluster) {
				assert.InDelta(t, redistest.SlotCount/3, size-before[i], float64(redistest.SlotCount)*0.01, "node %d", i)
			}
		})
	}
}

func clusterCrossSlotFailsOnlyItsFuture(t *testing.T, cluster *redistest.Cluster) {
	cc := newClusterClient(t, cluster)
	ctx := context.Background()
	for _, r := range clusterRoots(t, cc) {
		t.Run(r.name, func(t *testing.T) {
			root := r.root()
			a, b := redistest.KeyInSlot(0, "a"), redistest.KeyInSlot(16000, "b")
			setA := root.Set(a, "1", 0)
			setB := root.Set(b, "2", 0)
			cross := root.MGet(a, b)
			sameSlot := root.MGet("{user:42}:name", "{user:42}:email")
			incr := root.Incr(redistest.KeyInSlot(9000, "n"))

			err := root.Execute(ctx)
			var execErr *redpipe.ExecError
			require.ErrorAs(t, err, &execErr)
			require.Len(t, execErr.Commands, 1)
			require.Error(t, cross.Err())
			assert.True(t, strings.HasPrefix(cross.Err().Error(), "CROSSSLOT"), cross.Err().Error())
			assert.ErrorIs(t, err, cross.Err())
			if r.name == "New" { // a cluster client's label names its addresses
				assert.Equal(t, "cluster "+strings.Join(cluster.Addrs(), ","), execErr.Commands[0].Label)
			}
			assert.Equal(t, "OK", setA.Val())
			assert.Equal(t, "OK", setB.Val())
			assert.Equal(t, []any{nil, nil}, sameSlot.Val(), "keys sharing a hash tag share a slot")
			assert.Positive(t, incr.Val())
		})
	}
}

func TestClusterSlotMigration(t *testing.T) {
	t.Parallel() // waits on servers, dials and timeouts more than it computes
	cluster := redistest.StartCluster(t)
	cc := newClusterClient(t, cluster)
	ctx := context.Background()
	for i, r := range clusterRoots(t, cc) {
		t.Run(r.name, func(t *testing.T) {
			slot := 100 + i // one slot per subtest, first on node 0
			from := cluster.NodeForSlot(slot)
			to := cluster.Nodes[1]
			require.NotEqual(t, from, to)
			keys := make([]string, 50)
			for k := range keys {
				keys[k] = fmt.Sprintf("%s{%s}:%d", r.name, hashTagFor(slot), k)
				require.Equal(t, slot, redistest.Slot(keys[k]))
			}

			root := r.root()
			for _, k := range keys {
				root.Set(k, "v:"+k, 0)
			}
			require.NoError(t, root.Execute(ctx))

			// Between batches the slot moves: the client's map is stale and
			// go-redis must follow MOVED.
			cluster.MigrateSlot(t, slot, to)
			gets := make([]*redpipe.Future[string], len(keys))
			for k, key := range keys {
				gets[k] = root.Get(key)
			}
			require.NoError(t, root.Execute(ctx))
			for k, f := range gets {
				assert.Equal(t, "v:"+keys[k], f.Val())
			}

			// Half-way through moving it back, keys already moved answer
			// with ASK, which go-redis must follow with ASKING.
			cluster.BeginMigrateSlot(t, slot, from)
			fresh := fmt.Sprintf("%s{%s}:fresh", r.name, hashTagFor(slot))
			setFresh := root.Set(fresh, "fresh", 0)
			for k, key := range keys {
				gets[k] = root.Get(key)
			}
			require.NoError(t, root.Execute(ctx))
			assert.Equal(t, "OK", setFresh.Val())
			for k, f := range gets {
				assert.Equal(t, "v:"+keys[k], f.Val())
			}
			cluster.FinishMigrateSlot(t, slot, from)
			getFresh := root.Get(fresh)
			require.NoError(t, root.Execute(ctx))
			assert.Equal(t, "fresh", getFresh.Val())
			assert.Equal(t, from, cluster.NodeForSlot(slot))
		})
	}
}

// TestCluster runs the cluster tests that change no node or slot on one
// cluster, one after the other, emptied between them: a cluster takes
// seconds to start.
func TestCluster(t *testing.T) {
	t.Parallel() // waits on servers, dials and timeouts more than it computes
	cluster := redistest.StartCluster(t)
	for _, test := range []struct {
		name string
		run  func(*testing.T, *redistest.Cluster)
	}{
		{"EverySlot", clusterEverySlot},
		{"CrossSlotFailsOnlyItsFuture", clusterCrossSlotFailsOnlyItsFuture},
		{"RoundTripsPerDependencyLevel", clusterRoundTripsPerDependencyLevel},
		{"Script", scriptOnCluster},
		{"Transaction", transactionOnCluster},
		{"Watch", watchOnCluster},
	} {
		t.Run(test.name, func(t *testing.T) {
			cluster.FlushAll(t)
			test.run(t, cluster)
		})
	}
}

// TestClusterNodeStopped stops the third node of a cluster: only its
// commands fail, with an error that names it.
func TestClusterNodeStopped(t *testing.T) {
	t.Parallel() // waits on servers, dials and timeouts more than it computes
	cluster := redistest.StartCluster(t)
	cc := newClusterClient(t, cluster)
	ctx := context.Background()
	keys := []string{redistest.KeyInSlot(10, "k"), redistest.KeyInSlot(6000, "k"), redistest.KeyInSlot(12000, "k")}
	require.Equal(t, cluster.Nodes[2], cluster.NodeForSlot(12000))
	for _, k := range keys {
		require.NoError(t, cc.Set(ctx, k, "v:"+k, 0).Err())
	}
	cluster.Stop(2)

	t.Run("chunks keep going", func(t *testing.T) { clusterDeadNodeKeepsChunksGoing(t, cluster, cc) })
	for _, r := range clusterRoots(t, cc) {
		t.Run(r.name, func(t *testing.T) {
			root := r.root()
			gets := make([]*redpipe.Future[string], len(keys))
			for i, k := range keys {
				gets[i] = root.Get(k)
			}
			err := root.Execute(ctx)
			var execErr *redpipe.ExecError
			require.ErrorAs(t, err, &execErr)
			assert.Len(t, execErr.Commands, 1)
			assert.Equal(t, "v:"+keys[0], gets[0].Val())
			assert.Equal(t, "v:"+keys[1], gets[1].Val())
			require.Error(t, gets[2].Err())
			assert.NotErrorIs(t, gets[2].Err(), redis.Nil)
			assert.Contains(t, gets[2].Err().Error(), cluster.Nodes[2].Addr, "the error names the node")
		})
	}
}

// dbSizes returns the number of keys on each node of c.
func dbSizes(tb testing.TB, c *redistest.Cluster) []int64 {
	tb.Helper()
	sizes := make([]int64, len(c.Nodes))
	for i, n := range c.Nodes {
		client := redis.NewClient(&redis.Options{Addr: n.Addr})
		size, err := client.DBSize(context.Background()).Result()
		_ = client.Close()
		require.NoError(tb, err)
		sizes[i] = size
	}
	return sizes
}

// hashTagFor returns a hash tag whose keys hash to slot.
func hashTagFor(slot int) string {
	key := redistest.KeyInSlot(slot, "")
	return strings.Trim(key, "{}")
}

package keyspace_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-redpipe/redpipe"
	"github.com/go-redpipe/redpipe/codec"
	"github.com/go-redpipe/redpipe/internal/redistest"
	"github.com/go-redpipe/redpipe/keyspace"
)

// pipelines counts the pipelines go-redis sends to each node of a cluster.
type pipelines struct {
	mu sync.Mutex
	n  int
}

func (p *pipelines) DialHook(next redis.DialHook) redis.DialHook          { return next }
func (p *pipelines) ProcessHook(next redis.ProcessHook) redis.ProcessHook { return next }
func (p *pipelines) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		switch cmds[0].Name() {
		case "hello", "client", "readonly", "auth", "select": // a new connection's set-up
		default:
			p.mu.Lock()
			p.n++
			p.mu.Unlock()
		}
		return next(ctx, cmds)
	}
}

// TestCluster runs the keyspace tests on one real cluster, one after the
// other, emptied between them: a cluster takes seconds to start.
func TestCluster(t *testing.T) {
	t.Parallel() // waits on a cluster more than it computes
	cluster := redistest.StartCluster(t)
	for _, test := range []struct {
		name string
		run  func(*testing.T, *redistest.Cluster)
	}{
		{"AllKeyspaces", clusterAllKeyspaces},
		{"Structs", clusterStructs},
		{"All", allOnCluster},
	} {
		t.Run(test.name, func(t *testing.T) {
			cluster.FlushAll(t)
			test.run(t, cluster)
		})
	}
}

// clusterAllKeyspaces makes 10,000 calls over every keyspace type
// under one root on a real cluster: one pipeline per node, and the keys of
// one id share a slot across keyspaces.
func clusterAllKeyspaces(t *testing.T, cluster *redistest.Cluster) {
	cc := redis.NewClusterClient(&redis.ClusterOptions{Addrs: cluster.Addrs(), MaxRetries: -1})
	t.Cleanup(func() { _ = cc.Close() })
	counted := new(pipelines)
	cc.OnNewNode(func(node *redis.Client) { node.AddHook(counted) })
	ctx := context.Background()

	names := keyspace.NewString("N", codec.Text)
	users := keyspace.NewHash("U", codec.Text)
	tags := keyspace.NewSet("T", codec.Text)
	events := keyspace.NewList("E", codec.Int)
	scores := keyspace.NewSortedSet("Z", codec.Text)
	visits := keyspace.NewHyperLogLog("V", codec.Text)
	counters := keyspace.NewHashedString("C", codec.Int)

	root := redpipe.New(cc)
	var gets []*redpipe.Future[string]
	calls := 0
	for id := 0; calls < 10000; id++ {
		k := fmt.Sprint(id)
		for _, key := range []string{names.Key(k), users.Key(k), tags.Key(k), events.Key(k), scores.Key(k), visits.Key(k)} {
			require.Equal(t, redistest.Slot(names.Key(k)), redistest.Slot(key), "one slot per id")
		}
		names.Set(ctx, root, k, "name "+k, time.Hour)
		users.HSet(ctx, root, k, map[string]string{"name": "name " + k})
		tags.SAdd(ctx, root, k, "a", "b")
		events.RPush(ctx, root, k, int64(id))
		scores.ZAdd(ctx, root, k, keyspace.Z[string]{Score: float64(id), Member: k})
		visits.PFAdd(ctx, root, k, "x")
		counters.Incr(ctx, root, k)
		gets = append(gets, names.Get(ctx, root, k))
		calls += 8
	}
	require.NoError(t, root.Execute(ctx))
	assert.Equal(t, len(cluster.Nodes), counted.n, "one pipeline per node for %d calls", calls)
	for id, f := range gets {
		require.Equal(t, fmt.Sprint("name ", id), f.Val())
	}
}

// clusterStructs saves 1,000 records and loads 1,000 others under one
// root on a real cluster: one pipeline per node.
func clusterStructs(t *testing.T, cluster *redistest.Cluster) {
	type record struct {
		ID    string `redis:",key"`
		Name  string `redis:"name,required"`
		Count int64  `redis:"count"`
	}
	cc := redis.NewClusterClient(&redis.ClusterOptions{Addrs: cluster.Addrs(), MaxRetries: -1})
	t.Cleanup(func() { _ = cc.Close() })
	ctx := context.Background()
	records := keyspace.NewStruct[record]("R", keyspace.TTL(time.Hour))
	seed := redpipe.New(cc)
	for i := range 1000 {
		records.Save(ctx, seed, record{ID: fmt.Sprint("old", i), Name: fmt.Sprint("old ", i), Count: int64(i)})
	}
	require.NoError(t, seed.Execute(ctx))

	counted := new(pipelines)
	cc.OnNewNode(func(node *redis.Client) { node.AddHook(counted) })
	require.NoError(t, cc.ForEachMaster(ctx, func(ctx context.Context, node *redis.Client) error {
		node.AddHook(counted) // the nodes made before
		return nil
	}))
	root := redpipe.New(cc)
	loads := make([]*redpipe.Future[record], 1000)
	for i := range 1000 {
		records.Save(ctx, root, record{ID: fmt.Sprint("new", i), Name: fmt.Sprint("new ", i)})
		loads[i] = records.Load(ctx, root, fmt.Sprint("old", i))
	}
	require.NoError(t, root.Execute(ctx))
	assert.Equal(t, len(cluster.Nodes), counted.n, "one pipeline per node")
	for i, f := range loads {
		require.Equal(t, record{ID: fmt.Sprint("old", i), Name: fmt.Sprint("old ", i), Count: int64(i)}, f.Val())
	}
}

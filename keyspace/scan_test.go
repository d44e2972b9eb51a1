package keyspace_test

import (
	"context"
	"fmt"
	"slices"
	"testing"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-redpipe/redpipe"
	"github.com/go-redpipe/redpipe/codec"
	"github.com/go-redpipe/redpipe/internal/redistest"
	"github.com/go-redpipe/redpipe/keyspace"
)

func TestScans(t *testing.T) {
	eachBackend(t, func(t *testing.T, c *redis.Client) {
		ctx := context.Background()
		names := keyspace.NewString("N", codec.Text)
		tags := keyspace.NewSet("T", codec.Int)
		users := keyspace.NewHash("U", codec.Text, keyspace.Field("age", codec.Text))
		scores := keyspace.NewSortedSet("Z", codec.Text)
		counters := keyspace.NewHashedStringShards("C", codec.Int, 4)
		root := redpipe.New(c)
		for i := range 30 {
			names.Set(ctx, root, fmt.Sprint("k", i), "v", 0)
			counters.Set(ctx, root, fmt.Sprint("c", i), int64(i))
		}
		require.NoError(t, c.Set(ctx, "other{k1}", "not ours", 0).Err())
		tags.SAdd(ctx, root, "t", 1, 2, 3)
		users.HSet(ctx, root, "u", map[string]string{"name": "Ada", "age": "36"})
		scores.ZAdd(ctx, root, "z", keyspace.Z[string]{Score: 1, Member: "a"}, keyspace.Z[string]{Score: 2, Member: "b"})
		require.NoError(t, root.Execute(ctx))

		var got []string
		for cursor := uint64(0); ; {
			page := names.Scan(ctx, root, cursor, "", 10)
			require.NoError(t, root.Execute(ctx))
			got = append(got, page.Val().Items...)
			if cursor = page.Val().Cursor; cursor == 0 {
				break
			}
		}
		slices.Sort(got)
		assert.Len(t, got, 30, "only the keyspace's keys, without its name")
		assert.Contains(t, got, "k7")

		var all []string
		for k, err := range names.All(ctx, c) {
			require.NoError(t, err)
			all = append(all, k)
		}
		slices.Sort(all)
		assert.Equal(t, got, all)

		members := tags.SScan(ctx, root, "t", 0, "", 100)
		fields := users.HScan(ctx, root, "u", 0, "", 100)
		zs := scores.ZScan(ctx, root, "z", 0, "", 100)
		require.NoError(t, root.Execute(ctx))
		assert.ElementsMatch(t, []int64{1, 2, 3}, members.Val().Items)
		assert.ElementsMatch(t, []keyspace.Entry[string]{{Field: "name", Value: "Ada"}, {Field: "age", Value: "36"}}, fields.Val().Items)
		assert.ElementsMatch(t, []keyspace.Z[string]{{Score: 1, Member: "a"}, {Score: 2, Member: "b"}}, zs.Val().Items)

		sum := int64(0)
		n := 0
		for e, err := range counters.All(ctx, c) {
			require.NoError(t, err)
			sum += e.Value
			n++
		}
		assert.Equal(t, 30, n, "every shard, the last one too")
		assert.Equal(t, int64(435), sum)
	})
}

// allOnCluster walks a keyspace over every master of a real cluster.
func allOnCluster(t *testing.T, cluster *redistest.Cluster) {
	cc := redis.NewClusterClient(&redis.ClusterOptions{Addrs: cluster.Addrs(), MaxRetries: -1})
	t.Cleanup(func() { _ = cc.Close() })
	ctx := context.Background()
	names := keyspace.NewString("N", codec.Text)
	root := redpipe.New(cc)
	for i := range 300 {
		names.Set(ctx, root, fmt.Sprint(i), "v", 0)
	}
	require.NoError(t, root.Execute(ctx))
	seen := map[string]bool{}
	for k, err := range names.All(ctx, cc) {
		require.NoError(t, err)
		seen[k] = true
	}
	assert.Len(t, seen, 300, "every master was walked")
}

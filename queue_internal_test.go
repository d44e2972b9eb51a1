package redpipe

import (
	"context"
	"testing"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestBatchesHoldAtMostMaxBatch queues more than two full batches on a
// root, some of them through children, and checks that each batch holds
// at most maxBatch commands, that a batch started because the one before
// was full has room for a full batch, and that every future reads its
// own command once the root executes.
func TestBatchesHoldAtMostMaxBatch(t *testing.T) {
	c := redis.NewClient(&redis.Options{Addr: miniredis.RunT(t).Addr()})
	t.Cleanup(func() { _ = c.Close() })
	ctx := context.Background()
	root := New(c)
	n := 2*maxBatch + 3
	futures := make([]*Future[int64], n)
	for i := range futures {
		if i%3 == 0 {
			child := Pipeline(root)
			futures[i] = child.Incr("n")
			require.NoError(t, child.Execute(ctx))
			continue
		}
		futures[i] = root.Incr("n")
	}
	var sizes []int
	for b := root.q.batches.head; b != nil; b = b.next {
		sizes = append(sizes, b.len())
		if b != root.q.batches.head {
			assert.GreaterOrEqual(t, cap(b.store.Cmds()), maxBatch, "a batch after a full one has room for a full batch")
		}
	}
	assert.Equal(t, []int{maxBatch, maxBatch, 3}, sizes)
	require.NoError(t, root.Execute(ctx))
	for i, f := range futures {
		if v, err := f.Result(); v != int64(i+1) || err != nil {
			t.Fatalf("future %d: %d, %v; want %d", i, v, err, i+1)
		}
	}
}

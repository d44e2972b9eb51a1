package redpipe_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-redpipe/redpipe"
)

func TestChunks(t *testing.T) {
	t.Parallel() // round trips on servers of its own
	cases := []struct {
		name  string
		opts  []redpipe.Option
		n     int
		trips int64
	}{
		{"default, under the chunk size", nil, redpipe.DefaultChunkSize, 1},
		{"default, over it", nil, 2*redpipe.DefaultChunkSize + 1, 3},
		{"chunks of 3", []redpipe.Option{redpipe.ChunkSize(3)}, 10, 4},
		{"exact chunks", []redpipe.Option{redpipe.ChunkSize(5)}, 10, 2},
		{"no chunks", []redpipe.Option{redpipe.ChunkSize(0)}, 2*redpipe.DefaultChunkSize + 1, 1},
		{"a transaction is never split", []redpipe.Option{redpipe.ChunkSize(2), redpipe.Transaction()}, 10, 1},
		{"nor is a transaction of several full batches", []redpipe.Option{redpipe.Transaction()}, 2*redpipe.DefaultChunkSize + 1, 1},
	}
	eachBackend(t, func(t *testing.T, b backend) {
		ctx := context.Background()
		c, trips := newClient(t, b.start(t))
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				require.NoError(t, c.FlushDB(ctx).Err())
				start := trips.trips.Load()
				root := redpipe.New(c, tc.opts...)
				futures := make([]*redpipe.Future[int64], tc.n)
				for i := range futures {
					if i%2 == 0 {
						futures[i] = root.Incr("n")
						continue
					}
					child := redpipe.Pipeline(root) // children do not change the chunks
					futures[i] = child.Incr("n")
					require.NoError(t, child.Execute(ctx))
				}
				callbacks := 0
				root.OnExecute(func() {
					callbacks++
					assert.True(t, futures[tc.n-1].Ready(), "callbacks run after the last chunk")
				})
				require.NoError(t, root.Execute(ctx))
				assert.Equal(t, tc.trips, trips.trips.Load()-start, "round trips")
				assert.Equal(t, 1, callbacks)
				for i, f := range futures {
					if f.Val() != int64(i+1) {
						t.Fatalf("future %d = %d, %v; want %d", i, f.Val(), f.Err(), i+1)
					}
				}
				assert.Equal(t, fmt.Sprint(tc.n), c.Get(ctx, "n").Val())
			})
		}
	})
}

// TestChunkSizeOnAChildIsIgnored gives ChunkSize to a child: the root's
// chunks apply, as ChunkSize says.
func TestChunkSizeOnAChildIsIgnored(t *testing.T) {
	eachBackend(t, func(t *testing.T, b backend) {
		ctx := context.Background()
		c, trips := newClient(t, b.start(t))
		root := redpipe.New(c)
		child := redpipe.Pipeline(root, redpipe.ChunkSize(1))
		for range 10 {
			child.Incr("n")
		}
		require.NoError(t, child.Execute(ctx))
		require.NoError(t, root.Execute(ctx))
		assert.Equal(t, int64(1), trips.trips.Load(), "one round trip: the root's default chunks")
	})
}

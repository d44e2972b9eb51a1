package bench

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/redis/go-redis/v9"
	"github.com/redis/rueidis"

	"github.com/go-redpipe/redpipe"
)

// sizes are the batch sizes every row runs at.
var sizes = []int{1, 10, 100, 1000, 10000}

// clients holds one client of each library, shared by the benchmarks.
type clients struct {
	goredis *redis.Client
	auto    *redis.AutoPipeliner
	rueidis rueidis.Client
	keys    []string // keys[i] is the key of the i-th command of a batch
}

func newClients(tb testing.TB) *clients {
	tb.Helper()
	c := &clients{goredis: redis.NewClient(&redis.Options{Addr: addr})}
	tb.Cleanup(func() { _ = c.goredis.Close() })
	var err error
	if c.auto, err = c.goredis.AsyncAutoPipeline(); err != nil {
		tb.Fatal(err)
	}
	c.rueidis, err = rueidis.NewClient(rueidis.ClientOption{InitAddress: []string{addr}, DisableCache: true})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(c.rueidis.Close)
	c.keys = make([]string, sizes[len(sizes)-1])
	for i := range c.keys {
		c.keys[i] = fmt.Sprint("bench:", i)
	}
	return c
}

// row is one way of sending a batch of n INCRs and reading every reply.
type row struct {
	name  string
	batch func(ctx context.Context, c *clients, n int) error
}

var rows = []row{
	{"go-redis one at a time", func(ctx context.Context, c *clients, n int) error {
		for _, k := range c.keys[:n] {
			if err := c.goredis.Incr(ctx, k).Err(); err != nil {
				return err
			}
		}
		return nil
	}},
	{"go-redis Pipeliner", func(ctx context.Context, c *clients, n int) error {
		pl := c.goredis.Pipeline()
		cmds := make([]*redis.IntCmd, n)
		for i, k := range c.keys[:n] {
			cmds[i] = pl.Incr(ctx, k)
		}
		if _, err := pl.Exec(ctx); err != nil {
			return err
		}
		return sum(cmds)
	}},
	{"go-redis AsyncAutoPipeline", func(ctx context.Context, c *clients, n int) error {
		cmds := make([]*redis.IntCmd, n)
		for i, k := range c.keys[:n] {
			cmds[i] = c.auto.Incr(ctx, k)
		}
		return sum(cmds)
	}},
	{"rueidis DoMulti", func(ctx context.Context, c *clients, n int) error {
		cmds := make(rueidis.Commands, n)
		for i, k := range c.keys[:n] {
			cmds[i] = c.rueidis.B().Incr().Key(k).Build()
		}
		for _, r := range c.rueidis.DoMulti(ctx, cmds...) {
			if _, err := r.AsInt64(); err != nil {
				return err
			}
		}
		return nil
	}},
	{"redpipe flat", func(ctx context.Context, c *clients, n int) error {
		root := redpipe.New(c.goredis)
		futures := make([]*redpipe.Future[int64], n)
		for i, k := range c.keys[:n] {
			futures[i] = root.Incr(k)
		}
		if err := root.Execute(ctx); err != nil {
			return err
		}
		return sum(futures)
	}},
	{"redpipe nested", func(ctx context.Context, c *clients, n int) error {
		root := redpipe.New(c.goredis)
		futures := make([]*redpipe.Future[int64], 0, n)
		for block := range blocks {
			futures = incrBlock(ctx, root, c.keys[:n], block, futures)
		}
		if err := root.Execute(ctx); err != nil {
			return err
		}
		return sum(futures)
	}},
}

// blocks is how many building blocks the nested row splits a batch into.
const blocks = 10

// incrBlock is a building block two levels deep: it queues, through a
// child of a child of parent, an INCR of every blocks-th key from the
// block-th on.
func incrBlock(ctx context.Context, parent *redpipe.Pipe, keys []string, block int, futures []*redpipe.Future[int64]) []*redpipe.Future[int64] {
	child := redpipe.Pipeline(parent)
	defer child.Execute(ctx)
	grandchild := redpipe.Pipeline(child)
	defer grandchild.Execute(ctx)
	for i := block; i < len(keys); i += blocks {
		futures = append(futures, grandchild.Incr(keys[i]))
	}
	return futures
}

// sum reads every reply, as a caller would.
func sum[R interface{ Result() (int64, error) }](replies []R) error {
	var total int64
	for _, r := range replies {
		v, err := r.Result()
		if err != nil {
			return err
		}
		total += v
	}
	if total < 0 {
		return fmt.Errorf("negative total %d", total)
	}
	return nil
}

// BenchmarkBatch runs every row at every batch size. ns/op is the time of
// one batch; cmds/s counts commands.
func BenchmarkBatch(b *testing.B) {
	c := newClients(b)
	ctx := context.Background()
	for _, r := range rows {
		for _, n := range sizes {
			b.Run(fmt.Sprintf("%s/n=%d", r.name, n), func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					if err := r.batch(ctx, c, n); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "cmds/s")
			})
		}
	}
}

// goroutines and perGoroutine shape the concurrent rows: that many
// goroutines, each sending its own batch of that many INCRs.
const goroutines, perGoroutine = 64, 100

// BenchmarkConcurrent runs 64 goroutines at once, each sending its own batch
// of 100 INCRs: through its own redpipe root, or its own go-redis Pipeliner.
func BenchmarkConcurrent(b *testing.B) {
	c := newClients(b)
	ctx := context.Background()
	for _, r := range rows {
		if r.name != "go-redis Pipeliner" && r.name != "redpipe flat" {
			continue
		}
		b.Run(r.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				var wg sync.WaitGroup
				for range goroutines {
					wg.Go(func() {
						if err := r.batch(ctx, c, perGoroutine); err != nil {
							b.Error(err)
						}
					})
				}
				wg.Wait()
			}
			b.ReportMetric(float64(goroutines*perGoroutine*b.N)/b.Elapsed().Seconds(), "cmds/s")
		})
	}
}

package bench

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/go-redpipe/redpipe"
	"github.com/go-redpipe/redpipe/internal/redistest"
)

// lookups is how many cache-aside lookups one op of BenchmarkCacheAside
// makes; every other key is a miss.
const lookups = 100

// latency is the round trip the proxy adds, as a network would.
const latency = time.Millisecond

// cacheAsideRows are the ways of making lookups cache-aside lookups: GET,
// and on a miss a SET of the loaded value.
var cacheAsideRows = []struct {
	name   string
	lookup func(ctx context.Context, c *redis.Client, auto *redis.AutoPipeliner, keys []string) ([]string, error)
}{
	{"redpipe Chain", func(ctx context.Context, c *redis.Client, _ *redis.AutoPipeliner, keys []string) ([]string, error) {
		root := redpipe.New(c)
		futures := make([]*redpipe.Future[string], len(keys))
		for i, k := range keys {
			futures[i] = getOrLoad(ctx, root, k)
		}
		if err := root.Execute(ctx); err != nil {
			return nil, err
		}
		vals := make([]string, len(keys))
		for i, f := range futures {
			vals[i] = f.Val()
		}
		return vals, nil
	}},
	{"go-redis one at a time", func(ctx context.Context, c *redis.Client, _ *redis.AutoPipeliner, keys []string) ([]string, error) {
		vals := make([]string, len(keys))
		for i, k := range keys {
			v, err := c.Get(ctx, k).Result()
			if errors.Is(err, redis.Nil) {
				v = load(k)
				err = c.Set(ctx, k, v, time.Hour).Err()
			}
			if err != nil {
				return nil, err
			}
			vals[i] = v
		}
		return vals, nil
	}},
	{"go-redis two pipelines", func(ctx context.Context, c *redis.Client, _ *redis.AutoPipeliner, keys []string) ([]string, error) {
		pl := c.Pipeline()
		gets := make([]*redis.StringCmd, len(keys))
		for i, k := range keys {
			gets[i] = pl.Get(ctx, k)
		}
		if _, err := pl.Exec(ctx); err != nil && !errors.Is(err, redis.Nil) {
			return nil, err
		}
		vals := make([]string, len(keys))
		for i, g := range gets {
			v, err := g.Result()
			if errors.Is(err, redis.Nil) {
				v = load(keys[i])
				pl.Set(ctx, keys[i], v, time.Hour)
			} else if err != nil {
				return nil, err
			}
			vals[i] = v
		}
		if _, err := pl.Exec(ctx); err != nil {
			return nil, err
		}
		return vals, nil
	}},
	{"go-redis AsyncAutoPipeline", func(ctx context.Context, _ *redis.Client, auto *redis.AutoPipeliner, keys []string) ([]string, error) {
		vals := make([]string, len(keys))
		errs := make([]error, len(keys))
		var wg sync.WaitGroup
		for i, k := range keys {
			wg.Go(func() {
				v, err := auto.Get(ctx, k).Result()
				if errors.Is(err, redis.Nil) {
					v = load(k)
					err = auto.Set(ctx, k, v, time.Hour).Err()
				}
				vals[i], errs[i] = v, err
			})
		}
		wg.Wait()
		return vals, errors.Join(errs...)
	}},
}

// getOrLoad is the cache-aside building block of redpipe's README.
func getOrLoad(ctx context.Context, parent *redpipe.Pipe, key string) *redpipe.Future[string] {
	pipe := redpipe.Pipeline(parent)
	defer pipe.Execute(ctx)
	cached := pipe.Get(key)
	return redpipe.Chain(pipe, cached, func(next *redpipe.Pipe, v string, err error) *redpipe.Future[string] {
		if !errors.Is(err, redis.Nil) {
			return redpipe.Settled(v, err)
		}
		v = load(key)
		next.Set(key, v, time.Hour)
		return redpipe.Settled(v, nil)
	})
}

// load is the value a miss loads.
func load(key string) string { return "loaded " + key }

// BenchmarkCacheAside makes 100 cache-aside lookups per op, half of them
// misses, through a proxy that adds a 1 ms round trip. ns/op is the time of
// the 100 lookups; before each op, the misses are deleted again, off the
// clock.
func BenchmarkCacheAside(b *testing.B) {
	ctx := context.Background()
	direct := redis.NewClient(&redis.Options{Addr: addr})
	b.Cleanup(func() { _ = direct.Close() })
	slow := redis.NewClient(&redis.Options{Addr: redistest.StartProxy(b, addr, latency)})
	b.Cleanup(func() { _ = slow.Close() })
	auto, err := slow.AsyncAutoPipeline()
	if err != nil {
		b.Fatal(err)
	}
	keys := make([]string, lookups)
	var misses []string
	for i := range keys {
		keys[i] = fmt.Sprint("cache:", i)
		if i%2 == 0 {
			if err := direct.Set(ctx, keys[i], "cached", 0).Err(); err != nil {
				b.Fatal(err)
			}
		} else {
			misses = append(misses, keys[i])
		}
	}
	for _, row := range cacheAsideRows { // warm the connections up: a dial costs 4 round trips
		if _, err := row.lookup(ctx, slow, auto, keys); err != nil {
			b.Fatal(err)
		}
	}
	for _, row := range cacheAsideRows {
		b.Run(row.name, func(b *testing.B) {
			for b.Loop() {
				b.StopTimer()
				if err := direct.Del(ctx, misses...).Err(); err != nil {
					b.Fatal(err)
				}
				b.StartTimer()
				vals, err := row.lookup(ctx, slow, auto, keys)
				if err != nil {
					b.Fatal(err)
				}
				if vals[0] != "cached" || vals[1] != load(keys[1]) {
					b.Fatalf("lookups = %q, %q", vals[0], vals[1])
				}
			}
		})
	}
}

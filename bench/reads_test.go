package bench

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/go-redpipe/redpipe"
)

// readsSize is how many GETs a batch of BenchmarkReads holds.
const readsSize = 1000

// readKeys are the keys of a batch of BenchmarkReads with misses misses,
// spread evenly, and the value of each key; "" for a miss. The keys that
// hit are set.
func readKeys(tb testing.TB, c *redis.Client, misses int) (keys, values []string) {
	tb.Helper()
	keys, values = make([]string, readsSize), make([]string, readsSize)
	var pairs []any
	for i := range keys {
		if misses > 0 && i%(readsSize/misses) == 0 {
			keys[i] = fmt.Sprint("reads:missing:", i)
			continue
		}
		keys[i], values[i] = fmt.Sprint("reads:", i), fmt.Sprint("value ", i)
		pairs = append(pairs, keys[i], values[i])
	}
	if err := c.MSet(context.Background(), pairs...).Err(); err != nil {
		tb.Fatal(err)
	}
	return keys, values
}

// checkReads returns what is wrong with replies, those of GETs of keys
// that should return values, a miss for "": the first wrong reply, or nil.
func checkReads[R interface{ Result() (string, error) }](keys, values []string, replies []R) error {
	for i, reply := range replies {
		v, err := reply.Result()
		switch want := values[i]; {
		case want == "" && !errors.Is(err, redis.Nil):
			return fmt.Errorf("GET %s = %q, %v; want a miss", keys[i], v, err)
		case want != "" && (err != nil || v != want):
			return fmt.Errorf("GET %s = %q, %v; want %q", keys[i], v, err, want)
		}
	}
	return nil
}

// BenchmarkReads sends batches of GETs, as a batch of cache lookups makes
// them, through go-redis's Pipeliner and through a redpipe root by turns,
// a batch through one and then one through the other, each first in every
// other turn; every reply is checked, a hit's value and a miss's
// redis.Nil. It runs with no miss and with every other key missing. b.N
// is the number of batches through each. It reports the root's time
// against the Pipeliner's (redpipe/go-redis), the time of a batch through
// each (redpipe-µs, go-redis-µs), and the allocations of a batch through
// each, measured apart (redpipe-allocs, go-redis-allocs). Run it pinned as
// BenchmarkBudget is.
func BenchmarkReads(b *testing.B) {
	c := newClients(b)
	ctx := context.Background()
	for _, misses := range []int{0, readsSize / 2} {
		keys, values := readKeys(b, c.goredis, misses)
		rows := [2]func() error{
			func() error {
				root := redpipe.New(c.goredis)
				gets := make([]*redpipe.Future[string], len(keys))
				for i, k := range keys {
					gets[i] = root.Get(k)
				}
				_ = root.Execute(ctx) // a failure is on its future too
				return checkReads(keys, values, gets)
			},
			func() error {
				pl := c.goredis.Pipeline()
				gets := make([]*redis.StringCmd, len(keys))
				for i, k := range keys {
					gets[i] = pl.Get(ctx, k)
				}
				_, _ = pl.Exec(ctx) // a miss is an error of Exec's; each is on its command
				return checkReads(keys, values, gets)
			},
		}
		b.Run(fmt.Sprintf("misses=%d", misses), func(b *testing.B) {
			var took [2]time.Duration
			for turn := range b.N {
				for j := range rows {
					r := (turn + j) % len(rows)
					start := time.Now()
					if err := rows[r](); err != nil {
						b.Fatal(err)
					}
					took[r] += time.Since(start)
				}
			}
			b.ReportMetric(took[0].Seconds()/took[1].Seconds(), "redpipe/go-redis")
			b.ReportMetric(took[0].Seconds()*1e6/float64(b.N), "redpipe-µs")
			b.ReportMetric(took[1].Seconds()*1e6/float64(b.N), "go-redis-µs")
			b.StopTimer()
			for r, unit := range [2]string{"redpipe-allocs", "go-redis-allocs"} {
				var err error
				allocs := testing.AllocsPerRun(10, func() { err = errors.Join(err, rows[r]()) })
				if err != nil {
					b.Fatal(err)
				}
				b.ReportMetric(allocs, unit)
			}
		})
	}
}

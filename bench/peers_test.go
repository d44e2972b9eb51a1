package bench

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/redis/rueidis"

	"github.com/go-redpipe/redpipe"
)

// peerGoroutines are the numbers of goroutines BenchmarkPeers runs each
// row with.
var peerGoroutines = []int{1, 16, 64, 256, 1024}

// peerRounds is how many times BenchmarkPeers runs each row at each number
// of goroutines, one row after the other in turn (see BenchmarkBudget).
const peerRounds = 3

// peerFlushes is how many flushes the shared root keeps in flight at most:
// as many as rueidis's default pipelining connections (four), each flush
// on a connection of its own. The report (report/peers.go) names it.
const peerFlushes = 4

// peerClients holds the clients of BenchmarkPeers, one for each row. The
// go-redis clients have a pool of a connection per goroutine, so that the
// one-at-a-time row never waits for a connection.
type peerClients struct {
	oneAtATime *redis.Client
	auto       *redis.AutoPipeliner
	shared     *redpipe.Pipe // AutoFlush(0, 0, peerFlushes)
	rueidis    rueidis.Client
}

func newPeerClients(tb testing.TB) *peerClients {
	tb.Helper()
	client := func() *redis.Client {
		c := redis.NewClient(&redis.Options{Addr: addr, PoolSize: slices.Max(peerGoroutines)})
		tb.Cleanup(func() { _ = c.Close() })
		return c
	}
	c := &peerClients{oneAtATime: client()}
	var err error
	if c.auto, err = client().AsyncAutoPipeline(); err != nil {
		tb.Fatal(err)
	}
	c.shared = redpipe.New(client(), redpipe.AutoFlush(0, 0, peerFlushes))
	tb.Cleanup(func() {
		if err := c.shared.Close(context.Background()); err != nil {
			tb.Error(err)
		}
	})
	c.rueidis, err = rueidis.NewClient(rueidis.ClientOption{InitAddress: []string{addr}, DisableCache: true})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(c.rueidis.Close)
	return c
}

// peerKey is what one goroutine of BenchmarkPeers works on: a key of its
// own that holds value, and a counter of its own.
type peerKey struct {
	key, value, counter string
}

// check returns what is wrong with an operation on k that returned v, n
// and err, after one whose INCR returned last: err, a wrong value, or a
// counter that did not grow; nil if nothing is.
func (k peerKey) check(v string, n, last int64, err error) error {
	switch {
	case err != nil:
		return err
	case v != k.value:
		return fmt.Errorf("GET %s = %q; want %q", k.key, v, k.value)
	case n <= last:
		return fmt.Errorf("INCR %s = %d after %d", k.counter, n, last)
	}
	return nil
}

// peerKeys returns the keys of n goroutines, each key set to its value.
func peerKeys(tb testing.TB, c *redis.Client, n int) []peerKey {
	tb.Helper()
	keys := make([]peerKey, n)
	pairs := make([]any, 0, 2*n)
	for i := range keys {
		keys[i] = peerKey{fmt.Sprint("peers:key:", i), fmt.Sprint("value ", i), fmt.Sprint("peers:counter:", i)}
		pairs = append(pairs, keys[i].key, keys[i].value)
	}
	if err := c.MSet(context.Background(), pairs...).Err(); err != nil {
		tb.Fatal(err)
	}
	return keys
}

// peerRow is one way of making the operation of BenchmarkPeers: GET k.key
// and INCR k.counter, both sent before either reply is read, and return
// both replies.
type peerRow struct {
	name string
	op   func(ctx context.Context, c *peerClients, k peerKey) (string, int64, error)
}

var peerRows = []peerRow{
	{"redpipe shared root", func(ctx context.Context, c *peerClients, k peerKey) (string, int64, error) {
		pipe := redpipe.Pipeline(c.shared)
		get := pipe.Get(k.key)
		incr := pipe.Incr(k.counter)
		_ = pipe.Execute(ctx) // hands both to the root; a refusal is on the futures too
		v, err := get.Wait(ctx)
		if err != nil {
			return "", 0, err
		}
		n, err := incr.Wait(ctx)
		return v, n, err
	}},
	{"go-redis one at a time", func(ctx context.Context, c *peerClients, k peerKey) (string, int64, error) {
		v, err := c.oneAtATime.Get(ctx, k.key).Result()
		if err != nil {
			return "", 0, err
		}
		n, err := c.oneAtATime.Incr(ctx, k.counter).Result()
		return v, n, err
	}},
	{"go-redis AsyncAutoPipeline", func(ctx context.Context, c *peerClients, k peerKey) (string, int64, error) {
		get := c.auto.Get(ctx, k.key) // queued; Result waits for the batch
		incr := c.auto.Incr(ctx, k.counter)
		v, err := get.Result()
		if err != nil {
			return "", 0, err
		}
		n, err := incr.Result()
		return v, n, err
	}},
	{"rueidis", func(ctx context.Context, c *peerClients, k peerKey) (string, int64, error) {
		// DoMulti, as the other pipelined rows, sends both commands
		// together; rueidis pipelines it with the other goroutines' calls.
		replies := c.rueidis.DoMulti(ctx,
			c.rueidis.B().Get().Key(k.key).Build(),
			c.rueidis.B().Incr().Key(k.counter).Build())
		v, err := replies[0].ToString()
		if err != nil {
			return "", 0, err
		}
		n, err := replies[1].AsInt64()
		return v, n, err
	}},
}

// BenchmarkPeers has G goroutines (G = 1 to 1024) share one client of each
// library, each goroutine making operations one after the other: a GET of
// its key and an INCR of its counter, both replies checked. b.N is the
// number of operations of all the goroutines together. It reports the
// operations per second (ops/s) and the median and 99th percentile of the
// time of one operation (p50-µs, p99-µs).
//
// Each round runs every row once at each G, starting from another row each
// round, so that a change in the machine's load falls on every row alike;
// run it with -count 1.
func BenchmarkPeers(b *testing.B) {
	c := newPeerClients(b)
	keys := peerKeys(b, c.oneAtATime, slices.Max(peerGoroutines))
	ctx := context.Background()
	for _, r := range peerRows { // dial every connection before measuring
		if err := runPeer(ctx, c, r, keys, make([]time.Duration, len(keys)), func() {}); err != nil {
			b.Fatal(err)
		}
	}
	for round := range peerRounds {
		for _, g := range peerGoroutines {
			for i := range peerRows {
				r := peerRows[(round+i)%len(peerRows)]
				b.Run(fmt.Sprintf("%s/G=%d", r.name, g), func(b *testing.B) {
					b.ReportAllocs()
					times := make([]time.Duration, b.N)
					err := runPeer(ctx, c, r, keys[:g], times, b.ResetTimer)
					b.StopTimer()
					if err != nil {
						b.Fatal(err)
					}
					slices.Sort(times)
					b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "ops/s")
					b.ReportMetric(percentile(times, 50).Seconds()*1e6, "p50-µs")
					b.ReportMetric(percentile(times, 99).Seconds()*1e6, "p99-µs")
				})
			}
		}
	}
}

// runPeer makes len(times) operations of row r in len(keys) goroutines,
// each on its own key, and records the time of each operation in times.
// Goroutine i makes its share of them and records into a window of times
// of its own. The goroutines start once they all exist and begin has
// returned. It returns the errors of the goroutines that failed, each of
// which stops at its first error: a failed command, a wrong value, or a
// counter that did not grow.
func runPeer(ctx context.Context, c *peerClients, r peerRow, keys []peerKey, times []time.Duration, begin func()) error {
	g := len(keys)
	errs := make([]error, g)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i, k := range keys {
		lo, hi := len(times)*i/g, len(times)*(i+1)/g
		mine := times[lo:hi]
		wg.Go(func() {
			<-start
			var last int64
			for j := range mine {
				t := time.Now()
				v, n, err := r.op(ctx, c, k)
				mine[j] = time.Since(t)
				if err := k.check(v, n, last, err); err != nil {
					errs[i] = fmt.Errorf("%s, goroutine %d of %d: %w", r.name, i, g, err)
					return
				}
				last = n
			}
		})
	}
	begin()
	close(start)
	wg.Wait()
	return errors.Join(errs...)
}

// percentile returns the p-th percentile of sorted, by nearest rank; 0 for
// none.
func percentile(sorted []time.Duration, p int) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	rank := (len(sorted)*p + 99) / 100 // ceil(len * p / 100)
	return sorted[max(rank, 1)-1]
}

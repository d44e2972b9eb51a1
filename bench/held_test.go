package bench

import (
	"context"
	"fmt"
	"runtime"
	"testing"
	"time"

	"github.com/go-redpipe/redpipe"
)

// BenchmarkHeldMemory measures the heap a shared root's held commands
// take: DefaultMaxHeld INCRs of distinct keys queued on a root made with
// AutoFlush that flushes on time only, an hour later, so that it holds
// them all, as during a server stall. It reports the live heap they add,
// after a garbage collection, per command: queued on the root directly,
// through a child per command, and through a child per command handed up
// with a context that may end, as a request's is. Close then sends them.
func BenchmarkHeldMemory(b *testing.B) {
	c := newClients(b)
	keys := make([]string, redpipe.DefaultMaxHeld)
	for i := range keys {
		keys[i] = fmt.Sprint("held:", i)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	shapes := []struct {
		name  string
		queue func(shared *redpipe.Pipe, key string) *redpipe.Future[int64]
	}{
		{"on the root", func(shared *redpipe.Pipe, key string) *redpipe.Future[int64] {
			return shared.Incr(key)
		}},
		{"a child each", func(shared *redpipe.Pipe, key string) *redpipe.Future[int64] {
			pipe := redpipe.Pipeline(shared)
			defer pipe.Execute(context.Background())
			return pipe.Incr(key)
		}},
		{"a child each, context may end", func(shared *redpipe.Pipe, key string) *redpipe.Future[int64] {
			pipe := redpipe.Pipeline(shared)
			defer pipe.Execute(ctx)
			return pipe.Incr(key)
		}},
	}
	for _, s := range shapes {
		b.Run(s.name, func(b *testing.B) {
			var perCmd float64
			for b.Loop() {
				shared := redpipe.New(c.goredis, redpipe.AutoFlush(0, time.Hour, 1))
				fs := make([]*redpipe.Future[int64], len(keys))
				before := liveHeap()
				for i, k := range keys {
					fs[i] = s.queue(shared, k)
				}
				perCmd = float64(liveHeap()-before) / float64(len(keys))
				if err := shared.Close(ctx); err != nil {
					b.Fatal(err)
				}
				if err := fs[len(fs)-1].Err(); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(perCmd, "heap-B/cmd")
		})
	}
}

// liveHeap returns the bytes of live heap objects, after a garbage
// collection.
func liveHeap() uint64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

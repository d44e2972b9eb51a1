package bench

import (
	"context"
	"fmt"
	"testing"
	"time"
)

// chunkSizes are how many operations BenchmarkPeersChunks makes through
// one client before it makes as many through the other.
var chunkSizes = []int{10, 100, 1000, 10000}

// BenchmarkPeersChunks makes the operation of BenchmarkPeers in one
// goroutine (G = 1) through the shared root and through go-redis's
// AsyncAutoPipeline by turns, a chunk of operations through one and then
// as many through the other, each first in every other turn. b.N is the
// number of operations through each. It reports the shared root's time
// against AsyncAutoPipeline's (redpipe/async) and the time of one
// operation through each (redpipe-µs, async-µs).
//
// Unpinned, how the two compare depends on the length of the chunks; the
// longer they are, the more each client runs as it would alone (README,
// "Many goroutines, one shared root").
func BenchmarkPeersChunks(b *testing.B) {
	c := newPeerClients(b)
	k := peerKeys(b, c.oneAtATime, 1)[0]
	ctx := context.Background()
	rows := [2]peerRow{peerRowNamed(b, "redpipe shared root"), peerRowNamed(b, "go-redis AsyncAutoPipeline")}
	for _, size := range chunkSizes {
		b.Run(fmt.Sprintf("chunk=%d", size), func(b *testing.B) {
			var took [2]time.Duration
			var last int64
			for turn, done := 0, 0; done < b.N; turn++ {
				n := min(size, b.N-done)
				for j := range rows {
					r := (turn + j) % len(rows)
					start := time.Now()
					for range n {
						v, count, err := rows[r].op(ctx, c, k)
						if err := k.check(v, count, last, err); err != nil {
							b.Fatalf("%s: %v", rows[r].name, err)
						}
						last = count
					}
					took[r] += time.Since(start)
				}
				done += n
			}
			b.ReportMetric(took[0].Seconds()/took[1].Seconds(), "redpipe/async")
			b.ReportMetric(took[0].Seconds()*1e6/float64(b.N), "redpipe-µs")
			b.ReportMetric(took[1].Seconds()*1e6/float64(b.N), "async-µs")
		})
	}
}

// peerRowNamed returns the row of BenchmarkPeers called name.
func peerRowNamed(tb testing.TB, name string) peerRow {
	tb.Helper()
	for _, r := range peerRows {
		if r.name == name {
			return r
		}
	}
	tb.Fatalf("no row of BenchmarkPeers is called %q", name)
	return peerRow{}
}

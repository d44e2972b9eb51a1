package bench

import (
	"context"
	"strconv"
	"strings"
	"testing"

	"github.com/redis/go-redis/v9"

	"github.com/go-redpipe/redpipe"
)

// hugeBatch and valueSize shape the memory benchmark: one batch of that many
// GETs of one value of that size, about 200 MB of replies.
const hugeBatch, valueSize = 200_000, 1 << 10

// BenchmarkServerMemory sends one huge batch of GETs to a fresh
// redis-server per row and reports the server's peak memory (used_memory_peak
// of INFO memory) against its memory before the batch: go-redis's Pipeliner
// sends it in one round trip, so the server buffers every reply until the
// client reads; redpipe sends it in chunks of DefaultChunkSize.
func BenchmarkServerMemory(b *testing.B) {
	ctx := context.Background()
	cases := []struct {
		name  string
		batch func(c *redis.Client) error
	}{
		{"go-redis Pipeliner", func(c *redis.Client) error {
			pl := c.Pipeline()
			gets := make([]*redis.StringCmd, hugeBatch)
			for i := range gets {
				gets[i] = pl.Get(ctx, "value")
			}
			if _, err := pl.Exec(ctx); err != nil {
				return err
			}
			return checkValues(gets)
		}},
		{"redpipe", func(c *redis.Client) error {
			root := redpipe.New(c)
			gets := make([]*redpipe.Future[string], hugeBatch)
			for i := range gets {
				gets[i] = root.Get("value")
			}
			if err := root.Execute(ctx); err != nil {
				return err
			}
			return checkValues(gets)
		}},
	}
	for _, tc := range cases {
		b.Run(tc.name, func(b *testing.B) {
			srv, err := startServer()
			if err != nil {
				b.Fatal(err)
			}
			defer srv.stop()
			c := redis.NewClient(&redis.Options{Addr: srv.addr})
			defer c.Close()
			if err := c.Set(ctx, "value", strings.Repeat("v", valueSize), 0).Err(); err != nil {
				b.Fatal(err)
			}
			before := memoryInfo(b, c, "used_memory")
			b.ReportAllocs()
			for b.Loop() {
				if err := tc.batch(c); err != nil {
					b.Fatal(err)
				}
			}
			peak := memoryInfo(b, c, "used_memory_peak")
			b.ReportMetric(float64(peak-before)/1e6, "server-peak-MB")
		})
	}
}

func checkValues[R interface{ Result() (string, error) }](gets []R) error {
	for _, g := range gets {
		v, err := g.Result()
		if err != nil {
			return err
		}
		if len(v) != valueSize {
			return strconv.ErrRange
		}
	}
	return nil
}

// memoryInfo returns one field of the server's INFO memory, in bytes.
func memoryInfo(tb testing.TB, c *redis.Client, field string) int64 {
	tb.Helper()
	info, err := c.Info(context.Background(), "memory").Result()
	if err != nil {
		tb.Fatal(err)
	}
	for line := range strings.SplitSeq(info, "\r\n") {
		if v, ok := strings.CutPrefix(line, field+":"); ok {
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil {
				tb.Fatal(err)
			}
			return n
		}
	}
	tb.Fatalf("INFO memory has no %s", field)
	return 0
}

package redpipe_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/redis/go-redis/v9"

	"github.com/go-redpipe/redpipe"
)

// BenchmarkQueue measures queueing alone, with no server: redpipe's Pipe
// against go-redis's Pipeliner, per queued command.
func BenchmarkQueue(b *testing.B) {
	const batch = 1000
	client := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1"})
	b.Cleanup(func() { _ = client.Close() })
	ctx := context.Background()
	keys := make([]string, batch)
	for i := range keys {
		keys[i] = fmt.Sprint("key:", i)
	}
	b.Run("go-redis", func(b *testing.B) {
		b.ReportAllocs()
		pl := client.Pipeline()
		for i := 0; b.Loop(); i++ {
			pl.Incr(ctx, keys[i%batch])
			if i%batch == batch-1 {
				pl.Discard()
			}
		}
	})
	b.Run("redpipe", func(b *testing.B) {
		b.ReportAllocs()
		p := redpipe.New(client)
		for i := 0; b.Loop(); i++ {
			p.Incr(keys[i%batch])
			if i%batch == batch-1 {
				p.Reset()
			}
		}
	})
}

// Command quickstart shows what composable pipelining saves: it calls a
// reusable building block many times, first each call on its own, then all
// under one root pipe, and prints the round trips and time of each.
//
// It runs against an embedded miniredis, or against the Redis server at
// REDIS_ADDR when that is set (keys quickstart:* are written there):
//
//	go run ./examples/quickstart
//	REDIS_ADDR=localhost:6379 go run ./examples/quickstart -n 5000
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"os"
	"sync/atomic"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"

	"github.com/go-redpipe/redpipe"
)

// IncrAndExpire counts a visit to key and keeps the counter for ttl. With a
// nil parent it makes its own round trip; inside a caller's pipe it adds none.
func IncrAndExpire(ctx context.Context, parent *redpipe.Pipe, key string, ttl time.Duration) *redpipe.Future[int64] {
	pipe := redpipe.Pipeline(parent) // parent may be nil
	defer pipe.Execute(ctx)
	n := pipe.Incr(key)
	pipe.Expire(key, ttl)
	return n
}

func main() {
	n := flag.Int("n", 1000, "calls of the building block per run")
	flag.Parse()
	ctx := context.Background()

	addr, where := os.Getenv("REDIS_ADDR"), "REDIS_ADDR"
	if addr == "" {
		srv, err := miniredis.Run()
		if err != nil {
			log.Fatal(err)
		}
		defer srv.Close()
		addr, where = srv.Addr(), "embedded miniredis"
	}
	client := redis.NewClient(&redis.Options{Addr: addr})
	defer client.Close()
	trips := new(roundTrips)
	client.AddHook(trips)
	if err := redpipe.Connect(client); err != nil {
		log.Fatal(err)
	}
	if err := client.Del(ctx, "quickstart:a", "quickstart:b").Err(); err != nil {
		log.Fatalf("redis at %s: %v", addr, err)
	}
	fmt.Printf("redis: %s (%s), %d calls of IncrAndExpire (INCR + EXPIRE)\n\n", addr, where, *n)
	fmt.Printf("%-22s %12s %12s %10s\n", "", "round trips", "time", "last value")

	run := func(label string, fn func() *redpipe.Future[int64]) {
		trips.n.Store(0)
		start := time.Now()
		last := fn()
		elapsed := time.Since(start)
		if err := last.Err(); err != nil {
			log.Fatal(err)
		}
		fmt.Printf("%-22s %12d %12s %10d\n", label, trips.n.Load(), elapsed.Round(time.Microsecond), last.Val())
	}
	run("each call alone", func() *redpipe.Future[int64] {
		var last *redpipe.Future[int64]
		for range *n {
			last = IncrAndExpire(ctx, nil, "quickstart:a", time.Hour)
		}
		return last
	})
	run("all under one root", func() *redpipe.Future[int64] {
		root := redpipe.Pipeline(nil)
		var last *redpipe.Future[int64]
		for range *n {
			last = IncrAndExpire(ctx, root, "quickstart:b", time.Hour)
		}
		if err := root.Execute(ctx); err != nil {
			log.Fatal(err)
		}
		return last
	})
}

// roundTrips is a go-redis hook that counts round trips, leaving out the
// handshake go-redis sends on each new connection (HELLO, CLIENT ...).
type roundTrips struct{ n atomic.Int64 }

func (h *roundTrips) DialHook(next redis.DialHook) redis.DialHook { return next }

func (h *roundTrips) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		if !handshake(cmd) {
			h.n.Add(1)
		}
		return next(ctx, cmd)
	}
}

func (h *roundTrips) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		if len(cmds) > 0 && !handshake(cmds[0]) {
			h.n.Add(1)
		}
		return next(ctx, cmds)
	}
}

func handshake(cmd redis.Cmder) bool {
	name := cmd.Name()
	return name == "hello" || name == "client"
}

package redpipe_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"

	"github.com/go-redpipe/redpipe"
)

// GetOrLoad reads key; on a miss it loads the value and caches it for ttl.
func GetOrLoad(ctx context.Context, parent *redpipe.Pipe, key string, ttl time.Duration,
	load func(string) (string, error)) *redpipe.Future[string] {
	pipe := redpipe.Pipeline(parent)
	defer pipe.Execute(ctx)
	cached := pipe.Get(key)
	return redpipe.Chain(pipe, cached, func(next *redpipe.Pipe, v string, err error) *redpipe.Future[string] {
		if !errors.Is(err, redis.Nil) {
			return redpipe.Settled(v, err)
		}
		v, err = load(key)
		if err == nil {
			next.Set(key, v, ttl)
		}
		return redpipe.Settled(v, err)
	})
}

// A building block that needs a reply chains on it: 100 cache-aside
// lookups with 50 misses cost two round trips, 100 GETs and then 50 SETs.
func ExampleChain() {
	srv, _ := miniredis.Run()
	defer srv.Close()
	client := redis.NewClient(&redis.Options{Addr: srv.Addr()})
	defer client.Close()
	trips := new(roundTrips)
	client.AddHook(trips)
	ctx := context.Background()
	for i := 0; i < 100; i += 2 {
		srv.Set(fmt.Sprint("user:", i), fmt.Sprint("cached ", i))
	}
	load := func(key string) (string, error) { return "loaded " + key, nil }

	root := redpipe.New(client)
	users := make([]*redpipe.Future[string], 100)
	for i := range users {
		users[i] = GetOrLoad(ctx, root, fmt.Sprint("user:", i), time.Hour, load)
	}
	if err := root.Execute(ctx); err != nil {
		fmt.Println(err)
	}
	fmt.Println(users[0].Val())
	fmt.Println(users[1].Val())
	fmt.Println("round trips:", trips.String())
	// Output:
	// cached 0
	// loaded user:1
	// round trips: 2 (100, then 50 commands)
}

// roundTrips is a go-redis hook that counts the pipelines a client sends
// and their commands, leaving out connection set-up.
type roundTrips struct{ sizes []int }

func (h *roundTrips) String() string {
	s := fmt.Sprint(len(h.sizes), " (")
	for i, n := range h.sizes {
		if i > 0 {
			s += ", then "
		}
		s += fmt.Sprint(n)
	}
	if len(h.sizes) > 0 {
		s += " commands"
	}
	return s + ")"
}

func (h *roundTrips) DialHook(next redis.DialHook) redis.DialHook          { return next }
func (h *roundTrips) ProcessHook(next redis.ProcessHook) redis.ProcessHook { return next }
func (h *roundTrips) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		if !isHandshake(cmds[0]) {
			h.sizes = append(h.sizes, len(cmds))
		}
		return next(ctx, cmds)
	}
}

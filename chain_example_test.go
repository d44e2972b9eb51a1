package redpipe_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
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

// SScanAll returns a future of every member of the set key, read with
// SSCAN one page at a time: each page is one more stage of the root, and
// scans under one root share their stages.
func SScanAll(ctx context.Context, parent *redpipe.Pipe, key string) *redpipe.Future[[]string] {
	pipe := redpipe.Pipeline(parent)
	defer pipe.Execute(ctx)
	return scanFrom(pipe, key, 0, nil)
}

func scanFrom(p *redpipe.Pipe, key string, cursor uint64, seen []string) *redpipe.Future[[]string] {
	page := p.SScan(key, cursor, "", 10)
	return redpipe.Chain(p, page, func(next *redpipe.Pipe, r redpipe.ScanResult, err error) *redpipe.Future[[]string] {
		if err != nil {
			return redpipe.Settled[[]string](nil, err)
		}
		seen = append(seen, r.Keys...)
		if r.Cursor == 0 {
			return redpipe.Settled(seen, nil)
		}
		return scanFrom(next, key, r.Cursor, seen)
	})
}

// Ten scans under one root take as many round trips as the longest scan
// has pages (here 6 for the set of 50, with COUNT 10), not the sum of
// their pages (35).
func ExampleChain_scan() {
	srv, _ := miniredis.Run()
	defer srv.Close()
	client := redis.NewClient(&redis.Options{Addr: srv.Addr()})
	defer client.Close()
	trips := new(roundTrips)
	client.AddHook(trips)
	ctx := context.Background()
	for i := range 10 {
		for m := range 5 * (i + 1) { // set i has 5*(i+1) members
			srv.SAdd(fmt.Sprint("set:", i), fmt.Sprint("m", m))
		}
	}

	root := redpipe.New(client)
	sets := make([]*redpipe.Future[[]string], 10)
	for i := range sets {
		sets[i] = SScanAll(ctx, root, fmt.Sprint("set:", i))
	}
	if err := root.Execute(ctx); err != nil {
		fmt.Println(err)
	}
	for _, i := range []int{0, 9} {
		fmt.Printf("set:%d has %d members\n", i, len(sets[i].Val()))
	}
	fmt.Println("round trips:", trips.String())
	// Output:
	// set:0 has 5 members
	// set:9 has 50 members
	// round trips: 6 (10, then 9, then 7, then 5, then 3, then 1 commands)
}

// A user's friends, their profiles, and each profile's latest post: three
// dependent steps, three round trips however many friends.
func ExampleChain_friends() {
	srv, _ := miniredis.Run()
	defer srv.Close()
	client := redis.NewClient(&redis.Options{Addr: srv.Addr()})
	defer client.Close()
	trips := new(roundTrips)
	client.AddHook(trips)
	ctx := context.Background()
	for _, id := range []string{"2", "3", "4"} {
		srv.SAdd("friends:1", id)
		srv.HSet("user:"+id, "name", "user "+id, "latest", "post:"+id+"7")
		srv.Set("post:"+id+"7", "hello from "+id)
	}

	root := redpipe.New(client)
	friends := root.SMembers("friends:1")
	posts := redpipe.Chain(root, friends, func(next *redpipe.Pipe, ids []string, err error) *redpipe.Future[[]string] {
		if err != nil {
			return redpipe.Settled[[]string](nil, err)
		}
		var latest []*redpipe.Future[string]
		for _, id := range ids {
			profile := next.HGetAll("user:" + id)
			latest = append(latest, redpipe.Chain(next, profile, func(next *redpipe.Pipe, p map[string]string, err error) *redpipe.Future[string] {
				if err != nil {
					return redpipe.Settled("", err)
				}
				post := next.Get(p["latest"])
				return redpipe.Then(post, func(text string) (string, error) { return p["name"] + ": " + text, nil })
			}))
		}
		return redpipe.All(latest...)
	})
	if err := root.Execute(ctx); err != nil {
		fmt.Println(err)
	}
	lines := posts.Val()
	slices.Sort(lines)
	for _, line := range lines {
		fmt.Println(line)
	}
	fmt.Println("round trips:", trips.String())
	// Output:
	// user 2: hello from 2
	// user 3: hello from 3
	// user 4: hello from 4
	// round trips: 3 (1, then 3, then 3 commands)
}

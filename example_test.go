package redpipe_test

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"

	"github.com/go-redpipe/redpipe"
)

// IncrAndExpire is the idiom the package exists for: a reusable function
// that takes an optional parent pipe. Alone it makes its own round trip;
// inside a caller's pipe it adds none.
func IncrAndExpire(ctx context.Context, parent *redpipe.Pipe, key string, ttl time.Duration) *redpipe.Future[int64] {
	pipe := redpipe.Pipeline(parent) // parent may be nil
	defer pipe.Execute(ctx)
	n := pipe.Incr(key)
	pipe.Expire(key, ttl)
	return n
}

// A reusable function makes its own round trip when called alone and adds
// none inside a caller's pipe.
func Example() {
	srv, _ := miniredis.Run()
	defer srv.Close()
	client := redis.NewClient(&redis.Options{Addr: srv.Addr()})
	defer client.Close()
	redpipe.Connect(client)
	defer redpipe.Disconnect("")
	ctx := context.Background()

	// Alone: one round trip of its own.
	n := IncrAndExpire(ctx, nil, "visits", time.Hour)
	fmt.Println("alone:", n.Val())

	// Under a root: 100 calls, 200 commands, one round trip.
	root := redpipe.Pipeline(nil)
	var counts []*redpipe.Future[int64]
	for range 100 {
		counts = append(counts, IncrAndExpire(ctx, root, "visits", time.Hour))
	}
	fmt.Println("queued:", root.Len())
	if err := root.Execute(ctx); err != nil {
		fmt.Println(err)
	}
	fmt.Println("first:", counts[0].Val(), "last:", counts[99].Val())
	// Output:
	// alone: 1
	// queued: 200
	// first: 2 last: 101
}

// Children hand their commands to their parent; only the root talks to Redis.
func ExamplePipeline_nested() {
	srv, _ := miniredis.Run()
	defer srv.Close()
	client := redis.NewClient(&redis.Options{Addr: srv.Addr()})
	defer client.Close()
	ctx := context.Background()

	root := redpipe.New(client)
	child := redpipe.Pipeline(root)
	name := child.Set("user:1:name", "Ada", 0)
	child.OnExecute(func() { fmt.Println("child's callback:", name.Val()) })
	child.Execute(ctx) // hands its commands to root; no I/O
	fmt.Println("ready after child's Execute:", name.Ready())

	root.Execute(ctx)
	fmt.Println("ready after root's Execute:", name.Ready())
	// Output:
	// ready after child's Execute: false
	// child's callback: OK
	// ready after root's Execute: true
}

// Then derives a typed future from another.
func ExampleThen() {
	srv, _ := miniredis.Run()
	defer srv.Close()
	srv.Set("price", "1250")
	client := redis.NewClient(&redis.Options{Addr: srv.Addr()})
	defer client.Close()
	ctx := context.Background()

	root := redpipe.New(client)
	cents := redpipe.Then(root.Get("price"), strconv.Atoi)
	euros := redpipe.Then(cents, func(c int) (string, error) {
		return fmt.Sprintf("%d.%02d EUR", c/100, c%100), nil
	})
	root.Execute(ctx)
	fmt.Println(euros.Val())
	// Output: 12.50 EUR
}

// A nil reply is reported as redis.Nil on its own future; it does not make
// Execute fail.
func ExampleFuture_Result() {
	srv, _ := miniredis.Run()
	defer srv.Close()
	client := redis.NewClient(&redis.Options{Addr: srv.Addr()})
	defer client.Close()
	ctx := context.Background()

	root := redpipe.New(client)
	f := root.Get("missing")
	fmt.Println("Execute:", root.Execute(ctx))
	_, err := f.Result()
	fmt.Println("missing:", err == redis.Nil)
	// Output:
	// Execute: <nil>
	// missing: true
}

// Pipes can send to several named connections; a root sends to all of them
// at once, one round trip each.
func ExampleOn() {
	users, _ := miniredis.Run()
	defer users.Close()
	cache, _ := miniredis.Run()
	defer cache.Close()
	usersClient := redis.NewClient(&redis.Options{Addr: users.Addr()})
	defer usersClient.Close()
	cacheClient := redis.NewClient(&redis.Options{Addr: cache.Addr()})
	defer cacheClient.Close()
	redpipe.ConnectNamed("users", usersClient)
	redpipe.ConnectNamed("cache", cacheClient)
	defer redpipe.Disconnect("users")
	defer redpipe.Disconnect("cache")
	users.HSet("user:1", "name", "Ada")
	ctx := context.Background()

	root := redpipe.Pipeline(nil, redpipe.On("users"))
	name := root.HGet("user:1", "name")
	cached := redpipe.Pipeline(root, redpipe.On("cache"))
	hits := cached.Incr("hits")
	cached.Execute(ctx)
	root.Execute(ctx) // one round trip to each connection, both at once
	fmt.Println(name.Val(), hits.Val())
	// Output: Ada 1
}

// Reset drops what a pipe has queued; the futures settle with ErrDiscarded.
func ExamplePipe_Reset() {
	root := redpipe.Pipeline(nil)
	f := root.Set("k", "v", 0)
	root.Reset()
	fmt.Println(f.Ready(), f.Err() == redpipe.ErrDiscarded, root.Len())
	// Output: true true 0
}

// A transactional child runs its commands as one MULTI ... EXEC; the rest of
// the root's batch stays outside it.
func ExampleTransaction() {
	srv, _ := miniredis.Run()
	defer srv.Close()
	client := redis.NewClient(&redis.Options{Addr: srv.Addr()})
	defer client.Close()
	ctx := context.Background()

	root := redpipe.New(client)
	hits := root.Incr("hits") // outside the transaction

	tx := redpipe.Pipeline(root, redpipe.Transaction())
	tx.HSet("account:1", "balance", 90)
	tx.HSet("account:2", "balance", 110)
	moved := tx.LPush("transfers", "1->2:10")
	tx.Execute(ctx)

	if err := root.Execute(ctx); err != nil {
		fmt.Println(err)
	}
	fmt.Println(hits.Val(), moved.Val())
	// Output: 1 1
}

// Watch retries a read-modify-write until no other client changed the
// watched keys in between.
func ExampleWatch() {
	srv, _ := miniredis.Run()
	defer srv.Close()
	client := redis.NewClient(&redis.Options{Addr: srv.Addr()})
	defer client.Close()
	ctx := context.Background()
	client.Set(ctx, "stock", 5, 0)

	var left *redpipe.Future[int64]
	err := redpipe.Watch(ctx, client, []string{"stock"}, func(tx *redis.Tx, pipe *redpipe.Pipe) error {
		stock, err := tx.Get(ctx, "stock").Int()
		if err != nil {
			return err
		}
		if stock < 2 {
			return fmt.Errorf("only %d left", stock)
		}
		left = pipe.DecrBy("stock", 2)
		pipe.RPush("orders", "2 items")
		return nil
	})
	fmt.Println(err, left.Val())
	// Output: <nil> 3
}

// A script runs by its SHA; the first time a server lacks it, the root
// loads it and runs the calls again in one more round trip.
func ExampleScript() {
	srv, _ := miniredis.Run()
	defer srv.Close()
	client := redis.NewClient(&redis.Options{Addr: srv.Addr()})
	defer client.Close()
	ctx := context.Background()

	// Adds ARGV[1] to KEYS[1], but never beyond ARGV[2].
	capped := redpipe.NewScript(`
		local n = redis.call("INCRBY", KEYS[1], ARGV[1])
		if n > tonumber(ARGV[2]) then
			redis.call("SET", KEYS[1], ARGV[2])
			return tonumber(ARGV[2])
		end
		return n`)

	root := redpipe.New(client)
	a := capped.RunInt64(root, []string{"quota"}, 7, 10)
	b := capped.RunInt64(root, []string{"quota"}, 7, 10)
	if err := root.Execute(ctx); err != nil {
		fmt.Println(err)
	}
	fmt.Println(a.Val(), b.Val())
	// Output: 7 10
}

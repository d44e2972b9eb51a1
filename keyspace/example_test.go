package keyspace_test

import (
	"context"
	"fmt"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"

	"github.com/go-redpipe/redpipe"
	"github.com/go-redpipe/redpipe/codec"
	"github.com/go-redpipe/redpipe/keyspace"
)

// Keyspaces give Redis data a type and a namespace; their methods are
// building blocks, so many calls share one round trip.
func Example() {
	srv, _ := miniredis.Run()
	defer srv.Close()
	client := redis.NewClient(&redis.Options{Addr: srv.Addr()})
	defer client.Close()
	ctx := context.Background()

	users := keyspace.NewHash("U", codec.Text)
	visits := keyspace.NewString("V", codec.Int)

	root := redpipe.New(client)
	users.HSet(ctx, root, "42", map[string]string{"name": "Ada", "city": "London"})
	n := visits.IncrBy(ctx, root, "42", 3)
	name := users.HGet(ctx, root, "42", "name")
	count := visits.Get(ctx, root, "42")
	if err := root.Execute(ctx); err != nil { // one round trip
		fmt.Println(err)
	}
	fmt.Println(name.Val(), n.Val(), count.Val())
	fmt.Println(users.Key("42"), visits.Key("42"))
	// Output:
	// Ada 3 3
	// U{42} V{42}
}

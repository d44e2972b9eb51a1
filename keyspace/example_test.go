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

// User is a record stored as a Redis hash at U{<ID>}.
type User struct {
	ID     string `redis:",key"`
	Name   string `redis:"name,required"`
	Visits int64  `redis:"visits"`
}

// A page loads 50 users and bumps their visit counters: 100 commands, one
// round trip.
func ExampleNewStruct() {
	srv, _ := miniredis.Run()
	defer srv.Close()
	client := redis.NewClient(&redis.Options{Addr: srv.Addr()})
	defer client.Close()
	ctx := context.Background()
	users := keyspace.NewStruct[User]("U")
	for i := range 50 {
		srv.HSet(users.Key(fmt.Sprint(i)), "name", fmt.Sprint("user ", i), "visits", "10")
	}

	page := redpipe.New(client)
	loaded := make([]*redpipe.Future[User], 50)
	bumped := make([]*redpipe.Future[int64], 50)
	for i := range 50 {
		id := fmt.Sprint(i)
		loaded[i] = users.Load(ctx, page, id)
		bumped[i] = users.Incr(ctx, page, id, "visits", 1)
	}
	fmt.Println("commands:", page.Len())
	if err := page.Execute(ctx); err != nil {
		fmt.Println(err)
	}
	fmt.Printf("%+v, now %d visits\n", loaded[7].Val(), bumped[7].Val())
	// Output:
	// commands: 100
	// {ID:7 Name:user 7 Visits:10}, now 11 visits
}

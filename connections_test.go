package redpipe_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-redpipe/redpipe"
)

func TestRegistry(t *testing.T) {
	eachBackend(t, func(t *testing.T, b backend) {
		ctx := context.Background()
		first, _ := newClient(t, b.start(t))
		second, _ := newClient(t, b.start(t))
		name := t.Name()
		t.Cleanup(func() { redpipe.Disconnect(name) })

		require.NoError(t, redpipe.ConnectNamed(name, first))
		require.NoError(t, redpipe.ConnectNamed(name, first), "the same client again is fine")
		err := redpipe.ConnectNamed(name, second)
		assert.ErrorIs(t, err, redpipe.ErrAlreadyConnected)
		assert.Contains(t, err.Error(), name)
		assert.Error(t, redpipe.ConnectNamed(name+"/nil", nil))

		p := redpipe.Pipeline(nil, redpipe.On(name))
		p.Set("k", "first", 0)
		require.NoError(t, p.Execute(ctx))
		assert.Equal(t, "first", first.Get(ctx, "k").Val(), "the first client stays registered")

		redpipe.Disconnect(name)
		redpipe.Disconnect(name)            // unknown name: no-op
		redpipe.Disconnect(name + "/never") // never registered: no-op
		require.NoError(t, redpipe.ConnectNamed(name, second))
		p.Set("k", "second", 0)
		require.NoError(t, p.Execute(ctx), "names are looked up at Execute")
		assert.Equal(t, "second", second.Get(ctx, "k").Val())
	})
}

func TestConnectIsTheDefault(t *testing.T) {
	eachBackend(t, func(t *testing.T, b backend) {
		ctx := context.Background()
		c, _ := newClient(t, b.start(t))
		require.NoError(t, redpipe.Connect(c))
		t.Cleanup(func() { redpipe.Disconnect("") })
		require.NoError(t, redpipe.ConnectNamed("", c), "Connect is ConnectNamed(\"\", c)")

		for _, p := range []*redpipe.Pipe{redpipe.Pipeline(nil), redpipe.Pipeline(nil, redpipe.On(""))} {
			f := p.Incr("n")
			require.NoError(t, p.Execute(ctx))
			require.NoError(t, f.Err())
		}
		assert.Equal(t, "2", c.Get(ctx, "n").Val())
	})
}

func TestNilClientsAreRefused(t *testing.T) {
	var typedNil *redis.Client
	cases := []struct {
		name    string
		connect func() error
		want    string
	}{
		{"Connect(nil)", func() error { return redpipe.Connect(nil) }, "redpipe: Connect: nil client"},
		{"Connect(typed nil)", func() error { return redpipe.Connect(typedNil) }, "redpipe: Connect: nil client (*redis.Client)"},
		{"ConnectNamed(typed nil)", func() error { return redpipe.ConnectNamed("x", typedNil) }, "redpipe: ConnectNamed: nil client (*redis.Client)"},
	}
	for _, tc := range cases {
		err := tc.connect()
		if err == nil || !strings.HasPrefix(err.Error(), tc.want) {
			t.Errorf("%s = %v; want %q", tc.name, err, tc.want)
		}
	}
	assert.PanicsWithValue(t, "redpipe: New with a nil client (*redis.Client)", func() { redpipe.New(typedNil) })
}

func TestCommandErrorNamesConnectionAndKeys(t *testing.T) {
	eachBackend(t, func(t *testing.T, b backend) {
		ctx := context.Background()
		c, _ := newClient(t, b.start(t))
		require.NoError(t, c.Set(ctx, "str", "text", 0).Err())
		name := register(t, c)
		root := redpipe.Pipeline(nil, redpipe.On(name))
		root.Incr("str")
		root.HSet("str", "field", strings.Repeat("v", 100), "f2", "v2")
		err := root.Execute(ctx)
		var execErr *redpipe.ExecError
		require.ErrorAs(t, err, &execErr)
		require.Len(t, execErr.Commands, 2)
		first, second := execErr.Commands[0], execErr.Commands[1]
		assert.Equal(t, name, first.Conn, "the name as registered, to branch on")
		assert.Equal(t, fmt.Sprintf("connection %q", name), first.Label)
		assert.True(t, strings.HasPrefix(first.Error(), fmt.Sprintf("redpipe: INCR str on connection %q: ", name)), first.Error())
		assert.Contains(t, second.Error(), "HSET str field "+strings.Repeat("v", 32)+"... ...", "long arguments are cut, and so are many")

		plain := redpipe.New(c)
		plain.Incr("str")
		var onNew *redpipe.ExecError
		require.ErrorAs(t, plain.Execute(ctx), &onNew)
		assert.Equal(t, "", onNew.Commands[0].Conn, "a client given to New has no registered name")
	})
}

// TestRegistriesKeepConnectionsApart registers the same names in registries
// of their own, from tests that run in parallel: each pipe, and each of its
// children, looks its names up in its own registry.
func TestRegistriesKeepConnectionsApart(t *testing.T) {
	eachBackend(t, func(t *testing.T, b backend) {
		for i := range 3 {
			t.Run(fmt.Sprint("library", i), func(t *testing.T) {
				t.Parallel()
				ctx := context.Background()
				main, _ := newClient(t, b.start(t))
				other, _ := newClient(t, b.start(t))
				var r redpipe.Registry // the zero value is ready to use
				require.NoError(t, r.Connect(main))
				require.NoError(t, r.ConnectNamed("other", other))
				assert.ErrorIs(t, r.ConnectNamed("other", main), redpipe.ErrAlreadyConnected)

				root := r.Pipeline()
				a := root.Incr("n")
				child := redpipe.Pipeline(root, redpipe.On("other"))
				bb := child.IncrBy("n", int64(10+i))
				require.NoError(t, child.Execute(ctx))
				require.NoError(t, root.Execute(ctx))
				assert.Equal(t, int64(1), a.Val())
				assert.Equal(t, int64(10+i), bb.Val())
				assert.Equal(t, fmt.Sprint(10+i), other.Get(ctx, "n").Val(), "On looked up in the root's registry")

				r.Disconnect("other")
				lone := r.Pipeline(redpipe.On("other"))
				f := lone.Incr("n")
				assert.ErrorIs(t, lone.Execute(ctx), redpipe.ErrNoConnection)
				assert.ErrorIs(t, f.Err(), redpipe.ErrNoConnection)
			})
		}
	})
}

// TestOnNamesTheRootsClient: On given to New names the root's own client,
// and a child made with the same On sends to it, not to the client
// registered under that name: one label never stands for two clients.
func TestOnNamesTheRootsClient(t *testing.T) {
	eachBackend(t, func(t *testing.T, b backend) {
		ctx := context.Background()
		registered, _ := newClient(t, b.start(t))
		own, _ := newClient(t, b.start(t))
		name := register(t, registered)
		require.NoError(t, registered.Set(ctx, "str", "x", 0).Err())
		require.NoError(t, own.Set(ctx, "str", "x", 0).Err())

		root := redpipe.New(own, redpipe.On(name))
		child := redpipe.Pipeline(root, redpipe.On(name))
		child.Incr("n")
		child.Incr("str") // fails: names its connection
		require.NoError(t, child.Execute(ctx))
		root.Incr("str")
		var execErr *redpipe.ExecError
		require.ErrorAs(t, root.Execute(ctx), &execErr)
		require.Len(t, execErr.Commands, 2)
		assert.Equal(t, execErr.Commands[0].Label, execErr.Commands[1].Label)
		assert.Equal(t, fmt.Sprintf("connection %q", name), execErr.Commands[0].Label)
		assert.Equal(t, "1", own.Get(ctx, "n").Val(), "the child sent to the root's client")
		assert.Zero(t, registered.Exists(ctx, "n").Val())
	})
}

// TestClientLabelsNameAddresses: the label of a ring or a cluster client
// names its addresses.
func TestClientLabelsNameAddresses(t *testing.T) {
	ctx := context.Background()
	a, b := miniredis.RunT(t), miniredis.RunT(t)
	ring := redis.NewRing(&redis.RingOptions{Addrs: map[string]string{"a": a.Addr(), "b": b.Addr()}})
	t.Cleanup(func() { _ = ring.Close() })
	require.NoError(t, ring.Set(ctx, "str", "x", 0).Err())
	root := redpipe.New(ring)
	root.Incr("str")
	var execErr *redpipe.ExecError
	require.ErrorAs(t, root.Execute(ctx), &execErr)
	label := execErr.Commands[0].Label
	assert.True(t, strings.HasPrefix(label, "ring "), label)
	assert.Contains(t, label, a.Addr())
	assert.Contains(t, label, b.Addr())
}

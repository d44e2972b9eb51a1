package redpipe_test

import (
	"context"
	"testing"

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

package keyspace_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-redpipe/redpipe"
	"github.com/go-redpipe/redpipe/codec"
	"github.com/go-redpipe/redpipe/internal/redistest"
	"github.com/go-redpipe/redpipe/keyspace"
)

// eachBackend runs fn against miniredis and a real redis-server, each with
// a client of its own.
func eachBackend(t *testing.T, fn func(t *testing.T, c *redis.Client)) {
	t.Helper()
	starts := []struct {
		name  string
		start func(tb testing.TB) string
	}{
		{"miniredis", func(tb testing.TB) string { return miniredis.RunT(tb).Addr() }},
		{"redis-server", func(tb testing.TB) string { return redistest.ReuseServer(tb).Addr }},
	}
	for _, s := range starts {
		t.Run(s.name, func(t *testing.T) {
			c := redis.NewClient(&redis.Options{Addr: s.start(t), MaxRetries: -1})
			t.Cleanup(func() { _ = c.Close() })
			fn(t, c)
		})
	}
}

func TestStringKeyspace(t *testing.T) {
	eachBackend(t, func(t *testing.T, c *redis.Client) {
		ctx := context.Background()
		counts := keyspace.NewString("C", codec.Int)
		names := keyspace.NewString("N", codec.Text)
		assert.Equal(t, "C{42}", counts.Key("42"), "RedPipe's layout: name{key}")

		root := redpipe.New(c)
		set := counts.Set(ctx, root, "a", 7, time.Minute)
		incr := counts.IncrBy(ctx, root, "a", 3)
		get := counts.Get(ctx, root, "a")
		missing := counts.Get(ctx, root, "missing")
		nx := names.SetNX(ctx, root, "ada", "Ada Lovelace", 0)
		again := names.SetNX(ctx, root, "ada", "someone else", 0)
		appended := names.Append(ctx, root, "ada", " ✓")
		length := names.StrLen(ctx, root, "ada")
		all := names.MGet(ctx, root, "ada", "nobody")
		ttl := counts.TTL(ctx, root, "a")
		exists := counts.Exists(ctx, root, "a", "missing")
		require.NoError(t, root.Execute(ctx))

		assert.Equal(t, "OK", set.Val())
		assert.Equal(t, int64(10), incr.Val())
		assert.Equal(t, int64(10), get.Val())
		assert.ErrorIs(t, missing.Err(), redis.Nil)
		assert.True(t, nx.Val())
		assert.False(t, again.Val())
		assert.Equal(t, int64(len("Ada Lovelace ✓")), appended.Val())
		assert.Equal(t, appended.Val(), length.Val())
		assert.Equal(t, map[string]string{"ada": "Ada Lovelace ✓"}, all.Val(), "missing keys are left out")
		assert.Greater(t, ttl.Val(), 50*time.Second)
		assert.Equal(t, int64(1), exists.Val())
		assert.Equal(t, "10", c.Get(ctx, "C{a}").Val(), "stored as RedPipe's IntegerField writes it")

		// Alone, a building block makes its own round trip.
		require.NoError(t, redpipe.Connect(c))
		t.Cleanup(func() { redpipe.Disconnect("") })
		assert.Equal(t, int64(11), counts.Incr(ctx, nil, "a").Val())
		assert.InDelta(t, 11.5, counts.IncrByFloat(ctx, nil, "f", 11.5).Val(), 1e-9)
		assert.Equal(t, int64(0), counts.SetBit(ctx, nil, "bits", 3, 1).Val())
		assert.Equal(t, int64(1), counts.GetBit(ctx, nil, "bits", 3).Val())
		assert.Equal(t, int64(1), counts.BitCount(ctx, nil, "bits").Val())
		assert.Equal(t, int64(8), names.SetRange(ctx, nil, "r", 4, "abcd").Val())
		assert.Equal(t, "abcd", names.GetRange(ctx, nil, "r", 4, -1).Val())
		assert.Equal(t, "string", names.Type(ctx, nil, "ada").Val())
		assert.Equal(t, "OK", names.Rename(ctx, nil, "ada", "lovelace").Val())
		assert.Equal(t, "Ada Lovelace ✓", names.Get(ctx, nil, "lovelace").Val())
		assert.True(t, names.Expire(ctx, nil, "lovelace", time.Hour).Val())
		assert.True(t, names.Persist(ctx, nil, "lovelace").Val())
		assert.Equal(t, int64(1), names.Del(ctx, nil, "lovelace", "nobody").Val())
	})
}

// requireRefused requires that err, a root's Execute's, counts n commands
// refused while queueing and nothing else, target among their errors.
func requireRefused(t *testing.T, err error, n int, target error) {
	t.Helper()
	var execErr *redpipe.ExecError
	require.ErrorAs(t, err, &execErr, "Execute counts every refusal")
	require.Len(t, execErr.Commands, n)
	require.ErrorIs(t, err, target)
}

func TestStringKeyspaceBadValues(t *testing.T) {
	eachBackend(t, func(t *testing.T, c *redis.Client) {
		ctx := context.Background()
		ascii := keyspace.NewString("A", codec.ASCII)
		counts := keyspace.NewString("C", codec.Int)
		require.NoError(t, c.Set(ctx, "C{bad}", "abc", 0).Err())

		root := redpipe.New(c)
		good := ascii.Set(ctx, root, "ok", "plain", 0)
		refused := ascii.Set(ctx, root, "no", "é", 0)
		undecodable := counts.Get(ctx, root, "bad")
		requireRefused(t, root.Execute(ctx), 1, codec.ErrInvalid) // a reply that does not decode is no command failure
		assert.Equal(t, "OK", good.Val())
		assert.ErrorIs(t, refused.Err(), codec.ErrInvalid)
		assert.Equal(t, int64(0), c.Exists(ctx, "A{no}").Val(), "never sent")
		require.Error(t, undecodable.Err())
		assert.True(t, strings.Contains(undecodable.Err().Error(), `"abc"`), undecodable.Err().Error())
		assert.False(t, errors.Is(undecodable.Err(), redis.Nil))
	})
}

func TestKeyspaceOn(t *testing.T) {
	ctx := context.Background()
	a := redis.NewClient(&redis.Options{Addr: miniredis.RunT(t).Addr()})
	b := redis.NewClient(&redis.Options{Addr: redistest.StartServer(t).Addr})
	t.Cleanup(func() { _ = a.Close(); _ = b.Close() })
	name := t.Name()
	require.NoError(t, redpipe.ConnectNamed(name, b))
	t.Cleanup(func() { redpipe.Disconnect(name) })

	onB := keyspace.NewString("S", codec.String, keyspace.On(name))
	root := redpipe.New(a) // a parent on another connection
	set := onB.Set(ctx, root, "k", "v", 0)
	require.NoError(t, root.Execute(ctx))
	assert.Equal(t, "OK", set.Val())
	assert.Equal(t, "v", b.Get(ctx, "S{k}").Val(), "the keyspace's commands go to its connection")
	assert.Equal(t, int64(0), a.Exists(ctx, "S{k}").Val())
}

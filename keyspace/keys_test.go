package keyspace_test

import (
	"context"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-redpipe/redpipe"
	"github.com/go-redpipe/redpipe/codec"
	"github.com/go-redpipe/redpipe/internal/redistest"
	"github.com/go-redpipe/redpipe/keyspace"
)

// countKeys counts KEYS[1]'s members and echoes ARGV[1].
var countKeys = redpipe.NewScript(`return {redis.call("SCARD", KEYS[1]), ARGV[1]}`)

func TestKeyCommands(t *testing.T) {
	eachBackend(t, func(t *testing.T, c *redis.Client) {
		ctx := context.Background()
		tags := keyspace.NewSet("T", codec.Text)
		names := keyspace.NewString("N", codec.Text)
		root := redpipe.New(c)
		tags.SAdd(ctx, root, "a", "x", "y", "z")
		names.Set(ctx, root, "n", "v", 0)
		pexpire := names.PExpire(ctx, root, "n", 90*time.Second)
		pttl := names.PTTL(ctx, root, "n")
		at := names.ExpireAt(ctx, root, "n", time.Now().Add(time.Hour))
		renamed := names.RenameNX(ctx, root, "n", "m")
		refused := names.RenameNX(ctx, root, "m", "m")
		dump := names.Dump(ctx, root, "m")
		eval := tags.Eval(ctx, root, countKeys, []string{"a"}, "hi")
		require.NoError(t, root.Execute(ctx))
		assert.True(t, pexpire.Val())
		assert.Greater(t, pttl.Val(), 80*time.Second)
		assert.True(t, at.Val())
		assert.True(t, renamed.Val())
		assert.False(t, refused.Val())
		assert.NotEmpty(t, dump.Val())
		assert.Equal(t, []any{int64(3), "hi"}, eval.Val(), "KEYS are the keyspace's keys")

		restored := names.Restore(ctx, root, "copy", 0, dump.Val())
		copied := names.Get(ctx, root, "copy")
		require.NoError(t, root.Execute(ctx))
		assert.Equal(t, "OK", restored.Val())
		assert.Equal(t, "v", copied.Val())
	})
}

// TestSort runs on redis-server only: miniredis has no SORT.
func TestSort(t *testing.T) {
	ctx := context.Background()
	c := redis.NewClient(&redis.Options{Addr: redistest.StartServer(t).Addr})
	t.Cleanup(func() { _ = c.Close() })
	tags := keyspace.NewSet("T", codec.Text)
	root := redpipe.New(c)
	tags.SAdd(ctx, root, "a", "x", "y", "z")
	sorted := tags.Sort(ctx, root, "a", &redis.Sort{Alpha: true, Order: "DESC"})
	require.NoError(t, root.Execute(ctx))
	assert.Equal(t, []string{"z", "y", "x"}, sorted.Val())
}

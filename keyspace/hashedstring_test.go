package keyspace_test

import (
	"context"
	"testing"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-redpipe/redpipe"
	"github.com/go-redpipe/redpipe/codec"
	"github.com/go-redpipe/redpipe/keyspace"
)

// TestHashedStringShards checks the shards against RedPipe's function:
// int(md5(k).hexdigest(), 16) % shards, computed with Python's hashlib.
func TestHashedStringShards(t *testing.T) {
	cases := []struct {
		key    string
		of64   int
		of7    int
		redis  string
		shards int
	}{
		{"a", 33, 0, "H{33}", 64},
		{"hello", 18, 4, "H{18}", 64},
		{"user:42", 30, 1, "H{30}", 64},
		{"é", 47, 1, "H{47}", 64},
		{"", 62, 1, "H{62}", 64},
	}
	h := keyspace.NewHashedString("H", codec.Text)
	h7 := keyspace.NewHashedStringShards("H", codec.Text, 7)
	for _, tc := range cases {
		if got := h.Shard(tc.key); got != tc.of64 {
			t.Errorf("Shard(%q) = %d; want %d", tc.key, got, tc.of64)
		}
		if got := h7.Shard(tc.key); got != tc.of7 {
			t.Errorf("Shard(%q) of 7 = %d; want %d", tc.key, got, tc.of7)
		}
		if got := h.Key(tc.key); got != tc.redis {
			t.Errorf("Key(%q) = %q; want %q", tc.key, got, tc.redis)
		}
	}
	assert.Panics(t, func() { keyspace.NewHashedStringShards("H", codec.Text, 0) })
}

func TestHashedStringKeyspace(t *testing.T) {
	eachBackend(t, func(t *testing.T, c *redis.Client) {
		ctx := context.Background()
		h := keyspace.NewHashedString("H", codec.Int)
		root := redpipe.New(c)
		set := h.Set(ctx, root, "a", 5)
		nx := h.SetNX(ctx, root, "a", 9)
		get := h.Get(ctx, root, "a")
		incr := h.Incr(ctx, root, "hello")
		by := h.IncrBy(ctx, root, "hello", 10)
		f := h.IncrByFloat(ctx, root, "float", 1.5)
		length := h.StrLen(ctx, root, "a")
		all := h.MGet(ctx, root, "a", "hello", "missing")
		require.NoError(t, root.Execute(ctx))
		assert.Equal(t, int64(1), set.Val())
		assert.False(t, nx.Val())
		assert.Equal(t, int64(5), get.Val())
		assert.Equal(t, int64(1), incr.Val())
		assert.Equal(t, int64(11), by.Val())
		assert.Equal(t, 1.5, f.Val())
		assert.Equal(t, int64(1), length.Val())
		assert.Equal(t, map[string]int64{"a": 5, "hello": 11}, all.Val())
		assert.Equal(t, "5", c.HGet(ctx, "H{33}", "a").Val(), "RedPipe's layout: field k of hash name{shard}")

		del := h.Del(ctx, root, "a", "hello", "missing")
		require.NoError(t, root.Execute(ctx))
		assert.Equal(t, int64(2), del.Val())
	})
}

package keyspace_test

import (
	"context"
	"slices"
	"sync"
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

// sent records the names of the commands a client sends, alone or in
// pipelines, but those that set up a new connection.
type sent struct {
	mu    sync.Mutex
	names []string
}

// record returns what c sends from now on.
func record(c *redis.Client) *sent {
	s := new(sent)
	c.AddHook(s)
	return s
}

func (s *sent) DialHook(next redis.DialHook) redis.DialHook { return next }

func (s *sent) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		s.add(cmd)
		return next(ctx, cmd)
	}
}

func (s *sent) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		s.add(cmds...)
		return next(ctx, cmds)
	}
}

func (s *sent) add(cmds ...redis.Cmder) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, cmd := range cmds {
		switch cmd.Name() {
		case "hello", "client", "readonly", "auth", "select": // a new connection's set-up
		default:
			s.names = append(s.names, cmd.Name())
		}
	}
}

// commands returns the names of the commands sent so far.
func (s *sent) commands() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.names)
}

// TestEmptyCallsSendNothing: calls with nothing to do send nothing and
// settle at once with what doing nothing gives, where Redis would refuse
// the command; and Update with no changes puts no expiry on a record.
func TestEmptyCallsSendNothing(t *testing.T) {
	eachBackend(t, func(t *testing.T, c *redis.Client) {
		ctx := context.Background()
		type bare struct {
			ID string `redis:",key"`
		}
		users := keyspace.NewStruct[user]("U", keyspace.TTL(time.Hour))
		bares := keyspace.NewStruct[bare]("B")
		hashes := keyspace.NewHash("H", codec.Text)
		sets := keyspace.NewSet("S", codec.Text)
		zsets := keyspace.NewSortedSet("Z", codec.Text)
		strs := keyspace.NewString("T", codec.Text)
		lists := keyspace.NewList("L", codec.Text)
		logs := keyspace.NewHyperLogLog("P", codec.Text)
		sharded := keyspace.NewHashedString("HS", codec.Text)
		require.NoError(t, c.HSet(ctx, "U{1}", "name", "Ada").Err())
		require.NoError(t, c.RPush(ctx, "L{l}", "a").Err())
		wire := record(c)

		root := redpipe.New(c)
		counts := map[string]*redpipe.Future[int64]{
			"Struct.Update":       users.Update(ctx, root, "1", map[string]any{}),
			"Struct.UpdateNX":     users.UpdateNX(ctx, root, "1", map[string]any{}),
			"Struct.Remove":       users.Remove(ctx, root, "1"),
			"Struct.Delete":       users.Delete(ctx, root),
			"Struct.Save":         bares.Save(ctx, root, bare{ID: "1"}),
			"Struct.SaveNX":       bares.SaveNX(ctx, root, bare{ID: "1"}),
			"Hash.HSet":           hashes.HSet(ctx, root, "h", map[string]string{}),
			"Hash.HDel":           hashes.HDel(ctx, root, "h"),
			"Set.SAdd":            sets.SAdd(ctx, root, "s"),
			"Set.SRem":            sets.SRem(ctx, root, "s"),
			"SortedSet.ZAdd":      zsets.ZAdd(ctx, root, "z"),
			"SortedSet.ZAddArgs":  zsets.ZAddArgs(ctx, root, "z", keyspace.ZAddArgs[string]{XX: true, Ch: true}),
			"SortedSet.ZRem":      zsets.ZRem(ctx, root, "z"),
			"String.Del":          strs.Del(ctx, root),
			"String.Exists":       strs.Exists(ctx, root),
			"HyperLogLog.PFCount": logs.PFCount(ctx, root),
			"HashedString.Del":    sharded.Del(ctx, root),
		}
		maps := map[string]*redpipe.Future[map[string]string]{
			"Hash.HMGet":        hashes.HMGet(ctx, root, "h"),
			"String.MGet":       strs.MGet(ctx, root),
			"HashedString.MGet": sharded.MGet(ctx, root),
		}
		members := map[string]*redpipe.Future[[]string]{
			"Set.SInter": sets.SInter(ctx, root),
			"Set.SUnion": sets.SUnion(ctx, root),
		}
		popped := map[string]*redpipe.Future[keyspace.Popped[string]]{
			"List.BLPop": lists.BLPop(ctx, root, time.Second),
			"List.BRPop": lists.BRPop(ctx, root, 0),
		}
		loaded := users.LoadFields(ctx, root, "1")

		for name, f := range counts {
			require.True(t, f.Ready(), "%s settled at once", name)
			require.NoError(t, f.Err(), name)
			assert.Zero(t, f.Val(), name)
		}
		for name, f := range maps {
			require.True(t, f.Ready(), "%s settled at once", name)
			require.NoError(t, f.Err(), name)
			assert.NotNil(t, f.Val(), name)
			assert.Empty(t, f.Val(), name)
		}
		for name, f := range members {
			require.True(t, f.Ready(), "%s settled at once", name)
			require.NoError(t, f.Err(), name)
			assert.NotNil(t, f.Val(), name)
			assert.Empty(t, f.Val(), name)
		}
		for name, f := range popped {
			require.True(t, f.Ready(), "%s settled at once", name)
			require.ErrorIs(t, f.Err(), redis.Nil, "%s popped nothing", name)
		}
		require.True(t, loaded.Ready())
		assert.Equal(t, user{ID: "1"}, loaded.Val())

		require.Zero(t, root.Len(), "nothing queued")
		require.NoError(t, root.Execute(ctx))
		assert.Empty(t, wire.commands(), "nothing sent")
		ttl, err := c.TTL(ctx, "U{1}").Result()
		require.NoError(t, err)
		assert.Equal(t, time.Duration(-1), ttl, "no expiry put back on the record")
		exists, err := c.Exists(ctx, "B{1}", "H{h}", "S{s}", "Z{z}").Result()
		require.NoError(t, err)
		assert.Zero(t, exists)
		assert.Equal(t, []string{"a"}, c.LRange(ctx, "L{l}", 0, -1).Val())
	})
}

// TestPushNothing pushes no value on a list: Redis refuses LPUSH and RPUSH
// of no value, so the length comes from LLEN, and the list is unchanged.
func TestPushNothing(t *testing.T) {
	eachBackend(t, func(t *testing.T, c *redis.Client) {
		ctx := context.Background()
		lists := keyspace.NewList("L", codec.Text)
		require.NoError(t, c.RPush(ctx, "L{l}", "a", "b").Err())
		wire := record(c)
		root := redpipe.New(c)
		left := lists.LPush(ctx, root, "l")
		right := lists.RPush(ctx, root, "l")
		none := lists.RPush(ctx, root, "missing")
		require.NoError(t, root.Execute(ctx))
		assert.Equal(t, []string{"llen", "llen", "llen"}, wire.commands(), "LLEN in place of each push")
		assert.EqualValues(t, 2, left.Val())
		assert.EqualValues(t, 2, right.Val())
		assert.Zero(t, none.Val())
		assert.Equal(t, []string{"a", "b"}, c.LRange(ctx, "L{l}", 0, -1).Val())
		assert.Zero(t, c.Exists(ctx, "L{missing}").Val())
	})
}

// TestStoreNothing stores the sets of no key: the result is empty, and
// an empty result deletes the destination (see TestRedisStoresEmpty).
// DEL goes in place of the store command, which Redis refuses with no
// key.
func TestStoreNothing(t *testing.T) {
	eachBackend(t, func(t *testing.T, c *redis.Client) {
		ctx := context.Background()
		sets := keyspace.NewSet("S", codec.Text)
		zsets := keyspace.NewSortedSet("Z", codec.Text)
		for _, k := range []string{"S{inter}", "S{union}"} {
			require.NoError(t, c.SAdd(ctx, k, "old").Err())
		}
		require.NoError(t, c.ZAdd(ctx, "Z{union}", redis.Z{Score: 1, Member: "old"}).Err())
		wire := record(c)
		root := redpipe.New(c)
		stored := []*redpipe.Future[int64]{
			sets.SInterStore(ctx, root, "inter"),
			sets.SUnionStore(ctx, root, "union"),
			zsets.ZUnionStore(ctx, root, "union", keyspace.ZStore{}),
			sets.SUnionStore(ctx, root, "missing"),
		}
		require.NoError(t, root.Execute(ctx))
		assert.Equal(t, []string{"del", "del", "del", "del"}, wire.commands(), "DEL in place of each store")
		for _, f := range stored {
			require.NoError(t, f.Err())
			assert.Zero(t, f.Val(), "the size of the empty result")
		}
		assert.Zero(t, c.Exists(ctx, "S{inter}", "S{union}", "Z{union}", "S{missing}").Val())

		// Weights of no key are bad input: sent as they are, for Redis to
		// refuse, and the destination is left as it was.
		require.NoError(t, c.ZAdd(ctx, "Z{union}", redis.Z{Score: 1, Member: "old"}).Err())
		wire = record(c)
		root = redpipe.New(c)
		weighted := zsets.ZUnionStore(ctx, root, "union", keyspace.ZStore{Weights: []float64{2}})
		assert.Error(t, root.Execute(ctx))
		assert.Error(t, weighted.Err(), "ZUNIONSTORE of weights and no key")
		assert.Equal(t, []string{"zunionstore"}, wire.commands())
		assert.Equal(t, int64(1), c.Exists(ctx, "Z{union}").Val())
	})
}

// TestRedisStoresEmpty: Redis stores an empty result by deleting the
// destination, which is what TestStoreNothing's calls do. On redis-server
// only: miniredis leaves an empty set at the destination.
func TestRedisStoresEmpty(t *testing.T) {
	ctx := context.Background()
	c := redis.NewClient(&redis.Options{Addr: redistest.ReuseServer(t).Addr})
	t.Cleanup(func() { _ = c.Close() })
	for _, k := range []string{"S{inter}", "S{union}"} {
		require.NoError(t, c.SAdd(ctx, k, "old").Err())
	}
	require.NoError(t, c.ZAdd(ctx, "Z{union}", redis.Z{Score: 1, Member: "old"}).Err())
	inter, err := c.SInterStore(ctx, "S{inter}", "S{missing}").Result()
	require.NoError(t, err)
	union, err := c.SUnionStore(ctx, "S{union}", "S{missing}").Result()
	require.NoError(t, err)
	zunion, err := c.ZUnionStore(ctx, "Z{union}", &redis.ZStore{Keys: []string{"Z{missing}"}}).Result()
	require.NoError(t, err)
	assert.Zero(t, inter)
	assert.Zero(t, union)
	assert.Zero(t, zunion)
	assert.Zero(t, c.Exists(ctx, "S{inter}", "S{union}", "Z{union}").Val())
}

// TestPFAddNothing: PFADD of no element is no error to Redis, so PFAdd
// sends it as it is: it makes an empty HyperLogLog at a key that has
// none, and reports it. On redis-server only: miniredis refuses it.
func TestPFAddNothing(t *testing.T) {
	ctx := context.Background()
	c := redis.NewClient(&redis.Options{Addr: redistest.ReuseServer(t).Addr})
	t.Cleanup(func() { _ = c.Close() })
	logs := keyspace.NewHyperLogLog("P", codec.Text)
	wire := record(c)
	root := redpipe.New(c)
	made := logs.PFAdd(ctx, root, "p")
	require.NoError(t, root.Execute(ctx))
	again := logs.PFAdd(ctx, root, "p")
	count := logs.PFCount(ctx, root, "p")
	require.NoError(t, root.Execute(ctx))
	assert.Equal(t, []string{"pfadd", "pfadd", "pfcount"}, wire.commands())
	assert.EqualValues(t, 1, made.Val(), "made")
	assert.Zero(t, again.Val(), "there already")
	assert.Zero(t, count.Val())
	assert.EqualValues(t, 1, c.Exists(ctx, "P{p}").Val())
}

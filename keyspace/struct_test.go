package keyspace_test

import (
	"context"
	"fmt"
	"net/netip"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-redpipe/redpipe"
	"github.com/go-redpipe/redpipe/codec"
	"github.com/go-redpipe/redpipe/keyspace"
)

type user struct {
	ID      string         `redis:",key"`
	Name    string         `redis:"name,required"`
	Age     int64          `redis:"age"`
	Admin   bool           `redis:"admin"`
	Score   float64        `redis:"score"`
	Tags    []string       `redis:"tags,json"`
	Seen    time.Time      `redis:"seen,omitempty"`
	Nick    *string        `redis:"nick"`
	Addr    netip.Addr     `redis:"addr,omitempty"`
	Level   uint8          `redis:"level"`
	Wait    time.Duration  `redis:"wait"`
	Ignored string         `redis:"-"`
	Meta    map[string]int `redis:"meta,json"`
}

func TestStructSaveAndLoad(t *testing.T) {
	eachBackend(t, func(t *testing.T, c *redis.Client) {
		ctx := context.Background()
		users := keyspace.NewStruct[user]("U", keyspace.TTL(time.Hour))
		nick := "ada"
		ada := user{ID: "1", Name: "Ada", Age: 36, Admin: false, Score: 1.5, Tags: []string{"math"},
			Seen: time.Date(2026, 11, 21, 9, 0, 0, 0, time.UTC), Nick: &nick, Addr: netip.MustParseAddr("192.0.2.1"),
			Level: 7, Wait: time.Second, Ignored: "x", Meta: map[string]int{"a": 1}}
		bob := user{ID: "2", Name: "Bob"}

		root := redpipe.New(c)
		saved := users.Save(ctx, root, ada)
		users.Save(ctx, root, bob)
		loaded := users.Load(ctx, root, "1")
		loadedBob := users.Load(ctx, root, "2")
		missing := users.Load(ctx, root, "nobody")
		some := users.LoadFields(ctx, root, "1", "name", "age")
		require.NoError(t, root.Execute(ctx))

		assert.Equal(t, int64(11), saved.Val(), "every field but the key and the ignored one")
		want := ada
		want.Ignored = ""
		got := loaded.Val()
		assert.True(t, got.Seen.Equal(want.Seen))
		got.Seen, want.Seen = time.Time{}, time.Time{}
		assert.Equal(t, want, got)
		assert.Equal(t, user{ID: "2", Name: "Bob", Tags: nil}, withoutEmpty(loadedBob.Val()))
		assert.ErrorIs(t, missing.Err(), redis.Nil)
		assert.Equal(t, user{ID: "1", Name: "Ada", Age: 36}, some.Val())

		raw := c.HGetAll(ctx, "U{1}").Val()
		assert.Equal(t, "", raw["admin"], "false is stored as RedPipe's BooleanField writes it")
		assert.Equal(t, "1.5", raw["score"])
		assert.Equal(t, `["math"]`, raw["tags"])
		assert.NotContains(t, raw, "ID")
		assert.Greater(t, c.TTL(ctx, "U{1}").Val(), 50*time.Minute, "the TTL is set on save")
		_, hasSeen := c.HGetAll(ctx, "U{2}").Val()["seen"]
		assert.False(t, hasSeen, "omitempty")
	})
}

// withoutEmpty clears the fields that come back as empty values rather
// than nil, for comparing a sparse record.
func withoutEmpty(u user) user {
	if len(u.Tags) == 0 {
		u.Tags = nil
	}
	return u
}

func TestStructRules(t *testing.T) {
	eachBackend(t, func(t *testing.T, c *redis.Client) {
		ctx := context.Background()
		users := keyspace.NewStruct[user]("U", keyspace.TTL(time.Hour))
		root := redpipe.New(c)
		users.Save(ctx, root, user{ID: "1", Name: "Ada", Age: 1})
		require.NoError(t, root.Execute(ctx))
		require.NoError(t, c.Persist(ctx, "U{1}").Err())

		noName := users.Save(ctx, root, user{ID: "3"})
		var noNick *string
		updated := users.Update(ctx, root, "1", map[string]any{"age": int64(37), "nick": noNick, "admin": true})
		dropRequired := users.Update(ctx, root, "1", map[string]any{"name": nil})
		changeKey := users.Update(ctx, root, "1", map[string]any{"ID": "9"})
		wrongType := users.Update(ctx, root, "1", map[string]any{"age": "old"})
		removeRequired := users.Remove(ctx, root, "1", "name")
		removed := users.Remove(ctx, root, "1", "score")
		incr := users.Incr(ctx, root, "1", "age", 2)
		fincr := users.IncrByFloat(ctx, root, "1", "score", 0.5)
		nx := users.UpdateNX(ctx, root, "1", map[string]any{"age": int64(1), "nick": "n"})
		requireRefused(t, root.Execute(ctx), 5, keyspace.ErrRule)

		for _, f := range []*redpipe.Future[int64]{noName, dropRequired, changeKey, wrongType, removeRequired} {
			assert.ErrorIs(t, f.Err(), keyspace.ErrRule)
		}
		assert.Equal(t, int64(0), updated.Val(), "Save wrote age and admin: none is new")
		assert.Equal(t, int64(1), removed.Val())
		assert.Equal(t, int64(39), incr.Val())
		assert.Equal(t, 0.5, fincr.Val())
		assert.Equal(t, int64(1), nx.Val(), "only nick did not exist")
		assert.Equal(t, int64(0), c.Exists(ctx, "U{3}").Val(), "a broken rule sends nothing")
		assert.Greater(t, c.TTL(ctx, "U{1}").Val(), 50*time.Minute, "every write refreshes the TTL")
		got := users.Load(ctx, root, "1")
		require.NoError(t, root.Execute(ctx))
		assert.Equal(t, "Ada", got.Val().Name)
		assert.True(t, got.Val().Admin)
		require.NotNil(t, got.Val().Nick)
		assert.Equal(t, "n", *got.Val().Nick)
		assert.Equal(t, int64(39), got.Val().Age, "UpdateNX left age alone")

		require.NoError(t, c.HSet(ctx, "U{bad}", "name", "X", "age", "abc", "ID", "ignored").Err())
		bad := users.Load(ctx, root, "bad")
		good := users.Load(ctx, root, "1")
		deleted := users.Delete(ctx, root, "1", "bad", "none")
		require.NoError(t, root.Execute(ctx))
		require.Error(t, bad.Err())
		assert.Contains(t, bad.Err().Error(), `field "age" holds "abc"`)
		assert.Equal(t, "Ada", good.Val().Name, "other records of the batch are untouched")
		assert.Equal(t, int64(2), deleted.Val())
	})
}

func TestStructTagErrors(t *testing.T) {
	type noKey struct {
		Name string `redis:"name"`
	}
	type twoKeys struct {
		A string `redis:",key"`
		B string `redis:",key"`
	}
	type noCodec struct {
		ID string         `redis:",key"`
		C  chan int       `redis:"c"`
		M  map[string]int `redis:"m"`
	}
	for name, f := range map[string]func(){
		"no key":   func() { keyspace.NewStruct[noKey]("X") },
		"two keys": func() { keyspace.NewStruct[twoKeys]("X") },
		"no codec": func() { keyspace.NewStruct[noCodec]("X") },
		"bad field codec": func() {
			keyspace.NewStruct[user]("X", keyspace.Field("age", codec.Text))
		},
	} {
		t.Run(name, func(t *testing.T) {
			defer func() {
				r := recover()
				require.NotNil(t, r)
				assert.Contains(t, fmt.Sprint(r), "redpipe: keyspace X")
			}()
			f()
		})
	}
	// A codec given for a field of its type is used.
	type scored struct {
		ID    string  `redis:",key"`
		Score float64 `redis:"score"`
	}
	assert.NotPanics(t, func() { keyspace.NewStruct[scored]("X", keyspace.Field("score", codec.Float)) })
}

// TestStructReadsRedPipe loads a hash as RedPipe's Struct writes it: a
// false BooleanField is "", an IntegerField and a FloatField in Python's
// forms, a ListField as Python's json.dumps, and UTF-8 text.
func TestStructReadsRedPipe(t *testing.T) {
	type profile struct {
		ID     string   `redis:",key"`
		Active bool     `redis:"active"`
		Visits int64    `redis:"visits"`
		Ratio  float64  `redis:"ratio"`
		Tags   []string `redis:"tags,json"`
		Bio    string   `redis:"bio"`
	}
	eachBackend(t, func(t *testing.T, c *redis.Client) {
		ctx := context.Background()
		require.NoError(t, c.HSet(ctx, "P{7}", "active", "", "visits", "12", "ratio", "1e+16",
			"tags", `["a", "\u00e9"]`, "bio", "héllo ✓", "_key", "7").Err())
		profiles := keyspace.NewStruct[profile]("P")
		require.NoError(t, redpipe.Connect(c))
		t.Cleanup(func() { redpipe.Disconnect("") })
		got := profiles.Load(ctx, nil, "7") // alone: its own round trip
		assert.Equal(t, profile{ID: "7", Active: false, Visits: 12, Ratio: 1e16, Tags: []string{"a", "é"}, Bio: "héllo ✓"}, got.Val())
	})
}

func TestStructSaveNXRefusalsAndOn(t *testing.T) {
	type pet struct {
		ID   string `redis:",key"`
		Name string `redis:"name,required"`
		Kind string `redis:"kind"`
	}
	eachBackend(t, func(t *testing.T, c *redis.Client) {
		ctx := context.Background()
		pets := keyspace.NewStruct[pet]("P", keyspace.Field("name", codec.ASCII))
		root := redpipe.New(c)
		first := pets.SaveNX(ctx, root, pet{ID: "1", Name: "Rex", Kind: "dog"})
		require.NoError(t, root.Execute(ctx))
		second := pets.SaveNX(ctx, root, pet{ID: "1", Name: "Max", Kind: "cat"})
		refused := pets.Save(ctx, root, pet{ID: "2", Name: "Félix"})
		removeKey := pets.Remove(ctx, root, "1", "ID")
		got := pets.Load(ctx, root, "1")
		err := root.Execute(ctx)
		requireRefused(t, err, 2, codec.ErrInvalid)
		assert.ErrorIs(t, err, keyspace.ErrRule)
		assert.Equal(t, int64(2), first.Val())
		assert.Equal(t, int64(0), second.Val(), "every field existed")
		assert.Equal(t, pet{ID: "1", Name: "Rex", Kind: "dog"}, got.Val())
		assert.ErrorIs(t, refused.Err(), codec.ErrInvalid)
		assert.Equal(t, int64(0), c.Exists(ctx, "P{2}").Val(), "a refused value sends nothing")
		assert.ErrorIs(t, removeKey.Err(), keyspace.ErrRule)
	})

	ctx := context.Background()
	a := redis.NewClient(&redis.Options{Addr: miniredis.RunT(t).Addr()})
	b := redis.NewClient(&redis.Options{Addr: miniredis.RunT(t).Addr()})
	t.Cleanup(func() { _ = a.Close(); _ = b.Close() })
	name := t.Name()
	require.NoError(t, redpipe.ConnectNamed(name, b))
	t.Cleanup(func() { redpipe.Disconnect(name) })
	pets := keyspace.NewStruct[pet]("P", keyspace.On(name))
	root := redpipe.New(a)
	pets.Save(ctx, root, pet{ID: "1", Name: "Rex"})
	require.NoError(t, root.Execute(ctx))
	assert.Equal(t, "Rex", b.HGet(ctx, "P{1}", "name").Val(), "the records live on the keyspace's connection")
	assert.Equal(t, int64(0), a.Exists(ctx, "P{1}").Val())
}

// TestStructTagsAsGoRedis: Struct stores the fields go-redis's HSet of the
// same struct stores, and go-redis's Scan reads them back: untagged fields,
// tags without a name and "-" are not stored; a field of a type without a
// codec that is not stored is no error.
func TestStructTagsAsGoRedis(t *testing.T) {
	type rec struct {
		ID       string `redis:",key"`
		Name     string `redis:"name"`
		Untagged string
		Empty    string `redis:""`
		NoName   string `redis:",omitempty"`
		Skipped  string `redis:"-"`
		Ch       chan int
		Count    int `redis:"count"`
	}
	eachBackend(t, func(t *testing.T, c *redis.Client) {
		ctx := context.Background()
		records := keyspace.NewStruct[rec]("R")
		v := rec{ID: "1", Name: "a", Untagged: "u", Empty: "e", NoName: "n", Skipped: "s", Count: 2}
		root := redpipe.New(c)
		saved := records.Save(ctx, root, v)
		require.NoError(t, root.Execute(ctx))
		assert.EqualValues(t, 2, saved.Val())
		require.NoError(t, c.HSet(ctx, "G", v).Err())
		ours, err := c.HKeys(ctx, "R{1}").Result()
		require.NoError(t, err)
		theirs, err := c.HKeys(ctx, "G").Result()
		require.NoError(t, err)
		assert.ElementsMatch(t, theirs, ours, "the fields go-redis stores")
		assert.ElementsMatch(t, []string{"name", "count"}, ours)

		var scanned rec
		require.NoError(t, c.HGetAll(ctx, "R{1}").Scan(&scanned))
		assert.Equal(t, rec{Name: "a", Count: 2}, scanned, "go-redis's Scan reads what Struct saved")
	})
}

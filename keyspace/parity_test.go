package keyspace_test

import (
	"context"
	"testing"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-redpipe/redpipe"
	"github.com/go-redpipe/redpipe/codec"
	"github.com/go-redpipe/redpipe/internal/redistest"
	"github.com/go-redpipe/redpipe/keyspace"
)

// TestRefusedCallsSendNothing: a record without a key, ZADD flags that do
// not go together (also with no member) and ZADD with INCR of other than
// one member are refused when queued, sent nowhere, and counted by the
// root's Execute.
func TestRefusedCallsSendNothing(t *testing.T) {
	eachBackend(t, func(t *testing.T, c *redis.Client) {
		ctx := context.Background()
		users := keyspace.NewStruct[user]("U")
		scores := keyspace.NewSortedSet("Z", codec.Text)
		wire := record(c)
		root := redpipe.New(c)
		noKey := users.Save(ctx, root, user{Name: "nobody"})
		noKeyNX := users.SaveNX(ctx, root, user{Name: "nobody"})
		nxXX := scores.ZAddArgs(ctx, root, "z", keyspace.ZAddArgs[string]{NX: true, XX: true, Members: []keyspace.Z[string]{{Score: 4, Member: "both"}}})
		nxGT := scores.ZAddArgs(ctx, root, "z", keyspace.ZAddArgs[string]{NX: true, GT: true, Members: []keyspace.Z[string]{{Score: 4, Member: "both"}}})
		gtLT := scores.ZAddArgsIncr(ctx, root, "z", keyspace.ZAddArgs[string]{GT: true, LT: true, Members: []keyspace.Z[string]{{Score: 4, Member: "both"}}})
		nxLT := scores.ZAddArgs(ctx, root, "z", keyspace.ZAddArgs[string]{NX: true, LT: true, Members: []keyspace.Z[string]{{Score: 4, Member: "both"}}})
		incrTwo := scores.ZAddArgsIncr(ctx, root, "z", keyspace.ZAddArgs[string]{Members: []keyspace.Z[string]{{Score: 1, Member: "a"}, {Score: 2, Member: "b"}}})
		incrNone := scores.ZAddArgsIncr(ctx, root, "z", keyspace.ZAddArgs[string]{})
		noneNXXX := scores.ZAddArgs(ctx, root, "z", keyspace.ZAddArgs[string]{NX: true, XX: true})
		err := root.Execute(ctx)
		requireRefused(t, err, 9, keyspace.ErrRule)
		require.ErrorIs(t, err, keyspace.ErrFlags)
		for _, f := range []*redpipe.Future[int64]{noKey, noKeyNX} {
			require.ErrorIs(t, f.Err(), keyspace.ErrRule)
			assert.ErrorContains(t, f.Err(), "has no key")
		}
		require.ErrorIs(t, nxXX.Err(), keyspace.ErrFlags)
		assert.ErrorContains(t, nxXX.Err(), "NX or XX")
		require.ErrorIs(t, nxGT.Err(), keyspace.ErrFlags)
		require.ErrorIs(t, gtLT.Err(), keyspace.ErrFlags)
		require.ErrorIs(t, nxLT.Err(), keyspace.ErrFlags)
		assert.ErrorContains(t, nxLT.Err(), "NX or GT/LT")
		require.ErrorIs(t, incrTwo.Err(), keyspace.ErrFlags)
		assert.ErrorContains(t, incrTwo.Err(), "one member, not 2")
		require.ErrorIs(t, incrNone.Err(), keyspace.ErrFlags)
		assert.ErrorContains(t, incrNone.Err(), "one member, not 0")
		require.ErrorIs(t, noneNXXX.Err(), keyspace.ErrFlags, "flags are checked with no member too")
		assert.Empty(t, wire.commands(), "nothing sent")
		keys, err := c.Keys(ctx, "*").Result()
		require.NoError(t, err)
		assert.Empty(t, keys, "nothing was written")
	})
}

// TestEmptyKeyIsARecord: only Save and SaveNX refuse a record with an
// empty key field; the calls that take the key as a string take "" as
// RedPipe's Struct("") does, as the key of the record U{}.
func TestEmptyKeyIsARecord(t *testing.T) {
	eachBackend(t, func(t *testing.T, c *redis.Client) {
		ctx := context.Background()
		users := keyspace.NewStruct[user]("U")
		root := redpipe.New(c)
		updated := users.Update(ctx, root, "", map[string]any{"name": "Ada", "tags": []string{"a"}})
		updatedNX := users.UpdateNX(ctx, root, "", map[string]any{"score": 1.5})
		incr := users.Incr(ctx, root, "", "age", 3)
		removed := users.Remove(ctx, root, "", "tags")
		loaded := users.Load(ctx, root, "")
		require.NoError(t, root.Execute(ctx))
		assert.EqualValues(t, 2, updated.Val())
		assert.EqualValues(t, 1, updatedNX.Val())
		assert.EqualValues(t, 3, incr.Val())
		assert.EqualValues(t, 1, removed.Val())
		assert.Equal(t, user{Name: "Ada", Age: 3, Score: 1.5}, loaded.Val())
		assert.Equal(t, []string{"U{}"}, c.Keys(ctx, "*").Val())
		assert.Equal(t, map[string]string{"name": "Ada", "age": "3", "score": "1.5"}, c.HGetAll(ctx, "U{}").Val())

		deleted := users.Delete(ctx, root, "")
		require.NoError(t, root.Execute(ctx))
		assert.EqualValues(t, 1, deleted.Val())
		assert.Empty(t, c.Keys(ctx, "*").Val())
	})
}

// TestNilFieldsAreNotStored: a nil slice, map or pointer is no value: Save
// stores no field for it, and Update with one removes the field.
func TestNilFieldsAreNotStored(t *testing.T) {
	eachBackend(t, func(t *testing.T, c *redis.Client) {
		ctx := context.Background()
		users := keyspace.NewStruct[user]("U")
		root := redpipe.New(c)
		users.Save(ctx, root, user{ID: "1", Name: "Ada", Tags: []string{"a"}, Meta: map[string]int{"a": 1}})
		users.Save(ctx, root, user{ID: "2", Name: "Bob"})
		require.NoError(t, root.Execute(ctx))
		fields, err := c.HKeys(ctx, "U{2}").Result()
		require.NoError(t, err)
		assert.NotContains(t, fields, "tags")
		assert.NotContains(t, fields, "meta")
		assert.NotContains(t, fields, "nick")

		var noTags []string
		users.Update(ctx, root, "1", map[string]any{"tags": noTags, "meta": map[string]int(nil)})
		bob := users.Load(ctx, root, "2")
		require.NoError(t, root.Execute(ctx))
		fields, err = c.HKeys(ctx, "U{1}").Result()
		require.NoError(t, err)
		assert.NotContains(t, fields, "tags", "Update with a nil slice removes the field")
		assert.NotContains(t, fields, "meta")
		assert.Nil(t, bob.Val().Tags)
	})
}

// TestUpdateTypesAndMessages: Update takes any integer that fits an
// integer field and any number for a float field; required means present;
// messages name what is wrong, and only that.
func TestUpdateTypesAndMessages(t *testing.T) {
	eachBackend(t, func(t *testing.T, c *redis.Client) {
		ctx := context.Background()
		type flags struct {
			ID    string  `redis:",key"`
			On    bool    `redis:"on,required"`
			Count int     `redis:"count,required"`
			Tiny  int8    `redis:"tiny"`
			Ratio float64 `redis:"ratio"`
			Note  *string `redis:"note,required"`
		}
		users := keyspace.NewStruct[user]("U")
		all := keyspace.NewStruct[flags]("F")
		note := "n"
		root := redpipe.New(c)
		present := all.Save(ctx, root, flags{ID: "1", On: false, Count: 0, Note: &note})
		noNote := all.Save(ctx, root, flags{ID: "2"})
		fits := all.Update(ctx, root, "1", map[string]any{"count": int8(3), "tiny": uint64(100), "ratio": 2})
		tooBig := all.Update(ctx, root, "1", map[string]any{"tiny": 300})
		age := users.Update(ctx, root, "1", map[string]any{"age": 37, "level": int64(9)})
		wrongType := users.Update(ctx, root, "1", map[string]any{"age": "old"})
		unknown := users.Update(ctx, root, "1", map[string]any{"nosuch": 1})
		keyField := users.Update(ctx, root, "1", map[string]any{"ID": "9"})
		incrText := users.Incr(ctx, root, "1", "name", 1)
		incrFloat := all.IncrByFloat(ctx, root, "1", "ratio", 0.5)
		loaded := all.Load(ctx, root, "1")
		requireRefused(t, root.Execute(ctx), 6, keyspace.ErrRule)

		require.NoError(t, present.Err(), "false and 0 are present")
		assert.EqualValues(t, 5, present.Val())
		require.ErrorIs(t, noNote.Err(), keyspace.ErrRule)
		assert.ErrorContains(t, noNote.Err(), `required field "note" is missing`)
		require.NoError(t, fits.Err())
		require.NoError(t, age.Err())
		assert.Equal(t, flags{ID: "1", Count: 3, Tiny: 100, Ratio: 2.5, Note: &note}, loaded.Val())
		assert.ErrorContains(t, tooBig.Err(), `field "tiny" takes an int8, and 300 does not fit`)
		assert.ErrorContains(t, wrongType.Err(), `field "age" takes an int64, got a string`)
		assert.ErrorContains(t, unknown.Err(), `U has no field "nosuch"`)
		assert.NotContains(t, unknown.Err().Error(), "key field")
		assert.ErrorContains(t, keyField.Err(), `"ID" is the key field of U`)
		assert.ErrorContains(t, incrText.Err(), `field "name" takes a string, not an integer`)
		require.NoError(t, incrFloat.Err())
		n, err := c.HGet(ctx, "U{1}", "age").Int()
		require.NoError(t, err)
		assert.Equal(t, 37, n)
	})
}

// TestSortStore sorts a list into another key of the keyspace and returns
// the count, as RedPipe's sort with store does. On redis-server only:
// miniredis has no SORT.
func TestSortStore(t *testing.T) {
	ctx := context.Background()
	c := redis.NewClient(&redis.Options{Addr: redistest.StartServer(t).Addr})
	t.Cleanup(func() { _ = c.Close() })
	lists := keyspace.NewList("L", codec.Text)
	root := redpipe.New(c)
	lists.RPush(ctx, root, "in", "3", "1", "2")
	n := lists.SortStore(ctx, root, "in", "out", &redis.Sort{})
	sorted := lists.LRange(ctx, root, "out", 0, -1)
	require.NoError(t, root.Execute(ctx))
	assert.EqualValues(t, 3, n.Val())
	assert.Equal(t, []string{"1", "2", "3"}, sorted.Val())
}

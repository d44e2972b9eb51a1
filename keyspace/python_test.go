package keyspace_test

import (
	"bytes"
	"context"
	"encoding/json"
	"os/exec"
	"testing"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-redpipe/redpipe"
	"github.com/go-redpipe/redpipe/internal/redistest"
	"github.com/go-redpipe/redpipe/keyspace"
)

// readRecord is Python that decodes a hash as RedPipe's Struct with these
// fields decodes it: BooleanField bool(b), IntegerField int(float(b)),
// FloatField float(b), ListField json.loads, TextField b.decode("utf-8").
const readRecord = `
import json, sys
h = {k: v.encode("latin-1") for k, v in json.load(sys.stdin).items()}
json.dump({
    "active": bool(h["active"]),
    "off": bool(h["off"]),
    "visits": int(float(h["visits"])),
    "ratio": float(h["ratio"]),
    "tags": json.loads(h["tags"].decode("utf-8")),
    "bio": h["bio"].decode("utf-8"),
}, sys.stdout)
`

// TestRedPipeReadsWhatStructSaves saves a record and decodes its hash with
// Python, by the rules RedPipe's Struct fields decode with.
func TestRedPipeReadsWhatStructSaves(t *testing.T) {
	type profile struct {
		ID     string   `redis:",key"`
		Active bool     `redis:"active"`
		Off    bool     `redis:"off"`
		Visits int64    `redis:"visits"`
		Ratio  float64  `redis:"ratio"`
		Tags   []string `redis:"tags,json"`
		Bio    string   `redis:"bio"`
	}
	python := redistest.RequirePython(t)
	ctx := context.Background()
	c := redis.NewClient(&redis.Options{Addr: miniredis.RunT(t).Addr()})
	t.Cleanup(func() { _ = c.Close() })
	profiles := keyspace.NewStruct[profile]("P")
	root := redpipe.New(c)
	profiles.Save(ctx, root, profile{ID: "1", Active: true, Visits: 12, Ratio: 1e16, Tags: []string{"a", "é"}, Bio: "héllo ✓"})
	require.NoError(t, root.Execute(ctx))

	raw := c.HGetAll(ctx, "P{1}").Val()
	latin := make(map[string]string, len(raw)) // bytes as code points, for JSON
	for k, v := range raw {
		runes := make([]rune, len(v))
		for i := range len(v) {
			runes[i] = rune(v[i])
		}
		latin[k] = string(runes)
	}
	in, _ := json.Marshal(latin)
	cmd := exec.Command(python, "-c", readRecord)
	cmd.Stdin = bytes.NewReader(in)
	out, err := cmd.Output()
	require.NoError(t, err)
	var got map[string]any
	require.NoError(t, json.Unmarshal(out, &got))
	assert.Equal(t, map[string]any{
		"active": true, "off": false, "visits": 12.0, "ratio": 1e16,
		"tags": []any{"a", "é"}, "bio": "héllo ✓",
	}, got)
}

// writeRecord is Python that makes the hash RedPipe's Struct writes for a
// record: a field whose value is None is not written; a list field is
// json.dumps of its value; text is UTF-8.
const writeRecord = `
import json, sys
rec = json.load(sys.stdin)
h = {}
for k, v in rec.items():
    if v is None:
        continue
    h[k] = json.dumps(v) if isinstance(v, list) else str(v)
json.dump(h, sys.stdout)
`

// TestRedPipeNilField: a nil list is None to RedPipe, which writes no
// field for None. Struct saves none either, and a record RedPipe writes
// with a None list loads with a nil slice.
func TestRedPipeNilField(t *testing.T) {
	type profile struct {
		ID   string   `redis:",key"`
		Name string   `redis:"name"`
		Tags []string `redis:"tags,json"`
	}
	python := redistest.RequirePython(t)
	ctx := context.Background()
	c := redis.NewClient(&redis.Options{Addr: miniredis.RunT(t).Addr()})
	t.Cleanup(func() { _ = c.Close() })
	profiles := keyspace.NewStruct[profile]("P")

	root := redpipe.New(c)
	profiles.Save(ctx, root, profile{ID: "1", Name: "Bob"})
	require.NoError(t, root.Execute(ctx))
	saved, err := json.Marshal(c.HGetAll(ctx, "P{1}").Val())
	require.NoError(t, err)
	read := exec.Command(python, "-c", `
import json, sys
h = json.load(sys.stdin)
json.dump({"name": h["name"], "has tags": "tags" in h}, sys.stdout)
`)
	read.Stdin = bytes.NewReader(saved)
	out, err := read.Output()
	require.NoError(t, err)
	assert.JSONEq(t, `{"name": "Bob", "has tags": false}`, string(out), "no field for None, as RedPipe writes")

	write := exec.Command(python, "-c", writeRecord)
	write.Stdin = bytes.NewReader([]byte(`{"name": "Ann", "tags": null}`))
	out, err = write.Output()
	require.NoError(t, err)
	var fields map[string]string
	require.NoError(t, json.Unmarshal(out, &fields))
	require.NoError(t, c.HSet(ctx, "P{2}", fields).Err())
	loaded := profiles.Load(ctx, root, "2")
	require.NoError(t, root.Execute(ctx))
	assert.Equal(t, profile{ID: "2", Name: "Ann"}, loaded.Val())
}

// refuseKeyless is Python that makes a record as RedPipe's Struct does
// from a dict: one without its key ("_key") is refused with RedPipe's
// message, and nothing is written; else it prints the record's Redis key
// and hash.
const refuseKeyless = `
import json, sys
rec = json.load(sys.stdin)
if "_key" not in rec:
    print("InvalidOperation: must specify primary key when cloning a struct", file=sys.stderr)
    sys.exit(3)
key = rec.pop("_key")
json.dump({"key": "P{%s}" % key, "hash": {k: str(v) for k, v in rec.items()}}, sys.stdout)
`

// readKeyless is Python that looks, as RedPipe would, for what a key-less
// save could have written: any record of the keyspace P, and the hash of
// Struct(""), the record P{}, which RedPipe reports as persisted when the
// hash has a field.
const readKeyless = `
import json, sys
db = json.load(sys.stdin)
json.dump({
    "records": len([k for k in db["keys"] if k.startswith("P{")]),
    "persisted": bool(db["P{}"]),
}, sys.stdout)
`

// TestRedPipeKeylessSave: a record without its key is refused on both
// sides, and neither writes anything. Struct's Save and SaveNX fail with
// ErrRule and send nothing, and Python, given the server's keys and the
// hash P{}, finds no record of the keyspace; a record without its key
// given to the Python side is refused there, by RedPipe's rule, and the
// Go side finds no key-less record to load.
func TestRedPipeKeylessSave(t *testing.T) {
	type profile struct {
		ID   string `redis:",key"`
		Name string `redis:"name"`
	}
	python := redistest.RequirePython(t)
	eachBackend(t, func(t *testing.T, c *redis.Client) {
		ctx := context.Background()
		profiles := keyspace.NewStruct[profile]("P")
		wire := record(c)
		root := redpipe.New(c)
		saved := profiles.Save(ctx, root, profile{Name: "nobody"})
		savedNX := profiles.SaveNX(ctx, root, profile{Name: "nobody"})
		requireRefused(t, root.Execute(ctx), 2, keyspace.ErrRule)
		for _, f := range []*redpipe.Future[int64]{saved, savedNX} {
			require.ErrorIs(t, f.Err(), keyspace.ErrRule)
			assert.ErrorContains(t, f.Err(), "has no key")
		}
		assert.Empty(t, wire.commands(), "nothing sent")

		keys, err := c.Keys(ctx, "*").Result()
		require.NoError(t, err)
		hash, err := c.HGetAll(ctx, "P{}").Result()
		require.NoError(t, err)
		db, err := json.Marshal(map[string]any{"keys": keys, "P{}": hash})
		require.NoError(t, err)
		read := exec.Command(python, "-c", readKeyless)
		read.Stdin = bytes.NewReader(db)
		out, err := read.Output()
		require.NoError(t, err)
		assert.JSONEq(t, `{"records": 0, "persisted": false}`, string(out), "nothing written for Python to read")

		write := exec.Command(python, "-c", refuseKeyless)
		write.Stdin = bytes.NewReader([]byte(`{"name": "nobody"}`))
		_, err = write.Output()
		var exit *exec.ExitError
		require.ErrorAs(t, err, &exit, "the Python side refuses a record without its key")
		assert.Equal(t, 3, exit.ExitCode())
		assert.Contains(t, string(exit.Stderr), "must specify primary key")
		write = exec.Command(python, "-c", refuseKeyless)
		write.Stdin = bytes.NewReader([]byte(`{"_key": "1", "name": "Ann"}`))
		out, err = write.Output()
		require.NoError(t, err)
		var rec struct {
			Key  string            `json:"key"`
			Hash map[string]string `json:"hash"`
		}
		require.NoError(t, json.Unmarshal(out, &rec))
		require.NoError(t, c.HSet(ctx, rec.Key, rec.Hash).Err())
		loaded := profiles.Load(ctx, root, "1")
		keyless := profiles.Load(ctx, root, "")
		require.NoError(t, root.Execute(ctx))
		assert.Equal(t, profile{ID: "1", Name: "Ann"}, loaded.Val())
		require.ErrorIs(t, keyless.Err(), redis.Nil, "no key-less record")
		assert.Equal(t, []string{"P{1}"}, c.Keys(ctx, "*").Val(), "only the keyed record was written")
	})
}

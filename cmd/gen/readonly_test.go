package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/redis/go-redis/v9"

	"github.com/go-redpipe/redpipe/internal/redistest"
)

// TestReadOnlyFresh compares readonly_gen.go with what the installed
// redis-server says of its commands. Against the version the table came
// from, the file must be exactly what gen -readonly writes. Against
// another, no command of the table may be one the server knows as a
// write; the server's read-only commands missing from the table are
// logged: they are treated as writes, never retried, which is safe.
func TestReadOnlyFresh(t *testing.T) {
	srv := redistest.StartServer(t)
	c := redis.NewClient(&redis.Options{Addr: srv.Addr})
	defer c.Close()
	live, err := fetchReadOnly(context.Background(), c)
	if err != nil {
		t.Fatal(err)
	}
	committed, err := os.ReadFile(filepath.Join("..", "..", "readonly_gen.go"))
	if err != nil {
		t.Fatal(err)
	}
	src, err := live.render()
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(committed, []byte("redis-server "+live.version+";")) {
		if !bytes.Equal(src, committed) {
			t.Fatalf("readonly_gen.go is stale for redis-server %s: run go run ./cmd/gen -readonly ADDR -o readonly_gen.go", live.version)
		}
		return
	}
	t.Logf("readonly_gen.go comes from another version than redis-server %s", live.version)
	for _, name := range committedNames(t, committed) {
		if ro, known := live.all[name]; known && !ro {
			t.Errorf("readonly_gen.go holds %q, which redis-server %s flags as a write", name, live.version)
		}
	}
}

// committedNames returns the quoted names of the table in src.
func committedNames(t *testing.T, src []byte) []string {
	t.Helper()
	var names []string
	for line := range bytes.Lines(src) {
		line = bytes.TrimSpace(line)
		if name, ok := bytes.CutSuffix(line, []byte(": true,")); ok {
			names = append(names, string(bytes.Trim(bytes.TrimSpace(name), `"`)))
		}
	}
	if len(names) == 0 {
		t.Fatal("readonly_gen.go holds no command")
	}
	return names
}

// TestReadOnlyTableAdd reads a COMMAND reply with subcommands.
func TestReadOnlyTableAdd(t *testing.T) {
	tbl := readOnlyTable{all: map[string]bool{}}
	reply := []any{
		[]any{"get", int64(2), []any{"readonly", "fast"}},
		[]any{"set", int64(-3), []any{"write", "denyoom"}},
		[]any{"object", int64(-2), []any{}, int64(0), int64(0), int64(0), []any{}, []any{}, []any{},
			[]any{[]any{"object|encoding", int64(3), []any{"readonly"}}}},
	}
	if err := tbl.add(reply); err != nil {
		t.Fatal(err)
	}
	got := tbl.readOnly()
	if want := []string{"get", "object|encoding"}; len(got) != 2 || got[0] != want[0] || got[1] != want[1] {
		t.Errorf("readOnly() = %q; want %q", got, want)
	}
	if err := tbl.add([]any{"get"}); err == nil {
		t.Error("add of a malformed entry: no error")
	}
}

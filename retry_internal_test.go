package redpipe

import (
	"context"
	"testing"

	"github.com/redis/go-redis/v9"
)

// TestReadOnly checks which commands are read-only: those Redis flags so,
// subcommands included, by their words whatever their case.
func TestReadOnly(t *testing.T) {
	ctx := context.Background()
	cases := []struct {
		cmd  redis.Cmder
		want bool
	}{
		{redis.NewStringCmd(ctx, "get", "k"), true},
		{redis.NewIntCmd(ctx, "incr", "k"), false},
		{redis.NewCmd(ctx, "GET", "k"), true}, // as Do sends it
		{redis.NewStringCmd(ctx, "object", "encoding", "k"), true},
		{redis.NewStringCmd(ctx, "OBJECT", "ENCODING", "k"), true},
		{redis.NewStringCmd(ctx, "object", "freq", "k"), true},
		{redis.NewStringCmd(ctx, "client", "list"), false},
		{redis.NewCmd(ctx, "evalsha", "abc", 0), false},
		{redis.NewCmd(ctx, "evalsha_ro", "abc", 0), true},
		{redis.NewCmd(ctx, "fcall_ro", "f", 0), true},
		{redis.NewCmd(ctx, "no-such-command"), false},
		{redis.NewCmd(ctx, "object"), false},
	}
	for _, tc := range cases {
		if got := readOnly(tc.cmd); got != tc.want {
			t.Errorf("readOnly(%v) = %v; want %v", tc.cmd.Args(), got, tc.want)
		}
	}
}

// TestMarkWrites marks the first write of a pipeline, or every write for a
// client that splits pipelines, and nothing in a pipeline of reads.
func TestMarkWrites(t *testing.T) {
	ctx := context.Background()
	pipeline := func() []redis.Cmder {
		return []redis.Cmder{redis.NewStringCmd(ctx, "get", "k"), redis.NewIntCmd(ctx, "incr", "k"), redis.NewStatusCmd(ctx, "set", "k", "v")}
	}
	marked := func(cmds []redis.Cmder) (n []int) {
		for i, cmd := range cmds {
			if cmd.NoRetry() {
				n = append(n, i)
			}
		}
		return n
	}
	one := pipeline()
	markWrites(one, false)
	if got := marked(one); len(got) != 1 || got[0] != 1 {
		t.Errorf("markWrites(split: false) marked %v; want [1]", got)
	}
	every := pipeline()
	markWrites(every, true)
	if got := marked(every); len(got) != 2 || got[0] != 1 || got[1] != 2 {
		t.Errorf("markWrites(split: true) marked %v; want [1 2]", got)
	}
	if allocs := testing.AllocsPerRun(100, func() { markWrites(pipeline(), true) }) - testing.AllocsPerRun(100, func() { pipeline() }); allocs > 1 {
		t.Errorf("markWrites(split: true) of a pipeline of two writes makes %v allocations; want one", allocs)
	}
	if allocs := testing.AllocsPerRun(100, func() { unmark(markWrites(pipeline(), false)) }) - testing.AllocsPerRun(100, func() { pipeline() }); allocs > 0 {
		t.Errorf("markWrites(split: false) makes %v allocations; want none", allocs)
	}
	reads := []redis.Cmder{redis.NewStringCmd(ctx, "get", "k"), redis.NewSliceCmd(ctx, "mget", "a", "b")}
	markWrites(reads, true)
	if got := marked(reads); len(got) != 0 {
		t.Errorf("markWrites of reads marked %v", got)
	}
	if !splits(new(redis.ClusterClient)) || splits(new(redis.Client)) {
		t.Error("splits: a cluster client splits pipelines, a client does not")
	}
}

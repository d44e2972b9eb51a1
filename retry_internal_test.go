package redpipe

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"syscall"
	"testing"

	"github.com/alicebob/miniredis/v2"
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

// TestLostOnConn tells failures of a connection from replies of the
// server: a miss or an error reply is no lost connection, and saying so
// allocates nothing, since a pipeline with a miss asks it of every
// command.
func TestLostOnConn(t *testing.T) {
	ctx := context.Background()
	c := redis.NewClient(&redis.Options{Addr: miniredis.RunT(t).Addr()})
	t.Cleanup(func() { _ = c.Close() })
	miss := c.Get(ctx, "k").Err()
	if err := c.Set(ctx, "k", "v", 0).Err(); err != nil {
		t.Fatal(err)
	}
	notInteger := c.Incr(ctx, "k").Err() // ERR value is not an integer
	if !errors.Is(miss, redis.Nil) || notInteger == nil {
		t.Fatalf("GET of a missing key: %v; INCR of a string: %v; want a miss and an error reply", miss, notInteger)
	}
	cases := []struct {
		err  error
		want bool
	}{
		{nil, false},
		{miss, false},
		{notInteger, false},
		{errors.New("redis: can't marshal map[string]int (implement encoding.BinaryMarshaler)"), false},
		{io.EOF, true},
		{fmt.Errorf("read: %w", io.ErrUnexpectedEOF), true},
		{&net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED}, true},
		{redis.ErrClosed, true},
		{context.Canceled, true},
	}
	for _, tc := range cases {
		if got := lostOnConn(tc.err); got != tc.want {
			t.Errorf("lostOnConn(%v) = %v; want %v", tc.err, got, tc.want)
		}
	}
	for _, err := range []error{miss, notInteger} {
		if allocs := testing.AllocsPerRun(100, func() { lostOnConn(err) }); allocs > 0 {
			t.Errorf("lostOnConn(%v) makes %v allocations; want none", err, allocs)
		}
	}
}

// TestReads tells the commands of one pipeline as readOnly does, whatever
// came before each: the same name twice, then another spelling of it, a
// write between reads, and subcommands of one container whose verdicts
// differ.
func TestReads(t *testing.T) {
	ctx := context.Background()
	cmds := []redis.Cmder{
		redis.NewStringCmd(ctx, "get", "a"),
		redis.NewStringCmd(ctx, "get", "b"),
		redis.NewCmd(ctx, "GET", "c"),
		redis.NewIntCmd(ctx, "incr", "a"),
		redis.NewStringCmd(ctx, "get", "a"),
		redis.NewIntCmd(ctx, "memory", "usage", "a"),
		redis.NewStringCmd(ctx, "memory", "doctor"),
		redis.NewIntCmd(ctx, "memory", "usage", "b"),
		redis.NewCmd(ctx, "memory"),
		redis.NewCmd(ctx),
		redis.NewCmd(ctx, "incr", "a"),
		redis.NewCmd(ctx, "INCR", "a"),
		redis.NewStringCmd(ctx, "get", "a"),
	}
	want := []bool{true, true, true, false, true, true, false, true, false, false, false, false, true}
	var r reads
	for i, cmd := range cmds {
		if got := r.readOnly(cmd); got != want[i] || got != readOnly(cmd) {
			t.Errorf("command %d %v: reads says read-only %v; readOnly %v, want %v", i, cmd.Args(), got, readOnly(cmd), want[i])
		}
	}
}

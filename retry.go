package redpipe

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"sync"

	"github.com/redis/go-redis/v9"
)

// Retries. go-redis sends a pipeline again after some network errors
// (Options.MaxRetries), also when the server ran its commands and only the
// replies were lost: a write would then run twice. A root lets go-redis do
// so only for pipelines whose every command Redis flags readonly
// (readonly_gen.go); in any other, it marks a command NoRetry, which makes
// go-redis send the pipeline once. A command whose reply was lost then
// fails with ErrOutcomeUnknown: it may or may not have run.

// RetryWrites makes a root, and its children, leave go-redis's retries as
// go-redis has them: a pipeline that failed on its connection is sent
// again as [redis.Options] say, writes included, and a write whose reply
// was lost may run twice. Without it, a root lets go-redis retry only
// pipelines of read-only commands (GET, MGET, HGETALL, EXISTS, ZRANGE,
// ...), and a write runs at most once. Children ignore RetryWrites: the
// root's applies.
func RetryWrites() Option {
	return func(o *options) { o.retryWrites = true }
}

// readOnly reports whether Redis flags cmd readonly: sending it again
// changes nothing. A command Redis does not know, and every script but
// EVAL_RO, EVALSHA_RO and FCALL_RO, is a write.
func readOnly(cmd redis.Cmder) bool {
	ro, _ := readOnlyNamed(cmd.Name(), cmd.Args())
	return ro
}

// readOnlyNamed is readOnly for a command of that name and args. It also
// reports whether the name has subcommands, whose verdict depends on args.
func readOnlyNamed(name string, args []any) (ro, hasSub bool) {
	if !containers[name] {
		return readOnlyNames[name], false
	}
	if len(args) < 2 {
		return false, true
	}
	sub, ok := args[1].(string)
	return ok && readOnlyNames[name+"|"+strings.ToLower(sub)], true
}

// reads tells the read-only commands of one pipeline. The commands of a
// pipeline mostly share a few names, often one, so it keeps the verdict
// for the name, as the command's first argument spells it, of the last
// command it looked up that has no subcommands: a batch of GETs looks GET
// up once.
type reads struct {
	name string
	ro   bool
}

// readOnly is the package's readOnly, for the commands of r's pipeline.
func (r *reads) readOnly(cmd redis.Cmder) bool {
	args := cmd.Args()
	var name string
	if len(args) > 0 {
		name, _ = args[0].(string)
	}
	if name != "" && name == r.name {
		return r.ro
	}
	ro, hasSub := readOnlyNamed(cmd.Name(), args)
	if name != "" && !hasSub {
		r.name, r.ro = name, ro
	}
	return ro
}

// containers are the commands of the table that have subcommands.
var containers = func() map[string]bool {
	m := map[string]bool{}
	for name := range readOnlyNames {
		if container, _, ok := strings.Cut(name, "|"); ok {
			m[container] = true
		}
	}
	return m
}()

// noRetry is a command that go-redis does not send again: a pipeline that
// holds one is sent once.
type noRetry struct{ redis.Cmder }

func (noRetry) NoRetry() bool { return true }

// marks holds the noRetry of a pipeline sent to a client that does not
// split it: one per pipeline in flight, so that marking allocates nothing
// (BenchmarkBudget, the blocks rows).
var marks = sync.Pool{New: func() any { return new(noRetry) }}

// markWrites keeps go-redis from sending cmds, one pipeline, again if it
// holds a write: it wraps the first write in a noRetry from marks, in
// place, and returns it, for unmark once the pipeline is sent. split is
// set for a client that splits a pipeline by node (a cluster, a ring),
// each part retried on its own: then every write is wrapped, in noRetry
// values allocated together, one allocation per pipeline, and it returns
// nil.
func markWrites(cmds []redis.Cmder, split bool) *noRetry {
	if split {
		markEvery(cmds)
		return nil
	}
	var r reads
	for i, cmd := range cmds {
		if marked(cmd) || r.readOnly(cmd) {
			continue
		}
		mark := marks.Get().(*noRetry)
		mark.Cmder = cmd
		cmds[i] = mark
		return mark
	}
	return nil
}

// markEvery wraps every write of cmds in a noRetry.
func markEvery(cmds []redis.Cmder) {
	var r reads
	n := 0
	for _, cmd := range cmds {
		if !marked(cmd) && !r.readOnly(cmd) {
			n++
		}
	}
	if n == 0 {
		return
	}
	wraps := make([]noRetry, 0, n)
	for i, cmd := range cmds {
		if !marked(cmd) && !r.readOnly(cmd) {
			wraps = append(wraps, noRetry{cmd})
			cmds[i] = &wraps[len(wraps)-1]
		}
	}
}

// marked reports whether cmd is wrapped in a noRetry already.
func marked(cmd redis.Cmder) bool {
	switch cmd.(type) {
	case noRetry, *noRetry:
		return true
	}
	return false
}

// unmark gives mark, made by markWrites for a pipeline that has been sent
// and settled, back to marks.
func unmark(mark *noRetry) {
	if mark != nil {
		mark.Cmder = nil
		marks.Put(mark)
	}
}

// splits reports whether c splits a pipeline by node, retrying each part
// on its own.
func splits(c sender) bool {
	switch c.(type) {
	case *redis.Client, *redis.Tx:
		return false
	}
	return true
}

// ErrOutcomeUnknown is matched by the error of a command that was sent but
// whose reply was lost: the connection was reset or closed, or timed out,
// after the command was written. It may or may not have run. Its error
// also matches the network error.
var ErrOutcomeUnknown = errors.New("redpipe: outcome unknown: the command was sent and its reply lost")

// settleLost says, on each command of cmds, one pipeline that failed,
// whose error is a failure of its connection, whether the command may
// have run: one go-redis never sent, since its connection could not be
// had, fails with ErrNotSent, any other with ErrOutcomeUnknown.
func settleLost(cmds []redis.Cmder) {
	for _, cmd := range cmds {
		err := cmd.Err()
		switch {
		case !lostOnConn(err):
		case unsent(err):
			cmd.SetErr(fmt.Errorf("%w: %w", ErrNotSent, err))
		default:
			cmd.SetErr(fmt.Errorf("%w: %w", ErrOutcomeUnknown, err))
		}
	}
}

// lostOnConn reports whether err is a failure of a command's connection:
// dialing, reading or writing, or waiting for the pool or ctx. A reply of
// the server, a miss included, is none, and telling so allocates nothing:
// a pipeline with a miss asks it of every command.
func lostOnConn(err error) bool {
	if _, reply := err.(redis.Error); reply || err == nil {
		return false
	}
	var netErr net.Error
	switch {
	case errors.As(err, &netErr), errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF),
		errors.Is(err, redis.ErrClosed), errors.Is(err, redis.ErrPoolTimeout), errors.Is(err, redis.ErrPoolExhausted),
		errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return true
	}
	return false
}

// unsent reports whether err, a failure of a connection, came before
// anything was written on it: the dial failed, or no connection was had.
func unsent(err error) bool {
	var opErr *net.OpError
	switch {
	case errors.As(err, &opErr) && opErr.Op == "dial",
		errors.Is(err, redis.ErrClosed), errors.Is(err, redis.ErrPoolTimeout), errors.Is(err, redis.ErrPoolExhausted):
		return true
	}
	return false
}

package redpipe

import (
	"errors"

	"github.com/redis/go-redis/v9"
)

// batch is a run of commands that go to one connection and settle
// together: those a pipe queued between two hand-offs. It keeps them in
// queue order in a store, a go-redis pipeline that only builds and holds
// them (see store.go). A batch moves whole from a child to its parent, so
// a command is stored once, however deep the tree; the root copies it once,
// into the go-redis pipeline that sends it.
type batch struct {
	latch // the futures of the batch's commands settle with it

	to target // where the commands go; immutable
	// tx is the transaction the batch belongs to under a root outside it,
	// 0 for none; set by absorb before the batch reaches the root.
	tx uint64

	pl       *redis.Pipeline // the store; nil once released
	n        int             // the commands of pl that add has seen
	refusals []refusal       // the commands refused while queueing, in pl too
	scripts  []scriptCall    // the script calls among the commands
	clean    bool            // set by the root: sent, and no command failed

	futures [2]any // per future type, a *futures[T]: see newFuture
}

// refusal is a command refused while queueing: go-redis would not build
// it, or would not write one of its arguments. It keeps its place in the
// store, with its error, and is never sent.
type refusal struct {
	cmd  redis.Cmder
	name string // the command's name, from its method: go-redis may leave its args empty
}

// add records cmd, just built on b.pl by the method named name, and
// refuses it when go-redis did not store it (it refused to build it) or,
// when check is set, would not write one of its arguments. check is false
// for a command built only from parameters of types go-redis always
// writes: the generator knows which (see cmd/gen).
func (b *batch) add(cmd redis.Cmder, name string, check bool) {
	switch {
	case b.pl.Len() == b.n: // not stored
		_ = b.pl.Process(background, cmd) // keep its place
		b.refuse(cmd, name)
	case check && !allStrings(cmd.Args()):
		if err := checkArgs(cmd.Args()); err != nil {
			cmd.SetErr(err)
			b.refuse(cmd, name)
		}
	}
	b.n = b.pl.Len()
}

// allStrings reports whether every argument of a command is a string,
// which needs no further check.
func allStrings(args []any) bool {
	for _, arg := range args {
		if _, ok := arg.(string); !ok {
			return false
		}
	}
	return true
}

func (b *batch) refuse(cmd redis.Cmder, name string) {
	b.refusals = append(b.refusals, refusal{cmd, name})
}

// sendable returns the commands of b to send: all but the refused ones.
func (b *batch) sendable() []redis.Cmder {
	cmds := b.pl.Cmds()
	if len(b.refusals) == 0 {
		return cmds
	}
	refused := make(map[redis.Cmder]bool, len(b.refusals))
	for _, r := range b.refusals {
		refused[r.cmd] = true
	}
	out := make([]redis.Cmder, 0, len(cmds)-len(b.refusals))
	for _, cmd := range cmds {
		if !refused[cmd] {
			out = append(out, cmd)
		}
	}
	return out
}

// name names cmd, a command of b, in messages: in capitals, with the
// subcommand for commands such as CLIENT LIST.
func (b *batch) name(cmd redis.Cmder) string {
	if len(cmd.Args()) > 0 {
		return cmdName(cmd)
	}
	for _, r := range b.refusals {
		if r.cmd == cmd {
			return r.name
		}
	}
	return "(empty command)"
}

// failAll sets err on every command of b that is not refused.
func (b *batch) failAll(err error) {
	for _, cmd := range b.sendable() {
		cmd.SetErr(err)
	}
}

// failures appends a CommandError for each failed command of b to errs, in
// queue order. A nil reply is not a failure.
func (b *batch) failures(errs []*CommandError) []*CommandError {
	if b.clean {
		return errs
	}
	for _, cmd := range b.pl.Cmds() {
		if err := cmd.Err(); err != nil && !errors.Is(err, redis.Nil) {
			errs = append(errs, &CommandError{Conn: b.to.name, Label: b.to.label(), Cmd: cmd, Err: err, name: b.name(cmd)})
		}
	}
	return errs
}

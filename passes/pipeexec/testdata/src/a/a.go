package a

import (
	"context"
	"errors"

	"github.com/go-redpipe/redpipe"
)

// idiom is the way to write a building block.
func idiom(ctx context.Context, parent *redpipe.Pipe) int {
	pipe := redpipe.Pipeline(parent)
	defer pipe.Execute(ctx)
	return pipe.Incr("k")
}

func missingDefer(ctx context.Context, parent *redpipe.Pipe) int {
	pipe := redpipe.Pipeline(parent) // want `pipe is not executed on every path`
	return pipe.Incr("k")
}

func earlyReturn(ctx context.Context, parent *redpipe.Pipe, skip bool) error {
	pipe := redpipe.Pipeline(parent) // want `pipe is not executed on every path: line 25 leaves it open \(defer pipe.Execute\(ctx\) where it is made\)`
	if skip {
		return errors.New("skipped")
	}
	pipe.Incr("k")
	return pipe.Execute(ctx)
}

func executedOnEveryPath(ctx context.Context, c any, skip bool) error {
	root := redpipe.New(c)
	if skip {
		root.Reset()
		return nil
	}
	root.Incr("k")
	return root.Execute(ctx)
}

func rootNeverExecuted(c any) {
	root := redpipe.New(c) // want `root is not executed on every path`
	root.Incr("k")
}

type holder struct{ pipe *redpipe.Pipe }

// storedInAStruct hands the pipe to a struct, whose owner executes it.
func storedInAStruct(parent *redpipe.Pipe) *holder {
	pipe := redpipe.Pipeline(parent)
	return &holder{pipe: pipe}
}

// returned hands the pipe to the caller.
func returned(parent *redpipe.Pipe) *redpipe.Pipe {
	pipe := redpipe.Pipeline(parent)
	pipe.Incr("k")
	return pipe
}

// childOnly makes a child of a pipe it never executes.
func childOnly(ctx context.Context, parent *redpipe.Pipe) {
	pipe := redpipe.Pipeline(parent) // want `pipe is not executed on every path`
	child := redpipe.Pipeline(pipe)
	defer child.Execute(ctx)
	redpipe.Chain(pipe, nil, nil)
}

// handedToAHelper may be executed by the helper.
func handedToAHelper(parent *redpipe.Pipe) {
	pipe := redpipe.Pipeline(parent)
	helper(pipe)
}

func helper(p *redpipe.Pipe) {}

// inAClosure is executed by a function literal.
func inAClosure(ctx context.Context, parent *redpipe.Pipe) func() {
	pipe := redpipe.Pipeline(parent)
	return func() { pipe.Execute(ctx) }
}

// panics leaves by a panic, not a return.
func panics(parent *redpipe.Pipe) {
	pipe := redpipe.Pipeline(parent)
	pipe.Incr("k")
	panic("no")
}

// sharedRoot is closed on every path: a root made with AutoFlush executes
// itself, and Close ends it.
func sharedRoot(ctx context.Context, c any) {
	shared := redpipe.New(c, redpipe.AutoFlush(0, 0, 4))
	defer shared.Close(ctx)
	shared.Incr("k")
}

func sharedRootNeverClosed(c any) {
	shared := redpipe.New(c, redpipe.AutoFlush(0, 0, 4)) // want `shared is not closed on every path: line \d+ leaves it open \(defer shared.Close\(ctx\) where it is made\)`
	shared.Incr("k")
}

// unbound makes a pipe it never names: nothing can execute it.
func unbound(parent *redpipe.Pipe) int {
	return redpipe.Pipeline(parent).Incr("k") // want `this pipe is used without a name, so nothing executes it: bind it, as in pipe := redpipe.Pipeline\(parent\), and defer pipe.Execute\(ctx\)`
}

// blank hands its pipe nowhere.
func blank(c any) {
	root := redpipe.Pipeline(nil) // want `root is not executed on every path`
	root.Incr("k")
	_ = root
}

package redpipe

import (
	"context"
	"fmt"
)

// Callers. Each goroutine that shares a root made with AutoFlush hands its
// commands to it with a child's Execute(ctx). The root holds them until a
// flush takes them; if ctx ends first, the caller has given up, and its
// commands leave the queue, unsent, whole. The other callers' commands
// are not touched: a flush runs with a context of its own.

// caller is a child's hand-off to a root made with AutoFlush, by an
// Execute whose context may end.
type caller struct {
	// run holds the hand-off's batches, chains and callbacks, which follow
	// one another in the root's queue until a flush takes them.
	run queue
	// stop stops the watch of the caller's context (see watchLocked).
	stop func() bool
	// taken is set, under the root's mu, once a flush, Reset or Close has
	// taken the queue that holds run, or run has left it.
	taken bool
}

// watchLocked watches ctx, the context of the Execute that hands child to
// p: if it ends before a flush takes child's commands, they leave p's
// queue unsent. p.mu is held, and child is not joined yet.
func (f *flusher) watchLocked(ctx context.Context, child *queue) {
	c := &caller{run: *child}
	c.stop = context.AfterFunc(ctx, func() { f.giveUp(c, ctx.Err()) })
	f.callers = append(f.callers, c)
}

// giveUp takes the hand-off of c off p's queue, unless a flush has taken
// it, and fails its futures with ErrNotSent and err, the error of its
// caller's context. Its callbacks are dropped.
func (f *flusher) giveUp(c *caller, err error) {
	p := f.root
	p.guard().Lock()
	if c.taken {
		p.guard().Unlock()
		return
	}
	c.taken = true
	gone := p.q.cut(&c.run)
	p.guard().Unlock()
	f.c.try("a Then function", func() { // raised again by Close
		s := new(stage)
		gone.discard(callerErr(err), s)
		s.c.repanic()
	})
}

// callerErr is the error of commands whose caller's context ended, with
// err, before a flush took them.
func callerErr(err error) error {
	return fmt.Errorf("%w: its caller's context ended before a flush took it: %w", ErrNotSent, err)
}

// takeCallersLocked returns the callers of f's root, whose hand-offs the
// root's queue, being taken, holds, and forgets them. p.mu is held.
func (f *flusher) takeCallersLocked() []*caller {
	callers := f.callers
	f.callers = nil
	for _, c := range callers {
		c.taken = true
	}
	return callers
}

// unwatch stops watching the contexts of callers, whose hand-offs a flush
// has taken.
func unwatch(callers []*caller) {
	for _, c := range callers {
		c.stop()
	}
}

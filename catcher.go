package redpipe

import (
	"fmt"
	"runtime/debug"
	"sync"
)

var _ error = (*PanicError)(nil)

// PanicError is a panic recovered from a function that a pipe ran for its
// caller: a [Then] function, an [Pipe.OnExecute] callback, a [Watch]
// function, or go-redis itself in a goroutine of a root's Execute. It
// fails the futures the panicking function was to settle, and, once every
// other future has settled and every other callback has run, the root's
// Execute (or Reset, or Watch) panics with it in its caller's goroutine.
// Only the package makes one; it is read-only, and may be read from
// several goroutines at once.
type PanicError struct {
	Value any    // the value the function panicked with
	Stack []byte // the stack of the goroutine that panicked, at the panic
	in    string // what panicked, for the message
}

// Error says what panicked, with the panic's value and stack.
func (e *PanicError) Error() string {
	return fmt.Sprintf("redpipe: panic in %s: %v\n\n%s", e.in, e.Value, e.Stack)
}

// Unwrap returns the panic's value when it is an error.
func (e *PanicError) Unwrap() error {
	err, _ := e.Value.(error)
	return err
}

// catcher recovers the panics of the functions it runs and keeps the first,
// so that a root can finish settling everything before it panics again, in
// the model of conc's panics.Catcher. The zero value is ready to use; a
// catcher may be used by several goroutines at once.
type catcher struct {
	mu    sync.Mutex
	first *PanicError // guarded by mu
}

// try runs fn, named by in for messages, and returns the panic it
// recovered, if any.
func (c *catcher) try(in string, fn func()) (p *PanicError) {
	defer func() {
		r := recover()
		if r == nil {
			return
		}
		var ok bool
		if p, ok = r.(*PanicError); !ok { // a nested root's panic keeps its own stack
			p = &PanicError{Value: r, Stack: debug.Stack(), in: in}
		}
		c.mu.Lock()
		if c.first == nil {
			c.first = p
		}
		c.mu.Unlock()
	}()
	fn()
	return nil
}

// repanic panics with the first panic c recovered, if any.
func (c *catcher) repanic() {
	c.mu.Lock()
	p := c.first
	c.mu.Unlock()
	if p != nil {
		panic(p)
	}
}

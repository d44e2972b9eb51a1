package redpipe

import (
	"errors"
	"sync/atomic"
)

// The sentinel errors of the package. Test for them with [errors.Is]: the
// errors the package returns may wrap them with more detail.
var (
	// ErrNotReady is what a Future reports until its root pipe has executed.
	ErrNotReady = errors.New("redpipe: future not ready: its root pipe has not executed")

	// ErrDiscarded settles the futures of commands dropped by [Pipe.Reset].
	ErrDiscarded = errors.New("redpipe: command discarded by Reset")

	// ErrNoConnection settles the futures of commands queued for a connection
	// name that is not registered when their root executes.
	ErrNoConnection = errors.New("redpipe: no connection registered under that name")

	// ErrAlreadyConnected is returned by [Connect] and [ConnectNamed] when the
	// name is taken by another client.
	ErrAlreadyConnected = errors.New("redpipe: connection name already taken by another client")
)

// Future is the result of a queued command, available once the root pipe
// that sends the command has executed.
//
// Until then [Future.Ready] is false, [Future.Result] and [Future.Err]
// report [ErrNotReady], and [Future.Val] returns the zero value of T. The
// zero value of Future is a future that never becomes ready. A Future may
// be read from any goroutine, also while its root executes; once Ready
// reports true its value never changes. A copy of a Future reads the same
// reply.
//
// A Future is small (three words): it reads its value from the go-redis
// command it was made for, and learns that the command has been answered
// from the batch the command went out in.
type Future[T any] struct {
	// src holds the reply: the go-redis command, or, for a future made by
	// Then, the outcome of its function. Read only once rnd is done.
	src result[T]
	// rnd is the batch of futures the future settles with; nil for the
	// zero Future.
	rnd *round
}

// result is the part of a go-redis command a Future reads its reply from.
type result[T any] interface {
	Result() (T, error)
}

// Result returns the value and error of the command, or ErrNotReady.
// A nil reply is reported as [redis.Nil], which is not a failure of the pipe.
func (f *Future[T]) Result() (T, error) {
	if !f.Ready() {
		var zero T
		return zero, ErrNotReady
	}
	v, err := f.src.Result()
	if err != nil {
		var zero T
		return zero, err
	}
	return v, nil
}

// Val returns the value of the command: the zero value of T when the future
// is not ready or its command failed.
func (f *Future[T]) Val() T {
	v, _ := f.Result()
	return v
}

// Err returns the error of the command, ErrNotReady before the future is
// ready, and nil when the command succeeded.
func (f *Future[T]) Err() error {
	_, err := f.Result()
	return err
}

// Ready reports whether the future has settled, with a value or an error.
func (f *Future[T]) Ready() bool {
	return f.rnd != nil && f.rnd.done()
}

// Then returns a future derived from f by fn. It is ready when f is: with
// fn's result when f succeeded, or with f's error, unchanged (fn is not
// called), when f failed. fn runs once, in the goroutine that settles f (the
// one that executes the root), or at once if f is already ready.
func Then[T, U any](f *Future[T], fn func(T) (U, error)) *Future[U] {
	out := new(outcome[U])
	g := &Future[U]{src: out}
	derive := func() {
		v, err := f.Result()
		if err == nil {
			v2, err2 := fn(v)
			out.val, out.err = v2, err2
		} else {
			out.err = err
		}
	}
	if f.Ready() {
		derive()
		g.rnd = settled
		return g
	}
	g.rnd = new(round)
	if f.rnd != nil {
		f.rnd.onDone(func() {
			derive()
			g.rnd.finish()
		})
	}
	return g
}

// outcome is the reply of a future made by Then.
type outcome[T any] struct {
	val T
	err error
}

func (o *outcome[T]) Result() (T, error) { return o.val, o.err }

// round is a set of futures that settle together: those queued on one pipe
// between two of its Executes. When the root executes, it finishes every
// round whose commands it sent, so settling costs nothing per future.
//
// state is nil while the round is pending, a stack of continuations
// registered by Then while it is pending, and &finished once it is done.
type round struct {
	state atomic.Pointer[continuation]
}

// finished marks a finished round.
var finished continuation

// settled is a round that is already done, for futures made ready at once.
var settled = func() *round {
	r := new(round)
	r.state.Store(&finished)
	return r
}()

// continuation is one function waiting for a round to finish.
type continuation struct {
	run  func()
	next *continuation
}

func (r *round) done() bool {
	return r.state.Load() == &finished
}

// finish marks r done and runs its continuations in registration order.
// The commands of r must be answered (or failed) before.
func (r *round) finish() {
	top := r.state.Swap(&finished)
	if top == nil || top == &finished {
		return
	}
	var order []*continuation
	for c := top; c != nil; c = c.next {
		order = append(order, c)
	}
	for i := len(order) - 1; i >= 0; i-- {
		order[i].run()
	}
}

// onDone runs fn once r is done: at once if it is.
func (r *round) onDone(fn func()) {
	c := &continuation{run: fn}
	for {
		top := r.state.Load()
		if top == &finished {
			fn()
			return
		}
		c.next = top
		if r.state.CompareAndSwap(top, c) {
			return
		}
	}
}

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
// zero value of Future is a future that never becomes ready. A Future must
// not be copied. A Future may be read from any goroutine, also while its
// root executes; once Ready reports true its value never changes.
type Future[T any] struct {
	// src is the go-redis command whose reply settles the future; nil for a
	// future made by Then. Read only by settle.
	src result[T]

	// val and err are written once, before ready is set; read only after.
	val T
	err error

	ready atomic.Bool

	// then is a stack of continuations registered by Then. Whoever sees
	// both ready and a continuation first runs it (see onSettle).
	then atomic.Pointer[continuation]
}

// result is the part of a go-redis command a Future reads its reply from.
type result[T any] interface {
	Result() (T, error)
}

// settler is the type-erased face of a Future that a pipe keeps in its queue.
type settler interface {
	// settle reads the reply from the future's command and returns its error.
	settle() error
	// fail settles the future with err without reading a reply.
	fail(err error)
}

// Result returns the value and error of the command, or ErrNotReady.
// A nil reply is reported as [redis.Nil], which is not a failure of the pipe.
func (f *Future[T]) Result() (T, error) {
	if !f.ready.Load() {
		var zero T
		return zero, ErrNotReady
	}
	return f.val, f.err
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
	return f.ready.Load()
}

func (f *Future[T]) settle() error {
	v, err := f.src.Result()
	f.resolve(v, err)
	return err
}

func (f *Future[T]) fail(err error) {
	var zero T
	f.resolve(zero, err)
}

// resolve settles f; it is called once.
func (f *Future[T]) resolve(v T, err error) {
	if err != nil {
		var zero T
		v = zero
	}
	f.val, f.err = v, err
	f.src = nil
	f.ready.Store(true)
	if c := f.then.Load(); c != nil {
		runContinuations(c)
	}
}

// Then returns a future derived from f by fn. It is ready when f is: with
// fn's result when f succeeded, or with f's error, unchanged (fn is not
// called), when f failed. fn runs once, in the goroutine that settles f (the
// one that executes the root), or at once if f is already ready.
func Then[T, U any](f *Future[T], fn func(T) (U, error)) *Future[U] {
	g := new(Future[U])
	f.onSettle(func() {
		if f.err != nil {
			g.fail(f.err)
			return
		}
		g.resolve(fn(f.val))
	})
	return g
}

// continuation is one function waiting for a future to settle.
type continuation struct {
	run  func()
	next *continuation
	done atomic.Bool // set by whichever goroutine runs it
}

func (c *continuation) runOnce() {
	if c.done.CompareAndSwap(false, true) {
		c.run()
	}
}

// onSettle runs fn once f has settled. The push below and the ready flag in
// resolve are both sequentially consistent, so at least one of this
// goroutine and the settling one sees the other's write; runOnce makes sure
// only one of them runs fn.
func (f *Future[T]) onSettle(fn func()) {
	c := &continuation{run: fn}
	for {
		c.next = f.then.Load()
		if f.then.CompareAndSwap(c.next, c) {
			break
		}
	}
	if f.ready.Load() {
		c.runOnce()
	}
}

// runContinuations runs a stack of continuations in registration order.
func runContinuations(top *continuation) {
	var order []*continuation
	for c := top; c != nil; c = c.next {
		order = append(order, c)
	}
	for i := len(order) - 1; i >= 0; i-- {
		order[i].runOnce()
	}
}

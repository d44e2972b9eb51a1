package redpipe

import (
	"context"
	"errors"
)

// The sentinel errors of the package. Test for them with [errors.Is]: the
// errors the package returns may wrap them with more detail.
var (
	// ErrNotReady is what a Future reports until its root pipe has executed.
	// While its command is still on a child pipe that has not executed, the
	// error says so, and still matches ErrNotReady.
	ErrNotReady = errors.New("redpipe: future not ready: its root pipe has not executed")

	// ErrDiscarded settles the futures of commands dropped by [Pipe.Reset],
	// and of those a [Watch] function queued before it failed or panicked.
	ErrDiscarded = errors.New("redpipe: command discarded")

	// ErrNotSent settles the futures of commands that a root did not send
	// because of another command, an earlier failure or their caller: a
	// transaction holding a command refused while queueing, a connection
	// that failed earlier in the same Execute, or, on a root made with
	// [AutoFlush], a child whose Execute's context ended before a flush
	// took its commands. The error says which.
	ErrNotSent = errors.New("redpipe: command not sent")

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
// report an error that matches [ErrNotReady], and [Future.Val] returns the
// zero value of T; [Future.Wait] blocks until it is ready. The zero value
// of Future is a future that never becomes ready. A Future may be read
// from any goroutine, also while its root executes; once Ready reports true
// its value never changes. A copy of a Future reads the same reply.
//
// A Future is small (three words): it reads its value from the go-redis
// command it was made for, and learns that the command has been answered
// from a latch it shares with the other commands of its batch. A batch
// holds its first two futures itself (a pipe's first batch is allocated
// when the pipe is made), and the others come in blocks of up to 21; the
// arguments of many commands come from the batch likewise. So a Future
// that is kept alive keeps its neighbours' commands and arguments in
// memory too, and the batch its own batch rode on (see [Pipeline]).
type Future[T any] struct {
	// src holds the reply, as a result[T]: the go-redis command, or, for
	// a future made by Then, the outcome of its function. Read only once
	// latch is open.
	src any
	// latch opens when src holds the reply; nil for the zero Future.
	latch *latch
}

// future is a Future of any type, as a batch hands them out: Future[T]
// has the same fields for every T, so a *future converts to a *Future[T].
type future struct {
	src   any
	latch *latch
}

// newFuture returns the future of cmd, a command of b whose reply is a T,
// which settles with l: b's latch, or, for a command b holds for a child
// that borrows it, the latch of the child's loan.
func newFuture[T any](b *batch, l *latch, cmd result[T]) *Future[T] {
	f := b.future()
	f.src, f.latch = cmd, l
	return (*Future[T])(f)
}

// result is the part of a go-redis command a Future reads its reply from.
type result[T any] interface {
	Result() (T, error)
}

// Result returns the value and error of the command, or an error matching
// [ErrNotReady]. A nil reply is reported as [redis.Nil], which is not a
// failure of the pipe.
func (f *Future[T]) Result() (T, error) {
	if l := f.latch; l == nil || !l.isOpen() { // Ready, with isOpen inlined
		return f.notReady()
	}
	v, err := f.src.(result[T]).Result()
	if err != nil {
		return *new(T), err
	}
	return v, nil
}

// notReady is Result for a future that is not ready.
func (f *Future[T]) notReady() (T, error) {
	if f.latch == nil {
		return *new(T), ErrNotReady
	}
	return *new(T), f.latch.notReady()
}

// Val returns the value of the command: the zero value of T when the future
// is not ready or its command failed.
func (f *Future[T]) Val() T {
	v, _ := f.Result()
	return v
}

// Err returns the error of the command, an error matching [ErrNotReady]
// before the future is ready, and nil when the command succeeded.
func (f *Future[T]) Err() error {
	_, err := f.Result()
	return err
}

// Ready reports whether the future has settled, with a value or an error.
func (f *Future[T]) Ready() bool {
	return f.latch != nil && f.latch.isOpen()
}

// Wait blocks until f settles and then returns its Result, or until ctx is
// done and then returns the zero value and ctx's error. A future that has
// settled returns its Result even if ctx is done. The zero Future waits
// until ctx is done. Wait may be called from any goroutine; something else
// must execute f's root.
func (f *Future[T]) Wait(ctx context.Context) (T, error) {
	var err error
	if f.latch == nil {
		<-ctx.Done()
		err = ctx.Err()
	} else {
		err = f.latch.wait(ctx)
	}
	if err != nil {
		var zero T
		return zero, err
	}
	return f.Result()
}

// Then returns a future derived from f by fn. It is ready when f is: with
// fn's result when f succeeded, or with f's error, unchanged (fn is not
// called), when f failed.
//
// fn runs once. When f is already ready it runs at once, in the goroutine
// that calls Then. Otherwise it runs in the goroutine that executes f's
// root, after every future of f's stage has settled (so it may read any
// of them), in the order Then and [Chain] were called, and before the
// [Pipe.OnExecute] callbacks. If fn panics there,
// the derived future fails with a [*PanicError], every other future and
// callback still runs, and then the root's Execute panics with it.
func Then[T, U any](f *Future[T], fn func(T) (U, error)) *Future[U] {
	out := new(outcome[U])
	derive := func() {
		v, err := f.Result()
		if err != nil {
			out.err = err
			return
		}
		out.val, out.err = fn(v)
	}
	if f.latch == nil {
		return &Future[U]{src: out} // never ready, as f
	}
	g := &Future[U]{src: out, latch: derivedFrom(f.latch)}
	registered := f.latch.then(step{seq: stepSeq.Add(1), run: func(s *stage) {
		if p := s.c.try("a Then function", derive); p != nil {
			out.val, out.err = *new(U), p
		}
		s.runSteps(g.latch.open())
	}})
	if !registered {
		derive()
		g.latch = opened
	}
	return g
}

// Then2 returns a future derived from a and b by fn, for a function that
// needs two futures of different types. It is ready once both are: with
// fn's result when both succeeded, or with the error of the first of a and
// b that failed, in that order, unchanged (fn is not called).
//
// fn runs once, as Then's does: at once, in the goroutine that calls
// Then2, when both are ready already; otherwise in the goroutine that
// executes the root that settles the later of them, after every future of
// that stage has settled, in the order Then, Then2 and [Chain] were
// called. If fn panics there, the derived future fails with a
// [*PanicError], everything else still settles and runs, and then that
// root's Execute panics with it.
func Then2[A, B, C any](a *Future[A], b *Future[B], fn func(A, B) (C, error)) *Future[C] {
	out := new(outcome[C])
	derive := func() {
		va, err := a.Result()
		if err != nil {
			out.err = err
			return
		}
		vb, err := b.Result()
		if err != nil {
			out.err = err
			return
		}
		out.val, out.err = fn(va, vb)
	}
	l := afterAll([]*latch{a.latch, b.latch}, func(c *catcher) {
		if c == nil {
			derive()
		} else if p := c.try("a Then2 function", derive); p != nil {
			out.val, out.err = *new(C), p
		}
	})
	return &Future[C]{src: out, latch: l}
}

// outcome is the reply of a future made by Then.
type outcome[T any] struct {
	val T
	err error
}

func (o *outcome[T]) Result() (T, error) { return o.val, o.err }

package redpipe

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"
)

// ErrClosed settles the futures of commands queued on a root made with
// [AutoFlush] after its [Pipe.Close], and of the chains still waiting when
// it closed.
var ErrClosed = errors.New("redpipe: pipe closed")

// AutoFlush makes a root that executes on its own, for many goroutines to
// share: it flushes (executes what it holds) once it holds n commands, or
// once d has passed since the first command queued after the last flush,
// whichever comes first, with at most k flushes in flight at once, each
// on its own connection of the client's pool. While k flushes are in
// flight, commands gather, and the next flush takes all of them.
//
// n <= 0 flushes on time only; d <= 0 flushes as soon as fewer than k
// flushes are in flight, so that the commands queued during a round trip
// go out together in the next one: AutoFlush(0, 0, 4) batches like
// go-redis's AutoPipeliner. k <= 0 means 1.
//
// Any goroutine may queue on such a root, directly or through children
// (building blocks take it as their parent unchanged), and wait for its
// futures with [Future.Wait]. A child's Execute hands its commands to the
// root at once, so a request's commands go out in the same flush. Stages
// ([Chain]) and callbacks run in the flush that settles what they wait
// on, as in any root's Execute. A flush runs with a context of its own,
// which is never done: go-redis's timeouts bound it. The failures of a
// flush are on their futures and in its [BatchReport] (see [OnReport]);
// a panic in a Then or Chain function or a callback fails what that
// function was to settle and is raised again by Close.
//
// [Pipe.Execute] on the root flushes at once, in the caller's goroutine,
// once fewer than k flushes are in flight. [Pipe.Close] flushes what is
// left and waits for every flush; the root must be closed.
//
// AutoFlush is for roots: given to a child, or together with
// [Transaction], the function that makes the pipe panics.
func AutoFlush(n int, d time.Duration, k int) Option {
	return func(o *options) { o.auto = &flushPolicy{n: n, d: d, k: max(k, 1)} }
}

// flushPolicy is when a root made with AutoFlush flushes.
type flushPolicy struct {
	n int           // commands that start a flush; <= 0: none
	d time.Duration // the most a command waits for a flush to start
	k int           // the most flushes in flight
}

// flusher is what a root made with AutoFlush keeps to flush itself. Its
// flushing goroutines, at most k, each take a slot, take the root's queue
// and execute it, and go on while a flush is due: a goroutine that stays
// keeps the stack that go-redis's pipeline code grew, where one per flush
// would grow it again (BenchmarkPeers, at many goroutines).
type flusher struct {
	flushPolicy               // immutable
	slots       chan struct{} // one token per flush in flight
	flushers    sync.WaitGroup

	// Guarded by the root's mu.
	due      bool        // a flush is due and has not taken the queue yet
	running  int         // flushing goroutines
	timer    *time.Timer // the flush d after the first held command; nil: none armed
	armed    uint64      // how many times a timer was armed
	closed   bool        // Close has begun: nothing more is queued
	finished bool        // Close has waited for the flushes: chains left waiting fail

	c catcher // the panics of flushes in their own goroutines, for Close
}

func newFlusher(pol flushPolicy) *flusher {
	return &flusher{flushPolicy: pol, slots: make(chan struct{}, pol.k)}
}

// admitLocked is the seam through which AutoFlush sees the queueing path:
// every command, chain, callback and child's queue enters a pipe p through
// it, n at a time, with p.mu held. It returns the error to refuse them
// with: on a root made with AutoFlush, ErrClosed once Close has begun.
// There it also starts a flush when one is due.
func (p *Pipe) admitLocked(n int) error {
	f := p.auto
	switch {
	case f == nil:
		return nil
	case f.closed:
		return ErrClosed
	}
	f.queuedLocked(p, p.q.held+n)
	return nil
}

// executeRoot is the Execute of a root: on one made with AutoFlush, a
// flush in the caller's goroutine.
func (p *Pipe) executeRoot(ctx context.Context) error {
	if p.auto != nil {
		return p.auto.execute(ctx, p)
	}
	return p.run(ctx)
}

// keepsChainsLocked reports whether p keeps the chains still waiting at the
// end of an Execute for the next one: every root does, but one made with
// AutoFlush whose Close has waited for its flushes. p.mu is held.
func (p *Pipe) keepsChainsLocked() bool {
	return p.auto == nil || !p.auto.finished
}

// queuedLocked starts a flush of p if one is due now that p holds held
// commands, chains and callbacks, or arms the timer. p.mu is held.
func (f *flusher) queuedLocked(p *Pipe, held int) {
	switch {
	case f.due:
	case f.d <= 0 || f.n > 0 && held >= f.n:
		f.flushDue(p)
	case f.timer == nil:
		f.armed++
		armed := f.armed
		f.timer = time.AfterFunc(f.d, func() { f.expire(p, armed) })
	}
}

// expire starts the flush that the timer armed for the armed-th time was
// for, unless a flush took the queue since.
func (f *flusher) expire(p *Pipe, armed uint64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if f.armed == armed && f.timer != nil && !f.due && !f.closed {
		f.flushDue(p)
	}
}

// flushDue makes a flush due, and starts a flushing goroutine for it
// unless k are running: one of them takes it when its flush is done.
// p.mu is held.
func (f *flusher) flushDue(p *Pipe) {
	f.due = true
	if f.running < f.k {
		f.running++
		f.flushers.Add(1)
		go f.flush(p)
	}
}

// flush is a flushing goroutine: it flushes as long as a flush is due.
func (f *flusher) flush(p *Pipe) {
	defer f.flushers.Done()
	for {
		f.slots <- struct{}{}
		q, ok := f.takeDue(p)
		if !ok {
			<-f.slots
			return
		}
		if !q.empty() {
			f.c.try("a flush", func() { _ = p.runQueue(context.Background(), q) })
		}
		<-f.slots
		f.again(p)
	}
}

// takeDue takes p's queue if a flush is due; otherwise the calling
// flushing goroutine ends.
func (f *flusher) takeDue(p *Pipe) (queue, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if !f.due {
		f.running--
		return queue{}, false
	}
	return f.takeLocked(p), true
}

// take empties p's queue for a flush and disarms the timer.
func (f *flusher) take(p *Pipe) queue {
	p.mu.Lock()
	defer p.mu.Unlock()
	return f.takeLocked(p)
}

func (f *flusher) takeLocked(p *Pipe) queue {
	q := p.takeLocked()
	f.due = false
	if f.timer != nil {
		f.timer.Stop()
		f.timer = nil
	}
	return q
}

// again makes a flush due after one has finished if p holds a chain
// whose future that flush, or another, has settled meanwhile: nothing
// else would run it.
func (f *flusher) again(p *Pipe) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if f.due || f.closed {
		return
	}
	for ch := p.q.chains.head; ch != nil; ch = ch.next {
		if ch.src != nil && ch.src.isOpen() {
			f.flushDue(p)
			return
		}
	}
}

// execute is Execute on a root made with AutoFlush: a flush in the
// caller's goroutine, once a slot is free.
func (f *flusher) execute(ctx context.Context, p *Pipe) error {
	select {
	case f.slots <- struct{}{}:
	case <-ctx.Done():
		return ctx.Err() // what p holds goes out with the next flush
	}
	defer f.again(p)
	defer func() { <-f.slots }()
	return p.runQueue(ctx, f.take(p))
}

// Close flushes what p holds with ctx, waits for every flush in flight to
// finish, runs the chains whose futures those flushes settled, and
// settles with [ErrClosed] the chains still waiting. From the start of
// Close, commands queued on p fail at once with ErrClosed, and callbacks
// registered on p, or handed to it by a child, are dropped, as Reset
// drops them.
//
// Close returns the error of its flushes (see [Pipe.Execute]), or ctx's
// error if ctx is done first: what p still held then fails with an error
// matching both ErrClosed and ctx's error, and the flushes in flight
// settle their own futures, bounded by go-redis's timeouts. If a
// function that a flush ran panicked, Close panics with the first such
// [*PanicError] once everything has settled. A second Close waits for
// the flushes in flight and returns nil. Close panics if p was not made
// with AutoFlush.
func (p *Pipe) Close(ctx context.Context) error {
	f := p.auto
	if f == nil {
		panic("redpipe: Close on a pipe not made with AutoFlush")
	}
	p.mu.Lock()
	first := !f.closed
	f.closed = true
	p.mu.Unlock()
	var errs []error
	flush := func() {
		f.c.try("a flush", func() { errs = append(errs, f.execute(ctx, p)) })
	}
	if first {
		flush()
	}
	done := make(chan struct{})
	go func() {
		f.flushers.Wait()
		close(done)
	}()
	select {
	case <-done:
		if first {
			flush() // the chains that the flushes in flight settled the futures of
		}
	case <-ctx.Done():
	}
	p.mu.Lock()
	f.finished = true
	p.mu.Unlock()
	if err := ctx.Err(); err != nil {
		p.discard(fmt.Errorf("%w: %w", ErrClosed, err))
	} else {
		p.discard(ErrClosed)
	}
	f.c.repanic()
	return errors.Join(errs...)
}

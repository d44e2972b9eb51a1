package redpipe

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
)

// errOnPipe is what a future reports while its command is still queued on a
// pipe that has not executed: a child whose Execute has not run yet.
var errOnPipe = fmt.Errorf("%w: queued on a pipe that has not executed", ErrNotReady)

// latch is what futures settle with: the futures of one batch share one, so
// that settling costs nothing per future. It opens once, after the root has
// put a reply or an error on each of their commands; a future reads its
// command only after its latch has opened.
type latch struct {
	stage atomic.Int32 // onPipe, atRoot, then open

	mu    sync.Mutex
	thens []func(*catcher) // guarded by mu; taken by open, for its caller to run
	wake  chan struct{}    // guarded by mu; made by the first Wait, closed on open

	// src is, for a future made by Then, its source's latch: it says why the
	// future is not ready yet. Immutable.
	src *latch
}

// The stages of a latch.
const (
	onPipe int32 = iota // the commands are queued on a child that has not executed
	atRoot              // the commands are queued on their root
	open                // every command has its reply
)

// opened is a latch that is already open, for futures ready at once.
var opened = func() *latch {
	l := new(latch)
	l.stage.Store(open)
	return l
}()

func (l *latch) isOpen() bool { return l.stage.Load() == open }

// notReady returns the error a future of l reports while l is closed.
func (l *latch) notReady() error {
	for l.src != nil {
		l = l.src
	}
	if l.stage.Load() == onPipe {
		return errOnPipe
	}
	return ErrNotReady
}

// reachRoot notes that l's commands have reached their root.
func (l *latch) reachRoot() { l.stage.CompareAndSwap(onPipe, atRoot) }

// then registers fn to run once l has opened and every other latch opened
// with it has too. It returns false, registering nothing, if l is open
// already: the caller then runs its function itself.
func (l *latch) then(fn func(*catcher)) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.isOpen() {
		return false
	}
	l.thens = append(l.thens, fn)
	return true
}

// open opens l and returns the functions registered with then, for the
// caller to run once every latch it opens has opened.
func (l *latch) open() []func(*catcher) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.openLocked()
}

func (l *latch) openLocked() []func(*catcher) {
	l.stage.Store(open)
	if l.wake != nil {
		close(l.wake)
	}
	thens := l.thens
	l.thens = nil
	return thens
}

// wait blocks until l opens or ctx is done; an open latch wins over a done
// context.
func (l *latch) wait(ctx context.Context) error {
	l.mu.Lock()
	if l.isOpen() {
		l.mu.Unlock()
		return nil
	}
	if l.wake == nil {
		l.wake = make(chan struct{})
	}
	wake := l.wake
	l.mu.Unlock()
	select {
	case <-wake:
		return nil
	case <-ctx.Done():
		if l.isOpen() {
			return nil
		}
		return ctx.Err()
	}
}

// openAll opens every latch of batches, and only then runs the functions
// registered on them, in order, so that each may read any future of the
// batches. The latches open under all their locks at once: a function
// registered meanwhile from another goroutine runs at once only when all
// are open. Panics are caught by c.
func openAll(batches []*batch, c *catcher) {
	for _, b := range batches {
		b.mu.Lock()
	}
	var thens []func(*catcher)
	for _, b := range batches {
		thens = append(thens, b.openLocked()...)
	}
	for _, b := range batches {
		b.mu.Unlock()
	}
	for _, fn := range thens {
		fn(c)
	}
}

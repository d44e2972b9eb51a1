package redpipe

import (
	"context"
	"fmt"
	"math"
	"sync"
	"sync/atomic"
)

// errOnPipe is what a future reports while its command is still queued on a
// pipe that has not executed: a child whose Execute has not run yet.
var errOnPipe = fmt.Errorf("%w: queued on a pipe that has not executed", ErrNotReady)

// errWaiting is what a future made by Chain reports until it settles.
var errWaiting = fmt.Errorf("%w: waiting for the future it chains on", ErrNotReady)

// latch is what futures settle with: the futures of one batch share one, so
// that settling costs nothing per future. It opens once, after the root has
// put a reply or an error on each of their commands; a future reads its
// command only after its latch has opened.
type latch struct {
	state atomic.Int32 // onPipe, then atRoot or riding; derived; waiting; then settled; and watched
	// waiters counts the goroutines in wait that take a token from
	// watch.wake; guarded by mu.
	waiters int32

	mu sync.Mutex
	// watch holds what is registered on the latch, for the few latches
	// that a step or a waiter watches; nil for none; guarded by mu.
	watch *watch

	// src is, for a future made by Then, its source's latch, which says
	// why the future is not ready yet, immutable; for the latch of a batch
	// that rides on another (see ride), that batch's latch, which opens
	// for both, set before the state becomes riding.
	src *latch
}

// watch is what steps and waiters register on a latch: out of the latch,
// which every batch and loan holds, so that those nobody watches stay
// small. Watches are pooled: a latch takes one when it is first watched
// and gives it back once its waiters have left and its steps have been
// taken.
type watch struct {
	steps []step        // registered by then, taken by open
	wake  chan struct{} // open puts a token in it per waiter (see watches)
}

// The stages of a latch.
const (
	onPipe  int32 = iota // the commands are queued on a child that has not executed
	atRoot               // the commands are queued on their root
	riding               // the commands ride on src's batch: l is open when src is
	derived              // a Then's future, whose function has not run: src says why
	waiting              // a Chain's future, waiting for its source and then fn's future
	settled              // every command has its reply

	// watched is set with the stage once a step or a waiter is registered
	// on the latch, or tried to be: then its batch does not ride (see ride).
	watched int32 = 8
)

// opened is a latch that is already open, for futures ready at once.
var opened = func() *latch {
	l := new(latch)
	l.state.Store(settled)
	return l
}()

// derivedFrom returns a closed latch of a future derived from src's.
func derivedFrom(src *latch) *latch {
	l := &latch{src: src}
	l.state.Store(derived)
	return l
}

func (l *latch) isOpen() bool {
	switch l.state.Load() &^ watched {
	case settled:
		return true
	case riding:
		return l.src.hostOpen()
	}
	return false
}

// hostOpen is isOpen for the latch a batch rides on, kept out of isOpen so
// that isOpen inlines.
func (l *latch) hostOpen() bool { return l.isOpen() }

// notReady returns the error a future of l reports while l is closed.
func (l *latch) notReady() error {
	for {
		switch l.state.Load() &^ watched {
		case riding, derived:
			l = l.src
		case onPipe:
			return errOnPipe
		case waiting:
			return errWaiting
		default:
			return ErrNotReady
		}
	}
}

// ride makes l, the latch of a batch whose commands now ride on host's
// batch, open when host does, and reports whether it did: it does not
// once l is watched. src is read only once the state says riding, which
// it says after src is set.
func (l *latch) ride(host *latch) bool {
	l.src = host
	for {
		s := l.state.Load()
		if s != onPipe && s != atRoot {
			l.src = nil
			return false
		}
		if l.state.CompareAndSwap(s, riding) {
			return true
		}
	}
}

// watchLocked marks l watched, so that its batch no longer rides, and
// returns its stage. l.mu is held.
func (l *latch) watchLocked() int32 { return l.state.Or(watched) &^ watched }

// reachRoot notes that l's commands have reached their root.
func (l *latch) reachRoot() {
	for {
		s := l.state.Load()
		if s&^watched != onPipe || l.state.CompareAndSwap(s, s|atRoot) {
			return
		}
	}
}

// then registers st to run once l has opened and every other latch opened
// with it has too. It returns false, registering nothing, if l is open
// already: the caller then runs its step itself.
func (l *latch) then(st step) bool {
	l.mu.Lock()
	switch l.watchLocked() {
	case riding:
		l.mu.Unlock()
		return l.src.then(st)
	case settled:
		l.mu.Unlock()
		return false
	}
	defer l.mu.Unlock()
	w := l.watchers()
	w.steps = append(w.steps, st)
	return true
}

// watchers returns l.watch, taking one from the pool if needed. l.mu is
// held.
func (l *latch) watchers() *watch {
	if l.watch == nil {
		l.watch = watches.Get().(*watch)
	}
	return l.watch
}

// open opens l and returns the steps registered with then, for the caller
// to run once every latch it opens has opened.
func (l *latch) open() []step {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.openLocked()
}

func (l *latch) openLocked() []step {
	l.state.Store(settled)
	w := l.watch
	if w == nil {
		return nil
	}
	for range l.waiters {
		w.wake <- struct{}{} // never blocks: see watches
	}
	steps := w.steps
	w.steps = nil // the caller's now
	if l.waiters == 0 {
		l.unwatchLocked()
	}
	return steps
}

// wait blocks until l opens or ctx is done; an open latch wins over a done
// context.
func (l *latch) wait(ctx context.Context) error {
	l.mu.Lock()
	switch l.watchLocked() {
	case riding:
		l.mu.Unlock()
		return l.src.wait(ctx)
	case settled:
		l.mu.Unlock()
		return nil
	}
	l.waiters++
	wake := l.watchers().wake
	l.mu.Unlock()
	select {
	case <-wake:
	case <-ctx.Done():
		l.mu.Lock()
		if !l.isOpen() {
			l.leaveLocked()
			l.mu.Unlock()
			return ctx.Err()
		}
		l.mu.Unlock()
		<-wake // put there when l opened
	}
	l.mu.Lock()
	l.leaveLocked()
	l.mu.Unlock()
	return nil
}

// leaveLocked ends the wait of a goroutine that took its token from
// l.watch.wake, or that gives up before l opens. l.mu is held.
func (l *latch) leaveLocked() {
	l.waiters--
	if l.waiters == 0 && len(l.watch.steps) == 0 {
		l.unwatchLocked()
	}
}

// unwatchLocked gives l.watch back to the pool, once no waiter is left and
// no step is registered: its channel is empty then. l.mu is held.
func (l *latch) unwatchLocked() {
	watches.Put(l.watch)
	l.watch = nil
}

// watches holds the watches latches take, each with its channel and no
// step. A channel of struct{} buffers any number of tokens with no memory
// for them, so that open never blocks; a waiting goroutine takes one
// token, so that a channel is empty again once every waiter has left, and
// waiting costs no allocation.
var watches = sync.Pool{New: func() any { return &watch{wake: make(chan struct{}, math.MaxInt32)} }}

// openAll opens every latch of batches and returns the steps registered
// on them, for the caller to run: only then, so that each may read any
// future of the batches. The latches of the batches that ride on them open
// with them. Each latch opens under its lock, and every lock is held until
// all have opened: a step registered meanwhile from another goroutine
// runs at once only when all are open.
func openAll(batches []*batch) []step {
	var steps []step
	for _, b := range batches {
		b.mu.Lock()
		steps = append(steps, b.openLocked()...)
		if also := b.also(); also != nil {
			also.mu.Lock()
			steps = append(steps, also.openLocked()...)
		}
	}
	for _, b := range batches {
		b.mu.Unlock()
		if also := b.also(); also != nil {
			also.mu.Unlock()
		}
	}
	return steps
}

// also returns the latch that opens with b's besides its own, if any (see
// extra.also).
func (b *batch) also() *latch {
	if b.extra == nil {
		return nil
	}
	return b.extra.also
}

package redpipe

import (
	"errors"
	"fmt"
	"slices"
	"sync/atomic"

	"github.com/redis/go-redis/v9"
)

var (
	errNilFuture   = errors.New("redpipe: the Chain function returned a nil future")
	errWatchStages = errors.New("redpipe: Chain is not available inside Watch: a transaction has no stages")
)

// Chain runs fn once f has settled, while f's root executes, and returns a
// future of the future fn returns. The commands fn queues on next go out in
// the root's next round trip, together with those of every other Chain
// whose future settled in the same round trip.
//
// fn runs with f's value and error, also when f failed (a nil reply is
// [redis.Nil], as always): it decides. next is a pipe on p's connection,
// never transactional, that fn may queue on or hand to building blocks as
// their parent; they may Chain again, which makes a further stage, and
// Pipeline(next, Transaction()) makes a follow-up atomic. The future Chain
// returns settles when the one fn returns does, in whatever stage that is;
// fn returning nil settles it with an error.
//
// A Chain belongs to p like a command: it goes up with p's queue when p
// executes, [Pipe.Reset] drops it (its future settles with
// [ErrDiscarded]), and it runs in the Execute of p's root, at the first
// point where f has settled: before the first stage is sent if f has
// already, or after the stage that settles f. If f has not settled when
// that Execute has nothing left to send, the Chain stays queued for the
// root's next Execute; its future's error then says it is waiting. The
// functions of Then and Chain that wait on one stage run in the order Then
// and Chain were called. If fn panics, its future fails with a
// [*PanicError], what it queued on next is discarded, everything else goes
// on to the end, and then Execute panics. Inside [Watch], Chain's future
// fails at once: a transaction has no stages.
//
// Chain may be called from several goroutines at once, like any method of
// p.
func Chain[T, U any](p *Pipe, f *Future[T], fn func(next *Pipe, v T, err error) *Future[U]) *Future[U] {
	out := new(outcome[U])
	g := &Future[U]{src: out, latch: new(latch)}
	if p.inWatch() {
		out.err = errWatchStages
		g.latch = opened
		return g
	}
	g.latch.state.Store(waiting)
	settle := func(v U, err error) []step {
		out.val, out.err = v, err
		return g.latch.open()
	}
	ch := &chain{src: f.latch, discard: func(err error) []step { return settle(*new(U), err) }}
	ch.seq = stepSeq.Add(1)
	ch.run = func(s *stage) {
		collector := s.collector()
		var next *Pipe
		if p.to == collector.to {
			next = Pipeline(collector) // may borrow the collector's open batch
		} else {
			next = newChild(collector, p.to)
		}
		var h *Future[U]
		if pe := s.c.try("a Chain function", func() {
			v, err := f.Result()
			h = fn(next, v, err)
		}); pe != nil {
			q := next.take()
			q.discard(fmt.Errorf("%w: %w", ErrDiscarded, pe), s)
			s.runSteps(settle(*new(U), pe))
			return
		}
		_ = next.Execute(s.ctx) // to s.next: the next stage
		switch {
		case h == nil:
			s.runSteps(settle(*new(U), errNilFuture))
		case h.latch == nil: // the zero Future: never settles
		default:
			hand := step{seq: stepSeq.Add(1), run: func(s *stage) { s.runSteps(settle(h.Result())) }}
			if !h.latch.then(hand) {
				hand.run(s)
			}
		}
	}
	p.guard().Lock()
	err := p.admitLocked(0)
	if err == nil {
		p.q.addChain(ch)
		p.chainedLocked(ch)
	}
	p.guard().Unlock()
	if err != nil {
		ch.discard(err) // nothing waits on g yet
	}
	return g
}

// inWatch reports whether p is a pipe of a [Watch] function.
func (p *Pipe) inWatch() bool {
	root := p
	for root.parent != nil {
		root = root.parent
	}
	_, ok := root.target().client.(*redis.Tx)
	return ok
}

// Settled returns a future that is already settled with v and err.
func Settled[T any](v T, err error) *Future[T] {
	return &Future[T]{src: &outcome[T]{v, err}, latch: opened}
}

// All returns a future of the values of fs, in order, settled once all of
// fs have; it fails with the first error among fs, in order. All() is a
// settled future of an empty, non-nil slice.
func All[T any](fs ...*Future[T]) *Future[[]T] {
	out := new(outcome[[]T])
	collect := func() {
		vals := make([]T, len(fs))
		for i, f := range fs {
			v, err := f.Result()
			if err != nil {
				out.err = err
				return
			}
			vals[i] = v
		}
		out.val = vals
	}
	latches := make([]*latch, len(fs))
	for i, f := range fs {
		latches[i] = f.latch
	}
	return &Future[[]T]{src: out, latch: afterAll(latches, func(*catcher) { collect() })}
}

// afterAll returns the latch of a future derived from the futures whose
// latches are latches, or nil, a latch that never opens, if one of them is
// nil. settle sets the derived future's outcome once all of latches have
// opened: at once, in the caller's goroutine, with a nil catcher, when
// they have already; otherwise as a step of the last to open, with the
// catcher of the root that opened it.
func afterAll(latches []*latch, settle func(*catcher)) *latch {
	var pending []*latch
	for _, l := range latches {
		if l == nil {
			return nil
		}
		if !l.isOpen() && !slices.Contains(pending, l) {
			pending = append(pending, l)
		}
	}
	if len(pending) == 0 {
		settle(nil)
		return opened
	}
	g := derivedFrom(pending[0])
	var left atomic.Int64
	left.Store(int64(len(pending)))
	for _, l := range pending {
		last := step{seq: stepSeq.Add(1), run: func(s *stage) {
			if left.Add(-1) == 0 {
				settle(&s.c)
				s.runSteps(g.open())
			}
		}}
		if !l.then(last) && left.Add(-1) == 0 { // opened meanwhile; nothing waits on g yet
			settle(nil)
			g.open()
		}
	}
	return g
}

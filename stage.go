package redpipe

import (
	"cmp"
	"context"
	"slices"
	"sync"
	"sync/atomic"
)

// A root executes in stages. A stage sends what is queued; once its futures
// have settled, the Then and Chain functions waiting on them run, and the
// commands the Chain functions queue make the next stage. Dependent
// commands so cost one round trip per dependency level, however many
// building blocks take part.

// step is a function that runs between two stages, once the futures it
// reads have settled: a Then function, a Chain function, or the hand-over
// of a Chain's result. seq orders the steps of one boundary: the order in
// which Then and Chain were called.
type step struct {
	seq uint64
	run func(*stage)
}

// stepSeq numbers steps as they are made.
var stepSeq atomic.Uint64

// stage is what steps run with in a root's Execute.
type stage struct {
	ctx context.Context
	to  *target // where the root sends; nil outside an Execute (Reset), where no Chain function runs
	// next collects the commands, chains and callbacks of the next stage:
	// it is the parent of every Chain function's next pipe. Made by the
	// first Chain function that runs (see collector).
	next *Pipe
	c    catcher

	// Room, reused stage after stage, for the batches of a stage and for
	// the route of a stage that goes to one client, as most do.
	batches [stageBatches]*batch
	one     [1]route
}

// stages holds the stages of roots' Executes for reuse: a root made with
// AutoFlush executes once per flush, which may carry a single operation
// (BenchmarkPeers, G=1). A stage goes back only once its Execute has
// ended without a panic; then nothing holds it.
var stages = sync.Pool{New: func() any { return new(stage) }}

// stageBatches is how many batches a stage holds without an allocation of
// their own: a few building blocks' worth, as a flush of a busy root that
// flushes itself takes.
const stageBatches = 8

// collector returns s.next, making it if needed.
func (s *stage) collector() *Pipe {
	if s.next == nil {
		c := &struct {
			Pipe
			mu sync.Mutex
		}{Pipe: Pipe{to: s.to}}
		c.Pipe.mu = &c.mu
		s.next = &c.Pipe
	}
	return s.next
}

// take empties s.next and returns what it held.
func (s *stage) take() queue {
	if s.next == nil {
		return queue{}
	}
	return s.next.take()
}

// runSteps runs steps in the order of their seq.
func (s *stage) runSteps(steps []step) {
	slices.SortFunc(steps, func(a, b step) int { return cmp.Compare(a.seq, b.seq) })
	for _, st := range steps {
		st.run(s)
	}
}

// chain is a Chain function waiting for its source future to settle. It
// travels with the queue of the pipe it was made on, like a command.
type chain struct {
	step
	src     *latch             // the source's latch; nil: it never settles
	discard func(error) []step // settles the chain's future with an error
	next    *chain             // the next chain of the queue it is in
	watched bool               // see watchSourceLocked; guarded by the mu of the root that holds it
}

// takeReady returns the steps of the chains whose source has settled, and
// the chains still waiting.
func takeReady(chains []*chain) (ready []step, waiting []*chain) {
	for _, ch := range chains {
		if ch.src != nil && ch.src.isOpen() {
			ready = append(ready, ch.step)
		} else {
			waiting = append(waiting, ch)
		}
	}
	return ready, waiting
}

// stageErr returns the error of a context that ended before a stage after
// the first; the first is sent, and fails, as go-redis decides.
func stageErr(ctx context.Context, first bool) error {
	if first || ctx == nil {
		return nil
	}
	return ctx.Err()
}

// run is a root's Execute: stage after stage until one leaves nothing to
// send, then the callbacks. Chains whose source has not settled by then
// stay queued on p for its next Execute.
func (p *Pipe) run(ctx context.Context) error {
	return p.runQueue(ctx, p.take())
}

// runQueue is run on q, taken from p.
func (p *Pipe) runQueue(ctx context.Context, q queue) error {
	s := stages.Get().(*stage)
	s.ctx, s.to = ctx, p.to
	var how sending
	if p.sending != nil {
		how = *p.sending
	}
	rp := newReporter(how.report)
	if p.tx {
		q.beginTx()
	}
	var waiting []*chain
	var callbacks []func()
	var errs []*CommandError
	for first := true; ; first = false {
		waiting, callbacks = q.unlink(waiting, callbacks)
		for { // chains whose source has settled already: their commands join this stage
			var ready []step
			if ready, waiting = takeReady(waiting); len(ready) == 0 {
				break
			}
			s.runSteps(ready)
			more := s.take()
			waiting, callbacks = more.unlink(waiting, callbacks)
			q.join(&more)
		}
		batches := q.batchSlice(s.batches[:])
		if len(batches) == 0 {
			break
		}
		if err := stageErr(ctx, first); err != nil {
			for _, b := range batches {
				b.failAll(err) // the context ended between stages
			}
		} else {
			rp.stage(s.send(batches, how.sendPolicy))
		}
		steps := openAll(batches)
		for {
			var ready []step
			ready, waiting = takeReady(waiting)
			if steps = append(steps, ready...); len(steps) == 0 {
				break
			}
			s.runSteps(steps)
			steps = nil
		}
		errs = failures(batches, errs)
		release(batches)
		q = s.take()
	}
	if len(waiting) > 0 {
		p.guard().Lock()
		kept := p.requeueLocked(waiting)
		p.guard().Unlock()
		if !kept {
			for _, ch := range waiting {
				s.runSteps(ch.discard(ErrClosed))
			}
		}
	}
	for _, fn := range callbacks {
		s.c.try("an OnExecute callback", fn)
	}
	var err error
	if len(errs) > 0 {
		err = &ExecError{Commands: errs}
	}
	rp.finish(how.report, err, &s.c)
	s.c.repanic()
	*s = stage{} // no batch, route, context or collector outlives its Execute
	stages.Put(s)
	return err
}

// requeue puts chains back at the head of q, in their order.
func (q *queue) requeue(chains []*chain) {
	var back list[*chain]
	for _, ch := range chains {
		ch.next = nil
		back.push(ch)
	}
	a := q.afterwork()
	back.join(a.chains)
	a.chains = back
}

// unlink appends the chains and callbacks of q to chains and callbacks,
// takes them off q, and returns them.
func (q *queue) unlink(chains []*chain, callbacks []func()) ([]*chain, []func()) {
	if q.after == nil {
		return chains, callbacks
	}
	for ch := q.after.chains.head; ch != nil; ch = ch.next {
		chains = append(chains, ch)
	}
	for cb := q.after.callbacks.head; cb != nil; cb = cb.next {
		callbacks = append(callbacks, cb.fn)
	}
	q.after = nil
	return chains, callbacks
}

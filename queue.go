package redpipe

import (
	"sync/atomic"

	"github.com/redis/go-redis/v9"
)

// queue is what a pipe holds until it executes: batches of commands in
// queue order, its own and those its children handed over, and the
// callbacks.
type queue struct {
	batches   []*batch
	open      *batch // the batch the pipe's own next command joins; nil: a new one
	chains    []*chain
	callbacks []func()
}

// command is a go-redis command whose reply is a T.
type command[T any] interface {
	redis.Cmder
	result[T]
}

// lock locks p for queueing a command and returns the store to build it on.
// The caller builds one command, passes it to enqueue, and unlocks p.mu.
func (p *Pipe) lock() *redis.Pipeline {
	p.mu.Lock()
	if p.closed() {
		return p.auto.scratch
	}
	if p.q.open == nil {
		p.openBatch()
	}
	return p.q.open.pl
}

// openBatch starts the batch p's own next commands join.
func (p *Pipe) openBatch() {
	var b *batch
	switch {
	case p.firstTaken:
		b = new(batch)
	case p.q.batches == nil:
		p.q.batches = p.firstSlot[:0]
		fallthrough
	default:
		b, p.firstTaken = &p.first, true
	}
	b.to, b.pl = p.to, newStore()
	if p.parent == nil {
		b.reachRoot()
	}
	p.q.open = b
	p.q.batches = append(p.q.batches, b)
}

// enqueue returns the future of cmd, just built by the method named name
// on the store p.lock returned, with p.mu held, from parameters of types
// go-redis always writes.
func enqueue[T any, C command[T]](p *Pipe, name string, cmd C) *Future[T] {
	return enqueueAs[T](p, name, false, cmd, cmd)
}

// enqueueChecked is enqueue for a command built from values of any type
// (a parameter of type any, or holding one): its arguments are checked.
func enqueueChecked[T any, C command[T]](p *Pipe, name string, cmd C) *Future[T] {
	return enqueueAs[T](p, name, true, cmd, cmd)
}

// enqueueAs is enqueue for a future that reads the reply of cmd through
// src; check says whether cmd's arguments need checking.
func enqueueAs[T any](p *Pipe, name string, check bool, cmd redis.Cmder, src result[T]) *Future[T] {
	if p.auto != nil {
		if p.auto.closed { // cmd was built on the scratch store
			p.auto.scratch.Discard()
			cmd.SetErr(closedErr(name))
			return &Future[T]{src: src, latch: opened}
		}
		p.auto.queued(p, 1)
	}
	b := p.q.open
	b.add(cmd, name, check)
	f := newFuture[T](b)
	f.src, f.latch = src, &b.latch
	return f
}

// take empties p's queue and returns what it held.
func (p *Pipe) take() queue {
	p.mu.Lock()
	q := p.q
	p.q = queue{}
	p.mu.Unlock()
	return q
}

// txs numbers the transactions that children begin under roots outside
// them.
var txs atomic.Uint64

// absorb appends the queue of a child of p to p's, after what p holds: its
// batches, whose commands reach the root when p does, and its callbacks.
// When the child begins a transaction (it is transactional and p is not),
// its batches become one transaction, kept apart from p's other commands.
func (p *Pipe) absorb(child *queue, childTx bool) {
	if child.empty() {
		return
	}
	var tx uint64
	if childTx && !p.tx {
		tx = txs.Add(1)
	}
	for _, b := range child.batches {
		if tx != 0 {
			b.tx = tx
		}
		if p.parent == nil {
			b.reachRoot()
		}
	}
	n := 0
	if p.auto != nil {
		n = child.len() + len(child.chains) + len(child.callbacks)
	}
	p.mu.Lock()
	if p.auto != nil {
		if p.auto.closed {
			p.mu.Unlock()
			s := new(stage)
			child.discard(ErrClosed, s)
			s.c.repanic()
			return
		}
		p.auto.queued(p, n)
	}
	defer p.mu.Unlock()
	p.q.batches = append(p.q.batches, child.batches...)
	if len(child.batches) > 0 {
		p.q.open = nil // p's next command goes after the child's
	}
	p.q.chains = append(p.q.chains, child.chains...)
	p.q.callbacks = append(p.q.callbacks, child.callbacks...)
}

// empty reports whether q holds nothing: no batch, chain or callback.
func (q *queue) empty() bool {
	return len(q.batches) == 0 && len(q.chains) == 0 && len(q.callbacks) == 0
}

// len returns the number of commands in q.
func (q *queue) len() int {
	n := 0
	for _, b := range q.batches {
		n += b.pl.Len()
	}
	return n
}

// discard settles every future of q, those of its chains included, with
// err, drops the callbacks, and releases the stores. The steps waiting on
// them run with s.
func (q *queue) discard(err error, s *stage) {
	for _, b := range q.batches {
		b.failAll(err)
	}
	steps := openAll(q.batches)
	for _, ch := range q.chains {
		steps = append(steps, ch.discard(err)...)
	}
	s.runSteps(steps)
	q.release()
}

// beginTx makes the batches of q one transaction per connection: those of
// a transactional root.
func (q *queue) beginTx() {
	tx := txs.Add(1)
	for _, b := range q.batches {
		b.tx = tx
	}
}

// release gives the stores of q back.
func (q *queue) release() {
	for _, b := range q.batches {
		b.release()
	}
}

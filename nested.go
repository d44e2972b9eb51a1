package redpipe

import (
	"context"
	"sync/atomic"

	"github.com/redis/go-redis/v9"
)

// Nesting. A child pipe holds its own queue (queue.go) until it executes;
// its Execute then hands the whole queue, batches, chains and callbacks,
// to its parent, after what the parent holds, in constant time under the
// parent's lock. A batch moves whole from child to parent, or, when it
// holds a few commands, rides on the parent's open batch, which takes a
// pointer to each of them (see hand); a command is built once, however
// deep the tree, and only the root sends.

// Pipeline returns a pipe under parent, or a root when parent is nil.
//
// A child pipe uses its parent's connection unless [On] names another; its
// own children inherit that. Executing a child sends nothing: it hands its
// commands and callbacks to parent, to be sent when the root executes. If
// the parent never executes, they are never sent.
//
// A root (nil parent) sends its commands to the default connection, or the
// one named with On, registered by [Connect] or [ConnectNamed].
//
// This is how a reusable function takes an optional pipe:
//
//	pipe := redpipe.Pipeline(parent) // parent may be nil
//	defer pipe.Execute(ctx)
//
// A child costs one allocation, which also holds the futures of its first
// two commands. Its Execute adds a few commands to its parent's open batch,
// on which its own batch then rides: its futures still read their own
// commands, and a kept future keeps that batch in memory too.
func Pipeline(parent *Pipe, opts ...Option) *Pipe {
	if parent == nil {
		o := collect(opts)
		to := &defaultTarget
		if o.named {
			to = &target{name: o.name, named: true}
		}
		return newRoot(to, o)
	}
	p := &Pipe{parent: parent, to: parent.to, tx: parent.tx}
	if len(opts) > 0 {
		o := collect(opts)
		switch {
		case o.auto != nil:
			panic("redpipe: AutoFlush given to a child: only a root executes")
		case o.bounded:
			panic("redpipe: MaxHeld given to a child: only a root made with AutoFlush holds commands for others")
		}
		if o.named {
			p.to = named(parent, o.name)
		}
		p.tx = p.tx || o.tx
	}
	return p
}

// named returns where a child of parent made with On(name) sends: the
// root's own client when the root was made by New with the same On,
// otherwise the connection registered under name.
func named(parent *Pipe, name string) *target {
	root := parent
	for root.parent != nil {
		root = root.parent
	}
	if to := root.target(); to.client != nil && to.named && to.name == name {
		return to
	}
	return &target{name: name, named: true, reg: parent.target().reg}
}

// handUp is the Execute of a child, with ctx: it hands what p holds to its
// parent, and returns the error its parent refused it with.
// A transactional child of a parent outside a transaction begins one:
// what it holds becomes one transaction per connection.
func (p *Pipe) handUp(ctx context.Context) error {
	q := p.take()
	if q.empty() {
		return nil
	}
	if p.tx && !p.parent.tx {
		q.beginTx()
	}
	return p.parent.absorb(ctx, &q)
}

// absorb appends child, the queue a child of p hands up with its Execute's
// ctx, to p's queue, after what p holds. If p refuses it (see joinLocked),
// child is discarded whole, and absorb returns the error.
func (p *Pipe) absorb(ctx context.Context, child *queue) error {
	if p.parent == nil && child.batches.head != nil {
		for b := child.batches.head.next; b != nil; b = b.next {
			b.reachRoot() // the first's is up to hand: it may ride instead
		}
	}
	p.mu.Lock()
	spare, err := p.joinLocked(ctx, child)
	p.mu.Unlock()
	spare.put()
	if err != nil {
		s := new(stage)
		child.discard(err, s)
		s.c.repanic()
	}
	return err
}

// hand appends child, the queue a child hands up, to q, its parent's,
// after what q holds, in constant time; own is where the parent's own
// commands go. With ride, a small first batch of child rides on q's open
// batch (see carry), and child's last batch becomes q's open batch when
// it can take the parent's commands (see takes), so that a tree of
// building blocks reaches its root as a batch or two, not one per block.
// With a limit, a batch that holds that many commands carries no more.
// Otherwise the parent's next command opens a batch of its own, and a
// last batch of a command or two gives its store back (see compact). When
// the parent is a root, a first batch that does not ride notes that it
// reached it (absorb notes the others). hand returns the stores it freed,
// for the caller to give back once it has let go of the parent's lock.
func (q *queue) hand(child *queue, own *target, ride bool, limit int, root bool) (spare spares) {
	bs := child.batches
	if b := bs.head; ride && b != nil && q.last != nil && q.last.canCarry(b, limit) {
		next := b.next
		if q.last.carry(b, &spare[0]) {
			if bs.head = next; bs.head == nil {
				bs.tail = nil
			}
		}
	}
	if root && bs.head == child.batches.head && bs.head != nil {
		bs.head.reachRoot() // it did not ride
	}
	if bs.head != nil {
		q.batches.join(bs)
		if t := bs.tail; ride && t.takes(own) {
			q.last = t
		} else {
			q.last = nil
			spare[1] = t.compact()
		}
	}
	q.joinAfter(child.after)
	q.held += child.held
	return spare
}

// maxCarried is the most commands a batch may hold to ride on another
// (see carry): copying them stays a constant cost under the parent's lock.
const maxCarried = 16

// canCarry reports whether b, the first batch a child hands up, may ride
// on h, the parent's open batch: they go to the same connection in the
// same transaction, and b holds a few commands, none refused while
// queueing and no script call, whose bookkeeping stays with their batch.
func (h *batch) canCarry(b *batch, limit int) bool {
	return b.n <= maxCarried && (limit == 0 || h.n < int32(limit)) && b.to == h.to && b.tx == h.tx && b.extra == nil
}

// carry appends the commands of b, a child's batch, to h, the parent's
// open batch, and reports whether it did: from then on b rides on h. Its
// futures keep reading b's latch, which opens when h's does (see ride);
// it does not carry a batch whose latch a step or a waiter watches
// already. carry gives b's store back to spare.
func (h *batch) carry(b *batch, spare **redis.Pipeline) bool {
	if !b.ride(&h.latch) {
		return false
	}
	var buf few
	_ = h.store.BatchProcess(background, b.cmds(&buf)...)
	h.n = int32(h.store.Len())
	*spare = b.store
	b.store, b.next = nil, nil
	return true
}

// takes reports whether the parent's own commands may join b, the last
// batch a child handed up, when own is where they go: b goes there too,
// outside a transaction the child began, and still has its store.
func (b *batch) takes(own *target) bool {
	return b.to == own && b.tx == 0 && b.store != nil
}

// txs numbers transactions: those of transactional roots, and those that
// children begin.
var txs atomic.Uint64

// beginTx makes the batches of q one transaction per connection.
func (q *queue) beginTx() {
	tx := txs.Add(1)
	for b := q.batches.head; b != nil; b = b.next {
		b.tx = tx
	}
}

// Reset drops the commands and callbacks queued on p. The futures of the
// dropped commands settle at once with [ErrDiscarded]. Commands that a
// child has already handed to p are dropped too; those p has handed to its
// parent are not.
func (p *Pipe) Reset() {
	p.discard(ErrDiscarded)
}

package redpipe

import (
	"context"
	"slices"
	"sync/atomic"

	"github.com/redis/go-redis/v9"
)

// Nesting. A child pipe holds its own queue (queue.go) until it executes;
// its Execute then hands the whole queue, batches, chains and callbacks,
// to its parent, after what the parent holds, in constant time under the
// parent's lock, which the child shares but under a root made with
// AutoFlush. A batch moves whole from child to parent, or, when it holds
// a few commands, rides on the parent's open batch, which takes a pointer
// to each of them (see hand). A child of a root borrows the root's open
// batch instead, and queues its first commands there (see borrowLocked).
// A command is built once, however deep the tree, and only the root
// sends.

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
// Pipeline inlines, and the Go compiler keeps the child it makes on the
// goroutine's stack when the child does not outlive the function that
// made it, as in the lines above. A child of a root made without
// AutoFlush, made with no option, then costs no allocation of its own: it
// queues its first commands on the root's open batch, where its Execute
// leaves them; the record of that loan comes from the root, eight to an
// allocation. Another child costs one allocation, its first batch with its
// lock, which also holds the futures of its first two commands; its
// Execute adds a few commands to its parent's open batch, on which its own
// batch then rides. Either way a future reads its own command, and a kept
// future keeps the batch that holds it in memory.
func Pipeline(parent *Pipe, opts ...Option) *Pipe {
	return new(Pipe).under(parent, opts) // inlined: the new Pipe may stay on the caller's stack
}

// under makes p, a zero Pipe, a child of parent configured by opts, and
// returns it; for a nil parent it returns a new root instead, and p is
// left unused. A child of a lendable parent made with no option may
// borrow; any other child has a first batch of its own, and its lock
// unless it shares its parent's, in one allocation (see child).
func (p *Pipe) under(parent *Pipe, opts []Option) *Pipe {
	switch {
	case parent == nil:
		return root(opts)
	case len(opts) == 0 && lendable(parent):
		// A nil mu is the zero Pipe's lock (see guard), as in parent.
		*p = Pipe{parent: parent, to: parent.to, tx: parent.tx, mu: parent.mu}
		return p
	}
	p.child(parent, parent.to, new(own))
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

// root returns a root on the connection opts name, or the default one.
func root(opts []Option) *Pipe {
	o := collect(opts)
	to := &defaultTarget
	if o.named {
		to = &target{name: o.name, named: true}
	}
	return newRoot(to, o)
}

// child makes p, a zero Pipe, a child of parent that sends to to, in
// parent's transaction if any, with the first batch of o, and o's lock
// unless it shares its parent's, as it does when the parent shares it
// (see sharesLock).
func (p *Pipe) child(parent *Pipe, to *target, o *own) {
	*p = Pipe{parent: parent, to: to, tx: parent.tx, mu: &o.mu, first: &o.first}
	if parent.sharesLock() {
		p.mu = parent.guard()
	}
}

// newChild returns a child of parent that sends to to, allocated with its
// first batch (see child).
func newChild(parent *Pipe, to *target) *Pipe {
	w := new(withOwn)
	w.Pipe.child(parent, to, &w.own)
	return &w.Pipe
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
	r := p.parent
	g := p.guard()
	g.Lock()
	if g != r.guard() {
		q := p.takeLocked()
		g.Unlock()
		if q.empty() {
			return nil
		}
		if p.tx && !r.tx {
			q.beginTx()
		}
		return r.absorb(ctx, &q)
	}
	if l := p.loan; l != nil && l.back == nil && r.q.commit(l) {
		p.loan = nil
		if p.q.empty() { // what it queued stays where it borrowed it
			g.Unlock()
			return nil
		}
	}
	q := p.takeLocked()
	if q.empty() {
		g.Unlock()
		return nil
	}
	if p.tx && !r.tx {
		q.beginTx()
	}
	return r.absorbLocked(ctx, &q)
}

// absorb appends child, the queue a child of p hands up with its Execute's
// ctx, to p's queue, after what p holds. If p refuses it (see joinLocked),
// child is discarded whole, and absorb returns the error.
func (p *Pipe) absorb(ctx context.Context, child *queue) error {
	p.guard().Lock()
	return p.absorbLocked(ctx, child)
}

// absorbLocked is absorb with p's lock held, which it releases.
func (p *Pipe) absorbLocked(ctx context.Context, child *queue) error {
	p.reclaimLocked() // what p borrowed goes before child's commands
	if p.parent == nil && child.batches.head != nil {
		for b := child.batches.head.next; b != nil; b = b.next {
			b.reachRoot() // the first's is up to hand: it may ride instead
		}
	}
	spare, err := p.joinLocked(ctx, child)
	p.guard().Unlock()
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
	q.evict()
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
// It is also the most commands a child borrows (see borrowLocked).
const maxCarried = 16

// Borrowing. A building block, a child of a root that queues a few
// commands, needs no batch of its own: it borrows the tail of its root's
// open batch, under the lock they share. Its commands are built there,
// once, while its futures read the latch of its loan, which says that the
// child has not executed. The root, not the child, holds the loan, so
// that nothing the root keeps points at the child: the child may stay on
// its goroutine's stack. Its Execute commits them where they are, in
// constant time: that latch then rides on the open batch's. Whatever else
// changes the root's queue first evicts the borrowed commands into a
// batch of their own, which the child takes back to the head of its queue
// the next time it uses it, as if it had queued them there: they go after
// what the root holds at the child's Execute, or not at all. A child
// takes its commands back too before its own children's join its queue.
// One child borrows at a time; the others queue on batches of their own.

// lendable reports whether a child of parent made with no option may
// borrow: parent is a root without AutoFlush.
func lendable(parent *Pipe) bool { return parent.parent == nil && parent.sharesLock() }

// loan is what a root lends a child: the tail of its open batch, where the
// child's first commands are built.
type loan struct {
	latch latch  // what the borrowed commands' futures settle with
	back  *batch // where evict moved them, for the child to take back; nil until then
}

// loanBlock is how many loans a root makes at once: a loan is read by the
// futures it made, after its child is gone, and so it is never reused.
const loanBlock = 8

// borrowed returns the number of commands p's loan holds for it: those
// it borrowed, which its root counts, or those evict moved; 0 without a
// loan. p's lock is held.
func (p *Pipe) borrowed() int {
	switch l := p.loan; {
	case l == nil:
		return 0
	case l.back != nil:
		return l.back.len()
	}
	return int(p.parent.q.lent)
}

// lendLocked returns a new loan of p, a root, for a child. p's lock is held.
func (p *Pipe) lendLocked() *loan {
	if len(p.loans) == 0 {
		p.loans = make([]loan, loanBlock)
	}
	l := &p.loans[0]
	p.loans = p.loans[1:]
	p.q.loan, p.q.last = l, nil // the tail of p's batches is lent
	return l
}

// borrowLocked returns the batch p's next command is built on when p
// borrows it from its parent, or nil when p queues it on a batch of its
// own. p's lock, which its parent shares when p may borrow, is held.
func (p *Pipe) borrowLocked() *batch {
	r := p.parent
	if l := p.loan; l != nil {
		if l.back == nil && r.q.lent < maxCarried {
			return r.q.batches.tail
		}
		p.reclaimLocked() // as many as a child borrows
		return nil
	}
	if r.q.loan != nil || p.q.batches.head != nil {
		return nil
	}
	h := r.openLocked()
	p.loan = r.lendLocked()
	return h
}

// reclaimLocked ends p's loan, if it has one: its commands come back to a
// batch at the head of p's queue. p's lock is held.
func (p *Pipe) reclaimLocked() {
	l := p.loan
	if l == nil {
		return
	}
	if l.back == nil {
		p.parent.q.evict() // l is its root's loan
	}
	b := l.back
	p.loan, l.back = nil, nil
	q := &p.q
	b.next = q.batches.head
	q.batches.head = b
	if q.batches.tail == nil {
		q.batches.tail, q.last = b, b
	}
	q.held += b.len()
}

// commit settles l, a loan of q's to a child, at the child's Execute, and
// reports whether it did: the borrowed commands stay where they are, and
// l's latch rides on the batch that holds them. When that latch is
// watched (a Then or a waiter watches one of their futures), they are
// evicted instead, to be handed up with the rest of the child's queue.
// q's lock is held.
func (q *queue) commit(l *loan) bool {
	if h := q.batches.tail; l.latch.ride(&h.latch) {
		q.loan, q.last = nil, h
		q.held += int(q.lent)
		q.lent = 0
		return true
	}
	q.evict()
	return false
}

// evict moves the commands of q's loan, at the end of its last batch, to
// a batch of their own, for the child that borrows them to take back (see
// reclaimLocked), with their refusals and script calls, and leaves that
// last batch closed, as it is while q lends: q's next command opens a new
// one, so that evicting costs at most the commands of one batch. The
// loan's latch opens with the new batch. q's lock is held.
func (q *queue) evict() {
	if q.loan != nil {
		q.evictLoan()
	}
}

// evictLoan is evict, when q lends.
func (q *queue) evictLoan() {
	l := q.loan
	h := q.batches.tail
	q.loan = nil
	cmds := h.store.Cmds()
	from := len(cmds) - int(q.lent)
	moved := cmds[from:]
	b := &batch{to: h.to, n: q.lent, store: newStore()}
	q.lent = 0
	_ = b.store.BatchProcess(background, moved...)
	h.moveExtra(b, moved)
	h.store.Discard()
	_ = h.store.BatchProcess(background, cmds[:from]...)
	clear(moved)
	h.n = int32(from)
	if from == 0 { // h was opened for l
		q.batches.cut(list[*batch]{h, h})
		h.release()
	}
	if !l.latch.ride(&b.latch) { // watched
		b.more().also = &l.latch
	}
	l.back = b
}

// moveExtra moves the refusals and script calls of cmds, commands of h,
// to b.
func (h *batch) moveExtra(b *batch, cmds []redis.Cmder) {
	if h.extra == nil {
		return
	}
	var refusals []refusal
	var scripts []scriptCall
	h.extra.refusals, refusals = split(h.extra.refusals, cmds, func(r refusal) redis.Cmder { return r.cmd })
	h.extra.scripts, scripts = split(h.extra.scripts, cmds, func(c scriptCall) redis.Cmder { return c.cmd })
	if len(refusals) > 0 {
		b.more().refusals = refusals
	}
	if len(scripts) > 0 {
		b.more().scripts = scripts
	}
	if h.extra.refusals == nil && h.extra.scripts == nil && h.extra.also == nil {
		h.extra = nil
	}
}

// split returns those of xs whose command, as cmdOf gives it, is not
// among cmds, and those whose command is, each in its order.
func split[X any](xs []X, cmds []redis.Cmder, cmdOf func(X) redis.Cmder) (kept, moved []X) {
	for _, x := range xs {
		if slices.Contains(cmds, cmdOf(x)) {
			moved = append(moved, x)
		} else {
			kept = append(kept, x)
		}
	}
	return kept, moved
}

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

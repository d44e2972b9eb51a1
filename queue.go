package redpipe

import (
	"fmt"

	"github.com/redis/go-redis/v9"
)

// queue is what a pipe holds until it executes: its batches of commands in
// queue order, its own and those its children handed over, the chains
// waiting to run, and the callbacks. Each is a linked list, so that a
// child's queue joins its parent's in constant time.
type queue struct {
	batches list[*batch]
	// last is the batch the pipe's own next command joins: the tail of
	// batches, until a child's batches follow it; nil: a new batch, as
	// while q lends.
	last *batch
	// loan is what a child borrows at the tail of batches (see
	// borrowLocked in nested.go); nil for none. lent counts the commands
	// it holds there.
	loan *loan
	lent int32
	// after holds the chains waiting to run and the callbacks, for the
	// few queues that have any; nil for none.
	after *after

	held int // commands queued: what an AutoFlush root counts
}

// after is what runs once commands settle: chains and callbacks.
type after struct {
	chains    list[*chain]    // in the order they were queued
	callbacks list[*callback] // in registration order
}

// afterwork returns q.after, making it if needed.
func (q *queue) afterwork() *after {
	if q.after == nil {
		q.after = new(after)
	}
	return q.after
}

// joinAfter appends the chains and callbacks of more to q's.
func (q *queue) joinAfter(more *after) {
	if more == nil {
		return
	}
	a := q.afterwork()
	a.chains.join(more.chains)
	a.callbacks.join(more.callbacks)
}

// list is a singly linked list: each node holds the next.
type list[N interface {
	comparable
	following() N
	setNext(N)
}] struct {
	head, tail N
}

// push appends n to l.
func (l *list[N]) push(n N) {
	var none N
	if l.tail == none {
		l.head = n
	} else {
		l.tail.setNext(n)
	}
	l.tail = n
}

// join appends the nodes of more to l.
func (l *list[N]) join(more list[N]) {
	var none N
	switch {
	case more.head == none:
	case l.tail == none:
		*l = more
	default:
		l.tail.setNext(more.head)
		l.tail = more.tail
	}
}

// cut takes run, nodes that follow one another in l, off l.
func (l *list[N]) cut(run list[N]) {
	var none N
	if run.head == none {
		return
	}
	var prev N
	for n := l.head; n != run.head; n = n.following() {
		prev = n
	}
	if prev == none {
		l.head = run.tail.following()
	} else {
		prev.setNext(run.tail.following())
	}
	if l.tail == run.tail {
		l.tail = prev
	}
	run.tail.setNext(none)
}

// callback is a function registered with OnExecute.
type callback struct {
	fn   func()
	next *callback
}

// The nodes of lists. staticcheck does not see calls through a type
// constraint: hence the directives.

//lint:ignore U1000 called by list, through its type constraint
func (b *batch) setNext(next *batch) { b.next = next }

//lint:ignore U1000 called by list, through its type constraint
func (ch *chain) setNext(next *chain) { ch.next = next }

//lint:ignore U1000 called by list, through its type constraint
func (cb *callback) setNext(next *callback) { cb.next = next }

//lint:ignore U1000 called by list, through its type constraint
func (b *batch) following() *batch { return b.next }

//lint:ignore U1000 called by list, through its type constraint
func (ch *chain) following() *chain { return ch.next }

//lint:ignore U1000 called by list, through its type constraint
func (cb *callback) following() *callback { return cb.next }

// command is a go-redis command whose reply is a T.
type command[T any] interface {
	redis.Cmder
	result[T]
}

// enqueue is the one way into a pipe's queue. It locks p, builds a command
// with build on the batch p's next command joins, admits it, and returns
// its future; name is the command's name, for messages, and check says
// whether its arguments need checking (see batch.add). A command that p
// does not admit (see admitLocked) is not built: its future fails at once.
func enqueue[T any, C command[T]](p *Pipe, name string, check bool, build func(*batch) C) *Future[T] {
	p.guard().Lock()
	defer p.guard().Unlock()
	if err := p.admitLocked(1); err != nil {
		return Settled(*new(T), refusedErr(name, err))
	}
	if p.first == nil && p.parent != nil {
		if h := p.borrowLocked(); h != nil {
			cmd := build(h)
			if !h.added(check) {
				h.add(cmd, name, check)
			}
			p.parent.q.lent++
			return newFuture[T](h, &p.loan.latch, cmd)
		}
	}
	b := p.openLocked()
	cmd := build(b)
	if !b.added(check) {
		b.add(cmd, name, check)
	}
	p.q.held++
	return newFuture[T](b, &b.latch, cmd)
}

// refusedErr is the error of a command named name that a pipe did not
// admit, for the reason err.
func refusedErr(name string, err error) error {
	return fmt.Errorf("%w: %s was not queued", err, name)
}

// openLocked returns the batch p's next command joins, starting one if
// needed.
func (p *Pipe) openLocked() *batch {
	if l := p.q.last; l != nil && l.n < maxBatch { // most commands
		return l
	}
	return p.openNewLocked()
}

// maxBatch is how many commands a pipe queues on one batch before it
// starts another: a batch's store stays small enough to pool, and is not
// grown by copying as a huge batch's would be; a root that sends in chunks
// of the default size sends each batch as one chunk (BenchmarkCurveBatch,
// n = 100,000 and 1,000,000).
const maxBatch = DefaultChunkSize

// openNewLocked is openLocked when p lends, has no open batch, or its open
// batch is full: it starts a batch.
func (p *Pipe) openNewLocked() *batch {
	p.q.evict()             // closes the open batch when p lends
	full := p.q.last != nil // left open: openLocked found it full
	b := p.first
	if b == nil || b.to != nil { // taken: its futures may still be read
		b = new(batch)
	}
	b.to, b.store = p.target(), newStore()
	if full && cap(b.store.Cmds()) < maxBatch { // p queues many
		reserve(b.store, maxBatch) // room for a full batch in one allocation
	}
	if p.parent == nil {
		b.reachRoot()
	}
	p.q.batches.push(b)
	p.q.last = b
	return b
}

// addChain appends ch to q.
func (q *queue) addChain(ch *chain) { q.afterwork().chains.push(ch) }

// addCallback appends fn to q.
func (q *queue) addCallback(fn func()) { q.afterwork().callbacks.push(&callback{fn: fn}) }

// join appends what more holds to q, after what q holds: q's next command
// opens a new batch after more's. A child's queue joins its parent's with
// hand (nested.go).
func (q *queue) join(more *queue) {
	if more.batches.head != nil {
		q.batches.join(more.batches)
		q.last = nil
	}
	q.joinAfter(more.after)
	q.held += more.held
}

// cut takes the batches, chains and callbacks of run, a queue joined to q,
// off q, and returns them.
func (q *queue) cut(run *queue) queue {
	q.batches.cut(run.batches)
	if run.after != nil {
		q.after.chains.cut(run.after.chains)
		q.after.callbacks.cut(run.after.callbacks)
	}
	q.held -= run.held
	return queue{batches: run.batches, after: run.after, held: run.held}
}

// take empties p's queue and returns what it held, the commands it
// borrowed included.
func (p *Pipe) take() queue {
	p.guard().Lock()
	defer p.guard().Unlock()
	return p.takeLocked()
}

// takeLocked is take with p's lock held. A root's loan is evicted first,
// and a child's taken back.
func (p *Pipe) takeLocked() queue {
	p.q.evict()
	p.reclaimLocked()
	q := p.q
	p.q = queue{}
	return q
}

// onlyBatches reports whether q holds no chain and no callback.
func (q *queue) onlyBatches() bool {
	return q.after == nil || q.after.chains.head == nil && q.after.callbacks.head == nil
}

// takeFront takes off q its first batches, up to the first after which
// enough returns true, given that batch and the commands taken so far, and
// returns them.
func (q *queue) takeFront(enough func(b *batch, held int) bool) queue {
	var front queue
	front.batches.head = q.batches.head
	for b := q.batches.head; b != nil; b = b.next {
		front.batches.tail = b
		front.held += b.len()
		if enough(b, front.held) {
			break
		}
	}
	tail := front.batches.tail
	q.batches.head = tail.next
	tail.next = nil
	if q.batches.head == nil {
		q.batches.tail, q.last = nil, nil
	}
	q.held -= front.held
	return front
}

// empty reports whether q holds nothing: no batch, chain or callback.
func (q *queue) empty() bool {
	return q.batches.head == nil && q.onlyBatches()
}

// len returns the number of commands in q, but those it lends.
func (q *queue) len() int {
	n := 0
	for b := q.batches.head; b != nil; b = b.next {
		n += b.len()
	}
	n -= int(q.lent)
	return n
}

// batchSlice returns the batches of q as a slice, in queue order: in buf
// if they fit, else in a slice of their own.
func (q *queue) batchSlice(buf []*batch) []*batch {
	n := 0
	for b := q.batches.head; b != nil; b = b.next {
		n++
	}
	bs := buf[:0]
	if n > cap(buf) {
		bs = make([]*batch, 0, n) // one allocation, where appends would double
	}
	for b := q.batches.head; b != nil; b = b.next {
		bs = append(bs, b)
	}
	return bs
}

// discard settles every future of q, those of its chains included, with
// err, drops the callbacks, and gives the stores back. The steps waiting
// on them run with s.
func (q *queue) discard(err error, s *stage) {
	bs := q.batchSlice(nil)
	for _, b := range bs {
		b.failAll(err)
	}
	steps := openAll(bs)
	if q.after != nil {
		for ch := q.after.chains.head; ch != nil; ch = ch.next {
			steps = append(steps, ch.discard(err)...)
		}
	}
	s.runSteps(steps)
	release(bs)
}

// discard drops what p holds, settling its futures with err.
func (p *Pipe) discard(err error) {
	q := p.takeAll()
	s := new(stage)
	q.discard(err, s)
	s.c.repanic()
}

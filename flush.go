package redpipe

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"time"
)

var (
	// ErrClosed settles the futures of commands queued on a root made with
	// [AutoFlush] after its [Pipe.Close], and of the chains still waiting
	// when it closed.
	ErrClosed = errors.New("redpipe: pipe closed")

	// ErrFull settles the futures of commands that a root made with
	// [AutoFlush] refused because it held as many commands as [MaxHeld]
	// allows that no flush had taken yet.
	ErrFull = errors.New("redpipe: pipe full")
)

// AutoFlush makes a root that executes on its own, for many goroutines to
// share: it flushes (executes what it holds) once it holds n commands, or
// once d has passed since the first command queued after the last flush,
// whichever comes first, with at most k flushes in flight at once, each
// on its own connection of the client's pool. While k flushes are in
// flight, commands gather, and the next flush takes all of them, up to
// [MaxHeld] ([DefaultMaxHeld] unless told otherwise).
//
// n <= 0 flushes on time only; d <= 0 flushes as soon as fewer than k
// flushes are in flight, so that the commands queued during a round trip
// go out together in the next one: AutoFlush(0, 0, 4) batches like
// go-redis's AutoPipeliner. k <= 0 means 1.
//
// A flush runs in a goroutine of the root's; one that finds no flush due
// waits up to 100 ms for the next before it ends, so that a busy root
// does not start a goroutine for each flush, and an idle one holds none.
//
// Any goroutine may queue on such a root, directly or through children
// (building blocks take it as their parent unchanged), and wait for its
// futures with [Future.Wait]. A child's Execute hands its commands to the
// root at once, so a request's commands go out in the same flush; if the
// context given to that Execute ends before a flush takes them, they are
// not sent, and their futures fail with an error matching both
// [ErrNotSent] and the context's error. One caller's context never
// touches another's commands: a flush runs with a context of its own,
// which is never done, and go-redis's timeouts bound it. Stages ([Chain])
// and callbacks run in the flush that settles what they wait on, as in
// any root's Execute; a Chain whose future another root settles runs in a
// flush that starts when it settles. The failures of a flush are on their
// futures and in its [BatchReport] (see [OnReport]); a panic in a Then or
// Chain function or a callback fails what that function was to settle
// and is raised again by Close.
//
// [Pipe.Execute] on the root flushes at once, in the caller's goroutine,
// once fewer than k flushes are in flight; its context bounds only that
// wait. [Pipe.Close] flushes what is left and waits for every flush; the
// root must be closed.
//
// AutoFlush is for roots: given to a child, or together with
// [Transaction], the function that makes the pipe panics.
func AutoFlush(n int, d time.Duration, k int) Option {
	return func(o *options) { o.auto = &flushPolicy{n: n, d: d, k: max(k, 1)} }
}

// DefaultMaxHeld is how many commands a root made with [AutoFlush] holds at
// most, unless told otherwise with [MaxHeld].
const DefaultMaxHeld = 100_000

// MaxHeld bounds a root made with [AutoFlush]: it holds at most n commands
// that no flush has taken yet. A command queued on the root when it holds
// n fails at once with an error matching [ErrFull] and is never sent; a
// child whose commands do not all fit fails all of them so, and its
// Execute returns that error. A full root starts a flush; as flushes take
// commands there is room again. Chains and callbacks are not counted.
// n <= 0 sets no bound. The default is [DefaultMaxHeld].
//
// MaxHeld is for roots made with AutoFlush: given to a child or to another
// root, the function that makes the pipe panics.
func MaxHeld(n int) Option {
	return func(o *options) { o.maxHeld, o.bounded = max(n, 0), true }
}

// flushPolicy is when a root made with AutoFlush flushes.
type flushPolicy struct {
	n   int           // commands that start a flush; <= 0: none
	d   time.Duration // the most a command waits for a flush to start
	k   int           // the most flushes in flight
	max int           // the most commands held; 0: no bound
}

// flusher is what a root made with AutoFlush keeps to flush itself. Its
// flushing goroutines, at most k, each take a slot, take the root's queue
// and execute it, go on while a flush is due, and then wait for the next
// one (see wait): a goroutine that stays keeps the stack that go-redis's
// pipeline code grew, where one per flush would grow it again
// (BenchmarkPeers).
type flusher struct {
	flushPolicy               // immutable
	root        *Pipe         // the root it flushes; immutable
	slots       chan struct{} // one token per flush in flight
	wake        chan struct{} // one token per idle flushing goroutine handed a flush, or woken by Close

	// Guarded by the root's mu.
	due       bool          // a flush is due and has not taken the queue yet
	running   int           // flushing goroutines, the idle ones included
	idle      int           // flushing goroutines waiting for a flush (see wait)
	executing int           // Executes under way, Close's own included
	landed    chan struct{} // made by a Close that waits; closed once nothing runs or executes
	timer     *time.Timer   // the flush d after the first held command; nil: none armed
	armed     uint64        // how many times a timer was armed
	took      int           // the commands the last flush took
	callers   []*caller     // the hand-offs held whose callers' contexts may end (caller.go)
	closed    bool          // Close has begun: nothing more is queued
	ended     chan struct{} // made by the first Close, closed when it returns
	finished  bool          // Close has waited for the flushes: chains left waiting fail

	c catcher // the panics of flushes in their own goroutines, for Close

	// flushing is flush on the root, made once: a go statement of a
	// function value without arguments allocates nothing, where one of
	// flush(root) allocates at each flush (BenchmarkPeers, G=1).
	flushing func()
}

// newFlusher returns the flusher of root.
func newFlusher(pol flushPolicy, root *Pipe) *flusher {
	f := &flusher{flushPolicy: pol, root: root, slots: make(chan struct{}, pol.k), wake: make(chan struct{}, pol.k)}
	f.flushing = f.flush
	return f
}

// admitLocked is the seam through which AutoFlush sees the queueing path:
// every command, chain and callback enters a pipe p through it, n
// commands at a time, with p.mu held; a child's queue enters through
// joinLocked, which calls it. It returns the error to refuse them with:
// on a root made with AutoFlush, ErrClosed once Close has begun, and
// ErrFull when they do not fit. There it also starts a flush when one is
// due.
func (p *Pipe) admitLocked(n int) error {
	if p.auto == nil {
		return nil
	}
	return p.auto.admitLocked(n)
}

// admitLocked is admitLocked of f's root.
func (f *flusher) admitLocked(n int) error {
	p := f.root
	switch {
	case f.closed:
		return ErrClosed
	case f.max > 0 && p.q.held+n > f.max:
		if p.q.held > 0 && !f.due {
			f.flushDue() // make room
		}
		return fmt.Errorf("%w: it holds %d commands that no flush has taken, and %d more would pass MaxHeld (%d)", ErrFull, p.q.held, n, f.max)
	}
	f.queuedLocked(p.q.held + n)
	return nil
}

// joinLocked appends child, the queue a child of p hands up with its
// Execute's ctx, to p's queue, after what p holds, or returns the error to
// refuse it whole with: that of admitLocked, or on a root made with
// AutoFlush, ErrNotSent with ctx's error if ctx is done. There the
// commands of a ctx that may end are watched, and leave the queue unsent
// if it ends before a flush takes them (caller.go): they stay in batches
// of their own. It returns the stores the hand-off freed (see hand).
// p.mu is held.
func (p *Pipe) joinLocked(ctx context.Context, child *queue) (spares, error) {
	f := p.auto
	if f != nil && ctx != nil {
		if err := ctx.Err(); err != nil {
			return spares{}, callerErr(err)
		}
	}
	if err := p.admitLocked(child.held); err != nil {
		return spares{}, err
	}
	watched := f != nil && ctx != nil && ctx.Done() != nil
	if watched {
		f.watchLocked(ctx, child)
	}
	if f != nil && child.after != nil {
		for ch := child.after.chains.head; ch != nil; ch = ch.next {
			f.watchSourceLocked(ch)
		}
	}
	return p.q.hand(child, p.target(), !watched, p.carryLimit(), p.parent == nil), nil
}

// sharesLock is the seam through which AutoFlush sees nesting: the
// children of a pipe share its lock (see guard), and a root's children
// may borrow its open batch (see borrowLocked), but on a root made with
// AutoFlush, whose callers queue concurrently, each on a child of its own,
// and whose queue a flush may take at any time.
func (p *Pipe) sharesLock() bool { return p.auto == nil }

// chainedLocked is the seam through which AutoFlush sees a chain queued on
// p itself: on a root made with AutoFlush, a flush becomes due when the
// chain's source settles, wherever that is. A child's chains are watched
// when they reach the root (joinLocked). p.mu is held.
func (p *Pipe) chainedLocked(ch *chain) {
	if p.auto != nil {
		p.auto.watchSourceLocked(ch)
	}
}

// executeRoot is the Execute of a root: on one made with AutoFlush, a
// flush in the caller's goroutine.
func (p *Pipe) executeRoot(ctx context.Context) error {
	if p.auto != nil {
		return p.auto.execute(ctx)
	}
	return p.run(ctx)
}

// requeueLocked puts chains, still waiting at the end of an Execute of p,
// back on p's queue for its next Execute, and reports whether it did: a
// root made with AutoFlush does not once its Close has waited for its
// flushes. Such a root flushes again when the source of one of them
// settles: nothing else may. p.mu is held.
func (p *Pipe) requeueLocked(chains []*chain) bool {
	f := p.auto
	if f != nil && f.finished {
		return false
	}
	p.q.requeue(chains)
	if f != nil {
		for _, ch := range chains {
			f.watchSourceLocked(ch)
		}
	}
	return true
}

// watchSourceLocked makes a flush of p due when the source of ch, a chain
// p holds, settles. p.mu is held.
func (f *flusher) watchSourceLocked(ch *chain) {
	p := f.root
	if ch.src == nil || ch.watched {
		return
	}
	ch.watched = true // once: a chain is requeued by every flush it waits through
	wake := step{seq: stepSeq.Add(1), run: func(*stage) {
		p.guard().Lock()
		defer p.guard().Unlock()
		f.wakeLocked()
	}}
	if !ch.src.then(wake) {
		f.wakeLocked() // settled meanwhile
	}
}

// wakeLocked makes a flush of p due, unless one is or p is closing: Close
// flushes once more after the flushes in flight. p.mu is held.
func (f *flusher) wakeLocked() {
	if !f.due && !f.closed {
		f.flushDue()
	}
}

// queuedLocked starts a flush of p if one is due now that p holds held
// commands, or arms the timer. p.mu is held.
func (f *flusher) queuedLocked(held int) {
	switch {
	case f.due:
	case f.d <= 0 || f.n > 0 && held >= f.n:
		f.flushDue()
	case f.timer == nil:
		f.armed++
		armed := f.armed
		f.timer = time.AfterFunc(f.d, func() { f.expire(armed) })
	}
}

// expire starts the flush that the timer armed for the armed-th time was
// for, unless a flush took the queue since.
func (f *flusher) expire(armed uint64) {
	p := f.root
	p.guard().Lock()
	defer p.guard().Unlock()
	if f.armed == armed && f.timer != nil && !f.due && !f.closed {
		f.flushDue()
	}
}

// flushDue makes a flush due, and hands it to a flushing goroutine that
// waits for one, or else starts one unless k are running: one of them
// takes it when its flush is done. p.mu is held.
func (f *flusher) flushDue() {
	f.due = true
	switch {
	case f.idle > 0:
		f.idle--
		f.wake <- struct{}{} // never blocks: at most k wait
	case f.running < f.k:
		f.running++
		go f.flushing()
	}
}

// idleFor is how long a flushing goroutine waits for the next flush once
// none is due before it ends: long enough to outlast a round trip, while
// the callers of the flushes in flight wait for their replies, so that the
// next flush finds it with the stack go-redis grew rather than start
// another (BenchmarkPeers, G=16); short enough that a root nobody closes
// holds no goroutine for long.
const idleFor = 100 * time.Millisecond

// idleLocked is takeDue for a flushing goroutine that finds no flush due:
// it reports whether the goroutine waits for the next one (see wait) or
// ends, as it does once Close has begun. p.mu is held.
func (f *flusher) idleLocked() bool {
	if f.closed {
		f.running--
		f.landLocked()
		return false
	}
	f.idle++
	return true
}

// wait waits, for at most idleFor, until flushDue hands the calling idle
// flushing goroutine a flush, or Close wakes it to end, and reports
// whether it goes on; timer is the goroutine's own, made at its first
// wait.
func (f *flusher) wait(timer **time.Timer) bool {
	if *timer == nil {
		*timer = time.NewTimer(idleFor)
	} else {
		(*timer).Reset(idleFor)
	}
	select {
	case <-f.wake:
		return true
	case <-(*timer).C:
	}
	p := f.root
	p.guard().Lock()
	defer p.guard().Unlock()
	select {
	case <-f.wake: // handed a flush as the timer fired
		return true
	default:
	}
	f.idle--
	f.running--
	f.landLocked()
	return false
}

// flush is a flushing goroutine: it flushes as long as a flush is due.
func (f *flusher) flush() {
	p := f.root
	var timer *time.Timer
	for {
		f.slots <- struct{}{}
		q, callers, ok, stay := f.takeDue()
		if !ok {
			<-f.slots
			if stay && f.wait(&timer) {
				continue
			}
			return
		}
		unwatch(callers)
		if !q.empty() {
			f.c.try("a flush", func() { _ = p.runQueue(context.Background(), q) })
		}
		<-f.slots
	}
}

// takeDue takes p's queue if a flush is due; otherwise it reports whether
// the calling flushing goroutine waits for the next one (see idleLocked).
func (f *flusher) takeDue() (q queue, callers []*caller, ok, stay bool) {
	p := f.root
	p.guard().Lock()
	if f.due && (len(f.slots) > 1 || p.q.held < f.took) {
		// Yield first when other goroutines may be about to queue: those
		// that the flushes in flight wake, or that the last flush woke
		// when it took more than the queue holds now. This goroutine,
		// just started or woken, runs ahead of them, and would otherwise
		// take a caller or two per flush. A flush alone in flight that
		// takes as much as the last one does not yield: its callers wait
		// on it, as a single caller does.
		p.guard().Unlock()
		runtime.Gosched()
		p.guard().Lock()
	}
	defer p.guard().Unlock()
	if !f.due {
		return queue{}, nil, false, f.idleLocked()
	}
	if q, callers, ok = f.takeFrontLocked(); !ok {
		q, callers = f.takeLocked()
	}
	f.took = q.held
	return q, callers, true, false
}

// flushSize is how many commands a flushing goroutine takes at most, in
// whole batches, when a root that keeps several flushes in flight holds
// more: the rest is due at once for another flush, so that while many
// goroutines queue, several flushes are in flight rather than one that
// carries everything. A child's commands ride on a batch that holds fewer
// (see hand), so that the queue has batches to cut between.
const flushSize = 256

// takeFrontLocked takes the first batches of p's queue, about flushSize
// commands, for a flush, with the callers whose hand-offs they hold, and
// makes the rest due, when p holds more than that and no chain or
// callback, which go with the whole queue. A caller's hand-off is never
// cut in two. It reports whether it took them. p.mu is held.
func (f *flusher) takeFrontLocked() (queue, []*caller, bool) {
	p := f.root
	if f.k == 1 || p.q.held <= flushSize || !p.q.onlyBatches() {
		return queue{}, nil, false
	}
	var callers []*caller
	for _, c := range f.callers {
		if !c.taken {
			callers = append(callers, c)
		}
	}
	n := 0 // the callers whose hand-offs are in front
	var within *batch
	q := p.q.takeFront(func(b *batch, held int) bool {
		if n < len(callers) && b == callers[n].run.batches.head {
			within = callers[n].run.batches.tail
			n++
		}
		if b == within {
			within = nil
		}
		return held >= flushSize && within == nil
	})
	for _, c := range callers[:n] {
		c.taken = true
	}
	f.callers = callers[n:]
	if p.q.held == 0 {
		f.due = false
		f.stopTimerLocked()
	} else {
		f.flushDue()
	}
	return q, callers[:n], true
}

// carryLimit is how many commands a batch of p's queue holds at most for a
// child's to ride on it (see hand); 0 for no limit.
func (p *Pipe) carryLimit() int {
	if p.auto == nil || p.auto.k == 1 {
		return 0
	}
	return flushSize
}

// takeLocked empties p's queue for a flush and disarms the timer. It also
// returns the callers whose hand-offs the queue holds, for unwatch.
func (f *flusher) takeLocked() (queue, []*caller) {
	p := f.root
	f.due = false
	f.stopTimerLocked()
	return p.takeLocked(), f.takeCallersLocked()
}

// stopTimerLocked disarms the timer. p.mu is held.
func (f *flusher) stopTimerLocked() {
	if f.timer != nil {
		f.timer.Stop()
		f.timer = nil
	}
}

// execute is Execute on a root made with AutoFlush: a flush in the
// caller's goroutine, once a slot is free. A ctx that is done, or ends
// before a slot is free, takes nothing: what p holds stays for the next
// flush. The flush runs with a context that is never done, since it
// sends what other goroutines queued too.
func (f *flusher) execute(ctx context.Context) error {
	p := f.root
	if err := ctx.Err(); err != nil {
		return err
	}
	p.guard().Lock()
	f.executing++
	p.guard().Unlock()
	defer func() {
		p.guard().Lock()
		f.executing--
		f.landLocked()
		p.guard().Unlock()
	}()
	select {
	case f.slots <- struct{}{}:
	case <-ctx.Done():
		return ctx.Err()
	}
	defer func() { <-f.slots }()
	if err := ctx.Err(); err != nil { // a free slot and a done ctx at once: the ctx, every time
		return err
	}
	p.guard().Lock()
	q, callers := f.takeLocked()
	p.guard().Unlock()
	unwatch(callers)
	return p.runQueue(context.WithoutCancel(ctx), q)
}

// takeAll empties p's queue for Reset or Close: on a root made with
// AutoFlush, the hand-offs of its callers go with it.
func (p *Pipe) takeAll() queue {
	p.guard().Lock()
	q := p.takeLocked()
	var callers []*caller
	if p.auto != nil {
		callers = p.auto.takeCallersLocked()
	}
	p.guard().Unlock()
	unwatch(callers)
	return q
}

// Close flushes what p holds, waits for every flush in flight to finish,
// those of Execute calls in other goroutines included, runs the chains
// whose futures those flushes settled, and settles with [ErrClosed] the
// chains still waiting. When it returns, every future queued on p before
// it has settled. From the start of Close, commands queued on p fail at
// once with ErrClosed, and callbacks registered on p, or handed to it by
// a child, are dropped, as Reset drops them.
//
// Close returns the error of its flushes (see [Pipe.Execute]), or ctx's
// error if ctx is done first: what p still held then fails with an error
// matching both ErrClosed and ctx's error, and the flushes in flight
// settle their own futures, bounded by go-redis's timeouts. If ctx is
// done when Close is called, Close sends nothing. If a function that a
// flush ran panicked, Close panics with the first such [*PanicError] once
// everything has settled.
//
// Close may be called several times, from several goroutines: only the
// first flushes; the others wait for the same end, and for the flushes
// still in flight after it, and return nil, or ctx's error if ctx is done
// first. None of them fails what the first Close flushes, and none
// panics. Close panics if p was not made with AutoFlush.
func (p *Pipe) Close(ctx context.Context) error {
	f := p.auto
	if f == nil {
		panic("redpipe: Close on a pipe not made with AutoFlush")
	}
	p.guard().Lock()
	first := !f.closed
	f.closed = true
	if first {
		f.ended = make(chan struct{})
	}
	for ; f.idle > 0; f.idle-- {
		f.wake <- struct{}{} // it finds no flush due, and ends
	}
	ended := f.ended
	p.guard().Unlock()
	if !first {
		select {
		case <-ended:
		default: // the end, if it has come, wins over a done ctx
			select {
			case <-ended:
			case <-ctx.Done():
				return ctx.Err()
			}
		}
		return f.waitLanded(ctx)
	}
	defer close(ended)
	var errs []error
	flush := func() {
		f.c.try("a flush", func() { errs = append(errs, f.execute(ctx)) })
	}
	flush()
	if ctx.Err() == nil && f.waitLanded(ctx) == nil {
		flush() // the chains that the flushes in flight settled the futures of
	}
	p.guard().Lock()
	f.finished = true
	p.guard().Unlock()
	if err := ctx.Err(); err != nil {
		p.discard(fmt.Errorf("%w: %w", ErrClosed, err))
		if len(errs) == 0 || !errors.Is(errs[len(errs)-1], err) {
			errs = append(errs, err)
		}
	} else {
		p.discard(ErrClosed)
	}
	f.c.repanic()
	return errors.Join(errs...)
}

// waitLanded waits until no flush runs and no Execute is under way on p,
// or ctx is done.
func (f *flusher) waitLanded(ctx context.Context) error {
	p := f.root
	for {
		p.guard().Lock()
		if f.running+f.executing == 0 {
			p.guard().Unlock()
			return nil
		}
		if f.landed == nil {
			f.landed = make(chan struct{})
		}
		landed := f.landed
		p.guard().Unlock()
		select {
		case <-landed:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// landLocked wakes the Close waiting for the flushes to land once none runs
// and no Execute is under way. p.mu is held.
func (f *flusher) landLocked() {
	if f.running+f.executing == 0 && f.landed != nil {
		close(f.landed)
		f.landed = nil
	}
}

package redpipe

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"sync"
	"testing"
	"time"
	"unsafe"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"
)

// ridesOn reports whether the commands whose futures read l ride on host.
func ridesOn(l *latch, host *batch) bool {
	return l.state.Load()&^watched == riding && l.src == &host.latch
}

// TestChildrenRide checks how a child's batch joins its parent's queue:
// a small one rides on the parent's open batch, one that cannot (another
// connection, a transaction it began, too many commands) follows it, and
// the last batch handed up becomes the parent's open batch when it can
// take the parent's commands. Whatever the layout, every future reads its
// own reply, in queue order.
func TestChildrenRide(t *testing.T) {
	ctx := context.Background()
	c := redis.NewClient(&redis.Options{Addr: miniredis.RunT(t).Addr()})
	t.Cleanup(func() { _ = c.Close() })
	root := New(c)
	var want []int64
	var got []*Future[int64]
	incr := func(p *Pipe) {
		got = append(got, p.Incr("n"))
		want = append(want, int64(len(want)+1))
	}

	block := func() *latch { // a building block of two commands; the latch its futures read
		child := Pipeline(root)
		incr(child)
		incr(child)
		if err := child.Execute(ctx); err != nil {
			t.Fatal(err)
		}
		return got[len(got)-1].latch
	}
	block() // the root holds nothing: the child's batch becomes its open batch
	host := root.q.last
	if host == nil || root.q.batches.head != host || host.n != 2 {
		t.Fatalf("after the first block, the root's open batch is %p holding %d; want the block's batch", host, host.n)
	}
	incr(root) // joins the block's batch
	riders := []*latch{block(), block()}
	for _, r := range riders {
		if !ridesOn(r, host) {
			t.Fatal("a block did not ride on the root's open batch")
		}
	}
	if host.n != 7 || root.q.last != host || host.next != nil {
		t.Fatalf("after two more blocks, the open batch holds %d commands; want 7", host.n)
	}

	big := Pipeline(root) // more commands than ride: it follows, and becomes the open batch
	for range maxCarried + 1 {
		incr(big)
	}
	if err := big.Execute(ctx); err != nil {
		t.Fatal(err)
	}
	if host.next == nil || host.next.n != maxCarried+1 || root.q.last != host.next {
		t.Fatal("a child of more than maxCarried commands did not follow the open batch and become the new one")
	}
	if !ridesOn(block(), root.q.last) {
		t.Fatal("a block did not ride on the batch of the child before it")
	}

	tx := Pipeline(root, Transaction()) // begins a transaction: follows, and the root opens a batch of its own next
	inTx := tx.Incr("t")                // a transaction is sent apart from the plain commands: a key of its own
	if err := tx.Execute(ctx); err != nil {
		t.Fatal(err)
	}
	if root.q.last != nil || root.q.batches.tail.tx == 0 {
		t.Fatal("a transactional child's batch rode or became the root's open batch")
	}
	incr(root)
	rider := block()
	rode := root.q.last
	late := Then(got[len(got)-1], func(v int64) (int64, error) { return 10 * v, nil }) // registers on the host
	early := Pipeline(root)                                                            // a Then watches its batch before it is handed up: it does not ride
	w := early.Incr("w")
	tenW := Then(w, func(v int64) (int64, error) { return 10 * v, nil })
	if err := early.Execute(ctx); err != nil {
		t.Fatal(err)
	}
	if !ridesOn(rider, rode) || w.latch.state.Load()&^watched == riding || root.q.batches.tail.n != 1 || root.q.batches.tail.also() != w.latch {
		t.Fatal("a batch watched by a Then rode, or one that was not did not")
	}
	if n := root.q.len(); n != len(want)+2 {
		t.Fatalf("the root holds %d commands; want %d", n, len(want))
	}

	ping := Pipeline(root).Ping() // still on its child: not ready, and says so
	if err := ping.Err(); !errors.Is(err, errOnPipe) {
		t.Fatalf("a future on a child that has not executed: %v", err)
	}
	if err := got[0].Err(); !errors.Is(err, ErrNotReady) || errors.Is(err, errOnPipe) {
		t.Fatalf("a future that rode to the root: %v; want ErrNotReady at its root", err)
	}

	if err := root.Execute(ctx); err != nil {
		t.Fatal(err)
	}
	for i, f := range got {
		if v, err := f.Result(); err != nil || v != want[i] {
			t.Fatalf("future %d = %d, %v; want %d", i, v, err, want[i])
		}
	}
	if v, err := late.Result(); err != nil || v != 10*want[len(want)-1] {
		t.Fatalf("a Then on a future that rode = %d, %v", v, err)
	}
	if v, err := tenW.Result(); err != nil || v != 10 {
		t.Fatalf("a Then on a future that did not ride = %d, %v", v, err)
	}
	if v, err := inTx.Result(); err != nil || v != 1 {
		t.Fatalf("the transaction's INCR = %d, %v; want 1", v, err)
	}
}

// TestChildrenRideReset resets a parent that carries its children's
// commands: every future settles with ErrDiscarded, riders included, and
// nothing is sent.
func TestChildrenRideReset(t *testing.T) {
	ctx := context.Background()
	c := redis.NewClient(&redis.Options{Addr: miniredis.RunT(t).Addr()})
	t.Cleanup(func() { _ = c.Close() })
	root := New(c)
	parent := Pipeline(root)
	var got []*Future[int64]
	for range 5 {
		child := Pipeline(parent)
		got = append(got, child.Incr("n"), child.Incr("n"))
		if err := child.Execute(ctx); err != nil {
			t.Fatal(err)
		}
	}
	parent.Reset()
	for i, f := range got {
		if err := f.Err(); !errors.Is(err, ErrDiscarded) {
			t.Fatalf("future %d: %v; want ErrDiscarded", i, err)
		}
	}
	if err := parent.Execute(ctx); err != nil {
		t.Fatal(err)
	}
	if err := root.Execute(ctx); err != nil {
		t.Fatal(err)
	}
	if n, err := c.Get(ctx, "n").Result(); !errors.Is(err, redis.Nil) {
		t.Fatalf("n = %q, %v after Reset; want nothing sent", n, err)
	}
}

// TestTakeFront takes the front of a queue in whole batches, the rest
// staying queued in order.
func TestTakeFront(t *testing.T) {
	c := redis.NewClient(&redis.Options{Addr: miniredis.RunT(t).Addr()})
	t.Cleanup(func() { _ = c.Close() })
	root := New(c)
	for i, size := range []int{100, 100, 100, 30} {
		child := Pipeline(root, On(fmt.Sprint("conn", i))) // a batch of its own each
		for range size {
			child.Ping()
		}
		if err := child.Execute(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	q := &root.q
	atLeast := func(n int) func(*batch, int) bool {
		return func(_ *batch, held int) bool { return held >= n }
	}
	front := q.takeFront(atLeast(150))
	if front.held != 200 || front.len() != 200 || q.held != 130 || q.len() != 130 {
		t.Fatalf("takeFront(150) took %d of 330, leaving %d; want 200 and 130", front.held, q.held)
	}
	rest := q.takeFront(atLeast(1000))
	if rest.held != 130 || q.held != 0 || q.batches.head != nil || q.batches.tail != nil || q.last != nil {
		t.Fatalf("taking more than the queue holds left %d commands", q.held)
	}
}

// TestRideRacesWatch hands children up while other goroutines register a
// Then on, or wait for, one of their futures: whichever comes first, the
// batch rides or not, and every function and wait sees its own reply.
func TestRideRacesWatch(t *testing.T) {
	ctx := context.Background()
	c := redis.NewClient(&redis.Options{Addr: miniredis.RunT(t).Addr()})
	t.Cleanup(func() { _ = c.Close() })
	for round := range 20 {
		root := New(c)
		root.Ping() // the open batch children ride on
		const children = 50
		derived := make([]*Future[int64], children)
		waited := make(chan error, children)
		var wg, thens sync.WaitGroup
		for i := range children {
			child := Pipeline(root)
			key := fmt.Sprint("r", round, ":", i)
			f := child.Incr(key)
			if i%2 == 0 {
				thens.Go(func() { derived[i] = Then(f, func(v int64) (int64, error) { return 10 * v, nil }) })
			} else {
				wg.Go(func() {
					v, err := f.Wait(ctx)
					if err == nil && v != 1 {
						err = fmt.Errorf("%s = %d; want 1", key, v)
					}
					waited <- err
				})
			}
			if err := child.Execute(ctx); err != nil {
				t.Fatal(err)
			}
		}
		thens.Wait() // each Then is registered before the root executes
		if err := root.Execute(ctx); err != nil {
			t.Fatal(err)
		}
		wg.Wait()
		close(waited)
		for err := range waited {
			if err != nil {
				t.Fatal(err)
			}
		}
		for i := 0; i < children; i += 2 {
			if v, err := derived[i].Result(); err != nil || v != 10 {
				t.Fatalf("round %d, child %d: Then gave %d, %v; want 10", round, i, v, err)
			}
		}
	}
}

// TestChildPipeOnStack checks that a child that does not borrow, a child
// of a child or of a root made with AutoFlush, allocates its first batch
// and its lock but not its Pipe, when it does not outlive the function
// that made it: a child with one command costs less than its own more
// than the same command queued on its parent.
func TestChildPipeOnStack(t *testing.T) {
	ctx := context.Background()
	c := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1"}) // never dialed
	t.Cleanup(func() { _ = c.Close() })
	const n = 1000
	perCommand := func(parent *Pipe, queue func(*Pipe)) float64 {
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		for range n {
			queue(parent)
		}
		runtime.ReadMemStats(&after)
		return float64(after.TotalAlloc-before.TotalAlloc) / n
	}
	viaChild := func(parent *Pipe) {
		child := Pipeline(parent)
		child.Incr("k")
		if err := child.Execute(ctx); err != nil {
			t.Fatal(err)
		}
	}
	onParent := func(parent *Pipe) { parent.Incr("k") }
	for _, tc := range []struct {
		name   string
		parent func() *Pipe
	}{
		{"a child's child", func() *Pipe { return Pipeline(New(c)) }},
		{"a child of a root made with AutoFlush", func() *Pipe { return New(c, AutoFlush(0, time.Hour, 1)) }},
	} {
		p, q := tc.parent(), tc.parent()
		extra := perCommand(p, viaChild) - perCommand(q, onParent)
		if extra >= float64(unsafe.Sizeof(own{})) {
			t.Errorf("%s costs %.0f bytes more than its command on its parent; want less than its first batch and lock, %d bytes", tc.name, extra, unsafe.Sizeof(own{}))
		}
		p.Reset()
		q.Reset()
	}
}

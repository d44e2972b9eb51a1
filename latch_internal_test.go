package redpipe

import (
	"context"
	"sync"
	"testing"
	"time"
)

// TestLatchWaiters waits on one latch from many goroutines, some of which
// give up before it opens and some while it opens: each returns nil if and
// only if the latch has opened, and once all have left, the latch holds no
// watch and the channel it gave back holds no token.
func TestLatchWaiters(t *testing.T) {
	for round := range 50 {
		l := new(latch)
		const waiters = 40
		results := make(chan error, waiters)
		var cancels []context.CancelFunc
		var started sync.WaitGroup
		for i := range waiters {
			ctx, cancel := context.WithCancel(context.Background())
			cancels = append(cancels, cancel)
			if i%4 == 3 {
				ctx = context.Background() // waits until the latch opens
			}
			started.Go(func() { results <- l.wait(ctx) })
		}
		time.Sleep(time.Millisecond) // let most of them wait
		for i := range waiters / 4 {
			cancels[i]() // gives up before the latch opens, or, when the scheduler is late, after
		}
		var wake chan struct{}
		if round%2 == 0 {
			l.mu.Lock()
			if l.watch != nil {
				wake = l.watch.wake
			}
			l.mu.Unlock()
		}
		var racing sync.WaitGroup
		racing.Go(func() {
			for i := waiters / 4; i < waiters/2; i++ {
				cancels[i]() // gives up while the latch opens
			}
		})
		steps := l.open()
		racing.Wait()
		if len(steps) != 0 {
			t.Fatalf("open returned %d steps; none was registered", len(steps))
		}
		started.Wait()
		close(results)
		gaveUp, woke := 0, 0
		for err := range results {
			switch err {
			case nil:
				woke++
			case context.Canceled:
				gaveUp++
			default:
				t.Fatalf("wait returned %v", err)
			}
		}
		if woke < waiters/2 || gaveUp > waiters/2 {
			t.Fatalf("round %d: %d waits returned nil and %d gave up; want at least the %d whose context never ended to return nil", round, woke, gaveUp, waiters/2)
		}
		if l.waiters != 0 || l.watch != nil {
			t.Fatalf("round %d: after every wait returned, the latch has %d waiters and watch %v", round, l.waiters, l.watch)
		}
		if len(wake) != 0 {
			t.Fatalf("round %d: the channel given back holds %d tokens", round, len(wake))
		}
		if err := l.wait(context.Background()); err != nil {
			t.Fatalf("wait on an open latch: %v", err)
		}
		for _, cancel := range cancels {
			cancel()
		}
	}
}

// TestLatchWatch registers steps and waiters on latches in the orders
// that decide when a latch gives its watch back: a step outlives a waiter
// that gives up, and open returns it; a waiter outlives open; a latch
// holds no watch once its waiters have left and its steps are taken.
func TestLatchWatch(t *testing.T) {
	step1 := step{seq: 1, run: func(*stage) {}}

	t.Run("a step outlives a waiter that gives up", func(t *testing.T) {
		l := new(latch)
		if !l.then(step1) {
			t.Fatal("then on a closed latch registered nothing")
		}
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		if err := l.wait(ctx); err != context.Canceled {
			t.Fatalf("wait with a done context on a closed latch: %v, want %v", err, context.Canceled)
		}
		if l.watch == nil {
			t.Fatal("the latch gave its watch back while a step was registered")
		}
		if steps := l.open(); len(steps) != 1 || steps[0].seq != step1.seq {
			t.Fatalf("open returned %v, want the step registered", steps)
		}
		if l.watch != nil {
			t.Fatal("the latch kept its watch after open, with no waiter")
		}
	})

	t.Run("a waiter outlives open", func(t *testing.T) {
		l := new(latch)
		l.then(step1)
		done := make(chan error)
		go func() { done <- l.wait(context.Background()) }()
		for {
			l.mu.Lock()
			n := l.waiters
			l.mu.Unlock()
			if n == 1 {
				break
			}
			time.Sleep(100 * time.Microsecond)
		}
		if steps := l.open(); len(steps) != 1 {
			t.Fatalf("open returned %d steps, want 1", len(steps))
		}
		if err := <-done; err != nil {
			t.Fatalf("wait: %v", err)
		}
		l.mu.Lock()
		defer l.mu.Unlock()
		if l.waiters != 0 || l.watch != nil {
			t.Fatalf("after open and the wait, the latch has %d waiters and watch %v", l.waiters, l.watch)
		}
	})

	t.Run("an open latch takes no watch", func(t *testing.T) {
		l := new(latch)
		l.open()
		if l.then(step1) {
			t.Fatal("then on an open latch registered its step")
		}
		if err := l.wait(context.Background()); err != nil {
			t.Fatalf("wait on an open latch: %v", err)
		}
		if l.watch != nil {
			t.Fatal("an open latch took a watch")
		}
	})
}

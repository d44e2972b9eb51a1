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
// channel and the channel it gave back holds no token.
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
			wake = l.wake
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
		if l.waiters != 0 || l.wake != nil {
			t.Fatalf("round %d: after every wait returned, the latch has %d waiters and channel %v", round, l.waiters, l.wake)
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

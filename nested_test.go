package redpipe_test

import (
	"context"
	"fmt"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-redpipe/redpipe"
)

func TestPipeUsedByManyGoroutines(t *testing.T) {
	eachBackend(t, func(t *testing.T, b backend) {
		ctx := context.Background()
		c, trips := newClient(t, b.start(t))
		root := redpipe.New(c)
		const workers, each = 8, 50
		futures := make([][]*redpipe.Future[int64], workers)
		var wg sync.WaitGroup
		for w := range workers {
			wg.Go(func() {
				key := fmt.Sprint("worker", w)
				for i := range each {
					if i%2 == 0 {
						futures[w] = append(futures[w], root.Incr(key))
						continue
					}
					child := redpipe.Pipeline(root)
					futures[w] = append(futures[w], child.Incr(key))
					child.OnExecute(func() {})
					_ = root.Len()
					assert.NoError(t, child.Execute(ctx))
				}
			})
		}
		wg.Wait()
		assert.Equal(t, workers*each, root.Len())
		require.NoError(t, root.Execute(ctx))
		assert.Equal(t, int64(1), trips.trips.Load())
		for w := range workers {
			for i, f := range futures[w] {
				assert.Equal(t, int64(i+1), f.Val(), "worker %d, command %d: order per goroutine is kept", w, i)
			}
		}
	})
}

func TestConcurrentExecutesOfOneRoot(t *testing.T) {
	eachBackend(t, func(t *testing.T, b backend) {
		ctx := context.Background()
		c, _ := newClient(t, b.start(t))
		root := redpipe.New(c)
		var wg sync.WaitGroup
		var all []*redpipe.Future[int64]
		var mu sync.Mutex
		for range 4 {
			wg.Go(func() {
				for range 25 {
					f := root.Incr("n")
					mu.Lock()
					all = append(all, f)
					mu.Unlock()
					_ = root.Execute(ctx)
				}
			})
		}
		wg.Wait()
		require.NoError(t, root.Execute(ctx))
		seen := make(map[int64]bool)
		for _, f := range all {
			require.True(t, f.Ready())
			seen[f.Val()] = true
		}
		assert.Len(t, seen, 100, "every INCR ran exactly once")
	})
}

// TestConnectionsAreFlushedConcurrently holds each connection's round trip
// until the other has started: sent one after the other, they would wait
// for each other forever (here: until the timeout).
func TestConnectionsAreFlushedConcurrently(t *testing.T) {
	eachBackend(t, func(t *testing.T, b backend) {
		ctx := context.Background()
		a, hookA := newClient(t, b.start(t))
		other, hookB := newClient(t, b.start(t))
		name := t.Name() + "/b"
		require.NoError(t, redpipe.ConnectNamed(name, other))
		t.Cleanup(func() { redpipe.Disconnect(name) })

		var started sync.WaitGroup
		started.Add(2)
		together := make(chan bool, 2)
		barrier := func() {
			started.Done()
			done := make(chan struct{})
			go func() { started.Wait(); close(done) }()
			select {
			case <-done:
				together <- true
			case <-time.After(5 * time.Second):
				together <- false
			}
		}
		hookA.setBefore(barrier)
		hookB.setBefore(barrier)

		root := redpipe.New(a)
		fa := root.Incr("a")
		child := redpipe.Pipeline(root, redpipe.On(name))
		fb := child.Incr("b")
		require.NoError(t, child.Execute(ctx))
		require.NoError(t, root.Execute(ctx))
		first, second := <-together, <-together
		assert.True(t, first && second, "both connections were in flight at once")
		assert.Equal(t, int64(1), fa.Val())
		assert.Equal(t, int64(1), fb.Val())
	})
}

func TestOrderAcrossChildrenAndRoot(t *testing.T) {
	eachBackend(t, func(t *testing.T, b backend) {
		ctx := context.Background()
		c, trips := newClient(t, b.start(t))
		name := t.Name() + "/same-client"
		require.NoError(t, redpipe.ConnectNamed(name, c))
		t.Cleanup(func() { redpipe.Disconnect(name) })

		root := redpipe.New(c)
		var got []*redpipe.Future[int64]
		child := redpipe.Pipeline(root)
		for range 3 {
			got = append(got, child.Incr("k"))
		}
		require.NoError(t, child.Execute(ctx)) // handed over before the root queues anything
		for range 2 {
			got = append(got, root.Incr("k"))
		}
		child2 := redpipe.Pipeline(root)
		got = append(got, child2.Incr("k"))
		require.NoError(t, child2.Execute(ctx))
		got = append(got, root.Incr("k"))
		sameClient := redpipe.Pipeline(root, redpipe.On(name)) // another name for the same client
		other := sameClient.Incr("other")
		require.NoError(t, sameClient.Execute(ctx))

		require.NoError(t, root.Execute(ctx))
		for i, f := range got {
			assert.Equal(t, int64(i+1), f.Val(), "command %d", i)
		}
		assert.Equal(t, int64(1), other.Val())
		assert.Equal(t, int64(1), trips.trips.Load(), "two names for one client share its round trip")
	})
}

// TestBuildingBlocksWhenTheServerDies kills redis-server while a root sends
// the commands of thousands of building blocks, in chunks: blocks of one,
// two and three commands, and blocks holding a command refused while
// queueing. Every future of every block settles with what happened to its
// own command: the first chunk's replies, the refused command's own error,
// and an error for every command after the server died.
func TestBuildingBlocksWhenTheServerDies(t *testing.T) {
	t.Parallel() // waits on a dead server more than it computes
	ctx := context.Background()
	c, _ := killedBefore(t, redis.Options{MaxRetries: -1}, 2) // before the second chunk

	const blocks, chunk = 6000, 1000
	root := redpipe.New(c, redpipe.ChunkSize(chunk))
	type block struct {
		incrs   []*redpipe.Future[int64]
		refused *redpipe.Future[string]
	}
	all := make([]block, blocks)
	for i := range all {
		pipe := redpipe.Pipeline(root)
		for range 1 + i%3 {
			all[i].incrs = append(all[i].incrs, pipe.Incr("n"))
		}
		if i%100 == 99 {
			all[i].refused = pipe.Set("k", struct{ A int }{i}, 0)
		}
		require.NoError(t, pipe.Execute(ctx))
	}
	require.Error(t, root.Execute(ctx))

	sent := int64(0) // INCRs in queue order, refused commands left out
	for i, b := range all {
		for _, f := range b.incrs {
			require.True(t, f.Ready(), "block %d", i)
			if sent++; sent <= chunk {
				require.Equal(t, sent, f.Val(), "block %d: the first chunk ran", i)
			} else {
				require.Error(t, f.Err(), "block %d: sent after the server died", i)
			}
		}
		if b.refused != nil {
			require.ErrorContains(t, b.refused.Err(), "can't marshal", "block %d: its own error", i)
		}
	}
}

// TestBuildingBlockInterrupted interrupts building blocks, children of a
// root that have queued commands but not executed, in every way a caller
// can: the root queues a command of its own, another child hands up, the
// root executes, the block resets, a Then and a Wait watch its futures,
// it queues more commands than a block usually does, and it queues a
// script and a command go-redis refuses. Each block's commands go after
// what the root holds at the block's Execute, or not at all, and every
// future reads its own command's reply.
// TestBlockLenWhileItBorrows follows the count of a block's commands while
// they sit on its root's batch, after something else moves them, and once
// the block executes: each is the block's until then, and the root's after.
func TestBlockLenWhileItBorrows(t *testing.T) {
	eachBackend(t, func(t *testing.T, b backend) {
		ctx := context.Background()
		c, _ := newClient(t, b.start(t))
		root := redpipe.New(c)

		first := redpipe.Pipeline(root)
		a, bb := first.Incr("len:a"), first.Incr("len:b")
		assert.Equal(t, 2, first.Len())
		assert.Equal(t, 0, root.Len(), "borrowed commands are the block's")
		root.Ping() // moves what first borrowed
		assert.Equal(t, 2, first.Len())
		assert.Equal(t, 1, root.Len())
		require.NoError(t, first.Execute(ctx))
		assert.Equal(t, 0, first.Len())
		assert.Equal(t, 3, root.Len())

		second := redpipe.Pipeline(root)
		cc := second.Incr("len:c")
		assert.Equal(t, 1, second.Len())
		assert.Equal(t, 3, root.Len())
		require.NoError(t, second.Execute(ctx)) // leaves it where it is
		assert.Equal(t, 0, second.Len())
		assert.Equal(t, 4, root.Len())

		require.NoError(t, root.Execute(ctx))
		assert.Equal(t, 0, root.Len())
		for _, f := range []*redpipe.Future[int64]{a, bb, cc} {
			assert.Equal(t, int64(1), f.Val())
		}
	})
}

func TestBuildingBlockInterrupted(t *testing.T) {
	eachBackend(t, func(t *testing.T, b backend) {
		ctx := context.Background()
		c, _ := newClient(t, b.start(t))
		root := redpipe.New(c)
		var order []*redpipe.Future[int64] // INCRs of "seq", in the order they must run

		early := redpipe.Pipeline(root)
		late := early.Incr("seq")
		other := redpipe.Pipeline(root)
		order = append(order, other.Incr("seq"))
		require.NoError(t, other.Execute(ctx))  // another block goes first
		order = append(order, root.Incr("seq")) // then the root's own command
		require.NoError(t, early.Execute(ctx))
		order = append(order, late)
		assert.Equal(t, 3, root.Len())

		pending := redpipe.Pipeline(root) // not executed when the root executes
		held := pending.Incr("seq")
		assert.Equal(t, 1, pending.Len())
		assert.Equal(t, 3, root.Len(), "a block's commands are not its root's before its Execute")
		require.NoError(t, root.Execute(ctx))
		for i, f := range order {
			assert.Equal(t, int64(i+1), f.Val(), "INCR %d", i)
		}
		assert.ErrorIs(t, held.Err(), redpipe.ErrNotReady)
		assert.ErrorContains(t, held.Err(), "queued on a pipe that has not executed")
		require.NoError(t, pending.Execute(ctx))
		assert.ErrorContains(t, held.Err(), "its root pipe has not executed")
		require.NoError(t, root.Execute(ctx))
		assert.Equal(t, int64(4), held.Val(), "sent with the root's next Execute")

		reset := redpipe.Pipeline(root)
		dropped := reset.Incr("never")
		reset.Reset()
		assert.ErrorIs(t, dropped.Err(), redpipe.ErrDiscarded)
		require.NoError(t, reset.Execute(ctx))

		watched := redpipe.Pipeline(root)
		w := watched.Incr("w")
		tenW := redpipe.Then(w, func(v int64) (int64, error) { return 10 * v, nil })
		waited := make(chan int64)
		wg := sync.WaitGroup{}
		wg.Go(func() {
			wctx, cancel := context.WithTimeout(ctx, 10*time.Second)
			defer cancel()
			v, err := w.Wait(wctx)
			assert.NoError(t, err, "a Wait on a command evicted while watched")
			waited <- v
		})
		root.Ping() // evicts watched's commands, watched from the start
		require.NoError(t, watched.Execute(ctx))

		big := redpipe.Pipeline(root)
		var bigs []*redpipe.Future[int64]
		for range 40 {
			bigs = append(bigs, big.Incr("big"))
		}
		script := redpipe.NewScript("return redis.call('INCR', KEYS[1])")
		ran := script.RunInt64(big, []string{"s"})
		refused := big.Set("bad", struct{ A int }{1}, 0)
		after := big.Incr("big")
		root.Ping() // evicts them, with the script call and the refusal
		require.NoError(t, big.Execute(ctx))

		err := root.Execute(ctx)
		require.Error(t, err, "the refused command fails the Execute")
		assert.ErrorContains(t, refused.Err(), "can't marshal")
		assert.Equal(t, int64(10), tenW.Val())
		assert.Equal(t, int64(1), <-waited)
		wg.Wait()
		for i, f := range bigs {
			assert.Equal(t, int64(i+1), f.Val())
		}
		assert.Equal(t, int64(1), ran.Val())
		assert.Equal(t, int64(41), after.Val())
		n, err := c.Exists(ctx, "never").Result()
		require.NoError(t, err)
		assert.Zero(t, n, "a reset block sent nothing")

		require.NoError(t, c.ScriptFlush(ctx).Err())
		fresh := redpipe.NewScript("return 7 + #KEYS")
		block := redpipe.Pipeline(root)
		seven := fresh.RunInt64(block, []string{"a"})
		require.NoError(t, root.Execute(ctx)) // evicts the script call: the root has none to load
		require.NoError(t, block.Execute(ctx))
		require.NoError(t, root.Execute(ctx))
		assert.Equal(t, int64(8), seven.Val(), "an evicted script call loads its script")
	})
}

// TestBuildingBlocksWhileRootExecutes makes building blocks in several
// goroutines while another executes their root again and again, evicting
// the commands of blocks that have not executed yet: every INCR runs
// once, each goroutine's in its order, and every future settles.
func TestBuildingBlocksWhileRootExecutes(t *testing.T) {
	eachBackend(t, func(t *testing.T, b backend) {
		ctx := context.Background()
		c, _ := newClient(t, b.start(t))
		root := redpipe.New(c)
		done := make(chan struct{})
		executes := make(chan int)
		started := make(chan struct{})
		go func() {
			n := 0
			for {
				select {
				case <-done:
					executes <- n
					return
				default:
					assert.NoError(t, root.Execute(ctx))
					if n++; n == 1 {
						close(started)
					}
					runtime.Gosched()
				}
			}
		}()
		<-started
		const workers, blocks = 4, 50
		futures := make([][]*redpipe.Future[int64], workers)
		var wg sync.WaitGroup
		for w := range workers {
			wg.Go(func() {
				key := fmt.Sprint("block", w)
				for range blocks {
					child := redpipe.Pipeline(root)
					futures[w] = append(futures[w], child.Incr(key))
					runtime.Gosched() // the root may execute between a block's commands
					futures[w] = append(futures[w], child.Incr(key))
					runtime.Gosched()
					assert.NoError(t, child.Execute(ctx))
				}
			})
		}
		wg.Wait()
		close(done)
		t.Logf("%d executes while the blocks were made", <-executes)
		require.NoError(t, root.Execute(ctx))
		for w := range workers {
			for i, f := range futures[w] {
				require.Equal(t, int64(i+1), f.Val(), "worker %d, INCR %d", w, i)
			}
		}
	})
}

// TestBuildingBlockAllocates checks what a building block costs beyond its
// commands: its pipe stays on its goroutine's stack, and its commands are
// built on the root's batch, so that 64 blocks allocate at most a quarter
// of an allocation each more than the same 128 commands queued on the
// root (the loans they borrow with come 8 to an allocation).
func TestBuildingBlockAllocates(t *testing.T) {
	ctx := context.Background()
	c := redis.NewClient(&redis.Options{Addr: deadAddr(t)})
	t.Cleanup(func() { _ = c.Close() })
	const blocks = 64
	keys := make([]string, blocks)
	for i := range keys {
		keys[i] = fmt.Sprint("key:", i)
	}
	viaBlocks := testing.AllocsPerRun(20, func() {
		root := redpipe.New(c)
		for _, k := range keys {
			incrAndExpire(ctx, root, k)
		}
		root.Reset()
	})
	onRoot := testing.AllocsPerRun(20, func() {
		root := redpipe.New(c)
		for _, k := range keys {
			root.Incr(k)
			root.Expire(k, time.Hour)
		}
		root.Reset()
	})
	if extra := (viaBlocks - onRoot) / blocks; extra > 0.25 {
		t.Errorf("a building block allocates %.2f times more than its two commands on the root (%.0f allocations against %.0f); want at most 0.25", extra, viaBlocks, onRoot)
	}
}

// TestBlockWithinBlock checks order when a building block calls another on
// its own pipe between two of its commands: the three run in the order
// they were queued, whether the outer block borrows its root's batch or
// not (the root queued a command after it began).
func TestBlockWithinBlock(t *testing.T) {
	eachBackend(t, func(t *testing.T, b backend) {
		ctx := context.Background()
		c, _ := newClient(t, b.start(t))
		root := redpipe.New(c)
		outer := func(parent *redpipe.Pipe, key string, interrupt bool) []*redpipe.Future[int64] {
			pipe := redpipe.Pipeline(parent)
			defer pipe.Execute(ctx)
			first := pipe.Incr(key)
			if interrupt {
				parent.Ping() // evicts what the block borrowed
			}
			inner := incrAndExpire(ctx, pipe, key)
			return []*redpipe.Future[int64]{first, inner, pipe.Incr(key)}
		}
		plain := outer(root, "plain", false)
		interrupted := outer(root, "interrupted", true)
		require.NoError(t, root.Execute(ctx))
		for _, fs := range [][]*redpipe.Future[int64]{plain, interrupted} {
			for i, f := range fs {
				assert.Equal(t, int64(i+1), f.Val(), "command %d of the outer block", i)
			}
		}
	})
}

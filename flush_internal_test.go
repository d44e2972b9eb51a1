package redpipe

import (
	"context"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"
)

// TestFlushersIdle checks the flushing goroutines of a root made with
// AutoFlush: after a flush, one waits for the next instead of ending, and
// takes it; it ends once it has waited idleFor with none due, so that a
// root nobody closes holds no goroutine; and Close ends the idle ones.
func TestFlushersIdle(t *testing.T) {
	ctx := context.Background()
	c := redis.NewClient(&redis.Options{Addr: miniredis.RunT(t).Addr()})
	t.Cleanup(func() { _ = c.Close() })
	root := New(c, AutoFlush(0, 0, 2))
	f := root.auto
	state := func() (running, idle int) {
		root.guard().Lock()
		defer root.guard().Unlock()
		return f.running, f.idle
	}
	waitFor := func(what string, ok func(running, idle int) bool, within time.Duration) {
		t.Helper()
		for end := time.Now().Add(within); ; time.Sleep(time.Millisecond) {
			running, idle := state()
			if ok(running, idle) {
				return
			}
			if time.Now().After(end) {
				t.Fatalf("%s: %d flushing goroutines, %d idle, after %v", what, running, idle, within)
			}
		}
	}
	incr := func() {
		t.Helper()
		if v, err := root.Incr("n").Wait(ctx); err != nil || v < 1 {
			t.Fatalf("INCR: %d, %v", v, err)
		}
	}

	incr()
	waitFor("after a flush", func(running, idle int) bool { return running == 1 && idle == 1 }, idleFor/2)
	incr() // taken by the idle goroutine: none is started
	if running, _ := state(); running != 1 {
		t.Fatalf("the second flush ran with %d flushing goroutines; want the idle one alone", running)
	}
	waitFor("idle for longer than idleFor", func(running, idle int) bool { return running == 0 && idle == 0 }, 5*idleFor)

	incr()
	waitFor("after another flush", func(running, idle int) bool { return idle == 1 }, idleFor/2)
	start := time.Now()
	if err := root.Close(ctx); err != nil {
		t.Fatal(err)
	}
	if running, idle := state(); running != 0 || idle != 0 || time.Since(start) >= idleFor {
		t.Fatalf("Close returned after %v with %d flushing goroutines, %d idle; want none, before idleFor", time.Since(start), running, idle)
	}
}

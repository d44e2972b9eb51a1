package redpipe

import (
	"context"
	"testing"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"
)

// TestStageReused checks that a stage goes back to the pool holding
// nothing of its Execute: no context, root, collector, batch, route or
// panic, which the next Execute would otherwise see, or keep in memory.
func TestStageReused(t *testing.T) {
	c := redis.NewClient(&redis.Options{Addr: miniredis.RunT(t).Addr()})
	t.Cleanup(func() { _ = c.Close() })
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	root := New(c)
	set := root.Set("k", "v", 0)
	got := Chain(root, set, func(next *Pipe, _ string, err error) *Future[string] {
		return next.Get("k") // a second stage, through the stage's collector
	})
	root.OnExecute(func() {})
	if err := root.Execute(ctx); err != nil {
		t.Fatal(err)
	}
	if v, err := got.Result(); v != "v" || err != nil {
		t.Fatalf("the chained GET read %q, %v", v, err)
	}
	var taken []*stage
	defer func() {
		for _, s := range taken {
			stages.Put(s)
		}
	}()
	for range 4 { // the pool may hand out new stages too: each must be clean
		s := stages.Get().(*stage)
		taken = append(taken, s)
		switch {
		case s.ctx != nil, s.to != nil, s.next != nil:
			t.Errorf("a pooled stage keeps its context, target or collector: %v, %p, %p", s.ctx, s.to, s.next)
		case s.one[0].client != nil, s.one[0].plain != nil, s.c.first != nil:
			t.Errorf("a pooled stage keeps its route or its panic")
		}
		for i, b := range s.batches {
			if b != nil {
				t.Errorf("a pooled stage keeps batch %d", i)
			}
		}
	}
}

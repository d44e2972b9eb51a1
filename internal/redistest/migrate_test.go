package redistest

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/redis/go-redis/v9"
)

// keysInSlot returns n distinct keys that all hash to slot.
func keysInSlot(slot, n int) []string {
	tag := KeyInSlot(slot, "")
	keys := make([]string, n)
	for i := range keys {
		keys[i] = fmt.Sprintf("%s:%d", tag, i)
	}
	return keys
}

func countKeys(t *testing.T, s *Server, slot int) int64 {
	t.Helper()
	rdb := adminClient(s)
	defer rdb.Close()
	n, err := rdb.ClusterCountKeysInSlot(context.Background(), slot).Result()
	if err != nil {
		t.Fatalf("CLUSTER COUNTKEYSINSLOT %d on %s: %v", slot, s.Addr, err)
	}
	return n
}

func migrateSlot(t *testing.T, c *Cluster) {
	ctx := context.Background()
	cc := redis.NewClusterClient(&redis.ClusterOptions{Addrs: c.Addrs()})
	defer cc.Close()

	const slot = 100
	from, to := c.Nodes[0], c.Nodes[2]
	keys := keysInSlot(slot, 250) // several MIGRATE batches
	for _, k := range keys {
		if err := cc.Set(ctx, k, "v:"+k, 0).Err(); err != nil {
			t.Fatalf("SET %s: %v", k, err)
		}
	}

	c.MigrateSlot(t, slot, to)

	if got := c.NodeForSlot(slot); got != to {
		t.Errorf("NodeForSlot(%d) after MigrateSlot = %s; want %s", slot, got.Addr, to.Addr)
	}
	if got := countKeys(t, from, slot); got != 0 {
		t.Errorf("keys left in slot %d on the source = %d; want 0", slot, got)
	}
	if got := countKeys(t, to, slot); got != int64(len(keys)) {
		t.Errorf("keys in slot %d on the target = %d; want %d", slot, got, len(keys))
	}
	// Every node, not only the one NodeForSlot asks, agrees.
	for i, s := range c.Nodes {
		rdb := adminClient(s)
		//lint:ignore SA1019 CLUSTER SLOTS answers on every Redis the tests start; its ranges are what the checks compare
		slots, err := rdb.ClusterSlots(ctx).Result()
		rdb.Close()
		if err != nil {
			t.Fatalf("CLUSTER SLOTS on Nodes[%d]: %v", i, err)
		}
		if got, want := ownerID(slots, slot), c.NodeID(to); got != want {
			t.Errorf("Nodes[%d] says slot %d is owned by %s; want %s", i, slot, got, want)
		}
		if got, want := ownerID(slots, slot+1), c.NodeID(from); got != want {
			t.Errorf("Nodes[%d] says slot %d is owned by %s; want %s", i, slot+1, got, want)
		}
	}
	// The client's slot map is stale: it must follow MOVED.
	for _, k := range keys {
		if got, err := cc.Get(ctx, k).Result(); err != nil || got != "v:"+k {
			t.Fatalf("GET %s after the migration = %q, %v; want %q", k, got, err, "v:"+k)
		}
	}

	c.MigrateSlot(t, slot, to) // already there: nothing to do
	c.MigrateSlot(t, slot, from)
	if got := c.NodeForSlot(slot); got != from {
		t.Errorf("NodeForSlot(%d) after migrating back = %s; want %s", slot, got.Addr, from.Addr)
	}
	if got, err := cc.Get(ctx, keys[0]).Result(); err != nil || got != "v:"+keys[0] {
		t.Errorf("GET %s after migrating back = %q, %v; want %q", keys[0], got, err, "v:"+keys[0])
	}
}

func beginMigrateSlotAsk(t *testing.T, c *Cluster) {
	ctx := context.Background()
	cc := redis.NewClusterClient(&redis.ClusterOptions{Addrs: c.Addrs()})
	defer cc.Close()

	const slot = 200
	from, to := c.Nodes[0], c.Nodes[1]
	keys := keysInSlot(slot, 2)
	old, added := keys[0], keys[1]
	if err := cc.Set(ctx, old, "old", 0).Err(); err != nil {
		t.Fatalf("SET %s: %v", old, err)
	}

	c.BeginMigrateSlot(t, slot, to)

	if got := c.NodeForSlot(slot); got != from {
		t.Errorf("NodeForSlot(%d) half-way = %s; want still %s", slot, got.Addr, from.Addr)
	}
	src := adminClient(from)
	defer src.Close()
	if got, err := src.Get(ctx, old).Result(); err != nil || got != "old" {
		t.Errorf("GET %s on the source half-way = %q, %v; want old", old, got, err)
	}
	wantAsk := fmt.Sprintf("ASK %d %s", slot, to.Addr)
	if err := src.Get(ctx, added).Err(); err == nil || !strings.HasPrefix(err.Error(), wantAsk) {
		t.Errorf("GET %s (absent) on the source half-way: err = %v; want %q", added, err, wantAsk)
	}
	// go-redis follows ASK: the new key is created on the target.
	if err := cc.Set(ctx, added, "new", 0).Err(); err != nil {
		t.Fatalf("cluster SET %s half-way: %v", added, err)
	}
	if got := countKeys(t, to, slot); got != 1 {
		t.Errorf("keys in slot %d on the target half-way = %d; want 1", slot, got)
	}

	c.FinishMigrateSlot(t, slot, to)

	if got := c.NodeForSlot(slot); got != to {
		t.Errorf("NodeForSlot(%d) after FinishMigrateSlot = %s; want %s", slot, got.Addr, to.Addr)
	}
	cases := []struct{ key, want string }{{old, "old"}, {added, "new"}}
	for _, tc := range cases {
		if got, err := cc.Get(ctx, tc.key).Result(); err != nil || got != tc.want {
			t.Errorf("GET %s after FinishMigrateSlot = %q, %v; want %q", tc.key, got, err, tc.want)
		}
	}
	if got := countKeys(t, to, slot); got != 2 {
		t.Errorf("keys in slot %d on the target = %d; want 2", slot, got)
	}
}

package redistest

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// TestStartCluster checks a cluster as StartCluster leaves it, then moves
// slots on it: each migration takes a slot of its own, and a cluster takes
// seconds to start.
func TestStartCluster(t *testing.T) {
	t.Parallel()
	start := time.Now()
	c := StartCluster(t)
	t.Logf("StartCluster took %v", time.Since(start))
	t.Run("fresh", func(t *testing.T) { freshCluster(t, c) })
	t.Run("MigrateSlot", func(t *testing.T) { migrateSlot(t, c) })
	t.Run("BeginMigrateSlotAsk", func(t *testing.T) { beginMigrateSlotAsk(t, c) })
}

// freshCluster checks c as StartCluster leaves it.
func freshCluster(t *testing.T, c *Cluster) {
	ctx := context.Background()

	if got := len(c.Addrs()); got != 3 {
		t.Fatalf("len(Addrs()) = %d; want 3", got)
	}
	for i, s := range c.Nodes {
		rdb := adminClient(s)
		info, err := rdb.ClusterInfo(ctx).Result()
		rdb.Close()
		if err != nil {
			t.Fatalf("CLUSTER INFO on node %d: %v", i, err)
		}
		for _, want := range []string{"cluster_state:ok", "cluster_known_nodes:3", "cluster_size:3", "cluster_slots_assigned:16384"} {
			if !strings.Contains(info, want+"\r\n") {
				t.Errorf("CLUSTER INFO on node %d lacks %q:\n%s", i, want, info)
			}
		}
		if id := c.NodeID(s); len(id) != 40 {
			t.Errorf("NodeID(Nodes[%d]) = %q; want 40 hex digits", i, id)
		}
	}

	cases := []struct {
		slot int
		node int
	}{
		{0, 0}, {5460, 0}, {5461, 1}, {10922, 1}, {10923, 2}, {16383, 2},
	}
	cc := redis.NewClusterClient(&redis.ClusterOptions{Addrs: c.Addrs()})
	defer cc.Close()
	for _, tc := range cases {
		if got := c.NodeForSlot(tc.slot); got != c.Nodes[tc.node] {
			t.Errorf("NodeForSlot(%d) = %s; want Nodes[%d] %s", tc.slot, got.Addr, tc.node, c.Nodes[tc.node].Addr)
		}
		key := KeyInSlot(tc.slot, "k")
		if err := cc.Set(ctx, key, key, 0).Err(); err != nil {
			t.Fatalf("cluster SET %s: %v", key, err)
		}
		if got, err := cc.Get(ctx, key).Result(); err != nil || got != key {
			t.Errorf("cluster GET %s = %q, %v; want %q", key, got, err, key)
		}
		// The key must live on the node that owns its slot.
		rdb := adminClient(c.Nodes[tc.node])
		got, err := rdb.Get(ctx, key).Result()
		rdb.Close()
		if err != nil || got != key {
			t.Errorf("GET %s on Nodes[%d] directly = %q, %v; want %q", key, tc.node, got, err, key)
		}
	}
}

func TestClusterStop(t *testing.T) {
	t.Parallel()
	c := StartCluster(t)
	ctx := context.Background()
	// The survivors detect the failure after the node timeout; a shorter one
	// than StartCluster's spares this test seconds.
	for i, s := range c.Nodes {
		rdb := adminClient(s)
		err := rdb.ConfigSet(ctx, "cluster-node-timeout", "500").Err()
		rdb.Close()
		if err != nil {
			t.Fatalf("CONFIG SET cluster-node-timeout on Nodes[%d]: %v", i, err)
		}
	}
	pid := c.Nodes[1].Pid()
	c.Stop(1)
	c.Stop(1) // idempotent

	if err := ping(c.Nodes[1].Addr, 100*time.Millisecond); err == nil {
		t.Errorf("stopped node %d (pid %d) still answers PING", 1, pid)
	}
	for _, i := range []int{0, 2} {
		rdb := adminClient(c.Nodes[i])
		got, err := rdb.Ping(ctx).Result()
		if err != nil || got != "PONG" {
			t.Errorf("PING on Nodes[%d] after Stop(1) = %q, %v; want PONG", i, got, err)
		}
		key := KeyInSlot(slotRanges[i][0], "alive")
		if err := rdb.Set(ctx, key, "v", 0).Err(); err != nil {
			t.Errorf("SET %s on Nodes[%d] after Stop(1): %v", key, i, err)
		}
		rdb.Close()
	}
	// Its slots still belong to it: there is no replica to fail over to.
	if got := c.NodeForSlot(5461); got != c.Nodes[1] {
		t.Errorf("NodeForSlot(5461) after Stop(1) = %s; want the stopped %s", got.Addr, c.Nodes[1].Addr)
	}
	cc := redis.NewClusterClient(&redis.ClusterOptions{Addrs: c.Addrs(), MaxRedirects: 1, DialerRetries: 1})
	defer cc.Close()
	if err := cc.Set(ctx, KeyInSlot(5461, "dead"), "v", 0).Err(); err == nil || errors.Is(err, redis.Nil) {
		t.Errorf("cluster SET in a slot of the stopped node: err = %v; want a connection error", err)
	}

	// Once the survivors have agreed that node 1 failed, they still serve
	// their own slots.
	deadID := c.NodeID(c.Nodes[1])
	for _, i := range []int{0, 2} {
		rdb := adminClient(c.Nodes[i])
		defer rdb.Close()
		deadline := time.Now().Add(15 * time.Second)
		for {
			nodes, err := rdb.ClusterNodes(ctx).Result()
			if err != nil {
				t.Fatalf("CLUSTER NODES on Nodes[%d]: %v", i, err)
			}
			if flagsOf(nodes, deadID) == "master,fail" {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("Nodes[%d] did not mark the stopped node as failed:\n%s", i, nodes)
			}
			time.Sleep(50 * time.Millisecond)
		}
		key := KeyInSlot(slotRanges[i][0], "survivor")
		if err := rdb.Set(ctx, key, "v", 0).Err(); err != nil {
			t.Errorf("SET %s on Nodes[%d] after the failure was detected: %v", key, i, err)
		}
	}
}

// flagsOf returns the flags field of node id in a CLUSTER NODES reply.
func flagsOf(nodes, id string) string {
	for line := range strings.Lines(nodes) {
		if f := strings.Fields(line); len(f) > 2 && f[0] == id {
			return f[2]
		}
	}
	return ""
}

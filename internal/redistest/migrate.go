package redistest

import (
	"context"
	"fmt"
	"testing"

	"github.com/redis/go-redis/v9"
)

// migrateBatch is how many keys one MIGRATE moves.
const migrateBatch = 100

// migrateTimeoutMillis is MIGRATE's timeout argument.
const migrateTimeoutMillis = 5000

// MigrateSlot moves slot, with all its keys, from its current owner to node
// to, the way redis-cli --cluster reshard does, and waits until every running
// node agrees that to owns it. It does nothing if to already owns slot.
//
// It is [Cluster.BeginMigrateSlot] followed by [Cluster.FinishMigrateSlot].
func (c *Cluster) MigrateSlot(tb testing.TB, slot int, to *Server) {
	tb.Helper()
	if c.nodeForSlot(tb, slot) == to {
		return
	}
	c.BeginMigrateSlot(tb, slot, to)
	c.FinishMigrateSlot(tb, slot, to)
}

// BeginMigrateSlot starts moving slot to node to and leaves it half-way:
// CLUSTER SETSLOT IMPORTING on to, then MIGRATING on the current owner. No key
// moves. From then on the owner answers a command on a key of the slot that
// it no longer has with -ASK pointing at to, and to accepts such a command
// only after ASKING. It fails tb if to already owns slot.
func (c *Cluster) BeginMigrateSlot(tb testing.TB, slot int, to *Server) {
	tb.Helper()
	from := c.nodeForSlot(tb, slot)
	if from == to {
		tb.Fatalf("redistest: cannot migrate slot %d to %s: it already owns it", slot, to.Addr)
	}
	ctx, cancel := context.WithTimeout(context.Background(), clusterTimeout)
	defer cancel()
	dst, src := adminClient(to), adminClient(from)
	defer dst.Close()
	defer src.Close()
	must(tb, dst.Do(ctx, "cluster", "setslot", slot, "importing", c.NodeID(from)).Err(),
		"CLUSTER SETSLOT %d IMPORTING on %s", slot, to.Addr)
	must(tb, src.Do(ctx, "cluster", "setslot", slot, "migrating", c.NodeID(to)).Err(),
		"CLUSTER SETSLOT %d MIGRATING on %s", slot, from.Addr)
}

// FinishMigrateSlot completes a migration of slot to node to begun with
// [Cluster.BeginMigrateSlot]: it moves every key of the slot with MIGRATE,
// then sends CLUSTER SETSLOT NODE to to, to the old owner and to every other
// running node, and waits until they all agree that to owns slot. It does
// nothing if to already owns slot.
func (c *Cluster) FinishMigrateSlot(tb testing.TB, slot int, to *Server) {
	tb.Helper()
	from := c.nodeForSlot(tb, slot)
	if from == to {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), clusterTimeout)
	defer cancel()
	src := adminClient(from)
	defer src.Close()
	host, port := splitAddr(tb, to.Addr)
	for {
		keys, err := src.ClusterGetKeysInSlot(ctx, slot, migrateBatch).Result()
		must(tb, err, "CLUSTER GETKEYSINSLOT %d on %s", slot, from.Addr)
		if len(keys) == 0 {
			break
		}
		args := []any{"migrate", host, port, "", 0, migrateTimeoutMillis, "keys"}
		for _, k := range keys {
			args = append(args, k)
		}
		must(tb, src.Do(ctx, args...).Err(), "MIGRATE %d keys of slot %d from %s to %s", len(keys), slot, from.Addr, to.Addr)
	}

	// The new owner first, so that it serves the slot before the old owner
	// starts redirecting there; then the old owner; then everyone else.
	order := []*Server{to, from}
	for _, s := range c.Nodes {
		if s != to && s != from && s.running() {
			order = append(order, s)
		}
	}
	id := c.NodeID(to)
	for _, s := range order {
		rdb := adminClient(s)
		err := rdb.Do(ctx, "cluster", "setslot", slot, "node", id).Err()
		rdb.Close()
		must(tb, err, "CLUSTER SETSLOT %d NODE %s on %s", slot, id, s.Addr)
	}
	c.waitAll(tb, fmt.Sprintf("agreement that %s owns slot %d", to.Addr, slot), func(ctx context.Context, rdb *redis.Client) error {
		//lint:ignore SA1019 CLUSTER SLOTS answers on every Redis the tests start; its ranges are what the checks compare
		slots, err := rdb.ClusterSlots(ctx).Result()
		if err != nil {
			return err
		}
		if got := ownerID(slots, slot); got != id {
			return fmt.Errorf("slot %d owned by %q; want %q", slot, got, id)
		}
		return nil
	})
}

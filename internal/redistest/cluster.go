package redistest

import (
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// clusterTimeout bounds each wait for the cluster to reach an expected state.
const clusterTimeout = 20 * time.Second

// clusterSize is the number of masters StartCluster creates.
const clusterSize = 3

// slotRanges are the first and last slots of each master, split as
// redis-cli --cluster create splits them.
var slotRanges = [clusterSize][2]int{{0, 5460}, {5461, 10922}, {10923, 16383}}

// Cluster is a Redis Cluster of three masters without replicas, each a
// redis-server on free loopback ports.
//
// The zero value is not usable; create a Cluster with [StartCluster]. A
// Cluster must not be copied. Its methods may be called from several
// goroutines at once, but a migration must not run concurrently with another
// migration of the same slot.
type Cluster struct {
	// Nodes are the masters, in the order their slot ranges start: Nodes[0]
	// starts with slot 0 and Nodes[2] with slot 10923.
	Nodes []*Server

	// ids[i] is the cluster node id of Nodes[i]; written once by StartCluster.
	ids []string

	// tb is the test that started the cluster, for failures in methods that
	// take no testing.TB of their own.
	tb testing.TB
}

// StartCluster starts three redis-server processes in cluster mode, gives
// each a third of the 16384 slots (0-5460, 5461-10922, 10923-16383), joins
// them with CLUSTER MEET, and waits until every node reports cluster_state:ok
// and sees all three masters in CLUSTER SLOTS. It takes about two seconds:
// redis-server keeps a master's state at fail for its first two seconds, so
// as not to rejoin a cluster as a writable master after a restart. All nodes
// are killed when the test ends.
//
// The nodes run with cluster-node-timeout 2000 and, unlike redis-server's
// default, cluster-require-full-coverage no, so that after [Cluster.Stop] the
// other nodes keep serving their own slots instead of refusing every command
// with CLUSTERDOWN once they have marked the stopped node as failed.
func StartCluster(tb testing.TB) *Cluster {
	tb.Helper()
	dir := tb.TempDir()
	c := &Cluster{tb: tb}
	for i := range clusterSize {
		conf := filepath.Join(dir, fmt.Sprintf("nodes-%d.conf", i))
		s := startServer(tb, dir, 2, func(ports []int) []string {
			// A failed attempt may have left a config naming old ports.
			_ = os.Remove(conf)
			return []string{
				"--cluster-enabled", "yes",
				"--cluster-config-file", conf,
				"--cluster-node-timeout", "2000",
				"--cluster-require-full-coverage", "no",
				"--cluster-port", strconv.Itoa(ports[1]),
			}
		})
		c.Nodes = append(c.Nodes, s)
	}

	ctx, cancel := context.WithTimeout(context.Background(), clusterTimeout)
	defer cancel()
	clients := make([]*redis.Client, clusterSize)
	for i, s := range c.Nodes {
		clients[i] = adminClient(s)
		defer clients[i].Close()
	}
	for i, rdb := range clients {
		id, err := rdb.Do(ctx, "cluster", "myid").Text()
		if err != nil {
			tb.Fatalf("redistest: CLUSTER MYID on %s: %v", c.Nodes[i].Addr, err)
		}
		c.ids = append(c.ids, id)
		// Distinct epochs spare the nodes resolving a collision, as
		// redis-cli --cluster create does.
		must(tb, rdb.Do(ctx, "cluster", "set-config-epoch", i+1).Err(), "CLUSTER SET-CONFIG-EPOCH on %s", c.Nodes[i].Addr)
		first, last := slotRanges[i][0], slotRanges[i][1]
		must(tb, rdb.Do(ctx, "cluster", "addslotsrange", first, last).Err(), "CLUSTER ADDSLOTSRANGE %d %d on %s", first, last, c.Nodes[i].Addr)
	}
	// Every pair meets directly, rather than learning of each other through
	// gossip, which can take seconds. The bus port is not port+10000, so
	// MEET must be told it.
	for j := 1; j < clusterSize; j++ {
		bus, err := clients[j].ConfigGet(ctx, "cluster-port").Result()
		if err != nil {
			tb.Fatalf("redistest: CONFIG GET cluster-port on %s: %v", c.Nodes[j].Addr, err)
		}
		host, port := splitAddr(tb, c.Nodes[j].Addr)
		for i := range j {
			must(tb, clients[i].Do(ctx, "cluster", "meet", host, port, bus["cluster-port"]).Err(),
				"CLUSTER MEET %s on %s", c.Nodes[j].Addr, c.Nodes[i].Addr)
		}
	}
	c.waitAll(tb, "cluster_state:ok with three masters", func(ctx context.Context, rdb *redis.Client) error {
		info, err := rdb.ClusterInfo(ctx).Result()
		if err != nil {
			return err
		}
		if !strings.Contains(info, "cluster_state:ok\r\n") {
			return fmt.Errorf("CLUSTER INFO: not cluster_state:ok")
		}
		//lint:ignore SA1019 CLUSTER SLOTS answers on every Redis the tests start; its ranges are what the checks compare
		slots, err := rdb.ClusterSlots(ctx).Result()
		if err != nil {
			return err
		}
		return c.checkSlots(slots)
	})
	return c
}

// FlushAll empties every running node of c as ReuseServer empties a
// server (see Server.empty), so that tests sharing c start from the same
// state.
func (c *Cluster) FlushAll(tb testing.TB) {
	tb.Helper()
	for _, s := range c.Nodes {
		if s.running() {
			must(tb, s.empty(), "FlushAll")
		}
	}
}

// Addrs returns the addresses of all nodes, running or stopped, in the order
// of Nodes; it is what [redis.ClusterOptions] Addrs wants.
func (c *Cluster) Addrs() []string {
	addrs := make([]string, len(c.Nodes))
	for i, s := range c.Nodes {
		addrs[i] = s.Addr
	}
	return addrs
}

// NodeID returns the cluster node id of s. It panics if s is not one of
// c.Nodes.
func (c *Cluster) NodeID(s *Server) string {
	i := slices.Index(c.Nodes, s)
	if i < 0 {
		panic(fmt.Sprintf("redistest: %s is not a node of this cluster", s.Addr))
	}
	return c.ids[i]
}

// NodeForSlot returns the node that owns slot according to CLUSTER SLOTS on
// the first running node. During a migration begun with
// [Cluster.BeginMigrateSlot] that is still the source node. It fails the test
// that started the cluster if no running node answers.
func (c *Cluster) NodeForSlot(slot int) *Server {
	c.tb.Helper()
	return c.nodeForSlot(c.tb, slot)
}

// nodeForSlot is NodeForSlot reporting failures to tb.
func (c *Cluster) nodeForSlot(tb testing.TB, slot int) *Server {
	tb.Helper()
	checkSlot(slot)
	i := slices.IndexFunc(c.Nodes, (*Server).running)
	if i < 0 {
		tb.Fatalf("redistest: no cluster node is running")
	}
	rdb := adminClient(c.Nodes[i])
	defer rdb.Close()
	ctx, cancel := context.WithTimeout(context.Background(), clusterTimeout)
	defer cancel()
	//lint:ignore SA1019 CLUSTER SLOTS answers on every Redis the tests start; its ranges are what the checks compare
	slots, err := rdb.ClusterSlots(ctx).Result()
	if err != nil {
		tb.Fatalf("redistest: CLUSTER SLOTS on %s: %v", c.Nodes[i].Addr, err)
	}
	owner := slices.Index(c.ids, ownerID(slots, slot))
	if owner < 0 {
		tb.Fatalf("redistest: slot %d has no known owner in CLUSTER SLOTS on %s: %v", slot, c.Nodes[i].Addr, slots)
	}
	return c.Nodes[owner]
}

// Stop kills node i at once, as kill -9 would, leaving the others running.
// Its slots stay assigned to it, as there is no replica to fail over to:
// commands on their keys fail with connection errors, while the other nodes
// go on serving theirs, also after they mark node i as failed (about four
// seconds later). Calling Stop again does nothing.
func (c *Cluster) Stop(i int) {
	c.Nodes[i].Stop()
}

// checkSlots reports whether slots, a node's CLUSTER SLOTS reply, covers all
// 16384 slots with the cluster's three masters at their addresses.
func (c *Cluster) checkSlots(slots []redis.ClusterSlot) error {
	covered := 0
	seen := map[string]bool{}
	for _, r := range slots {
		if len(r.Nodes) == 0 {
			return fmt.Errorf("CLUSTER SLOTS: range %d-%d has no node", r.Start, r.End)
		}
		m := r.Nodes[0]
		i := slices.Index(c.ids, m.ID)
		if i < 0 || m.Addr != c.Nodes[i].Addr {
			return fmt.Errorf("CLUSTER SLOTS: range %d-%d served by unknown node %s at %q", r.Start, r.End, m.ID, m.Addr)
		}
		seen[m.ID] = true
		covered += r.End - r.Start + 1
	}
	if covered != 16384 || len(seen) != clusterSize {
		return fmt.Errorf("CLUSTER SLOTS: %d slots covered by %d masters; want 16384 by %d", covered, len(seen), clusterSize)
	}
	return nil
}

// waitAll polls every running node with check, every 10ms, until check
// passes on all of them at once; it fails tb after clusterTimeout.
func (c *Cluster) waitAll(tb testing.TB, what string, check func(context.Context, *redis.Client) error) {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), clusterTimeout)
	defer cancel()
	var clients []*redis.Client
	for _, s := range c.Nodes {
		if s.running() {
			rdb := adminClient(s)
			defer rdb.Close()
			clients = append(clients, rdb)
		}
	}
	for {
		var err error
		for _, rdb := range clients {
			if err = check(ctx, rdb); err != nil {
				err = fmt.Errorf("%s: %w", rdb.Options().Addr, err)
				break
			}
		}
		if err == nil {
			return
		}
		select {
		case <-ctx.Done():
			tb.Fatalf("redistest: cluster did not reach %s within %v: %v", what, clusterTimeout, err)
		case <-time.After(10 * time.Millisecond):
		}
	}
}

// ownerID returns the id of the master serving slot in a CLUSTER SLOTS reply,
// or "" if no range covers it.
func ownerID(slots []redis.ClusterSlot, slot int) string {
	for _, r := range slots {
		if r.Start <= slot && slot <= r.End && len(r.Nodes) > 0 {
			return r.Nodes[0].ID
		}
	}
	return ""
}

// adminClient returns a client for one node's own commands (CLUSTER ...,
// MIGRATE). It does not retry: the helpers poll themselves.
func adminClient(s *Server) *redis.Client {
	return redis.NewClient(&redis.Options{
		Addr:          s.Addr,
		MaxRetries:    -1,
		DialerRetries: 1,
		PoolSize:      1,
	})
}

// splitAddr splits a host:port address, failing tb if it is malformed.
func splitAddr(tb testing.TB, addr string) (string, int) {
	tb.Helper()
	host, p, err := net.SplitHostPort(addr)
	if err != nil {
		tb.Fatalf("redistest: %v", err)
	}
	port, err := strconv.Atoi(p)
	if err != nil {
		tb.Fatalf("redistest: port of %q: %v", addr, err)
	}
	return host, port
}

// must fails tb if err is not nil, naming the failed action.
func must(tb testing.TB, err error, format string, args ...any) {
	tb.Helper()
	if err != nil {
		tb.Fatalf("redistest: %s: %v", fmt.Sprintf(format, args...), err)
	}
}

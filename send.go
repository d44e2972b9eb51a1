package redpipe

// How a command travels. pipe.Incr(key) locks the pipe, builds the command
// with go-redis on the store of the pipe's last batch (queue.go, batch.go),
// checks its arguments (check.go) and returns a future that reads the
// command once the batch's latch opens (future.go, latch.go). A child's
// Execute hands its batches to its parent, a small one riding on the
// parent's open batch (nested.go). A root's Execute runs in stages
// (stage.go): each stage groups its batches by
// client into routes (this file), sends each route's plain commands in
// chunks and its transactions on their own connections (route.go), opens
// every latch, and runs the Then and Chain functions, whose commands make
// the next stage; then the callbacks run, and the failures are reported.

import (
	"sync"

	"github.com/redis/go-redis/v9"
)

// send sends batches, one stage of a root's Execute, along one route per
// client, all routes at once, and returns the routes, which s reuses for
// its next stage. Panics are caught by s.c.
func (s *stage) send(batches []*batch, pol sendPolicy) []route {
	routes := routesOf(batches, pol, &s.one)
	switch len(routes) {
	case 0:
	case 1:
		routes[0].send(s.ctx, &s.c)
	default:
		var wg sync.WaitGroup
		for i := range routes {
			wg.Go(func() { routes[i].send(s.ctx, &s.c) })
		}
		wg.Wait()
	}
	return routes
}

// routesOf groups batches by client, resolving the names of the registry;
// the batches of a name that is not registered fail at once. The one
// route of batches that all go to one client is made in one.
func routesOf(batches []*batch, pol sendPolicy, one *[1]route) []route {
	if oneRoute(batches, pol, one) {
		return one[:]
	}
	var routes []route
	var seen []resolved
	for _, b := range batches {
		if b.len() == 0 {
			continue
		}
		j := 0
		for j < len(seen) && seen[j].to != b.to && *seen[j].to != *b.to {
			j++
		}
		if j == len(seen) {
			c, err := b.to.resolve()
			seen = append(seen, resolved{b.to, c, err})
		}
		if seen[j].err != nil {
			b.failAll(seen[j].err)
			continue
		}
		i := 0
		for i < len(routes) && routes[i].client != seen[j].client {
			i++
		}
		if i == len(routes) {
			routes = append(routes, route{client: seen[j].client, sendPolicy: pol})
		}
		if b.tx != 0 {
			routes[i].addTx(b)
		} else {
			routes[i].plain = append(routes[i].plain, b)
		}
	}
	return routes
}

// oneRoute makes in one the route of batches and reports true when they all
// hold plain commands for one client, as those of most roots do: batches is
// then the route's plain batches as it is. It reports false otherwise, and
// for a name that is not registered.
func oneRoute(batches []*batch, pol sendPolicy, one *[1]route) bool {
	if len(batches) == 0 {
		return false
	}
	to := batches[0].to
	for _, b := range batches {
		if b.len() == 0 || b.tx != 0 || b.to != to && *b.to != *to {
			return false
		}
	}
	c, err := to.resolve()
	if err != nil {
		return false
	}
	one[0] = route{client: c, sendPolicy: pol, plain: batches}
	return true
}

// sendPolicy is how a root sends, set when it is made.
type sendPolicy struct {
	chunk       int        // the most commands per plain round trip; 0: no limit
	retryWrites bool       // see RetryWrites
	pipelines   *pipelines // nil: a new go-redis pipeline for each route
}

// pipelines keeps the go-redis pipelines a root that flushes itself has
// sent plain commands to its own client with, for its next flushes: it
// sends many small batches, and a go-redis pipeline is four allocations.
type pipelines struct {
	client sender // immutable
	pool   sync.Pool
}

// get returns a go-redis pipeline of c: one ps keeps, if c is its client.
func (ps *pipelines) get(c sender) redis.Pipeliner {
	if ps != nil && c == ps.client {
		if pl, _ := ps.pool.Get().(redis.Pipeliner); pl != nil {
			return pl
		}
	}
	return c.Pipeline()
}

// put keeps pl, a go-redis pipeline of c that get returned and that has
// sent what it held, if c is ps's client.
func (ps *pipelines) put(c sender, pl redis.Pipeliner) {
	if ps != nil && c == ps.client && pl.Len() == 0 {
		ps.pool.Put(pl)
	}
}

// resolved is a target seen by routesOf, with its client or error.
type resolved struct {
	to     *target
	client sender
	err    error
}

// resolve returns the client of t.
func (t *target) resolve() (sender, error) {
	if t.client != nil {
		return t.client, nil
	}
	if t.reg == nil {
		return DefaultRegistry.lookup(t.name)
	}
	return t.reg.lookup(t.name)
}

// failures appends a CommandError for each failed command of batches to
// errs, grouped by connection in the order the connections first appear,
// each in queue order.
func failures(batches []*batch, errs []*CommandError) []*CommandError {
	var labels []string
	var groups [][]*CommandError
	for _, b := range batches {
		failed := b.failures(nil)
		if len(failed) == 0 {
			continue
		}
		label := b.to.label()
		i := 0
		for i < len(labels) && labels[i] != label {
			i++
		}
		if i == len(labels) {
			labels, groups = append(labels, label), append(groups, nil)
		}
		groups[i] = append(groups[i], failed...)
	}
	for _, g := range groups {
		errs = append(errs, g...)
	}
	return errs
}

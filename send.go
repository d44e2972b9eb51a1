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
	"context"
	"sync"
)

// sendStage sends batches, one stage of a root's Execute, along one route per
// client, all routes at once, and returns the routes; chunk is the most
// commands per round trip, 0 for no limit. Panics are caught by c.
func sendStage(ctx context.Context, batches []*batch, pol sendPolicy, c *catcher) []*route {
	routes := routesOf(batches, pol)
	switch len(routes) {
	case 0:
	case 1:
		routes[0].send(ctx, c)
	default:
		var wg sync.WaitGroup
		for _, r := range routes {
			wg.Go(func() { r.send(ctx, c) })
		}
		wg.Wait()
	}
	return routes
}

// routesOf groups batches by client, resolving the names of the registry;
// the batches of a name that is not registered fail at once.
func routesOf(batches []*batch, pol sendPolicy) []*route {
	var routes []*route
	var seen []resolved
	for i, b := range batches {
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
		r := findRoute(&routes, seen[j].client, pol)
		switch {
		case b.tx != 0:
			r.addTx(b)
		case r.plain == nil && len(routes) == 1:
			// Most roots send to one client: room for every batch left
			// at once, not by doubling (BenchmarkBudget, the blocks rows).
			r.plain = append(make([]*batch, 0, len(batches)-i), b)
		default:
			r.plain = append(r.plain, b)
		}
	}
	return routes
}

// sendPolicy is how a root sends, set when it is made.
type sendPolicy struct {
	chunk       int  // the most commands per plain round trip; 0: no limit
	retryWrites bool // see RetryWrites
}

// resolved is a target seen by routesOf, with its client or error.
type resolved struct {
	to     *target
	client sender
	err    error
}

// findRoute returns the route of client c, adding it if needed.
func findRoute(routes *[]*route, c sender, pol sendPolicy) *route {
	for _, r := range *routes {
		if r.client == c {
			return r
		}
	}
	r := &route{client: c, sendPolicy: pol}
	*routes = append(*routes, r)
	return r
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

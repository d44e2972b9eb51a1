package redpipe

// How a command travels. pipe.Incr(key) locks the pipe, builds the command
// with go-redis on the store of the pipe's open batch (queue.go, batch.go),
// checks its arguments (check.go) and returns a future that reads the
// command once the batch's latch opens (future.go, latch.go). A child's
// Execute hands its batches, whole, to its parent (queue.go). A root's
// Execute (this file) groups its batches by client into routes, sends each
// route's plain commands in chunks and its transactions on their own
// connections (route.go), opens every latch, runs the Then functions and
// the callbacks, and reports the failures.

import (
	"context"
	"sync"
)

// send is a root's Execute: it sends the batches of q along one route per
// client, all routes at once; then opens every latch, runs the Then
// functions and the callbacks, and reports the failures. tx is true for a
// transactional root, whose batches are all transactions; chunk is the
// most commands per round trip, 0 for no limit.
func (q *queue) send(ctx context.Context, tx bool, chunk int) error {
	var c catcher
	routes := q.routes(tx, chunk)
	switch len(routes) {
	case 0:
	case 1:
		routes[0].send(ctx, &c)
	default:
		var wg sync.WaitGroup
		for _, r := range routes {
			wg.Go(func() { r.send(ctx, &c) })
		}
		wg.Wait()
	}
	openAll(q.batches, &c)
	for _, fn := range q.callbacks {
		c.try("an OnExecute callback", fn)
	}
	err := q.failures()
	for _, b := range q.batches {
		b.release()
	}
	c.repanic()
	return err
}

// routes groups the batches of q by client, resolving the names of the
// registry; the batches of a name that is not registered fail at once.
func (q *queue) routes(tx bool, chunk int) []*route {
	var routes []*route
	var resolved []target // targets seen, each with its client or error
	var clients []sender
	var errs []error
	for _, b := range q.batches {
		if b.pl.Len() == 0 {
			continue
		}
		i := 0
		for i < len(resolved) && resolved[i] != b.to {
			i++
		}
		if i == len(resolved) {
			c, err := b.to.resolve()
			resolved, clients, errs = append(resolved, b.to), append(clients, c), append(errs, err)
		}
		if errs[i] != nil {
			b.failAll(errs[i])
			continue
		}
		r := findRoute(&routes, clients[i], chunk)
		switch {
		case tx && len(r.txs) == 0:
			r.txs = append(r.txs, []*batch{b})
		case tx:
			r.txs[0] = append(r.txs[0], b)
		case b.tx == 0:
			r.plain = append(r.plain, b)
		default:
			r.addTx(b)
		}
	}
	return routes
}

// findRoute returns the route of client c, adding it if needed.
func findRoute(routes *[]*route, c sender, chunk int) *route {
	for _, r := range *routes {
		if r.client == c {
			return r
		}
	}
	r := &route{client: c, chunk: chunk}
	*routes = append(*routes, r)
	return r
}

// resolve returns the client of t.
func (t target) resolve() (sender, error) {
	if t.client != nil {
		return t.client, nil
	}
	return lookup(t.name)
}

// failures returns the ExecError of q's failed commands, grouped by
// connection in the order the connections first appear, each in queue
// order; nil if none failed.
func (q *queue) failures() error {
	var labels []string
	var groups [][]*CommandError
	for _, b := range q.batches {
		errs := b.failures(nil)
		if len(errs) == 0 {
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
		groups[i] = append(groups[i], errs...)
	}
	if len(groups) == 0 {
		return nil
	}
	var all []*CommandError
	for _, g := range groups {
		all = append(all, g...)
	}
	return &ExecError{Commands: all}
}

package redpipe

import "github.com/redis/go-redis/v9"

// queue is what a pipe holds until it executes: its own commands, those its
// children handed over, and the callbacks.
type queue struct {
	own       batch   // commands for the pipe's own connection
	more      []batch // commands children handed over for other connections
	callbacks []func()
}

// batch holds the commands of one queue for one connection, in the order
// they were queued.
type batch struct {
	to       target
	cmds     []redis.Cmder
	futs     []settler // futs[i] settles from cmds[i]
	rejected []pending // commands go-redis refused to build; never sent
}

// pending is a command with the future its reply settles.
type pending struct {
	cmd redis.Cmder
	fut settler
}

func (b *batch) len() int {
	return len(b.cmds) + len(b.rejected)
}

// appendBatch moves the commands of src to the end of b.
func (b *batch) appendBatch(src *batch) {
	if len(b.cmds) == 0 {
		b.cmds, b.futs = src.cmds, src.futs
	} else {
		b.cmds = append(b.cmds, src.cmds...)
		b.futs = append(b.futs, src.futs...)
	}
	b.rejected = append(b.rejected, src.rejected...)
}

// batches returns pointers to the non-empty batches of q.
func (q *queue) batches() []*batch {
	all := make([]*batch, 0, 1+len(q.more))
	if q.own.len() > 0 {
		all = append(all, &q.own)
	}
	for i := range q.more {
		if q.more[i].len() > 0 {
			all = append(all, &q.more[i])
		}
	}
	return all
}

func (q *queue) len() int {
	n := q.own.len()
	for i := range q.more {
		n += q.more[i].len()
	}
	return n
}

// batchFor returns q's batch for connection to, adding one if needed.
func (q *queue) batchFor(to target) *batch {
	if q.own.to == to {
		return &q.own
	}
	for i := range q.more {
		if q.more[i].to == to {
			return &q.more[i]
		}
	}
	q.more = append(q.more, batch{to: to})
	return &q.more[len(q.more)-1]
}

// absorb appends a child's queue to p's: each batch to p's batch for the
// same connection, callbacks after p's own.
func (p *Pipe) absorb(child *queue) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if child.own.len() > 0 {
		p.q.batchFor(child.own.to).appendBatch(&child.own)
	}
	for i := range child.more {
		p.q.batchFor(child.more[i].to).appendBatch(&child.more[i])
	}
	p.q.callbacks = append(p.q.callbacks, child.callbacks...)
}

// discard settles every future in q with ErrDiscarded and drops the callbacks.
func (q *queue) discard() {
	for _, b := range q.batches() {
		b.failAll(ErrDiscarded)
	}
}

// failAll settles every future of b with err.
func (b *batch) failAll(err error) {
	for _, f := range b.futs {
		f.fail(err)
	}
	for _, r := range b.rejected {
		r.fut.fail(err)
	}
}

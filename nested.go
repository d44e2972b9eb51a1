package redpipe

import "github.com/redis/go-redis/v9"

// queue is what a pipe holds until it executes: its own commands, those its
// children handed over, the rounds their futures settle with, and the
// callbacks.
type queue struct {
	own       batch   // commands for the pipe's own connection
	more      []batch // commands children handed over for other connections
	rnd       *round  // the round of the futures queued on the pipe itself
	handed    []*round
	callbacks []func()
}

// batch holds the commands of one queue for one connection, in the order
// they were queued.
type batch struct {
	to       target
	cmds     []redis.Cmder
	rejected []redis.Cmder // commands go-redis refused to build; never sent
}

func (b *batch) len() int {
	return len(b.cmds) + len(b.rejected)
}

// appendBatch moves the commands of src to the end of b.
func (b *batch) appendBatch(src *batch) {
	if len(b.cmds) == 0 {
		b.cmds = src.cmds
	} else {
		b.cmds = append(b.cmds, src.cmds...)
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
// same connection, the rounds, and the callbacks after p's own.
func (p *Pipe) absorb(child *queue) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if child.own.len() > 0 {
		p.q.batchFor(child.own.to).appendBatch(&child.own)
	}
	for i := range child.more {
		p.q.batchFor(child.more[i].to).appendBatch(&child.more[i])
	}
	if child.rnd != nil {
		p.q.handed = append(p.q.handed, child.rnd)
	}
	p.q.handed = append(p.q.handed, child.handed...)
	p.q.callbacks = append(p.q.callbacks, child.callbacks...)
}

// discard settles every future in q with ErrDiscarded and drops the callbacks.
func (q *queue) discard() {
	for _, b := range q.batches() {
		b.failAll(ErrDiscarded)
	}
	q.finish()
}

// failAll sets err on every command of b, so that their futures report it.
func (b *batch) failAll(err error) {
	for _, cmd := range b.cmds {
		cmd.SetErr(err)
	}
	for _, cmd := range b.rejected {
		cmd.SetErr(err)
	}
}

// finish settles every future of q: its commands must have their replies.
func (q *queue) finish() {
	if q.rnd != nil {
		q.rnd.finish()
	}
	for _, r := range q.handed {
		r.finish()
	}
}

package redpipe

import (
	"cmp"

	"github.com/redis/go-redis/v9"
)

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
//
// They wait in cmds, except in the own batch of a root made by New: there
// they wait in pl, the client's own go-redis pipeline, which the root then
// sends as it is, without copying them. When pl is set, cmds is empty
// until the root executes.
type batch struct {
	to       target
	block    *txBlock        // set when the batch is a transaction of its own
	cmds     []redis.Cmder   // the commands; when the root executes, those of pl too
	pl       redis.Pipeliner // holds the commands instead of cmds, if set
	rejected []redis.Cmder   // commands go-redis refused to build; never sent
	scripts  []scriptCall    // the script calls among the commands
}

// txBlock identifies the commands of one Execute of a pipe that begins a
// transaction under a parent outside it: they go out as one MULTI/EXEC.
type txBlock struct{ _ byte }

// add appends cmd to the commands of b.
func (b *batch) add(cmd redis.Cmder) {
	if b.pl != nil {
		_ = b.pl.Process(background, cmd)
		return
	}
	b.cmds = append(b.cmds, cmd)
}

// direct makes b hold its commands in a pipeline of c, the client it is
// for, from now on.
func (b *batch) direct(c sender) {
	b.pl = c.Pipeline()
	// Give the pipeline room for len(room) commands at once, instead of
	// the 1, 2, 4, 8 it would grow through: go-redis keeps that room when
	// it discards the commands.
	_ = b.pl.BatchProcess(background, room[:]...)
	b.pl.Discard()
	_ = b.pl.BatchProcess(background, b.cmds...)
	b.cmds = nil
}

// room is as many commands as a direct batch has room for at first: all
// nil, never written.
var room [16]redis.Cmder

// sealCmds puts the commands of pl in cmds, when the root executes.
func (b *batch) sealCmds() {
	if b.pl != nil {
		b.cmds = b.pl.Cmds()
	}
}

func (b *batch) len() int {
	n := len(b.cmds) + len(b.rejected)
	if b.pl != nil {
		n += b.pl.Len()
	}
	return n
}

// appendBatch moves the commands of src, a child's batch, to the end of b.
func (b *batch) appendBatch(src *batch) {
	switch {
	case b.pl != nil:
		_ = b.pl.BatchProcess(background, src.cmds...)
	case len(b.cmds) == 0:
		b.cmds = src.cmds
	default:
		b.cmds = append(b.cmds, src.cmds...)
	}
	b.rejected = append(b.rejected, src.rejected...)
	b.scripts = append(b.scripts, src.scripts...)
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

// batchFor returns q's batch for connection to and transaction block,
// adding one if needed.
func (q *queue) batchFor(to target, block *txBlock) *batch {
	if q.own.to == to && q.own.block == block {
		return &q.own
	}
	for i := range q.more {
		if q.more[i].to == to && q.more[i].block == block {
			return &q.more[i]
		}
	}
	q.more = append(q.more, batch{to: to, block: block})
	return &q.more[len(q.more)-1]
}

// absorb appends the queue of child, a child of p, to p's: each batch to
// p's batch for the same connection, the rounds, and the callbacks after
// p's own. When child begins a transaction (it is transactional and p is
// not), its batches become one transaction block each, kept apart from
// p's other commands.
func (p *Pipe) absorb(child *queue, childTx bool) {
	var block *txBlock
	if childTx && !p.tx {
		block = new(txBlock)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if child.own.len() > 0 {
		p.q.batchFor(child.own.to, cmp.Or(block, child.own.block)).appendBatch(&child.own)
	}
	for i := range child.more {
		b := &child.more[i]
		p.q.batchFor(b.to, cmp.Or(block, b.block)).appendBatch(b)
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
	b.sealCmds()
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

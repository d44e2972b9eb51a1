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
// they were queued, in pl, a go-redis pipeline that only holds them until
// the root executes (see Pipe.newStore).
type batch struct {
	to       target
	block    *txBlock        // set when the batch is a transaction of its own
	pl       redis.Pipeliner // holds the commands; nil while there are none
	maker    sender          // the client pl belongs to; nil for the recorder's
	cmds     []redis.Cmder   // when the root executes: the commands of pl
	rejected []redis.Cmder   // commands go-redis refused to build; never sent
	scripts  []scriptCall    // the script calls among the commands
}

// txBlock identifies the commands of one Execute of a pipe that begins a
// transaction under a parent outside it: they go out as one MULTI/EXEC.
type txBlock struct{ _ byte }

// holds reports whether cmd is the last command of b's pipeline.
func (b *batch) holds(cmd redis.Cmder) bool {
	if b.pl == nil {
		return false
	}
	cmds := b.pl.Cmds()
	return len(cmds) > 0 && cmds[len(cmds)-1] == cmd
}

// sealCmds puts the commands of pl in cmds, when the root executes.
func (b *batch) sealCmds() {
	if b.pl != nil {
		b.cmds = b.pl.Cmds()
	}
}

func (b *batch) len() int {
	n := len(b.rejected)
	if b.pl != nil {
		n += b.pl.Len()
	}
	return n
}

// appendBatch moves the commands of src, a child's batch, to the end of b.
// When it copies them, it returns src's store, which nothing uses after.
func (b *batch) appendBatch(src *batch) (emptied redis.Pipeliner) {
	switch {
	case src.pl == nil:
	case b.pl == nil:
		b.pl, b.maker = src.pl, src.maker
	default:
		_ = b.pl.BatchProcess(background, src.pl.Cmds()...)
		emptied = src.pl
	}
	b.rejected = append(b.rejected, src.rejected...)
	b.scripts = append(b.scripts, src.scripts...)
	return emptied
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
	add := func(b *batch) {
		if b.len() == 0 {
			return
		}
		if pl := p.q.batchFor(b.to, cmp.Or(block, b.block)).appendBatch(b); pl != nil {
			p.top().spares.put(pl, b.maker)
		}
	}
	add(&child.own)
	for i := range child.more {
		add(&child.more[i])
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

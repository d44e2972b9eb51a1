package redpipe

import (
	"context"
	"errors"
	"sync"

	"github.com/redis/go-redis/v9"
)

// send is a root's Execute: it sends q, one round trip per connection (or
// per chunk of commands on it) plus one per transaction block, all
// connections at once; settles every future of q; runs the callbacks and
// reports the failures. tx is true for a transactional root, whose batches
// are all transactions; chunk is the most commands per round trip, 0 for
// no limit.
func (q *queue) send(ctx context.Context, tx bool, chunk int) error {
	var failed []*CommandError
	var one [1]job // most roots have one job: keep it off the heap
	jobs := one[:0]
	add := func(b *batch) {
		if b.len() == 0 {
			return
		}
		b.sealCmds()
		c, err := b.client()
		if err != nil {
			failed = b.failWith(err, failed)
			return
		}
		jobs = addJob(jobs, c, b, tx || b.block != nil, chunk)
	}
	add(&q.own)
	for i := range q.more {
		add(&q.more[i])
	}

	if len(jobs) == 1 {
		jobs[0].run(ctx)
		jobs[0].retryScripts(ctx)
	} else {
		runConcurrently(ctx, jobs)
	}
	for i := range jobs {
		batches := jobs[i].all()
		for k := range batches {
			failed = batches[k].failures(failed, !jobs[i].clean)
		}
	}
	q.finish()
	for _, fn := range q.callbacks {
		fn()
	}
	if len(failed) > 0 {
		return &ExecError{Commands: failed}
	}
	return nil
}

// job is one go-redis pipeline of a root's Execute: the plain batches of a
// client, or one transaction block. It holds copies of the batches (a job
// only reads them, and changes only the commands they point to), so that
// the queue they come from can stay on its root's stack.
type job struct {
	client sender
	tx     bool
	chunk  int      // the most commands per round trip of a plain job; 0: no limit
	clean  bool     // set by run and retryScripts: no command failed
	first  [1]batch // the first batch, kept inline: most jobs have one
	more   []batch  // all the batches, when there are several
}

// all returns the batches of j.
func (j *job) all() []batch {
	if j.more == nil {
		return j.first[:]
	}
	return j.more
}

// addJob adds b to the plain job of client c, so that each client gets one
// pipeline even when several names lead to it, or, for a transaction, to a
// job of its own.
func addJob(jobs []job, c sender, b *batch, tx bool, chunk int) []job {
	if !tx {
		for i := range jobs {
			if j := &jobs[i]; !j.tx && j.client == c {
				j.more = append(append([]batch(nil), j.all()...), *b)
				return jobs
			}
		}
	} else {
		chunk = 0 // a transaction is never split
	}
	return append(jobs, job{client: c, tx: tx, chunk: chunk, first: [1]batch{*b}})
}

// runConcurrently runs the jobs, and then their script retries, each job
// in a goroutine of its own. The goroutines work on copies of the jobs, so
// that the caller's stay on its stack.
func runConcurrently(ctx context.Context, jobs []job) {
	copies := make([]job, len(jobs))
	for i := range jobs {
		copies[i] = jobs[i]
		copies[i].more = append([]batch(nil), jobs[i].all()...)
	}
	var wg sync.WaitGroup
	for i := range copies {
		j := &copies[i]
		wg.Go(func() {
			j.run(ctx)
			j.retryScripts(ctx)
		})
	}
	wg.Wait()
	for i := range jobs {
		jobs[i].clean = copies[i].clean
	}
}

// run sends the job's commands through one go-redis pipeline, in chunks of
// at most j.chunk commands for a plain job. The errors go-redis reports are
// on the commands themselves; run notes in j.clean whether there were none.
// An Exec that returns nil saw no command fail (go-redis returns the first
// command's error), so then no command needs to be looked at for failures.
func (j *job) run(ctx context.Context) {
	j.clean = true
	exec := func(pl redis.Pipeliner) {
		if _, err := pl.Exec(ctx); err != nil {
			j.clean = false
		}
	}
	batches := j.all()
	if j.tx {
		pl := j.client.TxPipeline()
		for i := range batches {
			loadScripts(ctx, pl, batches[i].scripts)
			_ = pl.BatchProcess(ctx, batches[i].cmds...)
		}
		exec(pl)
		return
	}
	if b := &batches[0]; len(batches) == 1 && b.maker != nil && (j.chunk == 0 || len(b.cmds) <= j.chunk) {
		exec(b.pl) // the client's own pipeline: send it as it is
		return
	}
	pl := j.client.Pipeline()
	for i := range batches {
		b := &batches[i]
		for cmds := b.cmds; len(cmds) > 0; {
			n := len(cmds)
			if j.chunk > 0 {
				n = min(n, j.chunk-pl.Len())
			}
			_ = pl.BatchProcess(ctx, cmds[:n]...)
			cmds = cmds[n:]
			if pl.Len() == j.chunk {
				exec(pl)
			}
		}
	}
	if pl.Len() > 0 {
		exec(pl)
	}
}

// client resolves the connection of b.
func (b *batch) client() (sender, error) {
	if b.to.client != nil {
		return b.to.client, nil
	}
	return lookup(b.to.name)
}

// failures appends a CommandError for each failed command of b to failed:
// those go-redis refused to build, and, if sent is true, those sent. A nil
// reply is not a failure.
func (b *batch) failures(failed []*CommandError, sent bool) []*CommandError {
	for i := 0; sent && i < len(b.cmds); i++ {
		if err := b.cmds[i].Err(); err != nil && !errors.Is(err, redis.Nil) {
			failed = append(failed, b.failure(b.cmds[i], err))
		}
	}
	for _, cmd := range b.rejected {
		failed = append(failed, b.failure(cmd, cmd.Err()))
	}
	return failed
}

func (b *batch) failure(cmd redis.Cmder, err error) *CommandError {
	return &CommandError{Conn: b.to.label(), Cmd: cmd, Err: err}
}

// failWith sets err on every command of b and appends a CommandError for
// each to failed.
func (b *batch) failWith(err error, failed []*CommandError) []*CommandError {
	b.failAll(err)
	return b.failures(failed, true)
}

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
	var jobs []job
	for _, b := range q.batches() {
		c, err := b.client()
		if err != nil {
			b.failAll(err)
			failed = b.failures(failed)
			continue
		}
		jobs = addJob(jobs, c, b, tx || b.block != nil)
	}
	if !tx {
		for i := range jobs {
			jobs[i].chunk = chunk
		}
	}

	runJobs(ctx, jobs, (*job).run)
	runJobs(ctx, jobs, (*job).retryScripts)

	for _, j := range jobs {
		for _, b := range j.batches {
			failed = b.failures(failed)
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
// client, or one transaction block.
type job struct {
	client  sender
	tx      bool
	chunk   int // the most commands per round trip of a plain job; 0: no limit
	batches []*batch
}

// addJob adds b to the plain job of client c, so that each client gets one
// pipeline even when several names lead to it, or, for a transaction, to a
// job of its own.
func addJob(jobs []job, c sender, b *batch, tx bool) []job {
	if !tx {
		for i := range jobs {
			if !jobs[i].tx && jobs[i].client == c {
				jobs[i].batches = append(jobs[i].batches, b)
				return jobs
			}
		}
	}
	return append(jobs, job{client: c, tx: tx, batches: []*batch{b}})
}

// runJobs runs fn for every job, concurrently when there are several.
func runJobs(ctx context.Context, jobs []job, fn func(*job, context.Context)) {
	if len(jobs) == 1 {
		fn(&jobs[0], ctx)
		return
	}
	var wg sync.WaitGroup
	for i := range jobs {
		wg.Go(func() { fn(&jobs[i], ctx) })
	}
	wg.Wait()
}

// run sends the job's commands through one go-redis pipeline, in chunks of
// at most j.chunk commands for a plain job. The errors go-redis reports are
// on the commands themselves.
func (j *job) run(ctx context.Context) {
	if j.tx {
		pl := j.client.TxPipeline()
		for _, b := range j.batches {
			loadScripts(ctx, pl, b.scripts)
			_ = pl.BatchProcess(ctx, b.cmds...)
		}
		_, _ = pl.Exec(ctx)
		return
	}
	pl := j.client.Pipeline()
	for _, b := range j.batches {
		for cmds := b.cmds; len(cmds) > 0; {
			n := len(cmds)
			if j.chunk > 0 {
				n = min(n, j.chunk-pl.Len())
			}
			_ = pl.BatchProcess(ctx, cmds[:n]...)
			cmds = cmds[n:]
			if pl.Len() == j.chunk {
				_, _ = pl.Exec(ctx)
			}
		}
	}
	if pl.Len() > 0 {
		_, _ = pl.Exec(ctx)
	}
}

// client resolves the connection of b.
func (b *batch) client() (sender, error) {
	if b.to.client != nil {
		return b.to.client, nil
	}
	return lookup(b.to.name)
}

// failures appends a CommandError for each failed command of b to failed.
// A nil reply is not a failure.
func (b *batch) failures(failed []*CommandError) []*CommandError {
	for _, cmd := range b.cmds {
		if err := cmd.Err(); err != nil && !errors.Is(err, redis.Nil) {
			failed = append(failed, b.failure(cmd, err))
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

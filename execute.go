package redpipe

import (
	"context"
	"errors"
	"sync"

	"github.com/redis/go-redis/v9"
)

// send is a root's Execute: it sends q in one round trip per connection,
// settles every future of q, runs the callbacks and reports the failures.
func (q *queue) send(ctx context.Context) error {
	batches := q.batches()
	var failed []*CommandError
	sends := make([]flush, 0, len(batches))
	for _, b := range batches {
		c, err := b.client()
		if err != nil {
			b.failAll(err)
			failed = b.failures(failed)
			continue
		}
		sends = joinFlush(sends, c, b)
	}

	if len(sends) == 1 {
		sends[0].run(ctx)
	} else {
		var wg sync.WaitGroup
		for i := range sends {
			wg.Go(func() { sends[i].run(ctx) })
		}
		wg.Wait()
	}

	for _, s := range sends {
		for _, b := range s.batches {
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

// flush is the work of one connection: the batches that resolve to it.
type flush struct {
	client  redis.UniversalClient
	batches []*batch
}

// joinFlush adds b to the flush for client c, so that each client gets one
// pipeline even when several names lead to it.
func joinFlush(sends []flush, c redis.UniversalClient, b *batch) []flush {
	for i := range sends {
		if sends[i].client == c {
			sends[i].batches = append(sends[i].batches, b)
			return sends
		}
	}
	return append(sends, flush{client: c, batches: []*batch{b}})
}

// run sends the flush's commands through one go-redis pipeline. The errors
// go-redis reports are on the commands themselves.
func (s *flush) run(ctx context.Context) {
	pl := s.client.Pipeline()
	for _, b := range s.batches {
		_ = pl.BatchProcess(ctx, b.cmds...)
	}
	if pl.Len() > 0 {
		_, _ = pl.Exec(ctx)
	}
}

// client resolves the connection of b.
func (b *batch) client() (redis.UniversalClient, error) {
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

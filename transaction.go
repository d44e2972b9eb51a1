package redpipe

import (
	"context"
	"errors"
	"fmt"

	"github.com/redis/go-redis/v9"
)

// ErrWatchAborted is returned by [Watch] when every attempt's transaction
// was aborted because a watched key changed.
var ErrWatchAborted = errors.New("redpipe: Watch gave up: the watched keys changed during every attempt")

// Transaction makes a pipe's commands run atomically, in MULTI ... EXEC.
//
// On a root, made by New(c, Transaction()) or Pipeline(nil, Transaction()),
// all the commands the root sends to a connection run as one transaction on
// that connection, sent in one round trip.
//
// On a child of a pipe outside a transaction, each Execute of the child
// makes what it holds, its children's commands included, one transaction
// per connection; its parent's other commands stay outside it. The root
// still settles everything in one Execute: per connection it sends one
// pipeline for its plain commands and one MULTI ... EXEC pipeline per
// transaction, all at once, each on its own connection of the client's
// pool, so that the batch takes one round trip of time. As with any two
// connections, a transaction's place among the plain commands of the same
// batch is not defined: commands that must see its writes belong in it or
// in a later batch.
//
// A transactional child of a transactional pipe simply joins its
// transaction, and the children of a transactional pipe are transactional.
//
// A command that fails inside EXEC fails only its own future: Redis runs the
// others. A transaction Redis refuses as a whole (EXECABORT, after an error
// while queueing) fails all its futures. On a Redis Cluster the keys of one
// transaction must share a hash slot; otherwise every future of the
// transaction fails with [redis.ErrCrossSlot] and nothing is sent.
func Transaction() Option {
	return func(o *options) { o.tx = true }
}

// WatchOption configures [Watch].
type WatchOption func(*watchOptions)

type watchOptions struct {
	attempts int
}

// DefaultWatchAttempts is how many times [Watch] tries unless told otherwise
// with [MaxAttempts].
const DefaultWatchAttempts = 100

// MaxAttempts bounds how many times [Watch] runs its function before it
// gives up. n < 1 means 1.
func MaxAttempts(n int) WatchOption {
	return func(o *watchOptions) { o.attempts = max(n, 1) }
}

// Watch runs a read-modify-write transaction with optimistic locking, in the
// spirit of go-redis's [redis.Client.Watch]: it WATCHes keys on a
// connection of c, calls fn, and then sends what fn queued on pipe as one
// MULTI ... EXEC on that connection. fn reads the keys directly through tx,
// and queues its writes on pipe, which it may also hand to building blocks
// as their parent.
//
// When a watched key changed before EXEC, Redis aborts the transaction:
// Watch then calls fn again, on fresh futures, up to [DefaultWatchAttempts]
// times or as set with [MaxAttempts], and then returns an error that wraps
// [ErrWatchAborted] and [redis.TxFailedErr]. An error from fn ends Watch at
// once, with nothing sent, and is returned as it is; so is any other error.
// The futures of the attempt that succeeded hold its replies. If fn
// panics, Watch settles what it queued with an error that matches
// [ErrDiscarded] and holds the [*PanicError], and panics with the latter.
//
// On a Redis Cluster the keys must share a hash slot, as must the keys of
// the commands fn queues.
func Watch(ctx context.Context, c redis.UniversalClient, keys []string, fn func(tx *redis.Tx, pipe *Pipe) error, opts ...WatchOption) error {
	o := watchOptions{attempts: DefaultWatchAttempts}
	for _, opt := range opts {
		opt(&o)
	}
	var err error
	for range o.attempts {
		var panicked *PanicError
		err = c.Watch(ctx, func(tx *redis.Tx) error {
			pipe := newRoot(&target{client: tx}, options{tx: true})
			var err error
			var c catcher
			if panicked = c.try("the Watch function", func() { err = fn(tx, pipe) }); panicked != nil {
				pipe.discard(fmt.Errorf("%w: %w", ErrDiscarded, panicked))
				return panicked
			}
			if err != nil {
				pipe.Reset()
				return err
			}
			return pipe.Execute(ctx)
		}, keys...)
		if panicked != nil {
			panic(panicked)
		}
		if !errors.Is(err, redis.TxFailedErr) {
			return err
		}
	}
	return fmt.Errorf("%w (%d attempts): %w", ErrWatchAborted, o.attempts, err)
}

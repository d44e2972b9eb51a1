package redpipe

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"

	"github.com/redis/go-redis/v9"
)

// route is where a root's batches for one client go: its plain commands in
// one go-redis pipeline, cut in chunks sent one after the other, and each
// transaction in a MULTI ... EXEC pipeline of its own.
type route struct {
	client sender
	sendPolicy
	plain []*batch   // in queue order
	txs   [][]*batch // each a transaction, its batches in queue order

	failed atomic.Bool  // a command may have failed: look at each for failures
	sent   atomic.Int64 // commands sent, for reports
	trips  atomic.Int64 // pipelines sent, for reports
	// answered counts the plain commands whose chunk has come back, so
	// that a panic fails only those after them; written by the plain job.
	answered int

	mu   sync.Mutex
	dead error // guarded by mu; the failure of a connection, once one failed

	// buf holds a compacted batch's commands while the plain job sends
	// them: kept here, it is not allocated at each send (BenchmarkPeers,
	// G=1: a flush of one operation).
	buf few
}

// first returns the first batch of r.
func (r *route) first() *batch {
	if len(r.plain) > 0 {
		return r.plain[0]
	}
	return r.txs[0][0]
}

// addTx adds b to the transaction it belongs to.
func (r *route) addTx(b *batch) {
	for i, t := range r.txs {
		if t[0].tx == b.tx {
			r.txs[i] = append(t, b)
			return
		}
	}
	r.txs = append(r.txs, []*batch{b})
}

// send sends the plain batches and the transactions of r, as many at once
// as the client's pool has connections for. A panic fails the futures of
// the pipeline that panicked, and is caught by c.
func (r *route) send(ctx context.Context, c *catcher) {
	defer r.markClean()
	jobs := r.jobs()
	width := min(jobs, poolSize(r.client))
	if width <= 1 {
		for i := range jobs {
			r.job(ctx, c, i)
		}
		return
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	for range width {
		wg.Go(func() {
			for i := int(next.Add(1) - 1); i < jobs; i = int(next.Add(1) - 1) {
				r.job(ctx, c, i)
			}
		})
	}
	wg.Wait()
}

// jobs returns how many pipelines r sends: one for its plain batches, if
// any, and one per transaction.
func (r *route) jobs() int {
	if len(r.plain) > 0 {
		return len(r.txs) + 1
	}
	return len(r.txs)
}

// job sends the pipeline numbered i: the plain batches first, if any, then
// the transactions in turn.
func (r *route) job(ctx context.Context, c *catcher, i int) {
	batches, run := r.plain, r.sendPlain
	if len(r.plain) == 0 || i > 0 {
		batches, run = r.txs[i-min(len(r.plain), 1)], r.sendTx
	}
	if p := c.try("go-redis", func() { run(ctx, batches) }); p != nil {
		r.failed.Store(true)
		answered := 0
		if len(r.plain) > 0 && i == 0 { // the plain job
			answered = r.answered
		}
		failAfter(batches, answered, p)
	}
}

// markClean marks the batches of r clean when no command of r failed:
// go-redis's Exec returned nil for each of its pipelines, which it does
// only when no command failed, so they need no look for failures
// (BenchmarkBudget/redpipe_flat: no call of Err per command).
func (r *route) markClean() {
	if r.failed.Load() {
		return
	}
	for _, b := range r.plain {
		b.clean = len(b.refusals()) == 0
	}
	for _, t := range r.txs {
		for _, b := range t {
			b.clean = len(b.refusals()) == 0
		}
	}
}

// poolSize returns how many connections c's pool holds at least, so that
// one Execute never waits for a connection it holds itself.
func poolSize(c sender) int {
	switch c := c.(type) {
	case *redis.Client:
		return c.Options().PoolSize
	case *redis.ClusterClient:
		return c.Options().PoolSize // per node: each pipeline takes one per node
	case *redis.Ring:
		return c.Options().PoolSize // per shard, likewise
	}
	return 1
}

// sendPlain sends batches in one go-redis pipeline, in chunks of at most
// r.chunk commands, one after the other; then the script calls that came
// back NOSCRIPT. Once a chunk has failed as a whole on its connection, the
// remaining chunks fail at once, unsent.
func (r *route) sendPlain(ctx context.Context, batches []*batch) {
	total := 0
	for _, b := range batches {
		total += b.len() - len(b.refusals())
	}
	pl := r.pipelines.get(r.client)
	for _, b := range batches {
		cmds := b.sendable(&r.buf)
		for len(cmds) > 0 {
			if size := chunkOf(total, r.chunk); pl.Len() == 0 && len(cmds) < size {
				reserve(pl, size) // the chunk spans several batches
			}
			n := len(cmds)
			if r.chunk > 0 {
				n = min(n, r.chunk-pl.Len())
			}
			_ = pl.BatchProcess(ctx, cmds[:n]...)
			cmds = cmds[n:]
			total -= n
			if pl.Len() == r.chunk {
				r.execPlain(ctx, pl)
			}
		}
	}
	if pl.Len() > 0 {
		r.execPlain(ctx, pl)
	}
	r.pipelines.put(r.client, pl)
	r.retryScripts(ctx, batches)
}

// execPlain sends a chunk of plain commands and counts them answered.
func (r *route) execPlain(ctx context.Context, pl redis.Pipeliner) {
	n := pl.Len()
	r.exec(ctx, pl)
	r.answered += n
}

// failAfter sets err on the commands of batches to send but the first
// answered, which have their replies.
func failAfter(batches []*batch, answered int, err error) {
	var buf few
	for _, b := range batches {
		cmds := b.sendable(&buf)
		skip := min(answered, len(cmds))
		answered -= skip
		for _, cmd := range cmds[skip:] {
			cmd.SetErr(err)
		}
	}
}

// reserve makes room in pl, an empty pipeline, for n commands, so that it
// takes a chunk of several batches in one allocation, not one per
// doubling (BenchmarkBatch/redpipe_nested).
func reserve(pl redis.Pipeliner, n int) {
	_ = pl.BatchProcess(background, room[:min(n, len(room))]...)
	pl.Discard()
}

// chunkOf returns how many of total commands the next chunk takes.
func chunkOf(total, chunk int) int {
	if chunk > 0 {
		return min(total, chunk)
	}
	return total
}

// room is as many commands as reserve makes room for at once: all nil,
// never written.
var room [DefaultChunkSize]redis.Cmder

// sendTx sends batches as one MULTI ... EXEC, unless one of their commands
// was refused while queueing: then none is sent.
func (r *route) sendTx(ctx context.Context, batches []*batch) {
	for _, b := range batches {
		if len(b.refusals()) > 0 {
			err := fmt.Errorf("%w: its transaction holds a command refused while queueing: %s: %w",
				ErrNotSent, b.name(b.refusals()[0].cmd), b.refusals()[0].cmd.Err())
			for _, b := range batches {
				b.failAll(err)
			}
			r.failed.Store(true)
			return
		}
	}
	pl := r.client.TxPipeline()
	var loaded map[*Script]*redis.StringCmd
	var buf few
	for _, b := range batches {
		loaded = loadScripts(ctx, pl, b.scripts(), loaded)
		_ = pl.BatchProcess(ctx, b.cmds(&buf)...)
	}
	r.exec(ctx, pl)
	for _, b := range batches {
		for _, c := range b.scripts() {
			if load := loaded[c.script]; load != nil && load.Err() != nil {
				c.cmd.SetErr(load.Err())
			}
		}
	}
}

// exec sends what pl holds, or, when a connection of r failed before, fails
// it unsent. A pipeline whose every command failed on its connection marks
// r dead: on a cluster, where go-redis splits a pipeline by node, a dead
// node alone does not.
func (r *route) exec(ctx context.Context, pl redis.Pipeliner) {
	r.mu.Lock()
	dead := r.dead
	r.mu.Unlock()
	if dead != nil {
		r.failed.Store(true)
		err := fmt.Errorf("%w: the connection failed earlier in this Execute: %w", ErrNotSent, dead)
		for _, cmd := range pl.Cmds() {
			cmd.SetErr(err)
		}
		pl.Discard()
		return
	}
	r.sent.Add(int64(pl.Len()))
	r.trips.Add(1)
	var mark *noRetry
	if !r.retryWrites {
		mark = markWrites(pl.Cmds(), splits(r.client))
	}
	defer unmark(mark)
	cmds, err := pl.Exec(ctx)
	if err == nil {
		return
	}
	r.failed.Store(true)
	if connFailed(cmds) {
		r.mu.Lock()
		if r.dead == nil {
			r.dead = cmds[0].Err()
		}
		r.mu.Unlock()
	}
	settleLost(cmds)
}

// connFailed reports whether every command of cmds failed on its
// connection: dialing, reading or writing, or waiting for the pool or ctx.
func connFailed(cmds []redis.Cmder) bool {
	for _, cmd := range cmds {
		if !lostOnConn(cmd.Err()) {
			return false
		}
	}
	return len(cmds) > 0
}

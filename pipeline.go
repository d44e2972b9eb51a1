package redpipe

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"

	"github.com/redis/go-redis/v9"
)

//go:generate go run ./cmd/gen -o commands_gen.go

// Option configures a pipe made by [New] or [Pipeline].
type Option func(*options)

type options struct {
	name        string
	named       bool
	tx          bool
	chunk       int  // with chunked: see ChunkSize
	chunked     bool // ChunkSize was given
	report      func(BatchReport)
	auto        *flushPolicy // nil: no AutoFlush
	retryWrites bool         // see RetryWrites
	maxHeld     int          // with bounded: see MaxHeld
	bounded     bool         // MaxHeld was given
}

// DefaultChunkSize is how many commands a root sends per round trip unless
// told otherwise with [ChunkSize].
const DefaultChunkSize = 10000

// ChunkSize makes a root send at most n commands per round trip on each
// connection; n <= 0 sends everything in one. Redis keeps every reply of a
// pipeline in its memory until the client reads it, so a huge batch in one
// round trip makes the server buffer all its replies at once; in chunks of
// n it buffers n at a time, at the price of one round trip per chunk, one
// after the other. Futures and callbacks are the same either way. A
// transaction always goes in one round trip: splitting it would not be a
// transaction. The default is [DefaultChunkSize]. Children ignore ChunkSize:
// the root's applies.
func ChunkSize(n int) Option {
	return func(o *options) { o.chunk, o.chunked = max(n, 0), true }
}

// On makes a pipe's commands go to the connection registered under name
// (see [ConnectNamed]; "" is the default connection). The name is looked up
// when the root executes: an unknown name fails the commands queued for it
// with [ErrNoConnection] then. The children of the pipe inherit the
// connection. Given to [New], On names the root's own client: in error
// messages, reports and [CommandError].Conn, and for its children, so that
// a child made with the same On under that root sends to the root's
// client, not to the one registered under name; one name never stands for
// two clients in one batch.
func On(name string) Option {
	return func(o *options) { o.name, o.named = name, true }
}

// target is where a pipe's own commands go. Immutable: the pipes of a tree
// share one unless [On] names another.
type target struct {
	client sender    // set for a root made by New or by Watch
	name   string    // the registry name; with client, a label
	named  bool      // name was given with On
	reg    *Registry // where name is looked up; nil: DefaultRegistry
}

// defaultTarget is where the zero Pipe sends: the default connection of
// DefaultRegistry. Never written.
var defaultTarget target

// sender is what a root sends through: a [redis.UniversalClient], or the
// watched connection of [Watch].
type sender interface {
	Pipeline() redis.Pipeliner
	TxPipeline() redis.Pipeliner
}

// label names the connection in error messages: by its name for a
// registered one or one named with On, otherwise by its addresses.
func (t *target) label() string {
	if t.client == nil || t.named {
		return connLabel(t.name)
	}
	switch c := t.client.(type) {
	case *redis.ClusterClient:
		return "cluster " + strings.Join(c.Options().Addrs, ",")
	case *redis.Ring:
		addrs := slices.Sorted(maps.Values(c.Options().Addrs))
		return "ring " + strings.Join(addrs, ",")
	case fmt.Stringer:
		return "client " + c.String()
	}
	return fmt.Sprintf("client %T", t.client)
}

// Pipe queues commands and hands each a [Future]. A root pipe sends what it
// holds to Redis when it executes; a child pipe hands what it holds to its
// parent (see [Pipeline]).
//
// Six methods of Pipe are not commands: [Pipe.Execute] sends (or hands
// up) what the pipe holds, [Pipe.Reset] drops it, [Pipe.OnExecute]
// registers a callback, [Pipe.Len] counts what is queued, [Pipe.Close]
// ends a root made with [AutoFlush], and [Pipe.Do] queues any command by
// its words. Every other method is a command, one per go-redis command,
// with go-redis's name and parameters less the context (commands_gen.go;
// go-redis's [redis.Cmdable] documents them). Each command costs the
// allocations go-redis makes for the command, and sends nothing. Its
// Future, three words, is allocated with its batch: a batch holds its
// first two futures, the others come in blocks of up to 21, and a pipe's
// first batch is allocated when the pipe is made, but for a child that
// borrows its root's batch (see [Pipeline]).
//
// A Pipe may be used by several goroutines at once: they may queue
// commands, make children and execute it concurrently; a root made with
// [AutoFlush] executes itself, for goroutines that share it. The zero
// value is a root on the default connection, like Pipeline(nil), but that
// zero Pipes share one lock: roots that goroutines use apart are better
// made by Pipeline(nil). A Pipe must not be copied after first use.
type Pipe struct {
	parent *Pipe   // nil for a root; immutable
	to     *target // immutable; nil: defaultTarget
	tx     bool    // immutable; commands run in MULTI/EXEC (see Transaction)

	// For a root; immutable.
	sending *sending // how it sends; nil: in one round trip per connection, unreported
	auto    *flusher // set by AutoFlush: the root flushes itself (flush.go)

	// mu is the lock that guards q: the pipe's own, or, for a child that
	// shares its parent's (see sharesLock), its parent's; nil for the zero
	// Pipe (see guard). Immutable. A pipe holds its lock by pointer, so
	// that no lock is taken on the pipe itself, and a building block's
	// pipe may stay on its goroutine's stack.
	mu *sync.Mutex
	q  queue // guarded by mu

	// first is the pipe's first batch, allocated with its lock (see own);
	// used once, by openLocked. nil for a child that borrows (nested.go).
	first *batch

	// loan is what p borrows from its root (nested.go); nil for none.
	// loans are those the root has yet to lend. Guarded by mu.
	loan  *loan
	loans []loan
}

// own is what a pipe that queues on a batch of its own holds apart from
// its Pipe, which may then stay on its goroutine's stack: its lock, and its
// first batch.
type own struct {
	mu    sync.Mutex
	first batch
}

// withOwn is a pipe made with its own in the same allocation: a root, and
// a child of a chain's step (see newChild).
type withOwn struct {
	Pipe
	own
}

// guard returns the lock that guards p's queue: its own, or, for a child
// of a pipe without AutoFlush, at any depth, the one its family shares, so
// that a building block takes one lock per command, and one to hand up.
func (p *Pipe) guard() *sync.Mutex {
	if p.mu == nil {
		return &zeroLock
	}
	return p.mu
}

// zeroLock is the lock of every zero Pipe and of its children: a zero Pipe
// has no lock of its own, and a lock made at its first use would be a
// write that races with other goroutines' first use. No code holds two
// pipes' locks at once, so sharing one costs only contention.
var zeroLock sync.Mutex

// New returns a root pipe that sends its commands to c: a *redis.Client,
// *redis.ClusterClient, *redis.Ring or any other [redis.UniversalClient].
// It panics if c is nil, or a nil pointer.
func New(c redis.UniversalClient, opts ...Option) *Pipe {
	if isNil(c) {
		panic(fmt.Sprintf("redpipe: New with a nil client (%T)", c))
	}
	o := collect(opts)
	return newRoot(&target{client: c, name: o.name, named: o.named}, o)
}

// newRoot returns a root pipe that sends to, configured by o.
func newRoot(to *target, o options) *Pipe {
	w := &withOwn{Pipe: Pipe{to: to, tx: o.tx, sending: &defaultSending}}
	p := &w.Pipe
	p.first = &w.own.first
	p.mu = &w.own.mu
	if o.chunked || o.retryWrites || o.report != nil || o.auto != nil {
		how := sending{sendPolicy{DefaultChunkSize, o.retryWrites, nil}, o.report}
		if o.chunked {
			how.chunk = o.chunk
		}
		if o.auto != nil && to.client != nil {
			how.pipelines = &pipelines{client: to.client}
		}
		p.sending = &how
	}
	switch {
	case o.auto == nil && o.bounded:
		panic("redpipe: MaxHeld without AutoFlush: only a root that flushes itself holds commands for others")
	case o.auto == nil:
	case o.tx:
		panic("redpipe: AutoFlush with Transaction: a flush would make other callers' commands one transaction")
	default:
		pol := *o.auto
		pol.max = DefaultMaxHeld
		if o.bounded {
			pol.max = o.maxHeld
		}
		p.auto = newFlusher(pol, p)
	}
	return p
}

func collect(opts []Option) options {
	if len(opts) == 0 {
		return options{}
	}
	o := new(options)
	for _, opt := range opts {
		opt(o)
	}
	return *o
}

// sending is how a root sends, set when it is made.
type sending struct {
	sendPolicy
	report func(BatchReport) // see OnReport
}

// defaultSending is how a root sends unless told otherwise. Never written.
var defaultSending = sending{sendPolicy: sendPolicy{chunk: DefaultChunkSize}}

// target returns where p's own commands go.
func (p *Pipe) target() *target {
	if p.to == nil {
		return &defaultTarget
	}
	return p.to
}

// Execute sends the pipe's commands, or, for a child, hands them and its
// callbacks to its parent without any I/O. A child's Execute returns nil,
// or the error its parent refused them with: a root made with [AutoFlush]
// refuses a child's commands, whole, once it is closed ([ErrClosed]),
// when they do not fit ([ErrFull]), or when ctx is done ([ErrNotSent]
// with ctx's error); their futures then fail with that error. Only such a
// root looks at a child's ctx: see AutoFlush.
//
// For a root, Execute sends everything queued in one round trip per
// connection (one go-redis [redis.Pipeliner] each, in chunks of
// [ChunkSize]), all connections at once, and waits for all of them. Then
// it settles every future of the batch, with a value or an error; then it
// runs the [Then] functions waiting on them, and after that the
// [Pipe.OnExecute] callbacks. The queue is then empty: a second Execute
// sends nothing, and the pipe may be used again.
//
// A nil reply ([redis.Nil]) is not a failure. When commands failed,
// Execute returns an [*ExecError] naming how many failed on which
// connection; each failed command's error is also on its own future.
// A connection that cannot be reached fails every future queued for it.
// A pipeline that holds a write is sent once, whatever go-redis's
// retries: a command whose reply was lost fails with an error matching
// [ErrOutcomeUnknown] (see [RetryWrites]). If a Then function or a callback panics, or go-redis panics, Execute
// first settles everything else and then panics with a [*PanicError].
func (p *Pipe) Execute(ctx context.Context) error {
	if p.parent != nil {
		return p.handUp(ctx)
	}
	return p.executeRoot(ctx)
}

// OnExecute registers fn to run when the root executes, after every future
// of the batch has settled. Callbacks run in the order they reach the root:
// a pipe's own in registration order; a child's appended when the child
// executes. Reset drops them.
func (p *Pipe) OnExecute(fn func()) {
	p.guard().Lock()
	defer p.guard().Unlock()
	if p.admitLocked(0) == nil {
		p.q.addCallback(fn)
	}
}

// Len returns the number of commands queued on p, including those its
// children have handed to it, that p has not yet executed.
func (p *Pipe) Len() int {
	p.guard().Lock()
	defer p.guard().Unlock()
	return p.q.len() + p.borrowed()
}

// Fail queues on p, in its place among p's commands, a command named name
// that failed while queueing with err and is never sent: a building
// block's refusal of input it cannot send, such as a value its codec
// refuses. The future it returns is settled at once with err, and the
// root's Execute counts the command in its [*ExecError] as it counts a
// command that failed on the server: Execute returns nil only when every
// command queued under the root succeeded or got a nil reply. A
// transaction that holds such a command is not sent, as one that holds a
// command go-redis refused.
func Fail[T any](p *Pipe, name string, err error) *Future[T] {
	enqueue[any](p, name, false, func(*batch) *redis.Cmd {
		cmd := redis.NewCmd(background) // not stored: refused with its error
		cmd.SetErr(err)
		return cmd
	})
	return Settled(*new(T), err)
}

// Do queues any command, given as its words: Do("SET", "k", "v").
// Its future holds the reply as go-redis's [redis.Cmd] reads it.
func (p *Pipe) Do(args ...any) *Future[any] {
	return enqueue[any](p, "DO", true, func(b *batch) *redis.Cmd {
		if len(args) == 0 {
			cmd := redis.NewCmd(background) // not stored: refused with its error
			cmd.SetErr(errNoArgs)
			return cmd
		}
		return b.store.Do(background, args...)
	})
}

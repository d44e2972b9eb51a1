package redpipe

import (
	"context"
	"errors"
	"net"
	"sync"

	"github.com/redis/go-redis/v9"
	"github.com/redis/go-redis/v9/maintnotifications"
)

// batch is a run of commands that go to one connection and settle
// together: those a pipe queued between two hand-offs. It keeps them in
// queue order in a store, a go-redis pipeline that only builds and holds
// them, and hands out their futures. A batch moves whole from a child to
// its parent, or rides on the parent's open batch (nested.go), so a
// command is built once, however deep the tree; the root copies it once,
// into the go-redis pipeline that sends it.
type batch struct {
	latch // the futures of the batch's commands settle with it

	to   *target // where the commands go; immutable once set
	next *batch  // the next batch of the queue it is in
	// tx is the transaction the batch belongs to, 0 for none; set before
	// the batch reaches its root's Execute.
	tx uint64

	store *redis.Pipeline // nil once released
	extra *extra          // nil for most batches
	n     int32           // the commands of store that add has seen
	// The futures of the commands: the first ones inline, the others in
	// blocks. used counts those handed out.
	used  int32
	clean bool // set by the root: sent, and no command failed
	// The arguments of the commands built on b (see args): the first ones
	// inline, the next few in slices of their own, the others in blocks.
	// inArgs, ownArgs and inArgBlock count those handed out of each.
	inArgs     uint8
	ownArgs    uint8
	inArgBlock uint8
	inline     [inlineFutures]future
	block      *[futureBlock]future
	inlineArgs [inlineArgs]any
	argBlock   *[argBlock]any
}

// inlineFutures is how many futures a batch holds in itself: a building
// block's commands, most of the time.
const inlineFutures = 2

// few holds the commands of a compacted batch while they are sent.
type few [inlineFutures]redis.Cmder

// compact takes the store of b, a batch handed to a parent, when b holds
// no more commands than inline futures, each the source of its own
// future, and nothing else, and returns it for the pool: the futures then
// give the commands (see sendable), and a building block holds no store
// while it waits in its root's queue.
func (b *batch) compact() *redis.Pipeline {
	if b.store == nil || b.n > inlineFutures || b.extra != nil {
		return nil
	}
	for i, cmd := range b.store.Cmds() {
		if src, _ := b.inline[i].src.(redis.Cmder); src != cmd { // read through an adapter
			return nil
		}
	}
	store := b.store
	b.store = nil
	return store
}

// len returns the number of commands of b, refused ones included.
func (b *batch) len() int { return int(b.n) }

// extra is what few batches hold: the commands refused while queueing
// (they are in the store too), and the script calls.
type extra struct {
	refusals []refusal
	scripts  []scriptCall
	// also is the latch of a loan whose commands were evicted into the
	// batch while a step or a waiter watched it: it opens with
	// the batch's (see evict in nested.go).
	also *latch
}

// refusals returns the commands of b refused while queueing.
func (b *batch) refusals() []refusal {
	if b.extra == nil {
		return nil
	}
	return b.extra.refusals
}

// scripts returns the script calls among the commands of b.
func (b *batch) scripts() []scriptCall {
	if b.extra == nil {
		return nil
	}
	return b.extra.scripts
}

// more returns b.extra, making it if needed.
func (b *batch) more() *extra {
	if b.extra == nil {
		b.extra = new(extra)
	}
	return b.extra
}

// inlineArgs is how many arguments a batch holds in itself: those of a
// building block's first commands, most of the time.
const inlineArgs = 4

// argBlock is how many arguments a block holds: 32 of two words fill a
// 512-byte size class, as a block of futures does. A command kept alive
// keeps the block of its arguments in memory.
const argBlock = 32

// maxOwnArgs is how many arguments past the inline ones a batch gives slices
// of their own, as go-redis does, before it takes a block: a building
// block of a few commands does not take a block it would leave mostly
// empty.
const maxOwnArgs = 8

// args returns vals in a slice of b's own, for a command built on b: the
// commands of a batch share the memory of their arguments, inline or in
// blocks, where go-redis gives each command a slice of its own. The slice
// is full, so that an append to it copies; a long list gets a slice of its
// own.
func (b *batch) args(vals ...any) []any {
	n := len(vals)
	var a []any
	switch {
	case int(b.inArgs)+n <= len(b.inlineArgs):
		a = b.inlineArgs[b.inArgs : int(b.inArgs)+n : int(b.inArgs)+n]
		b.inArgs += uint8(n)
	case n > argBlock/4:
		a = make([]any, n)
	case b.argBlock == nil && int(b.ownArgs)+n <= maxOwnArgs:
		a = make([]any, n)
		b.ownArgs += uint8(n)
	default:
		if b.argBlock == nil || int(b.inArgBlock)+n > argBlock {
			b.argBlock, b.inArgBlock = new([argBlock]any), 0
		}
		a = b.argBlock[b.inArgBlock : int(b.inArgBlock)+n : int(b.inArgBlock)+n]
		b.inArgBlock += uint8(n)
	}
	copy(a, vals)
	return a
}

// built returns the command that the go-redis constructor ctor builds of
// args, on b's arguments, put in b's store as a go-redis method puts the
// command it builds.
func built[C redis.Cmder](b *batch, ctor func(context.Context, ...any) C, args ...any) C {
	cmd := ctor(background, b.args(args...)...)
	_ = b.store.Process(background, cmd)
	return cmd
}

// futureBlock is how many futures a block holds: 21 futures of three
// words fill a 512-byte size class, the largest without an allocation
// header. A Future kept alive keeps its block in memory, and the commands
// the block's futures read.
const futureBlock = 21

// future returns a zero future of b.
func (b *batch) future() *future {
	i := int(b.used)
	b.used++
	if i < len(b.inline) {
		return &b.inline[i]
	}
	i = (i - len(b.inline)) % futureBlock
	if i == 0 {
		b.block = new([futureBlock]future)
	}
	return &b.block[i]
}

// refusal is a command refused while queueing: go-redis would not build
// it, or would not write one of its arguments. It keeps its place in the
// store, with its error, and is never sent.
type refusal struct {
	cmd  redis.Cmder
	name string // the command's name, from its method: go-redis may leave its args empty
}

// added records the command just built on b's store when go-redis stored
// it and check is false (see add): most commands. It reports whether it
// did; otherwise the caller calls add. It inlines.
func (b *batch) added(check bool) bool {
	if n := int32(b.store.Len()); n != b.n && !check {
		b.n = n
		return true
	}
	return false
}

// add records cmd, just built on b.store by the method named name, and
// refuses it when go-redis did not store it (it refused to build it) or,
// when check is set, would not write one of its arguments. check is false
// for a command built only from parameters of types go-redis always
// writes: the generator knows which (see cmd/gen).
func (b *batch) add(cmd redis.Cmder, name string, check bool) {
	switch {
	case b.store.Len() == int(b.n): // not stored
		_ = b.store.Process(background, cmd) // keep its place
		b.refuse(cmd, name)
	case check && !allStrings(cmd.Args()):
		if err := checkArgs(cmd.Args()); err != nil {
			cmd.SetErr(err)
			b.refuse(cmd, name)
		}
	}
	b.n = int32(b.store.Len())
}

// allStrings reports whether every argument of a command is a string,
// which needs no further check.
func allStrings(args []any) bool {
	for _, arg := range args {
		if _, ok := arg.(string); !ok {
			return false
		}
	}
	return true
}

func (b *batch) refuse(cmd redis.Cmder, name string) {
	b.more().refusals = append(b.more().refusals, refusal{cmd, name})
}

// cmds returns the commands of b, refused ones included; those of a
// compacted batch in buf.
func (b *batch) cmds(buf *few) []redis.Cmder {
	if b.store != nil {
		return b.store.Cmds()
	}
	for i := range b.len() {
		buf[i] = b.inline[i].src.(redis.Cmder)
	}
	return buf[:b.len()]
}

// sendable returns the commands of b to send: all but the refused ones;
// those of a compacted batch in buf.
func (b *batch) sendable(buf *few) []redis.Cmder {
	cmds := b.cmds(buf)
	if len(b.refusals()) == 0 {
		return cmds
	}
	refused := make(map[redis.Cmder]bool, len(b.refusals()))
	for _, r := range b.refusals() {
		refused[r.cmd] = true
	}
	out := make([]redis.Cmder, 0, len(cmds)-len(refused))
	for _, cmd := range cmds {
		if !refused[cmd] {
			out = append(out, cmd)
		}
	}
	return out
}

// name names cmd, a command of b, in messages: in capitals, with the
// subcommand for commands such as CLIENT LIST.
func (b *batch) name(cmd redis.Cmder) string {
	if len(cmd.Args()) > 0 {
		return cmdName(cmd)
	}
	for _, r := range b.refusals() {
		if r.cmd == cmd {
			return r.name
		}
	}
	return "(empty command)"
}

// failAll sets err on every command of b that is not refused.
func (b *batch) failAll(err error) {
	var buf few
	for _, cmd := range b.sendable(&buf) {
		cmd.SetErr(err)
	}
}

// failures appends a CommandError for each failed command of b to errs, in
// queue order. A nil reply is not a failure.
func (b *batch) failures(errs []*CommandError) []*CommandError {
	if b.clean {
		return errs
	}
	var buf few
	for _, cmd := range b.cmds(&buf) {
		if err := cmd.Err(); err != nil && !errors.Is(err, redis.Nil) {
			errs = append(errs, &CommandError{Conn: b.to.name, Label: b.to.label(), Cmd: cmd, Err: err, name: b.name(cmd)})
		}
	}
	return errs
}

// The store. A batch keeps its commands in a go-redis pipeline that
// builds them, through the methods go-redis has for every command, and
// holds them in queue order until the root sends them; it is never
// executed. Stores are pooled: a root gives them back once it has sent
// their commands, and a child's small batch once it is handed up (see
// compact), so that a batch does not grow a new one command by command.

// background is the context commands are built with. go-redis keeps it in
// the command but uses the context given to Exec for I/O.
var background = context.Background()

// stores holds empty stores with the room they grew.
var stores = sync.Pool{New: func() any { return recorder.Pipeline().(*redis.Pipeline) }}

// maxPooled is the most commands a store may have room for to be pooled:
// a huge store goes to the garbage collector instead of staying in memory.
const maxPooled = 1 << 16

func newStore() *redis.Pipeline { return stores.Get().(*redis.Pipeline) }

// spares are the stores a hand-off freed (see hand), nil or not.
type spares [2]*redis.Pipeline

// put gives the stores of s back to the pool.
func (s spares) put() {
	for _, store := range s {
		if store != nil {
			putStore(store)
		}
	}
}

// release gives the stores of batches back to the pool. The commands stay
// with their futures.
func release(batches []*batch) {
	for _, b := range batches {
		b.release()
	}
}

func (b *batch) release() {
	if b.store != nil {
		putStore(b.store)
	}
	b.store, b.next, b.block, b.argBlock = nil, nil, nil, nil // a future keeps its batch, not the other batches or blocks
}

// putStore gives s back to the pool, emptied. The commands stay with their
// futures.
func putStore(s *redis.Pipeline) {
	if cap(s.Cmds()) > maxPooled {
		return
	}
	clear(s.Cmds())
	s.Discard()
	stores.Put(s)
}

// recorder is the client stores are made by. Stores only build and hold
// commands, whatever client sends them, so one client makes them all. It
// never sends anything: its hook fails every command and pipeline at once.
// It is immutable after init and safe for concurrent use.
var recorder = func() *redis.Client {
	c := redis.NewClient(&redis.Options{
		Addr:                     "recorder.invalid:0",
		Dialer:                   func(context.Context, string, string) (net.Conn, error) { return nil, errRecorder },
		MaintNotificationsConfig: &maintnotifications.Config{Mode: maintnotifications.ModeDisabled},
	})
	c.AddHook(recordOnly{})
	return c
}()

var errRecorder = errors.New("redpipe: internal error: the recorder was asked to send")

// recordOnly is the recorder's hook.
type recordOnly struct{}

func (recordOnly) DialHook(redis.DialHook) redis.DialHook {
	return func(context.Context, string, string) (net.Conn, error) { return nil, errRecorder }
}

func (recordOnly) ProcessHook(redis.ProcessHook) redis.ProcessHook {
	return func(context.Context, redis.Cmder) error { return errRecorder }
}

func (recordOnly) ProcessPipelineHook(redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(context.Context, []redis.Cmder) error { return errRecorder }
}

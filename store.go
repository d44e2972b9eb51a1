package redpipe

import (
	"context"
	"errors"
	"net"
	"sync"

	"github.com/redis/go-redis/v9"
	"github.com/redis/go-redis/v9/maintnotifications"
)

// A batch keeps its commands in a store: a go-redis pipeline that builds
// them, through the methods go-redis has for every command, and holds them
// in queue order until the root sends them. A store is never executed.
// Stores are pooled: a root gives them back once it has sent their
// commands, so that a batch does not grow a new one command by command.

// background is the context commands are built with. go-redis keeps it in
// the command but uses the context given to Exec for I/O.
var background = context.Background()

// stores holds empty stores with the room they grew.
var stores = sync.Pool{New: func() any { return recorder.Pipeline().(*redis.Pipeline) }}

// maxPooled is the most commands a store may have room for to be pooled:
// a huge store goes to the garbage collector instead of staying in memory.
const maxPooled = 1 << 16

func newStore() *redis.Pipeline { return stores.Get().(*redis.Pipeline) }

// release gives b's store back to the pool. The commands stay with their
// futures.
func (b *batch) release() {
	pl := b.pl
	b.pl, b.futures = nil, [len(b.futures)]any{} // futures keep b: let the rest go
	if pl == nil || cap(pl.Cmds()) > maxPooled {
		return
	}
	clear(pl.Cmds())
	pl.Discard()
	stores.Put(pl)
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

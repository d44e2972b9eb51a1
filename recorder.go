package redpipe

import (
	"context"
	"errors"
	"net"

	"github.com/redis/go-redis/v9"
	"github.com/redis/go-redis/v9/maintnotifications"
)

// background is the context the recorder builds commands with. go-redis
// keeps it in the command but uses the context given to Exec for I/O.
var background = context.Background()

// recorder builds go-redis commands without sending them: its hook ends the
// processing of every command before any I/O, so calling one of its command
// methods only builds the command, exactly as go-redis builds it for its own
// pipelines. It never dials. It is immutable after init and safe for
// concurrent use.
var recorder = newRecorder()

func newRecorder() *redis.Client {
	c := redis.NewClient(&redis.Options{
		Addr:                     "recorder.invalid:0",
		MaintNotificationsConfig: &maintnotifications.Config{Mode: maintnotifications.ModeDisabled},
	})
	c.AddHook(recordOnly{})
	return c
}

var errRecorder = errors.New("redpipe: internal error: the command recorder does not connect")

// recordOnly is the recorder's hook: it stops every command before I/O.
type recordOnly struct{}

func (recordOnly) DialHook(redis.DialHook) redis.DialHook {
	return func(context.Context, string, string) (net.Conn, error) { return nil, errRecorder }
}

func (recordOnly) ProcessHook(redis.ProcessHook) redis.ProcessHook {
	return func(context.Context, redis.Cmder) error { return nil }
}

func (recordOnly) ProcessPipelineHook(redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(context.Context, []redis.Cmder) error { return errRecorder }
}

// command is a go-redis command whose reply is a T.
type command[T any] interface {
	redis.Cmder
	result[T]
}

// enqueue queues cmd on p and returns the future of its reply. It makes one
// allocation: the future.
func enqueue[T any, C command[T]](p *Pipe, cmd C) *Future[T] {
	return &Future[T]{src: cmd, rnd: p.push(cmd, nil)}
}

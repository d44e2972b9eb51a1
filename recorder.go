package redpipe

import (
	"context"
	"errors"
	"net"

	"github.com/redis/go-redis/v9"
	"github.com/redis/go-redis/v9/maintnotifications"
)

// background is the context commands are built with. go-redis
// keeps it in the command but uses the context given to Exec for I/O.
var background = context.Background()

// recorder makes the go-redis pipelines that hold the commands of pipes
// whose client is not known until their root executes; such a pipeline
// builds commands and holds them, and is never executed. Its hook ends any
// command before I/O all the same, and it never dials. It is immutable
// after init and safe for concurrent use.
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

// enqueue returns the future of cmd, just built on the pipeline p.lock
// returned, with p.mu held. It makes one allocation: the future.
func enqueue[T any, C command[T]](p *Pipe, cmd C) *Future[T] {
	return &Future[T]{src: cmd, rnd: p.queued(cmd, nil)}
}

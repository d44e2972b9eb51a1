package keyspace

import (
	"context"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/go-redpipe/redpipe"
	"github.com/go-redpipe/redpipe/codec"
)

// List is a keyspace of Redis lists of values of type V, as RedPipe's
// List keyspace.
type List[V any] struct {
	keys
	values codec.Codec[V]
}

// NewList returns the keyspace of lists named name, whose values values
// encodes.
func NewList[V any](name string, values codec.Codec[V], opts ...Option) *List[V] {
	return &List[V]{keys: newKeys(name, opts), values: values}
}

// Popped is a value BLPOP or BRPOP took, and the key of the keyspace it
// took it from, without the keyspace's name.
type Popped[V any] struct {
	Key   string
	Value V
}

// LPush pushes vs to the head of the list at k and returns its length.
// With no value, which LPUSH refuses, it sends LLEN of k in its place:
// the length, unchanged.
func (l *List[V]) LPush(ctx context.Context, parent *redpipe.Pipe, k string, vs ...V) *redpipe.Future[int64] {
	args, err := encodeEach(l.values, vs)
	if err != nil {
		return failed[int64](ctx, l.keys, parent, "LPUSH", err)
	}
	pipe := l.pipe(parent)
	defer pipe.Execute(ctx)
	if len(args) == 0 {
		return pipe.LLen(l.Key(k))
	}
	return pipe.LPush(l.Key(k), args...)
}

// RPush pushes vs to the tail of the list at k and returns its length.
// With no value, which RPUSH refuses, it sends LLEN of k in its place:
// the length, unchanged.
func (l *List[V]) RPush(ctx context.Context, parent *redpipe.Pipe, k string, vs ...V) *redpipe.Future[int64] {
	args, err := encodeEach(l.values, vs)
	if err != nil {
		return failed[int64](ctx, l.keys, parent, "RPUSH", err)
	}
	pipe := l.pipe(parent)
	defer pipe.Execute(ctx)
	if len(args) == 0 {
		return pipe.LLen(l.Key(k))
	}
	return pipe.RPush(l.Key(k), args...)
}

// LPop removes and returns the head of the list at k.
func (l *List[V]) LPop(ctx context.Context, parent *redpipe.Pipe, k string) *redpipe.Future[V] {
	pipe := l.pipe(parent)
	defer pipe.Execute(ctx)
	return redpipe.Then(pipe.LPop(l.Key(k)), l.values.Decode)
}

// RPop removes and returns the tail of the list at k.
func (l *List[V]) RPop(ctx context.Context, parent *redpipe.Pipe, k string) *redpipe.Future[V] {
	pipe := l.pipe(parent)
	defer pipe.Execute(ctx)
	return redpipe.Then(pipe.RPop(l.Key(k)), l.values.Decode)
}

// LLen returns the length of the list at k.
func (l *List[V]) LLen(ctx context.Context, parent *redpipe.Pipe, k string) *redpipe.Future[int64] {
	pipe := l.pipe(parent)
	defer pipe.Execute(ctx)
	return pipe.LLen(l.Key(k))
}

// LRange returns the values of the list at k from start to stop.
func (l *List[V]) LRange(ctx context.Context, parent *redpipe.Pipe, k string, start, stop int64) *redpipe.Future[[]V] {
	pipe := l.pipe(parent)
	defer pipe.Execute(ctx)
	return redpipe.Then(pipe.LRange(l.Key(k), start, stop), func(raw []string) ([]V, error) { return decodeEach(l.values, raw) })
}

// LIndex returns the value at index of the list at k.
func (l *List[V]) LIndex(ctx context.Context, parent *redpipe.Pipe, k string, index int64) *redpipe.Future[V] {
	pipe := l.pipe(parent)
	defer pipe.Execute(ctx)
	return redpipe.Then(pipe.LIndex(l.Key(k), index), l.values.Decode)
}

// LSet sets the value at index of the list at k.
func (l *List[V]) LSet(ctx context.Context, parent *redpipe.Pipe, k string, index int64, v V) *redpipe.Future[string] {
	enc, err := l.values.Encode(v)
	if err != nil {
		return failed[string](ctx, l.keys, parent, "LSET", err)
	}
	pipe := l.pipe(parent)
	defer pipe.Execute(ctx)
	return pipe.LSet(l.Key(k), index, enc)
}

// LTrim keeps the values of the list at k from start to stop.
func (l *List[V]) LTrim(ctx context.Context, parent *redpipe.Pipe, k string, start, stop int64) *redpipe.Future[string] {
	pipe := l.pipe(parent)
	defer pipe.Execute(ctx)
	return pipe.LTrim(l.Key(k), start, stop)
}

// LRem removes count occurrences of v from the list at k (see LREM for
// the sign of count) and returns how many it removed.
func (l *List[V]) LRem(ctx context.Context, parent *redpipe.Pipe, k string, count int64, v V) *redpipe.Future[int64] {
	enc, err := l.values.Encode(v)
	if err != nil {
		return failed[int64](ctx, l.keys, parent, "LREM", err)
	}
	pipe := l.pipe(parent)
	defer pipe.Execute(ctx)
	return pipe.LRem(l.Key(k), count, enc)
}

// RPopLPush moves the tail of the list at src to the head of the list at
// dest and returns it.
func (l *List[V]) RPopLPush(ctx context.Context, parent *redpipe.Pipe, src, dest string) *redpipe.Future[V] {
	pipe := l.pipe(parent)
	defer pipe.Execute(ctx)
	//lint:ignore SA1019 the keyspace mirrors RedPipe's method, and the older command runs on every Redis
	return redpipe.Then(pipe.RPopLPush(l.Key(src), l.Key(dest)), l.values.Decode)
}

// BLPop pops the head of the first non-empty list of ks, waiting up to
// timeout; the connection it waits on is held meanwhile. With no key there
// is no list to wait on: it sends nothing, and its future fails at once
// with redis.Nil, the reply of a BLPOP that pops nothing.
func (l *List[V]) BLPop(ctx context.Context, parent *redpipe.Pipe, timeout time.Duration, ks ...string) *redpipe.Future[Popped[V]] {
	if len(ks) == 0 {
		return redpipe.Settled(Popped[V]{}, redis.Nil) // BLPOP of no key is an error to Redis
	}
	pipe := l.pipe(parent)
	defer pipe.Execute(ctx)
	return redpipe.Then(pipe.BLPop(timeout, l.redisKeys(ks)...), l.popped)
}

// BRPop pops the tail of the first non-empty list of ks, waiting up to
// timeout. With no key it sends nothing and fails at once with redis.Nil,
// as BLPop does.
func (l *List[V]) BRPop(ctx context.Context, parent *redpipe.Pipe, timeout time.Duration, ks ...string) *redpipe.Future[Popped[V]] {
	if len(ks) == 0 {
		return redpipe.Settled(Popped[V]{}, redis.Nil) // BRPOP of no key is an error to Redis
	}
	pipe := l.pipe(parent)
	defer pipe.Execute(ctx)
	return redpipe.Then(pipe.BRPop(timeout, l.redisKeys(ks)...), l.popped)
}

// popped reads a BLPOP reply: the Redis key, then the value.
func (l *List[V]) popped(reply []string) (Popped[V], error) {
	var p Popped[V]
	if len(reply) != 2 {
		return p, codecError("a reply of two items", reply)
	}
	v, err := l.values.Decode(reply[1])
	if err != nil {
		return p, err
	}
	p.Key, p.Value = l.unwrap(reply[0]), v
	return p, nil
}

// unwrap returns the key of the keyspace that key, a Redis key, is:
// name{k} is k.
func (s keys) unwrap(key string) string {
	if inner, ok := strings.CutPrefix(key, s.name+"{"); ok && strings.HasSuffix(inner, "}") {
		return inner[:len(inner)-1]
	}
	return key
}

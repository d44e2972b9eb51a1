package keyspace

import (
	"context"
	"time"

	"github.com/go-redpipe/redpipe"
	"github.com/go-redpipe/redpipe/codec"
)

// String is a keyspace of Redis strings holding values of type V, as
// RedPipe's String keyspace.
type String[V any] struct {
	keys
	values codec.Codec[V]
}

// NewString returns the keyspace of strings named name, whose values
// values encodes.
func NewString[V any](name string, values codec.Codec[V], opts ...Option) *String[V] {
	return &String[V]{keys: newKeys(name, opts), values: values}
}

// Get returns the value of k; a missing key fails with redis.Nil.
func (s *String[V]) Get(ctx context.Context, parent *redpipe.Pipe, k string) *redpipe.Future[V] {
	pipe := s.pipe(parent)
	defer pipe.Execute(ctx)
	return redpipe.Then(pipe.Get(s.Key(k)), s.values.Decode)
}

// Set stores v at k, for ttl (0: no expiry).
func (s *String[V]) Set(ctx context.Context, parent *redpipe.Pipe, k string, v V, ttl time.Duration) *redpipe.Future[string] {
	enc, err := s.values.Encode(v)
	if err != nil {
		return failed[string](ctx, s.keys, parent, "SET", err)
	}
	pipe := s.pipe(parent)
	defer pipe.Execute(ctx)
	return pipe.Set(s.Key(k), enc, ttl)
}

// SetNX stores v at k, for ttl, unless k exists; it reports whether it
// did.
func (s *String[V]) SetNX(ctx context.Context, parent *redpipe.Pipe, k string, v V, ttl time.Duration) *redpipe.Future[bool] {
	enc, err := s.values.Encode(v)
	if err != nil {
		return failed[bool](ctx, s.keys, parent, "SET", err)
	}
	pipe := s.pipe(parent)
	defer pipe.Execute(ctx)
	return pipe.SetNX(s.Key(k), enc, ttl)
}

// MGet returns the values of the keys of ks that exist, by key. With no
// key it sends nothing, and its future holds an empty map.
func (s *String[V]) MGet(ctx context.Context, parent *redpipe.Pipe, ks ...string) *redpipe.Future[map[string]V] {
	if len(ks) == 0 {
		return redpipe.Settled(map[string]V{}, nil) // MGET of no key is an error to Redis
	}
	pipe := s.pipe(parent)
	defer pipe.Execute(ctx)
	return redpipe.Then(pipe.MGet(s.redisKeys(ks)...), func(replies []any) (map[string]V, error) {
		vals := make(map[string]V, len(replies))
		for i, r := range replies {
			str, ok := r.(string)
			if !ok {
				continue // missing
			}
			v, err := s.values.Decode(str)
			if err != nil {
				return nil, err
			}
			vals[ks[i]] = v
		}
		return vals, nil
	})
}

// Incr adds 1 to the integer at k and returns the result.
func (s *String[V]) Incr(ctx context.Context, parent *redpipe.Pipe, k string) *redpipe.Future[int64] {
	pipe := s.pipe(parent)
	defer pipe.Execute(ctx)
	return pipe.Incr(s.Key(k))
}

// IncrBy adds n to the integer at k and returns the result.
func (s *String[V]) IncrBy(ctx context.Context, parent *redpipe.Pipe, k string, n int64) *redpipe.Future[int64] {
	pipe := s.pipe(parent)
	defer pipe.Execute(ctx)
	return pipe.IncrBy(s.Key(k), n)
}

// IncrByFloat adds f to the number at k and returns the result.
func (s *String[V]) IncrByFloat(ctx context.Context, parent *redpipe.Pipe, k string, f float64) *redpipe.Future[float64] {
	pipe := s.pipe(parent)
	defer pipe.Execute(ctx)
	return pipe.IncrByFloat(s.Key(k), f)
}

// Append appends the encoded v to the value at k and returns its new
// length.
func (s *String[V]) Append(ctx context.Context, parent *redpipe.Pipe, k string, v V) *redpipe.Future[int64] {
	enc, err := s.values.Encode(v)
	if err != nil {
		return failed[int64](ctx, s.keys, parent, "APPEND", err)
	}
	pipe := s.pipe(parent)
	defer pipe.Execute(ctx)
	return pipe.Append(s.Key(k), enc)
}

// StrLen returns the length of the value at k.
func (s *String[V]) StrLen(ctx context.Context, parent *redpipe.Pipe, k string) *redpipe.Future[int64] {
	pipe := s.pipe(parent)
	defer pipe.Execute(ctx)
	return pipe.StrLen(s.Key(k))
}

// GetRange returns the bytes of the value at k from start to end, as
// stored: a part of an encoded value need not decode.
func (s *String[V]) GetRange(ctx context.Context, parent *redpipe.Pipe, k string, start, end int64) *redpipe.Future[string] {
	pipe := s.pipe(parent)
	defer pipe.Execute(ctx)
	return pipe.GetRange(s.Key(k), start, end)
}

// SetRange overwrites the value at k from offset with raw bytes, and
// returns its new length.
func (s *String[V]) SetRange(ctx context.Context, parent *redpipe.Pipe, k string, offset int64, raw string) *redpipe.Future[int64] {
	pipe := s.pipe(parent)
	defer pipe.Execute(ctx)
	return pipe.SetRange(s.Key(k), offset, raw)
}

// SetBit sets the bit at offset of the value at k and returns its old
// value.
func (s *String[V]) SetBit(ctx context.Context, parent *redpipe.Pipe, k string, offset int64, bit int) *redpipe.Future[int64] {
	pipe := s.pipe(parent)
	defer pipe.Execute(ctx)
	return pipe.SetBit(s.Key(k), offset, bit)
}

// GetBit returns the bit at offset of the value at k.
func (s *String[V]) GetBit(ctx context.Context, parent *redpipe.Pipe, k string, offset int64) *redpipe.Future[int64] {
	pipe := s.pipe(parent)
	defer pipe.Execute(ctx)
	return pipe.GetBit(s.Key(k), offset)
}

// BitCount returns how many bits are set in the value at k.
func (s *String[V]) BitCount(ctx context.Context, parent *redpipe.Pipe, k string) *redpipe.Future[int64] {
	pipe := s.pipe(parent)
	defer pipe.Execute(ctx)
	return pipe.BitCount(s.Key(k), nil)
}

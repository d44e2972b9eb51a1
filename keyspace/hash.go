package keyspace

import (
	"context"
	"fmt"

	"github.com/go-redpipe/redpipe"
	"github.com/go-redpipe/redpipe/codec"
)

// Hash is a keyspace of Redis hashes whose field values are of type V, as
// RedPipe's Hash keyspace. Every field is encoded by the keyspace's values
// codec, or by the codec given to [Field] for it.
type Hash[V any] struct {
	keys
	values codec.Codec[V]
	fields map[string]codec.Codec[V]
}

// NewHash returns the keyspace of hashes named name. It panics if a
// [Field] codec is not a codec.Codec[V].
func NewHash[V any](name string, values codec.Codec[V], opts ...Option) *Hash[V] {
	h := &Hash[V]{keys: newKeys(name, opts), values: values}
	for field, c := range h.keys.fields {
		typed, ok := c.(codec.Codec[V])
		if !ok {
			panic(fmt.Sprintf("redpipe: keyspace %s: the codec of field %q is a %T, not a codec.Codec of the hash's values", name, field, c))
		}
		if h.fields == nil {
			h.fields = make(map[string]codec.Codec[V])
		}
		h.fields[field] = typed
	}
	return h
}

// codec returns the codec of field.
func (h *Hash[V]) codec(field string) codec.Codec[V] {
	if c, ok := h.fields[field]; ok {
		return c
	}
	return h.values
}

// HGet returns the value of field in the hash at k; a missing one fails
// with redis.Nil.
func (h *Hash[V]) HGet(ctx context.Context, parent *redpipe.Pipe, k, field string) *redpipe.Future[V] {
	pipe := h.pipe(parent)
	defer pipe.Execute(ctx)
	return redpipe.Then(pipe.HGet(h.Key(k), field), h.codec(field).Decode)
}

// HSet sets the fields of values in the hash at k and returns how many
// were new. With an empty map it sends nothing, and its future holds 0.
func (h *Hash[V]) HSet(ctx context.Context, parent *redpipe.Pipe, k string, values map[string]V) *redpipe.Future[int64] {
	args := make([]any, 0, 2*len(values))
	for field, v := range values {
		enc, err := h.codec(field).Encode(v)
		if err != nil {
			return failed[int64](ctx, h.keys, parent, "HSET", fmt.Errorf("field %q: %w", field, err))
		}
		args = append(args, field, enc)
	}
	if len(args) == 0 {
		return redpipe.Settled[int64](0, nil) // HSET of no field is an error to Redis
	}
	pipe := h.pipe(parent)
	defer pipe.Execute(ctx)
	return pipe.HSet(h.Key(k), args...)
}

// HSetNX sets field of the hash at k to v unless it exists, and reports
// whether it did.
func (h *Hash[V]) HSetNX(ctx context.Context, parent *redpipe.Pipe, k, field string, v V) *redpipe.Future[bool] {
	enc, err := h.codec(field).Encode(v)
	if err != nil {
		return failed[bool](ctx, h.keys, parent, "HSETNX", err)
	}
	pipe := h.pipe(parent)
	defer pipe.Execute(ctx)
	return pipe.HSetNX(h.Key(k), field, enc)
}

// HGetAll returns every field of the hash at k, decoded; a missing hash is
// an empty map.
func (h *Hash[V]) HGetAll(ctx context.Context, parent *redpipe.Pipe, k string) *redpipe.Future[map[string]V] {
	pipe := h.pipe(parent)
	defer pipe.Execute(ctx)
	return redpipe.Then(pipe.HGetAll(h.Key(k)), h.decodeAll)
}

func (h *Hash[V]) decodeAll(raw map[string]string) (map[string]V, error) {
	out := make(map[string]V, len(raw))
	for field, s := range raw {
		v, err := h.codec(field).Decode(s)
		if err != nil {
			return nil, fmt.Errorf("field %q: %w", field, err)
		}
		out[field] = v
	}
	return out, nil
}

// HMGet returns the fields of the hash at k that exist, decoded, by name.
// With no field it sends nothing, and its future holds an empty map.
func (h *Hash[V]) HMGet(ctx context.Context, parent *redpipe.Pipe, k string, fields ...string) *redpipe.Future[map[string]V] {
	if len(fields) == 0 {
		return redpipe.Settled(map[string]V{}, nil) // HMGET of no field is an error to Redis
	}
	pipe := h.pipe(parent)
	defer pipe.Execute(ctx)
	return redpipe.Then(pipe.HMGet(h.Key(k), fields...), func(replies []any) (map[string]V, error) {
		raw := make(map[string]string, len(replies))
		for i, r := range replies {
			if s, ok := r.(string); ok {
				raw[fields[i]] = s
			}
		}
		return h.decodeAll(raw)
	})
}

// HDel deletes fields of the hash at k and returns how many existed. With
// no field it sends nothing, and its future holds 0.
func (h *Hash[V]) HDel(ctx context.Context, parent *redpipe.Pipe, k string, fields ...string) *redpipe.Future[int64] {
	if len(fields) == 0 {
		return redpipe.Settled[int64](0, nil) // HDEL of no field is an error to Redis
	}
	pipe := h.pipe(parent)
	defer pipe.Execute(ctx)
	return pipe.HDel(h.Key(k), fields...)
}

// HExists reports whether field exists in the hash at k.
func (h *Hash[V]) HExists(ctx context.Context, parent *redpipe.Pipe, k, field string) *redpipe.Future[bool] {
	pipe := h.pipe(parent)
	defer pipe.Execute(ctx)
	return pipe.HExists(h.Key(k), field)
}

// HKeys returns the field names of the hash at k.
func (h *Hash[V]) HKeys(ctx context.Context, parent *redpipe.Pipe, k string) *redpipe.Future[[]string] {
	pipe := h.pipe(parent)
	defer pipe.Execute(ctx)
	return pipe.HKeys(h.Key(k))
}

// HVals returns the values of the hash at k, decoded by the values codec.
func (h *Hash[V]) HVals(ctx context.Context, parent *redpipe.Pipe, k string) *redpipe.Future[[]V] {
	pipe := h.pipe(parent)
	defer pipe.Execute(ctx)
	return redpipe.Then(pipe.HVals(h.Key(k)), func(raw []string) ([]V, error) {
		return decodeEach(h.values, raw)
	})
}

// HLen returns the number of fields of the hash at k.
func (h *Hash[V]) HLen(ctx context.Context, parent *redpipe.Pipe, k string) *redpipe.Future[int64] {
	pipe := h.pipe(parent)
	defer pipe.Execute(ctx)
	return pipe.HLen(h.Key(k))
}

// HStrLen returns the length of the stored value of field.
func (h *Hash[V]) HStrLen(ctx context.Context, parent *redpipe.Pipe, k, field string) *redpipe.Future[int64] {
	pipe := h.pipe(parent)
	defer pipe.Execute(ctx)
	return pipe.HStrLen(h.Key(k), field)
}

// HIncrBy adds n to the integer in field and returns the result.
func (h *Hash[V]) HIncrBy(ctx context.Context, parent *redpipe.Pipe, k, field string, n int64) *redpipe.Future[int64] {
	pipe := h.pipe(parent)
	defer pipe.Execute(ctx)
	return pipe.HIncrBy(h.Key(k), field, n)
}

// HIncrByFloat adds f to the number in field and returns the result.
func (h *Hash[V]) HIncrByFloat(ctx context.Context, parent *redpipe.Pipe, k, field string, f float64) *redpipe.Future[float64] {
	pipe := h.pipe(parent)
	defer pipe.Execute(ctx)
	return pipe.HIncrByFloat(h.Key(k), field, f)
}

// decodeEach decodes every string of raw with c.
func decodeEach[V any](c codec.Codec[V], raw []string) ([]V, error) {
	out := make([]V, len(raw))
	for i, s := range raw {
		v, err := c.Decode(s)
		if err != nil {
			return nil, err
		}
		out[i] = v
	}
	return out, nil
}

// encodeEach encodes every value of vs with c, as arguments.
func encodeEach[V any](c codec.Codec[V], vs []V) ([]any, error) {
	out := make([]any, len(vs))
	for i, v := range vs {
		s, err := c.Encode(v)
		if err != nil {
			return nil, err
		}
		out[i] = s
	}
	return out, nil
}

package keyspace

import (
	"context"
	"crypto/md5"
	"math/big"
	"strconv"

	"github.com/go-redpipe/redpipe"
	"github.com/go-redpipe/redpipe/codec"
)

// DefaultShards is how many hashes a [HashedString] spreads its strings
// over, as RedPipe's HashedString.
const DefaultShards = 64

// HashedString spreads a huge number of small strings over a fixed number
// of hashes, as RedPipe's HashedString does: the string of key k lives in
// field k of the hash name{shard}, where shard is the MD5 digest of k, as
// a big-endian number, modulo the number of shards. Data written by
// RedPipe reads back here, and the other way round.
type HashedString[V any] struct {
	hash   *Hash[V]
	shards int64
}

// NewHashedString returns the keyspace of strings named name spread over
// [DefaultShards] hashes, whose values values encodes.
func NewHashedString[V any](name string, values codec.Codec[V], opts ...Option) *HashedString[V] {
	return NewHashedStringShards(name, values, DefaultShards, opts...)
}

// NewHashedStringShards is NewHashedString with shards hashes. It panics
// if shards is not positive.
func NewHashedStringShards[V any](name string, values codec.Codec[V], shards int, opts ...Option) *HashedString[V] {
	if shards <= 0 {
		panic("redpipe: keyspace: a HashedString needs at least one shard")
	}
	return &HashedString[V]{hash: NewHash(name, values, opts...), shards: int64(shards)}
}

// Shard returns the shard of k.
func (h *HashedString[V]) Shard(k string) int {
	sum := md5.Sum([]byte(k))
	n := new(big.Int).SetBytes(sum[:])
	return int(n.Mod(n, big.NewInt(h.shards)).Int64())
}

// Key returns the Redis key of the hash that holds k.
func (h *HashedString[V]) Key(k string) string {
	return h.hash.Key(strconv.Itoa(h.Shard(k)))
}

// shard returns the hash key, without the keyspace's name, that holds k.
func (h *HashedString[V]) shard(k string) string { return strconv.Itoa(h.Shard(k)) }

// Get returns the value of k; a missing one fails with redis.Nil.
func (h *HashedString[V]) Get(ctx context.Context, parent *redpipe.Pipe, k string) *redpipe.Future[V] {
	return h.hash.HGet(ctx, parent, h.shard(k), k)
}

// Set stores v at k.
func (h *HashedString[V]) Set(ctx context.Context, parent *redpipe.Pipe, k string, v V) *redpipe.Future[int64] {
	return h.hash.HSet(ctx, parent, h.shard(k), map[string]V{k: v})
}

// SetNX stores v at k unless k exists, and reports whether it did.
func (h *HashedString[V]) SetNX(ctx context.Context, parent *redpipe.Pipe, k string, v V) *redpipe.Future[bool] {
	return h.hash.HSetNX(ctx, parent, h.shard(k), k, v)
}

// MGet returns the values of the keys of ks that exist, by key. With no
// key it sends nothing, and its future holds an empty map.
func (h *HashedString[V]) MGet(ctx context.Context, parent *redpipe.Pipe, ks ...string) *redpipe.Future[map[string]V] {
	pipe := redpipe.Pipeline(parent)
	defer pipe.Execute(ctx)
	gets := make([]*redpipe.Future[map[string]V], len(ks))
	for i, k := range ks {
		gets[i] = h.hash.HMGet(ctx, pipe, h.shard(k), k)
	}
	return redpipe.Then(redpipe.All(gets...), func(parts []map[string]V) (map[string]V, error) {
		out := make(map[string]V, len(parts))
		for _, part := range parts {
			for k, v := range part {
				out[k] = v
			}
		}
		return out, nil
	})
}

// StrLen returns the length of the stored value of k.
func (h *HashedString[V]) StrLen(ctx context.Context, parent *redpipe.Pipe, k string) *redpipe.Future[int64] {
	return h.hash.HStrLen(ctx, parent, h.shard(k), k)
}

// Incr adds 1 to the integer at k and returns the result.
func (h *HashedString[V]) Incr(ctx context.Context, parent *redpipe.Pipe, k string) *redpipe.Future[int64] {
	return h.IncrBy(ctx, parent, k, 1)
}

// IncrBy adds n to the integer at k and returns the result.
func (h *HashedString[V]) IncrBy(ctx context.Context, parent *redpipe.Pipe, k string, n int64) *redpipe.Future[int64] {
	return h.hash.HIncrBy(ctx, parent, h.shard(k), k, n)
}

// IncrByFloat adds f to the number at k and returns the result.
func (h *HashedString[V]) IncrByFloat(ctx context.Context, parent *redpipe.Pipe, k string, f float64) *redpipe.Future[float64] {
	return h.hash.HIncrByFloat(ctx, parent, h.shard(k), k, f)
}

// Del deletes ks and returns how many existed. With no key it sends
// nothing, and its future holds 0.
func (h *HashedString[V]) Del(ctx context.Context, parent *redpipe.Pipe, ks ...string) *redpipe.Future[int64] {
	pipe := redpipe.Pipeline(parent)
	defer pipe.Execute(ctx)
	dels := make([]*redpipe.Future[int64], len(ks))
	for i, k := range ks {
		dels[i] = h.hash.HDel(ctx, pipe, h.shard(k), k)
	}
	return redpipe.Then(redpipe.All(dels...), func(ns []int64) (int64, error) {
		var total int64
		for _, n := range ns {
			total += n
		}
		return total, nil
	})
}

package keyspace

import (
	"context"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/go-redpipe/redpipe"
)

// The commands on whole keys, shared by every keyspace. Each takes keys of
// the keyspace, without its name.

// Del deletes ks and returns how many existed. With no key it sends
// nothing, and its future holds 0.
func (s keys) Del(ctx context.Context, parent *redpipe.Pipe, ks ...string) *redpipe.Future[int64] {
	if len(ks) == 0 {
		return redpipe.Settled[int64](0, nil) // DEL of no key is an error to Redis
	}
	pipe := s.pipe(parent)
	defer pipe.Execute(ctx)
	return pipe.Del(s.redisKeys(ks)...)
}

// Exists returns how many of ks exist. With no key it sends nothing, and
// its future holds 0.
func (s keys) Exists(ctx context.Context, parent *redpipe.Pipe, ks ...string) *redpipe.Future[int64] {
	if len(ks) == 0 {
		return redpipe.Settled[int64](0, nil) // EXISTS of no key is an error to Redis
	}
	pipe := s.pipe(parent)
	defer pipe.Execute(ctx)
	return pipe.Exists(s.redisKeys(ks)...)
}

// Expire sets k to expire after ttl.
func (s keys) Expire(ctx context.Context, parent *redpipe.Pipe, k string, ttl time.Duration) *redpipe.Future[bool] {
	pipe := s.pipe(parent)
	defer pipe.Execute(ctx)
	return pipe.Expire(s.Key(k), ttl)
}

// PExpire is Expire with millisecond precision.
func (s keys) PExpire(ctx context.Context, parent *redpipe.Pipe, k string, ttl time.Duration) *redpipe.Future[bool] {
	pipe := s.pipe(parent)
	defer pipe.Execute(ctx)
	return pipe.PExpire(s.Key(k), ttl)
}

// ExpireAt sets k to expire at t.
func (s keys) ExpireAt(ctx context.Context, parent *redpipe.Pipe, k string, t time.Time) *redpipe.Future[bool] {
	pipe := s.pipe(parent)
	defer pipe.Execute(ctx)
	return pipe.ExpireAt(s.Key(k), t)
}

// TTL returns the time k has left to live, as go-redis reports it.
func (s keys) TTL(ctx context.Context, parent *redpipe.Pipe, k string) *redpipe.Future[time.Duration] {
	pipe := s.pipe(parent)
	defer pipe.Execute(ctx)
	return pipe.TTL(s.Key(k))
}

// PTTL is TTL with millisecond precision.
func (s keys) PTTL(ctx context.Context, parent *redpipe.Pipe, k string) *redpipe.Future[time.Duration] {
	pipe := s.pipe(parent)
	defer pipe.Execute(ctx)
	return pipe.PTTL(s.Key(k))
}

// Persist removes the expiry of k.
func (s keys) Persist(ctx context.Context, parent *redpipe.Pipe, k string) *redpipe.Future[bool] {
	pipe := s.pipe(parent)
	defer pipe.Execute(ctx)
	return pipe.Persist(s.Key(k))
}

// Rename renames k to to, both keys of the keyspace.
func (s keys) Rename(ctx context.Context, parent *redpipe.Pipe, k, to string) *redpipe.Future[string] {
	pipe := s.pipe(parent)
	defer pipe.Execute(ctx)
	return pipe.Rename(s.Key(k), s.Key(to))
}

// RenameNX renames k to to unless to exists.
func (s keys) RenameNX(ctx context.Context, parent *redpipe.Pipe, k, to string) *redpipe.Future[bool] {
	pipe := s.pipe(parent)
	defer pipe.Execute(ctx)
	return pipe.RenameNX(s.Key(k), s.Key(to))
}

// Dump returns the serialized value of k.
func (s keys) Dump(ctx context.Context, parent *redpipe.Pipe, k string) *redpipe.Future[string] {
	pipe := s.pipe(parent)
	defer pipe.Execute(ctx)
	return pipe.Dump(s.Key(k))
}

// Restore creates k from a value Dump returned.
func (s keys) Restore(ctx context.Context, parent *redpipe.Pipe, k string, ttl time.Duration, value string) *redpipe.Future[string] {
	pipe := s.pipe(parent)
	defer pipe.Execute(ctx)
	return pipe.Restore(s.Key(k), ttl, value)
}

// Type returns the Redis type of k.
func (s keys) Type(ctx context.Context, parent *redpipe.Pipe, k string) *redpipe.Future[string] {
	pipe := s.pipe(parent)
	defer pipe.Execute(ctx)
	return pipe.Type(s.Key(k))
}

// Sort returns the elements of the list, set or sorted set k, sorted as
// sort says; its BY and GET patterns are passed as they are.
func (s keys) Sort(ctx context.Context, parent *redpipe.Pipe, k string, sort *redis.Sort) *redpipe.Future[[]string] {
	pipe := s.pipe(parent)
	defer pipe.Execute(ctx)
	return pipe.Sort(s.Key(k), sort)
}

// SortStore sorts the elements of k as Sort does and stores them, as a
// list, at store, a key of the keyspace, as RedPipe's sort with store
// does; it returns how many elements it stored. On a Redis Cluster, k and
// store must share a slot: name{k} and name{store} do only when Redis
// hashes k and store alike.
func (s keys) SortStore(ctx context.Context, parent *redpipe.Pipe, k, store string, sort *redis.Sort) *redpipe.Future[int64] {
	pipe := s.pipe(parent)
	defer pipe.Execute(ctx)
	return pipe.SortStore(s.Key(k), s.Key(store), sort)
}

// Eval runs script with ks, keys of the keyspace, as its KEYS.
func (s keys) Eval(ctx context.Context, parent *redpipe.Pipe, script *redpipe.Script, ks []string, args ...any) *redpipe.Future[any] {
	pipe := s.pipe(parent)
	defer pipe.Execute(ctx)
	return script.Run(pipe, s.redisKeys(ks), args...)
}

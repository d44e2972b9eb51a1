package keyspace

import (
	"context"

	"github.com/go-redpipe/redpipe"
	"github.com/go-redpipe/redpipe/codec"
)

// Set is a keyspace of Redis sets of members of type M, as RedPipe's Set
// keyspace.
type Set[M any] struct {
	keys
	members codec.Codec[M]
}

// NewSet returns the keyspace of sets named name, whose members members
// encodes.
func NewSet[M any](name string, members codec.Codec[M], opts ...Option) *Set[M] {
	return &Set[M]{keys: newKeys(name, opts), members: members}
}

// SAdd adds ms to the set at k and returns how many were new. With no
// member it sends nothing, and its future holds 0.
func (s *Set[M]) SAdd(ctx context.Context, parent *redpipe.Pipe, k string, ms ...M) *redpipe.Future[int64] {
	args, err := encodeEach(s.members, ms)
	if err != nil {
		return failed[int64](ctx, s.keys, parent, "SADD", err)
	}
	if len(args) == 0 {
		return redpipe.Settled[int64](0, nil) // SADD of no member is an error to Redis
	}
	pipe := s.pipe(parent)
	defer pipe.Execute(ctx)
	return pipe.SAdd(s.Key(k), args...)
}

// SRem removes ms from the set at k and returns how many were there. With
// no member it sends nothing, and its future holds 0.
func (s *Set[M]) SRem(ctx context.Context, parent *redpipe.Pipe, k string, ms ...M) *redpipe.Future[int64] {
	args, err := encodeEach(s.members, ms)
	if err != nil {
		return failed[int64](ctx, s.keys, parent, "SREM", err)
	}
	if len(args) == 0 {
		return redpipe.Settled[int64](0, nil) // SREM of no member is an error to Redis
	}
	pipe := s.pipe(parent)
	defer pipe.Execute(ctx)
	return pipe.SRem(s.Key(k), args...)
}

// SIsMember reports whether m is in the set at k.
func (s *Set[M]) SIsMember(ctx context.Context, parent *redpipe.Pipe, k string, m M) *redpipe.Future[bool] {
	enc, err := s.members.Encode(m)
	if err != nil {
		return failed[bool](ctx, s.keys, parent, "SISMEMBER", err)
	}
	pipe := s.pipe(parent)
	defer pipe.Execute(ctx)
	return pipe.SIsMember(s.Key(k), enc)
}

// SMembers returns the members of the set at k.
func (s *Set[M]) SMembers(ctx context.Context, parent *redpipe.Pipe, k string) *redpipe.Future[[]M] {
	pipe := s.pipe(parent)
	defer pipe.Execute(ctx)
	return s.decode(pipe.SMembers(s.Key(k)))
}

// SCard returns the number of members of the set at k.
func (s *Set[M]) SCard(ctx context.Context, parent *redpipe.Pipe, k string) *redpipe.Future[int64] {
	pipe := s.pipe(parent)
	defer pipe.Execute(ctx)
	return pipe.SCard(s.Key(k))
}

// SPop removes a random member of the set at k and returns it.
func (s *Set[M]) SPop(ctx context.Context, parent *redpipe.Pipe, k string) *redpipe.Future[M] {
	pipe := s.pipe(parent)
	defer pipe.Execute(ctx)
	return redpipe.Then(pipe.SPop(s.Key(k)), s.members.Decode)
}

// SRandMember returns a random member of the set at k.
func (s *Set[M]) SRandMember(ctx context.Context, parent *redpipe.Pipe, k string) *redpipe.Future[M] {
	pipe := s.pipe(parent)
	defer pipe.Execute(ctx)
	return redpipe.Then(pipe.SRandMember(s.Key(k)), s.members.Decode)
}

// SRandMemberN returns n random members of the set at k (repeated when n
// is negative, as Redis does).
func (s *Set[M]) SRandMemberN(ctx context.Context, parent *redpipe.Pipe, k string, n int64) *redpipe.Future[[]M] {
	pipe := s.pipe(parent)
	defer pipe.Execute(ctx)
	return s.decode(pipe.SRandMemberN(s.Key(k), n))
}

// SDiff returns the members of the set at k that are in none of the sets
// at others.
func (s *Set[M]) SDiff(ctx context.Context, parent *redpipe.Pipe, k string, others ...string) *redpipe.Future[[]M] {
	pipe := s.pipe(parent)
	defer pipe.Execute(ctx)
	return s.decode(pipe.SDiff(s.redisKeys(append([]string{k}, others...))...))
}

// SInter returns the members in every set of ks. With no key it sends
// nothing, and its future holds no member.
func (s *Set[M]) SInter(ctx context.Context, parent *redpipe.Pipe, ks ...string) *redpipe.Future[[]M] {
	if len(ks) == 0 {
		return redpipe.Settled([]M{}, nil) // SINTER of no key is an error to Redis
	}
	pipe := s.pipe(parent)
	defer pipe.Execute(ctx)
	return s.decode(pipe.SInter(s.redisKeys(ks)...))
}

// SUnion returns the members of any set of ks. With no key it sends
// nothing, and its future holds no member.
func (s *Set[M]) SUnion(ctx context.Context, parent *redpipe.Pipe, ks ...string) *redpipe.Future[[]M] {
	if len(ks) == 0 {
		return redpipe.Settled([]M{}, nil) // SUNION of no key is an error to Redis
	}
	pipe := s.pipe(parent)
	defer pipe.Execute(ctx)
	return s.decode(pipe.SUnion(s.redisKeys(ks)...))
}

// SDiffStore stores SDiff of k and others at dest and returns its size.
func (s *Set[M]) SDiffStore(ctx context.Context, parent *redpipe.Pipe, dest, k string, others ...string) *redpipe.Future[int64] {
	pipe := s.pipe(parent)
	defer pipe.Execute(ctx)
	return pipe.SDiffStore(s.Key(dest), s.redisKeys(append([]string{k}, others...))...)
}

// SInterStore stores SInter of ks at dest and returns its size. With no
// key the result is empty: it sends DEL dest in place of SINTERSTORE, as
// Redis deletes the destination of an empty result, and its future holds
// 0.
func (s *Set[M]) SInterStore(ctx context.Context, parent *redpipe.Pipe, dest string, ks ...string) *redpipe.Future[int64] {
	if len(ks) == 0 {
		return s.storeEmpty(ctx, parent, dest)
	}
	pipe := s.pipe(parent)
	defer pipe.Execute(ctx)
	return pipe.SInterStore(s.Key(dest), s.redisKeys(ks)...)
}

// SUnionStore stores SUnion of ks at dest and returns its size. With no
// key the result is empty: it sends DEL dest in place of SUNIONSTORE, and
// its future holds 0.
func (s *Set[M]) SUnionStore(ctx context.Context, parent *redpipe.Pipe, dest string, ks ...string) *redpipe.Future[int64] {
	if len(ks) == 0 {
		return s.storeEmpty(ctx, parent, dest)
	}
	pipe := s.pipe(parent)
	defer pipe.Execute(ctx)
	return pipe.SUnionStore(s.Key(dest), s.redisKeys(ks)...)
}

// decode decodes the members f will hold.
func (s *Set[M]) decode(f *redpipe.Future[[]string]) *redpipe.Future[[]M] {
	return redpipe.Then(f, func(raw []string) ([]M, error) { return decodeEach(s.members, raw) })
}

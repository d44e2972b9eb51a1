package keyspace

import (
	"context"
	"errors"
	"fmt"

	"github.com/redis/go-redis/v9"

	"github.com/go-redpipe/redpipe"
	"github.com/go-redpipe/redpipe/codec"
)

// SortedSet is a keyspace of Redis sorted sets of members of type M, as
// RedPipe's SortedSet keyspace.
type SortedSet[M any] struct {
	keys
	members codec.Codec[M]
}

// Z is a member of a sorted set and its score.
type Z[M any] struct {
	Score  float64
	Member M
}

// ZAddArgs is ZADD with its options, as go-redis's [redis.ZAddArgs].
type ZAddArgs[M any] struct {
	NX, XX, LT, GT, Ch bool
	Members            []Z[M]
}

// ErrFlags is wrapped by the error of a call whose flags Redis does not
// take together, such as ZADD's NX and XX: the call sends nothing.
var ErrFlags = errors.New("redpipe: keyspace: flags that do not go together")

// check refuses the flags that ZADD does not take together: NX with XX,
// NX with GT or LT, and GT with LT. go-redis would drop one of them and
// send the others.
func (a ZAddArgs[M]) check() error {
	switch {
	case a.NX && a.XX:
		return fmt.Errorf("%w: ZADD takes NX or XX, not both", ErrFlags)
	case a.NX && (a.GT || a.LT):
		return fmt.Errorf("%w: ZADD takes NX or GT/LT, not both", ErrFlags)
	case a.GT && a.LT:
		return fmt.Errorf("%w: ZADD takes GT or LT, not both", ErrFlags)
	}
	return nil
}

// NewSortedSet returns the keyspace of sorted sets named name, whose
// members members encodes.
func NewSortedSet[M any](name string, members codec.Codec[M], opts ...Option) *SortedSet[M] {
	return &SortedSet[M]{keys: newKeys(name, opts), members: members}
}

// encodeZ returns the go-redis members of zs.
func (z *SortedSet[M]) encodeZ(zs []Z[M]) ([]redis.Z, error) {
	out := make([]redis.Z, len(zs))
	for i, m := range zs {
		enc, err := z.members.Encode(m.Member)
		if err != nil {
			return nil, err
		}
		out[i] = redis.Z{Score: m.Score, Member: enc}
	}
	return out, nil
}

// ZAdd adds members to the sorted set at k and returns how many were new.
// With no member it sends nothing, and its future holds 0.
func (z *SortedSet[M]) ZAdd(ctx context.Context, parent *redpipe.Pipe, k string, members ...Z[M]) *redpipe.Future[int64] {
	return z.ZAddArgs(ctx, parent, k, ZAddArgs[M]{Members: members})
}

// ZAddArgs is ZADD with NX, XX, LT, GT and CH. Flags that do not go
// together are refused with ErrFlags, and nothing is sent; with no member
// it sends nothing, and its future holds 0.
func (z *SortedSet[M]) ZAddArgs(ctx context.Context, parent *redpipe.Pipe, k string, args ZAddArgs[M]) *redpipe.Future[int64] {
	members, err := z.encodeZ(args.Members)
	if err == nil {
		err = args.check()
	}
	if err != nil {
		return failed[int64](ctx, z.keys, parent, "ZADD", err)
	}
	if len(members) == 0 {
		return redpipe.Settled[int64](0, nil) // ZADD of no member is an error to Redis
	}
	pipe := z.pipe(parent)
	defer pipe.Execute(ctx)
	return pipe.ZAddArgs(z.Key(k), redis.ZAddArgs{NX: args.NX, XX: args.XX, LT: args.LT, GT: args.GT, Ch: args.Ch, Members: members})
}

// ZAddArgsIncr is ZADD with INCR: it adds the score of the one member of
// args and returns the new score. Any other number of members, none
// included, is refused with ErrFlags, as ZADD with INCR takes one, and
// nothing is sent.
func (z *SortedSet[M]) ZAddArgsIncr(ctx context.Context, parent *redpipe.Pipe, k string, args ZAddArgs[M]) *redpipe.Future[float64] {
	members, err := z.encodeZ(args.Members)
	if err == nil {
		err = args.check()
	}
	if err == nil && len(members) != 1 {
		err = fmt.Errorf("%w: ZADD with INCR takes one member, not %d", ErrFlags, len(members))
	}
	if err != nil {
		return failed[float64](ctx, z.keys, parent, "ZADD", err)
	}
	pipe := z.pipe(parent)
	defer pipe.Execute(ctx)
	return pipe.ZAddArgsIncr(z.Key(k), redis.ZAddArgs{NX: args.NX, XX: args.XX, LT: args.LT, GT: args.GT, Ch: args.Ch, Members: members})
}

// ZIncrBy adds by to the score of m and returns the new score.
func (z *SortedSet[M]) ZIncrBy(ctx context.Context, parent *redpipe.Pipe, k string, by float64, m M) *redpipe.Future[float64] {
	enc, err := z.members.Encode(m)
	if err != nil {
		return failed[float64](ctx, z.keys, parent, "ZINCRBY", err)
	}
	pipe := z.pipe(parent)
	defer pipe.Execute(ctx)
	return pipe.ZIncrBy(z.Key(k), by, enc)
}

// ZRem removes ms and returns how many were there. With no member it
// sends nothing, and its future holds 0.
func (z *SortedSet[M]) ZRem(ctx context.Context, parent *redpipe.Pipe, k string, ms ...M) *redpipe.Future[int64] {
	args, err := encodeEach(z.members, ms)
	if err != nil {
		return failed[int64](ctx, z.keys, parent, "ZREM", err)
	}
	if len(args) == 0 {
		return redpipe.Settled[int64](0, nil) // ZREM of no member is an error to Redis
	}
	pipe := z.pipe(parent)
	defer pipe.Execute(ctx)
	return pipe.ZRem(z.Key(k), args...)
}

// ZScore returns the score of m.
func (z *SortedSet[M]) ZScore(ctx context.Context, parent *redpipe.Pipe, k string, m M) *redpipe.Future[float64] {
	return withMember(z, ctx, parent, m, "ZSCORE", func(p *redpipe.Pipe, enc string) *redpipe.Future[float64] { return p.ZScore(z.Key(k), enc) })
}

// ZRank returns the rank of m, lowest score first.
func (z *SortedSet[M]) ZRank(ctx context.Context, parent *redpipe.Pipe, k string, m M) *redpipe.Future[int64] {
	return withMember(z, ctx, parent, m, "ZRANK", func(p *redpipe.Pipe, enc string) *redpipe.Future[int64] { return p.ZRank(z.Key(k), enc) })
}

// ZRevRank returns the rank of m, highest score first.
func (z *SortedSet[M]) ZRevRank(ctx context.Context, parent *redpipe.Pipe, k string, m M) *redpipe.Future[int64] {
	return withMember(z, ctx, parent, m, "ZREVRANK", func(p *redpipe.Pipe, enc string) *redpipe.Future[int64] { return p.ZRevRank(z.Key(k), enc) })
}

// withMember encodes m and queues the command cmd makes of it, named
// name.
func withMember[M, T any](z *SortedSet[M], ctx context.Context, parent *redpipe.Pipe, m M, name string, cmd func(*redpipe.Pipe, string) *redpipe.Future[T]) *redpipe.Future[T] {
	enc, err := z.members.Encode(m)
	if err != nil {
		return failed[T](ctx, z.keys, parent, name, err)
	}
	pipe := z.pipe(parent)
	defer pipe.Execute(ctx)
	return cmd(pipe, enc)
}

// ZCard returns the number of members of the sorted set at k.
func (z *SortedSet[M]) ZCard(ctx context.Context, parent *redpipe.Pipe, k string) *redpipe.Future[int64] {
	pipe := z.pipe(parent)
	defer pipe.Execute(ctx)
	return pipe.ZCard(z.Key(k))
}

// ZCount returns how many members score from min to max (ZCOUNT's syntax).
func (z *SortedSet[M]) ZCount(ctx context.Context, parent *redpipe.Pipe, k, min, max string) *redpipe.Future[int64] {
	pipe := z.pipe(parent)
	defer pipe.Execute(ctx)
	return pipe.ZCount(z.Key(k), min, max)
}

// ZLexCount returns how many members sort from min to max (ZLEXCOUNT's
// syntax, on the encoded members).
func (z *SortedSet[M]) ZLexCount(ctx context.Context, parent *redpipe.Pipe, k, min, max string) *redpipe.Future[int64] {
	pipe := z.pipe(parent)
	defer pipe.Execute(ctx)
	return pipe.ZLexCount(z.Key(k), min, max)
}

// ZRange returns the members from rank start to stop, lowest score first.
func (z *SortedSet[M]) ZRange(ctx context.Context, parent *redpipe.Pipe, k string, start, stop int64) *redpipe.Future[[]M] {
	pipe := z.pipe(parent)
	defer pipe.Execute(ctx)
	return z.decode(pipe.ZRange(z.Key(k), start, stop))
}

// ZRevRange returns the members from rank start to stop, highest score
// first.
func (z *SortedSet[M]) ZRevRange(ctx context.Context, parent *redpipe.Pipe, k string, start, stop int64) *redpipe.Future[[]M] {
	pipe := z.pipe(parent)
	defer pipe.Execute(ctx)
	//lint:ignore SA1019 the keyspace mirrors RedPipe's method, and the older command runs on every Redis
	return z.decode(pipe.ZRevRange(z.Key(k), start, stop))
}

// ZRangeWithScores is ZRange with the scores.
func (z *SortedSet[M]) ZRangeWithScores(ctx context.Context, parent *redpipe.Pipe, k string, start, stop int64) *redpipe.Future[[]Z[M]] {
	pipe := z.pipe(parent)
	defer pipe.Execute(ctx)
	return z.decodeZ(pipe.ZRangeWithScores(z.Key(k), start, stop))
}

// ZRevRangeWithScores is ZRevRange with the scores.
func (z *SortedSet[M]) ZRevRangeWithScores(ctx context.Context, parent *redpipe.Pipe, k string, start, stop int64) *redpipe.Future[[]Z[M]] {
	pipe := z.pipe(parent)
	defer pipe.Execute(ctx)
	return z.decodeZ(pipe.ZRevRangeWithScores(z.Key(k), start, stop))
}

// ZRangeByScore returns the members scoring in opt's range.
func (z *SortedSet[M]) ZRangeByScore(ctx context.Context, parent *redpipe.Pipe, k string, opt *redis.ZRangeBy) *redpipe.Future[[]M] {
	pipe := z.pipe(parent)
	defer pipe.Execute(ctx)
	//lint:ignore SA1019 the keyspace mirrors RedPipe's method, and the older command runs on every Redis
	return z.decode(pipe.ZRangeByScore(z.Key(k), opt))
}

// ZRevRangeByScore is ZRangeByScore, highest score first.
func (z *SortedSet[M]) ZRevRangeByScore(ctx context.Context, parent *redpipe.Pipe, k string, opt *redis.ZRangeBy) *redpipe.Future[[]M] {
	pipe := z.pipe(parent)
	defer pipe.Execute(ctx)
	//lint:ignore SA1019 the keyspace mirrors RedPipe's method, and the older command runs on every Redis
	return z.decode(pipe.ZRevRangeByScore(z.Key(k), opt))
}

// ZRangeByLex returns the members in opt's lexical range.
func (z *SortedSet[M]) ZRangeByLex(ctx context.Context, parent *redpipe.Pipe, k string, opt *redis.ZRangeBy) *redpipe.Future[[]M] {
	pipe := z.pipe(parent)
	defer pipe.Execute(ctx)
	//lint:ignore SA1019 the keyspace mirrors RedPipe's method, and the older command runs on every Redis
	return z.decode(pipe.ZRangeByLex(z.Key(k), opt))
}

// ZRevRangeByLex is ZRangeByLex in reverse order.
func (z *SortedSet[M]) ZRevRangeByLex(ctx context.Context, parent *redpipe.Pipe, k string, opt *redis.ZRangeBy) *redpipe.Future[[]M] {
	pipe := z.pipe(parent)
	defer pipe.Execute(ctx)
	//lint:ignore SA1019 the keyspace mirrors RedPipe's method, and the older command runs on every Redis
	return z.decode(pipe.ZRevRangeByLex(z.Key(k), opt))
}

// ZRemRangeByRank removes the members from rank start to stop.
func (z *SortedSet[M]) ZRemRangeByRank(ctx context.Context, parent *redpipe.Pipe, k string, start, stop int64) *redpipe.Future[int64] {
	pipe := z.pipe(parent)
	defer pipe.Execute(ctx)
	return pipe.ZRemRangeByRank(z.Key(k), start, stop)
}

// ZRemRangeByScore removes the members scoring from min to max.
func (z *SortedSet[M]) ZRemRangeByScore(ctx context.Context, parent *redpipe.Pipe, k, min, max string) *redpipe.Future[int64] {
	pipe := z.pipe(parent)
	defer pipe.Execute(ctx)
	return pipe.ZRemRangeByScore(z.Key(k), min, max)
}

// ZRemRangeByLex removes the members sorting from min to max.
func (z *SortedSet[M]) ZRemRangeByLex(ctx context.Context, parent *redpipe.Pipe, k, min, max string) *redpipe.Future[int64] {
	pipe := z.pipe(parent)
	defer pipe.Execute(ctx)
	return pipe.ZRemRangeByLex(z.Key(k), min, max)
}

// ZUnionStore stores the union of the sorted sets of store's keys at dest,
// with store's weights and aggregate, and returns its size. With no key
// or weight the union is empty: it sends DEL dest in place of ZUNIONSTORE,
// as Redis deletes the destination of an empty result, and its future
// holds 0. Weights of no key are sent as they are, for Redis to refuse.
func (z *SortedSet[M]) ZUnionStore(ctx context.Context, parent *redpipe.Pipe, dest string, store ZStore) *redpipe.Future[int64] {
	if len(store.Keys) == 0 && len(store.Weights) == 0 {
		return z.storeEmpty(ctx, parent, dest)
	}
	pipe := z.pipe(parent)
	defer pipe.Execute(ctx)
	return pipe.ZUnionStore(z.Key(dest), &redis.ZStore{Keys: z.redisKeys(store.Keys), Weights: store.Weights, Aggregate: store.Aggregate})
}

// ZStore is what ZUnionStore combines: keys of the keyspace, their
// weights, and SUM, MIN or MAX.
type ZStore struct {
	Keys      []string
	Weights   []float64
	Aggregate string
}

func (z *SortedSet[M]) decode(f *redpipe.Future[[]string]) *redpipe.Future[[]M] {
	return redpipe.Then(f, func(raw []string) ([]M, error) { return decodeEach(z.members, raw) })
}

func (z *SortedSet[M]) decodeZ(f *redpipe.Future[[]redis.Z]) *redpipe.Future[[]Z[M]] {
	return redpipe.Then(f, func(raw []redis.Z) ([]Z[M], error) {
		out := make([]Z[M], len(raw))
		for i, r := range raw {
			s, _ := r.Member.(string)
			m, err := z.members.Decode(s)
			if err != nil {
				return nil, err
			}
			out[i] = Z[M]{Score: r.Score, Member: m}
		}
		return out, nil
	})
}

package keyspace

import (
	"context"
	"iter"
	"strconv"
	"sync"

	"github.com/redis/go-redis/v9"

	"github.com/go-redpipe/redpipe"
)

// Page is one page of a scan: the items it returned, decoded, and the
// cursor of the next page, 0 after the last.
type Page[T any] struct {
	Items  []T
	Cursor uint64
}

// Entry is a field of a hash and its value.
type Entry[V any] struct {
	Field string
	Value V
}

// scanCount is how many items a page of All asks for.
const scanCount = 1000

// Scan returns a page of the keys of the keyspace that match match (a
// SCAN pattern of the key without the keyspace's name; "" is every key),
// without the keyspace's name. Through a pipe on a Redis Cluster it reads
// one node; All walks every master.
func (s keys) Scan(ctx context.Context, parent *redpipe.Pipe, cursor uint64, match string, count int64) *redpipe.Future[Page[string]] {
	pipe := s.pipe(parent)
	defer pipe.Execute(ctx)
	return redpipe.Then(pipe.Scan(cursor, s.pattern(match), count), func(r redpipe.ScanResult) (Page[string], error) {
		return Page[string]{Items: s.unwrapAll(r.Keys), Cursor: r.Cursor}, nil
	})
}

// pattern returns the SCAN pattern of match in the keyspace.
func (s keys) pattern(match string) string {
	if match == "" {
		match = "*"
	}
	return s.Key(match)
}

func (s keys) unwrapAll(redisKeys []string) []string {
	out := make([]string, len(redisKeys))
	for i, k := range redisKeys {
		out[i] = s.unwrap(k)
	}
	return out
}

// All returns an iterator over every key of the keyspace on c, without
// the keyspace's name; on a Redis Cluster it walks every master, one after
// the other. Each page costs a round trip of its own. An error ends the
// walk, yielded with an empty key.
func (s keys) All(ctx context.Context, c redis.UniversalClient) iter.Seq2[string, error] {
	return func(yield func(string, error) bool) {
		for _, node := range masters(ctx, c) {
			for cursor := uint64(0); ; {
				keys, next, err := node.Scan(ctx, cursor, s.pattern(""), scanCount).Result()
				if err != nil {
					yield("", err)
					return
				}
				for _, k := range keys {
					if !yield(s.unwrap(k), nil) {
						return
					}
				}
				if cursor = next; cursor == 0 {
					break
				}
			}
		}
	}
}

// masters returns the clients to scan for every key of c: each master of
// a cluster, each shard of a ring, or c itself.
func masters(ctx context.Context, c redis.UniversalClient) []redis.Cmdable {
	var mu sync.Mutex
	var nodes []redis.Cmdable
	collect := func(_ context.Context, node *redis.Client) error {
		mu.Lock()
		nodes = append(nodes, node)
		mu.Unlock()
		return nil
	}
	switch c := c.(type) {
	case *redis.ClusterClient:
		_ = c.ForEachMaster(ctx, collect)
	case *redis.Ring:
		_ = c.ForEachShard(ctx, collect)
	default:
		nodes = append(nodes, c)
	}
	return nodes
}

// SScan returns a page of the members of the set at k that match match.
func (s *Set[M]) SScan(ctx context.Context, parent *redpipe.Pipe, k string, cursor uint64, match string, count int64) *redpipe.Future[Page[M]] {
	pipe := s.pipe(parent)
	defer pipe.Execute(ctx)
	return redpipe.Then(pipe.SScan(s.Key(k), cursor, match, count), func(r redpipe.ScanResult) (Page[M], error) {
		items, err := decodeEach(s.members, r.Keys)
		return Page[M]{Items: items, Cursor: r.Cursor}, err
	})
}

// HScan returns a page of the fields of the hash at k whose names match
// match, with their values decoded.
func (h *Hash[V]) HScan(ctx context.Context, parent *redpipe.Pipe, k string, cursor uint64, match string, count int64) *redpipe.Future[Page[Entry[V]]] {
	pipe := h.pipe(parent)
	defer pipe.Execute(ctx)
	return redpipe.Then(pipe.HScan(h.Key(k), cursor, match, count), h.entries)
}

// entries reads an HSCAN reply: field, value, field, value...
func (h *Hash[V]) entries(r redpipe.ScanResult) (Page[Entry[V]], error) {
	page := Page[Entry[V]]{Cursor: r.Cursor}
	for i := 0; i+1 < len(r.Keys); i += 2 {
		v, err := h.codec(r.Keys[i]).Decode(r.Keys[i+1])
		if err != nil {
			return Page[Entry[V]]{}, err
		}
		page.Items = append(page.Items, Entry[V]{Field: r.Keys[i], Value: v})
	}
	return page, nil
}

// ZScan returns a page of the members of the sorted set at k that match
// match, with their scores.
func (z *SortedSet[M]) ZScan(ctx context.Context, parent *redpipe.Pipe, k string, cursor uint64, match string, count int64) *redpipe.Future[Page[Z[M]]] {
	pipe := z.pipe(parent)
	defer pipe.Execute(ctx)
	return redpipe.Then(pipe.ZScan(z.Key(k), cursor, match, count), func(r redpipe.ScanResult) (Page[Z[M]], error) {
		page := Page[Z[M]]{Cursor: r.Cursor}
		for i := 0; i+1 < len(r.Keys); i += 2 {
			m, err := z.members.Decode(r.Keys[i])
			if err != nil {
				return Page[Z[M]]{}, err
			}
			score, err := strconv.ParseFloat(r.Keys[i+1], 64)
			if err != nil {
				return Page[Z[M]]{}, codecError("a score", r.Keys[i+1])
			}
			page.Items = append(page.Items, Z[M]{Score: score, Member: m})
		}
		return page, nil
	})
}

// All returns an iterator over every string of the keyspace on c, shard
// after shard, every one of them: the key and its value. An error ends
// the walk, yielded with an empty entry.
func (h *HashedString[V]) All(ctx context.Context, c redis.UniversalClient) iter.Seq2[Entry[V], error] {
	return func(yield func(Entry[V], error) bool) {
		for shard := range h.shards {
			key := h.hash.Key(strconv.FormatInt(shard, 10))
			for cursor := uint64(0); ; {
				raw, next, err := c.HScan(ctx, key, cursor, "", scanCount).Result()
				if err == nil {
					var page Page[Entry[V]]
					page, err = h.hash.entries(redpipe.ScanResult{Keys: raw})
					for _, e := range page.Items {
						if !yield(e, nil) {
							return
						}
					}
				}
				if err != nil {
					yield(Entry[V]{}, err)
					return
				}
				if cursor = next; cursor == 0 {
					break
				}
			}
		}
	}
}

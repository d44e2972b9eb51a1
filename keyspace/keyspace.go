// Package keyspace gives Redis data a type and a namespace, as the Python
// library RedPipe's keyspaces do: every key of a keyspace named "user" is
// stored at user{k}, and its values are encoded and decoded by a
// [codec.Codec], so that services in Go and in Python share data, and
// keys of one id share a Redis Cluster slot across keyspaces.
//
// Every method is a building block: it takes a context and an optional
// parent [redpipe.Pipe] and returns a [redpipe.Future] of the decoded
// reply. With a nil parent it makes its own round trip; inside a parent it
// adds none. A value its codec refuses fails that call's future with an
// error wrapping [codec.ErrInvalid] and is never sent; a reply that does
// not decode fails its future with the decode error. A call with nothing
// to do (no key, field, member or value) sends nothing and settles at
// once with what doing nothing gives (0, an empty map or slice, or, for
// BLPop and BRPop, the redis.Nil of nothing popped), where Redis would
// refuse the command; the few whose reply or effect needs the server
// (LPush and RPush of no value, the store commands of no key) send in its
// place a command that gives the same result, and say which. ZAddArgsIncr
// of no member is refused with [ErrFlags], as of more than one.
//
// The package uses only the public API of redpipe, as any user code does.
// A keyspace is immutable once made and may be used, and copied, by
// several goroutines at once; the zero value of a keyspace type is not
// usable: make one with its New function.
package keyspace

import (
	"context"
	"fmt"
	"time"

	"github.com/go-redpipe/redpipe"
	"github.com/go-redpipe/redpipe/codec"
)

// Option configures a keyspace.
type Option func(*keys)

// On makes a keyspace's commands go to the connection registered under
// conn (see [redpipe.ConnectNamed]), also inside a parent pipe on another
// connection.
func On(conn string) Option {
	return func(k *keys) { k.opts = append(k.opts, redpipe.On(conn)) }
}

// Field makes a Hash keyspace encode and decode the hash field name with
// c instead of the keyspace's values codec, as RedPipe's Hash fields do.
// c must be a codec of the keyspace's value type; NewHash panics if not.
func Field[V any](name string, c codec.Codec[V]) Option {
	return func(k *keys) {
		if k.fields == nil {
			k.fields = make(map[string]any)
		}
		k.fields[name] = c
	}
}

// TTL makes every write of a [Struct] record set the record to expire
// after d, as RedPipe's Struct ttl does.
func TTL(d time.Duration) Option {
	return func(k *keys) { k.ttl = d }
}

// keys is what every keyspace has: its name and connection, and the
// commands on whole keys (keys_commands.go).
type keys struct {
	name   string
	opts   []redpipe.Option // given to every pipe the keyspace makes
	fields map[string]any   // by Field: codec.Codec[V] of a Hash[V]
	ttl    time.Duration    // by TTL, for a Struct
}

func newKeys(name string, opts []Option) keys {
	k := keys{name: name}
	for _, opt := range opts {
		opt(&k)
	}
	return k
}

// Key returns the Redis key of k in the keyspace: name{k}.
func (s keys) Key(k string) string { return s.name + "{" + k + "}" }

// redisKeys returns the Redis keys of ks.
func (s keys) redisKeys(ks []string) []string {
	out := make([]string, len(ks))
	for i, k := range ks {
		out[i] = s.Key(k)
	}
	return out
}

// pipe returns the pipe a method queues its commands on: a child of parent
// (nil: a root) on the keyspace's connection.
func (s keys) pipe(parent *redpipe.Pipe) *redpipe.Pipe {
	return redpipe.Pipeline(parent, s.opts...)
}

// failed queues on a child of parent, on the keyspace s's connection, the
// command named name that a call could not send, refused with err, and
// returns its future: settled at once, and counted as a failure by the
// root's Execute (see redpipe.Fail).
func failed[T any](ctx context.Context, s keys, parent *redpipe.Pipe, name string, err error) *redpipe.Future[T] {
	pipe := s.pipe(parent)
	defer pipe.Execute(ctx)
	return redpipe.Fail[T](pipe, name, err)
}

// storeEmpty queues, on a child of parent, what storing the empty result
// of a store command of no source key (SUNIONSTORE and the like, which
// Redis refuses) does: Redis stores an empty result by deleting the
// destination, so it sends DEL dest. Its future holds 0, the size of what
// was stored, not DEL's reply.
func (s keys) storeEmpty(ctx context.Context, parent *redpipe.Pipe, dest string) *redpipe.Future[int64] {
	pipe := s.pipe(parent)
	defer pipe.Execute(ctx)
	return redpipe.Then(pipe.Del(s.Key(dest)), func(int64) (int64, error) { return 0, nil })
}

// codecError is the error of a reply that does not have the shape a
// keyspace expects.
func codecError(want string, got any) error {
	return fmt.Errorf("redpipe: keyspace: want %s, got %q", want, got)
}

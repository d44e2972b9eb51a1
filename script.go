package redpipe

import (
	"context"
	"crypto/sha1"
	"encoding/hex"
	"slices"

	"github.com/redis/go-redis/v9"
)

// Script is a Lua script that pipes run by its SHA1 digest (EVALSHA), so
// that its body crosses the network only when a server does not have it.
//
// When the replies of a root come back with NOSCRIPT for some of its calls,
// the root sends only those calls again, in one more round trip per
// connection, and then settles their futures. A NOSCRIPT reply means the
// script did not run, so no call runs twice. On one server the follow-up
// loads each script with SCRIPT LOAD and sends the calls by SHA. On a Redis
// Cluster the first call of a script on each node that answered NOSCRIPT
// goes as EVAL, which runs the script and leaves it in that node's cache,
// and the others by SHA. On a Ring every such call goes as EVAL.
//
// Inside a transaction a NOSCRIPT reply would leave the transaction half
// applied, so a transaction that runs scripts loads them first, with SCRIPT
// LOAD inside its MULTI ... EXEC, and then runs them by SHA.
//
// A Script is immutable: it may be copied and used by several goroutines
// at once. Its zero value is not usable; make one with [NewScript].
type Script struct {
	src, hash string
}

// NewScript returns the script with the given Lua source.
func NewScript(src string) *Script {
	sum := sha1.Sum([]byte(src))
	return &Script{src: src, hash: hex.EncodeToString(sum[:])}
}

// Hash returns the script's SHA1 digest, as EVALSHA takes it.
func (s *Script) Hash() string { return s.hash }

// Run queues the script with keys and args on p. Its future holds the
// script's reply as go-redis's [redis.Cmd] reads it.
func (s *Script) Run(p *Pipe, keys []string, args ...any) *Future[any] {
	return runScript[any](s, p, keys, args, func(c *redis.Cmd) *redis.Cmd { return c })
}

// RunInt64 is Run for a script that replies with an integer.
func (s *Script) RunInt64(p *Pipe, keys []string, args ...any) *Future[int64] {
	return runScript[int64](s, p, keys, args, func(c *redis.Cmd) int64Reply { return int64Reply{c} })
}

// RunString is Run for a script that replies with a string.
func (s *Script) RunString(p *Pipe, keys []string, args ...any) *Future[string] {
	return runScript[string](s, p, keys, args, func(c *redis.Cmd) stringReply { return stringReply{c} })
}

// runScript queues an EVALSHA of s whose future reads its reply through as.
func runScript[T any, C command[T]](s *Script, p *Pipe, keys []string, args []any, as func(*redis.Cmd) C) *Future[T] {
	return enqueue[T](p, "EVALSHA", true, func(b *batch) C {
		cmd := b.store.EvalSha(background, s.hash, keys, args...)
		b.more().scripts = append(b.more().scripts, scriptCall{cmd, s})
		return as(cmd)
	})
}

type int64Reply struct{ *redis.Cmd }

func (r int64Reply) Result() (int64, error) { return r.Int64() }

type stringReply struct{ *redis.Cmd }

func (r stringReply) Result() (string, error) { return r.Text() }

// scriptCall is a queued EVALSHA and the script it runs.
type scriptCall struct {
	cmd    *redis.Cmd
	script *Script
}

// loadScripts queues a SCRIPT LOAD on pl for each script that calls run,
// except those in loaded, and returns the loads it queued, by script.
func loadScripts(ctx context.Context, pl redis.Pipeliner, calls []scriptCall, loaded map[*Script]*redis.StringCmd) map[*Script]*redis.StringCmd {
	for _, c := range calls {
		if _, ok := loaded[c.script]; !ok {
			if loaded == nil {
				loaded = make(map[*Script]*redis.StringCmd)
			}
			load := redis.NewStringCmd(background, "script", "load", c.script.src)
			loaded[c.script] = load
			_ = pl.Process(ctx, load)
		}
	}
	return loaded
}

// retryScripts sends again the script calls of batches that came back with
// NOSCRIPT, in chunks of r.chunk calls (plus the loads they need), and puts
// the new replies on the original commands. A script that fails to load
// (a Lua error) fails its calls with the load's error.
func (r *route) retryScripts(ctx context.Context, batches []*batch) {
	var calls []scriptCall
	for _, b := range batches {
		for _, c := range b.scripts() {
			if err := c.cmd.Err(); err != nil && redis.HasErrorPrefix(err, "NOSCRIPT") {
				calls = append(calls, c)
			}
		}
	}
	evalFirst := scriptLoader(ctx, r.client)
	var loaded map[*Script]*redis.StringCmd // on one server: the loads sent so far
	for len(calls) > 0 {
		n := len(calls)
		if r.chunk > 0 {
			n = min(n, r.chunk)
		}
		chunk := calls[:n]
		calls = calls[n:]
		pl := r.client.Pipeline()
		if evalFirst == nil {
			loaded = loadScripts(ctx, pl, chunk, loaded)
		}
		again := make([]*redis.Cmd, len(chunk))
		for i, c := range chunk {
			args := slices.Clone(c.cmd.Args()) // evalsha, hash, numkeys, keys..., args...
			if evalFirst != nil && evalFirst(c.script, args) {
				args[0], args[1] = "eval", c.script.src
			}
			again[i] = redis.NewCmd(ctx, args...)
			if n, _ := args[2].(int); n > 0 {
				again[i].SetFirstKeyPos(3)
			}
			_ = pl.Process(ctx, again[i])
		}
		r.exec(ctx, pl)
		for i, c := range chunk {
			c.cmd.SetVal(again[i].Val())
			c.cmd.SetErr(again[i].Err())
			if load := loaded[c.script]; load != nil && load.Err() != nil {
				c.cmd.SetErr(load.Err())
			}
		}
	}
}

// scriptLoader returns, for calls to c that came back NOSCRIPT, whether a
// call, given its EVALSHA args, must go as EVAL; nil when the calls go by
// SHA after a SCRIPT LOAD. On one server, each script is loaded with
// SCRIPT LOAD. On a cluster, the first call of each script on each node
// goes as EVAL, which leaves the script in that node's cache, the others by
// SHA. Elsewhere (a ring) every call goes as EVAL.
func scriptLoader(ctx context.Context, c sender) func(*Script, []any) bool {
	switch c := c.(type) {
	case *redis.Client:
		return nil
	case *redis.ClusterClient:
		evaled := make(map[string]bool) // script hash and node address
		return func(s *Script, args []any) bool {
			n, _ := args[2].(int)
			if n == 0 {
				return true // no key: any node
			}
			key, _ := args[3].(string)
			node, err := c.MasterForKey(ctx, key)
			if err != nil {
				return true
			}
			id := s.hash + "\x00" + node.Options().Addr
			first := !evaled[id]
			evaled[id] = true
			return first
		}
	}
	return func(*Script, []any) bool { return true }
}

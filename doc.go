// Package redpipe makes Redis pipelining composable: every command returns a
// typed [Future] at once, and pipelines nest, so batching code can be split
// into reusable functions.
//
// A [Pipe] queues commands; each of its command methods, one per command
// of go-redis's [redis.Cmdable], returns a *Future that is settled when the
// root pipe executes. Its other methods are few: [Pipe.Execute],
// [Pipe.Reset], [Pipe.OnExecute], [Pipe.Len], [Pipe.Close] and [Pipe.Do]. A pipe made by [Pipeline] under a parent is a child:
// its [Pipe.Execute] hands its commands to the parent without any I/O. Only
// a root talks to Redis, in one round trip per connection through one
// [redis.Pipeliner] each, all connections at once. A root is made on a
// client with [New], or on a registered connection ([Connect],
// [ConnectNamed]) with Pipeline(nil) and [On].
//
// A reusable function takes an optional parent pipe. Called with nil it
// makes its own round trip; called inside a caller's pipe it adds none:
//
//	func IncrAndExpire(ctx context.Context, parent *redpipe.Pipe, key string, ttl time.Duration) *redpipe.Future[int64] {
//		pipe := redpipe.Pipeline(parent) // parent may be nil
//		defer pipe.Execute(ctx)
//		n := pipe.Incr(key)
//		pipe.Expire(key, ttl)
//		return n
//	}
//
//	func main() {
//		ctx := context.Background()
//		redpipe.Connect(redis.NewClient(&redis.Options{Addr: "localhost:6379"}))
//
//		root := redpipe.Pipeline(nil)
//		a := IncrAndExpire(ctx, root, "a", time.Hour)
//		b := IncrAndExpire(ctx, root, "b", time.Hour)
//		if err := root.Execute(ctx); err != nil { // 4 commands, 1 round trip
//			log.Print(err)
//		}
//		fmt.Println(a.Val(), b.Val())
//	}
//
// Until its root executes, a future is not [Future.Ready] and reports
// [ErrNotReady] (saying so when its command is still on a child that has
// not executed); [Future.Wait] blocks until it settles. Afterwards it
// holds its command's value or error: a nil reply is [redis.Nil] on that
// future and is not a failure; a failed command fails its own future only,
// and the root's Execute returns an [*ExecError] that says how many
// commands failed on which connection. A write runs at most once: a
// command whose reply was lost fails with [ErrOutcomeUnknown], and only
// pipelines of read-only commands keep go-redis's retries (see
// [RetryWrites]). An argument go-redis cannot write
// fails its own command when it is queued, and that command is never sent.
// [Then] derives a future from a future, [Then2] from two of different
// types; its function runs once every
// future of the batch has settled. [Pipe.OnExecute] runs callbacks after
// that, and [Pipe.Reset] drops what a pipe has queued, settling its futures
// with [ErrDiscarded]. A panic in a Then function or a callback fails only
// what that function was to settle; the root's Execute settles everything
// else and then panics with a [*PanicError].
//
// [Chain] runs a function once a future has settled, while its root
// executes; the commands it queues go out in the root's next round trip
// with those of every other Chain whose future settled in the same one, so
// dependent commands cost one round trip per dependency level, however
// many building blocks take part. [Settled] and [All] make futures for it.
//
// A root made with [AutoFlush] executes on its own, for many goroutines to
// share: each queues its commands on it, directly or through a child, and
// waits for its own futures with [Future.Wait]; the root flushes what the
// goroutines queued together, and [Pipe.Close] flushes what is left and
// waits for every flush. It holds at most [MaxHeld] commands, refusing
// more with [ErrFull], and a child's commands whose Execute's context ends
// before a flush takes them are not sent.
//
// [Transaction] makes a pipe's commands one MULTI ... EXEC, also inside a
// larger batch; [Watch] retries a read-modify-write transaction on watched
// keys; a [Script] runs Lua by its SHA1 and loads itself where a server
// lacks it. A root sends a huge batch in chunks of [DefaultChunkSize]
// commands (see [ChunkSize]), so that Redis never buffers all its replies
// at once. On a Redis Cluster, go-redis splits a root's batch by node; a
// command whose keys span slots fails with CROSSSLOT on its own future.
package redpipe

package redpipe_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/go-redpipe/redpipe"
)

// BenchmarkQueue measures queueing alone, with no server: redpipe's Pipe
// against go-redis's Pipeliner, per queued command.
func BenchmarkQueue(b *testing.B) {
	const batch = 1000
	client := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1"})
	b.Cleanup(func() { _ = client.Close() })
	ctx := context.Background()
	keys := make([]string, batch)
	for i := range keys {
		keys[i] = fmt.Sprint("key:", i)
	}
	b.Run("go-redis", func(b *testing.B) {
		b.ReportAllocs()
		pl := client.Pipeline()
		for i := 0; b.Loop(); i++ {
			pl.Incr(ctx, keys[i%batch])
			if i%batch == batch-1 {
				pl.Discard()
			}
		}
	})
	b.Run("redpipe", func(b *testing.B) {
		b.ReportAllocs()
		p := redpipe.New(client)
		for i := 0; b.Loop(); i++ {
			p.Incr(keys[i%batch])
			if i%batch == batch-1 {
				p.Reset()
			}
		}
	})
}

// BenchmarkNoServer measures the client's whole cost of a batch with no
// server: a go-redis hook answers every pipeline at once (see answerAll),
// so that what is left is building, routing, copying and settling. Each
// row sends 1000 commands: as 500 INCR + EXPIRE building blocks under one
// root against one go-redis Pipeliner, the same pairs queued on the root
// itself (what the blocks cost but their children), and as 1000 one-INCR
// children against 1000 INCRs in one Pipeliner. The roots are made with
// RetryWrites, so that the hook sees go-redis's own commands, not a write
// marked not to be sent again. The rows run in turn; compare them within
// one run.
func BenchmarkNoServer(b *testing.B) {
	client := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1"})
	b.Cleanup(func() { _ = client.Close() })
	client.AddHook(answerAll{})
	ctx := context.Background()
	keys := make([]string, 1000)
	for i := range keys {
		keys[i] = fmt.Sprint("key:", i)
	}
	rows := []struct {
		name  string
		batch func() error
	}{
		{"go-redis blocks", func() error {
			pl := client.Pipeline()
			incrs := make([]*redis.IntCmd, len(keys)/2)
			for i, k := range keys[:len(incrs)] {
				incrs[i] = pl.Incr(ctx, k)
				pl.Expire(ctx, k, time.Hour)
			}
			_, err := pl.Exec(ctx)
			return errors.Join(err, sumOf(incrs, len(incrs)))
		}},
		{"redpipe blocks", func() error {
			root := redpipe.New(client, redpipe.RetryWrites())
			incrs := make([]*redpipe.Future[int64], len(keys)/2)
			for i, k := range keys[:len(incrs)] {
				incrs[i] = incrAndExpire(ctx, root, k)
			}
			return errors.Join(root.Execute(ctx), sumOf(incrs, len(incrs)))
		}},
		{"redpipe pairs on the root", func() error {
			root := redpipe.New(client, redpipe.RetryWrites())
			incrs := make([]*redpipe.Future[int64], len(keys)/2)
			for i, k := range keys[:len(incrs)] {
				incrs[i] = root.Incr(k)
				root.Expire(k, time.Hour)
			}
			return errors.Join(root.Execute(ctx), sumOf(incrs, len(incrs)))
		}},
		{"go-redis 1000", func() error {
			pl := client.Pipeline()
			incrs := make([]*redis.IntCmd, len(keys))
			for i, k := range keys {
				incrs[i] = pl.Incr(ctx, k)
			}
			_, err := pl.Exec(ctx)
			return errors.Join(err, sumOf(incrs, len(incrs)))
		}},
		{"redpipe children", func() error {
			root := redpipe.New(client, redpipe.RetryWrites())
			incrs := make([]*redpipe.Future[int64], len(keys))
			for i, k := range keys {
				child := redpipe.Pipeline(root)
				incrs[i] = child.Incr(k)
				_ = child.Execute(ctx)
			}
			return errors.Join(root.Execute(ctx), sumOf(incrs, len(incrs)))
		}},
	}
	for _, r := range rows {
		b.Run(r.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if err := r.batch(); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// incrAndExpire is the building block of the README.
func incrAndExpire(ctx context.Context, parent *redpipe.Pipe, key string) *redpipe.Future[int64] {
	pipe := redpipe.Pipeline(parent)
	defer pipe.Execute(ctx)
	n := pipe.Incr(key)
	pipe.Expire(key, time.Hour)
	return n
}

// sumOf checks that each of replies, go-redis commands or futures, reads
// 1, as answerAll answers an INCR, and that there are want of them.
func sumOf[R interface{ Result() (int64, error) }](replies []R, want int) error {
	total := 0
	for _, r := range replies {
		n, err := r.Result()
		if err != nil {
			return err
		}
		total += int(n)
	}
	if total != want {
		return fmt.Errorf("%d INCRs read %d; want each to read 1", want, total)
	}
	return nil
}

// answerAll is a go-redis hook that answers every pipeline at once, with
// no server: an INCR reads 1, an EXPIRE true.
type answerAll struct{}

func (answerAll) DialHook(redis.DialHook) redis.DialHook {
	return func(context.Context, string, string) (net.Conn, error) {
		return nil, errors.New("answerAll: no server to dial")
	}
}

func (answerAll) ProcessHook(next redis.ProcessHook) redis.ProcessHook { return next }

func (answerAll) ProcessPipelineHook(redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(_ context.Context, cmds []redis.Cmder) error {
		for _, cmd := range cmds {
			switch cmd := cmd.(type) {
			case *redis.IntCmd:
				cmd.SetVal(1)
			case *redis.BoolCmd:
				cmd.SetVal(true)
			}
		}
		return nil
	}
}

package redpipe_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-redpipe/redpipe"
)

// TestBadArgumentFailsOnlyItsCommand queues a value go-redis cannot write
// among 20,000 INCRs, far more than go-redis's write buffer holds: only its
// own future fails, and the server ran every other command.
func TestBadArgumentFailsOnlyItsCommand(t *testing.T) {
	eachBackend(t, func(t *testing.T, b backend) {
		ctx := context.Background()
		c, _ := newClient(t, b.start(t))
		for _, opts := range [][]redpipe.Option{nil, {redpipe.ChunkSize(0)}} {
			require.NoError(t, c.FlushDB(ctx).Err())
			root := redpipe.New(c, opts...)
			const n = 20000
			incrs := make([]*redpipe.Future[int64], 0, n)
			var bad *redpipe.Future[string]
			for i := range n {
				if i == n/2 {
					bad = root.Set("k", struct{ A int }{1}, 0)
				}
				incrs = append(incrs, root.Incr("n"))
			}
			err := root.Execute(ctx)
			var execErr *redpipe.ExecError
			require.ErrorAs(t, err, &execErr)
			require.Len(t, execErr.Commands, 1)
			assert.Equal(t, bad.Err(), execErr.Commands[0].Err)
			require.Error(t, bad.Err())
			assert.Equal(t, "redis: can't marshal struct { A int } (implement encoding.BinaryMarshaler)", bad.Err().Error())
			for i, f := range incrs {
				if f.Val() != int64(i+1) {
					t.Fatalf("INCR %d = %d, %v; want %d", i, f.Val(), f.Err(), i+1)
				}
			}
			assert.Equal(t, fmt.Sprint(n), c.Get(ctx, "n").Val(), "the server ran every other command")
			assert.Equal(t, int64(0), c.Exists(ctx, "k").Val(), "the bad command was never sent")
		}
	})
}

// point is an encoding.BinaryMarshaler.
type point struct{ x, y int }

func (p point) MarshalBinary() ([]byte, error) { return fmt.Appendf(nil, "%d,%d", p.x, p.y), nil }

// failing is an encoding.BinaryMarshaler that fails.
type failing struct{}

func (failing) MarshalBinary() ([]byte, error) { return nil, errors.New("cannot marshal this") }

// TestAcceptedArgumentsAreSentAsBefore writes every kind of argument
// go-redis's writer accepts, through a pipe and through go-redis directly:
// the server holds the same bytes.
func TestAcceptedArgumentsAreSentAsBefore(t *testing.T) {
	var nilInt *int
	var nilString *string
	var nilTime *time.Time
	n := 42
	s := "str"
	f := 1.5
	when := time.Date(2026, 11, 21, 9, 30, 0, 123, time.UTC)
	values := []any{
		nil, "text", []byte("bytes"), 7, int8(-8), int16(16), int32(-32), int64(64),
		uint(1), uint8(8), uint16(16), uint32(32), uint64(64), uintptr(99), float32(0.25), 3.14159,
		true, false, &n, &s, &f, nilInt, nilString, nilTime,
		when, &when, 90 * time.Second, net.ParseIP("192.0.2.1"), point{3, 4},
	}
	eachBackend(t, func(t *testing.T, b backend) {
		ctx := context.Background()
		c, _ := newClient(t, b.start(t))
		root := redpipe.New(c)
		for i, v := range values {
			root.Set(fmt.Sprint("pipe:", i), v, 0)
			require.NoError(t, c.Set(ctx, fmt.Sprint("direct:", i), v, 0).Err())
		}
		badMarshal := root.Set("pipe:bad", failing{}, 0)
		require.Error(t, root.Execute(ctx))
		assert.EqualError(t, badMarshal.Err(), "cannot marshal this")
		for i, v := range values {
			got, err := c.Get(ctx, fmt.Sprint("pipe:", i)).Result()
			require.NoError(t, err)
			want := c.Get(ctx, fmt.Sprint("direct:", i)).Val()
			assert.Equal(t, want, got, "%T %v", v, v)
		}
	})
}

func TestRefusedCommandInTransaction(t *testing.T) {
	eachBackend(t, func(t *testing.T, b backend) {
		ctx := context.Background()
		c, trips := newClient(t, b.start(t))
		for _, name := range []string{"root", "child"} {
			t.Run(name, func(t *testing.T) {
				require.NoError(t, c.FlushDB(ctx).Err())
				root := redpipe.New(c)
				tx := root
				if name == "root" {
					root = redpipe.New(c, redpipe.Transaction())
					tx = root
				} else {
					tx = redpipe.Pipeline(root, redpipe.Transaction())
				}
				outside := root.Incr("outside")
				set := tx.Set("k", "v", 0)
				bad := tx.BitPos("k", 1, 1, 2, 3) // go-redis refuses more than two positions
				badArg := tx.Set("k2", map[string]int{}, 0)
				incr := tx.Incr("n")
				if tx != root {
					require.NoError(t, tx.Execute(ctx))
				}
				before := trips.trips.Load()

				err := root.Execute(ctx)
				sent := trips.trips.Load() - before
				var execErr *redpipe.ExecError
				require.ErrorAs(t, err, &execErr)
				assert.Contains(t, bad.Err().Error(), "too many arguments")
				assert.Contains(t, badArg.Err().Error(), "can't marshal map[string]int")
				for _, e := range []error{set.Err(), incr.Err()} {
					assert.ErrorIs(t, e, redpipe.ErrNotSent)
					assert.Contains(t, e.Error(), "BITPOS: too many arguments", "names the refused command")
				}
				assert.NotContains(t, err.Error(), "(empty command)")
				assert.Equal(t, int64(0), c.Exists(ctx, "k", "k2", "n").Val(), "nothing of the transaction was written")
				if name == "root" {
					assert.ErrorIs(t, outside.Err(), redpipe.ErrNotSent, "a transactional root is one transaction")
					assert.Equal(t, int64(0), sent, "nothing was sent")
				} else {
					assert.Equal(t, int64(1), outside.Val(), "the rest of the batch goes on")
				}
				var names []string
				for _, ce := range execErr.Commands {
					names = append(names, errorName(ce))
				}
				want := []string{"SET", "BITPOS", "SET", "INCR"}
				if name == "root" {
					want = append([]string{"INCR"}, want...)
				}
				assert.Equal(t, want, names, "in queue order, refused commands in their places")
			})
		}
	})
}

// errorName returns the command name a CommandError's message gives.
func errorName(e *redpipe.CommandError) string {
	var name string
	_, _ = fmt.Sscanf(e.Error(), "redpipe: %s on", &name)
	return name
}

func TestExecErrorInQueueOrder(t *testing.T) {
	eachBackend(t, func(t *testing.T, b backend) {
		ctx := context.Background()
		c, _ := newClient(t, b.start(t))
		require.NoError(t, c.Set(ctx, "str", "text", 0).Err())
		root := redpipe.New(c)
		root.Incr("str")
		root.BitPos("k", 1, 1, 2, 3)
		tx := redpipe.Pipeline(root, redpipe.Transaction())
		tx.LPush("str", "x") // WRONGTYPE inside EXEC
		require.NoError(t, tx.Execute(ctx))
		root.Set("k", make(chan int), 0)
		root.HGet("str", "f")
		err := root.Execute(ctx)
		var execErr *redpipe.ExecError
		require.ErrorAs(t, err, &execErr)
		var names []string
		for _, ce := range execErr.Commands {
			names = append(names, errorName(ce))
		}
		assert.Equal(t, []string{"INCR", "BITPOS", "LPUSH", "SET", "HGET"}, names)
		assert.Contains(t, err.Error(), "5 commands failed on client")
	})
}

func TestRedisNilIsNotRefused(t *testing.T) {
	eachBackend(t, func(t *testing.T, b backend) {
		ctx := context.Background()
		c, _ := newClient(t, b.start(t))
		root := redpipe.New(c)
		f := root.Get("missing")
		require.NoError(t, root.Execute(ctx))
		assert.ErrorIs(t, f.Err(), redis.Nil)
	})
}

// TestBadArgumentInAStruct refuses a member go-redis cannot write, held in
// a struct parameter (redis.Z's Member is an any).
func TestBadArgumentInAStruct(t *testing.T) {
	eachBackend(t, func(t *testing.T, b backend) {
		ctx := context.Background()
		c, _ := newClient(t, b.start(t))
		root := redpipe.New(c)
		good := root.ZAdd("z", redis.Z{Score: 1, Member: "a"})
		bad := root.ZAdd("z", redis.Z{Score: 2, Member: []int{1}})
		echo := root.Echo(map[string]string{})
		require.Error(t, root.Execute(ctx))
		assert.Equal(t, int64(1), good.Val())
		assert.EqualError(t, bad.Err(), "redis: can't marshal []int (implement encoding.BinaryMarshaler)")
		assert.EqualError(t, echo.Err(), "redis: can't marshal map[string]string (implement encoding.BinaryMarshaler)")
		assert.Equal(t, int64(1), c.ZCard(ctx, "z").Val())
	})
}

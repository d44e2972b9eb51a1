package redpipe_test

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"testing"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-redpipe/redpipe"
)

func TestBatchReport(t *testing.T) {
	eachBackend(t, func(t *testing.T, b backend) {
		ctx := context.Background()
		c, _ := newClient(t, b.start(t))
		other, _ := newClient(t, b.start(t))
		name := register(t, other)
		require.NoError(t, c.Set(ctx, "str", "text", 0).Err())
		var reports []redpipe.BatchReport
		root := redpipe.New(c, redpipe.On("main"), redpipe.ChunkSize(2), redpipe.OnReport(func(r redpipe.BatchReport) {
			reports = append(reports, r)
		}))
		for range 3 {
			root.Incr("n")
		}
		root.Incr("str") // fails
		redpipe.Chain(root, root.Get("k"), func(next *redpipe.Pipe, _ string, _ error) *redpipe.Future[int64] {
			return next.Incr("stage2")
		})
		child := redpipe.Pipeline(root, redpipe.On(name), redpipe.OnReport(func(redpipe.BatchReport) {
			t.Error("a child's OnReport is never called")
		}))
		child.Incr("x")
		require.NoError(t, child.Execute(ctx))
		err := root.Execute(ctx)
		require.Error(t, err)

		require.Len(t, reports, 1)
		r := reports[0]
		assert.Equal(t, 2, r.Stages)
		assert.Equal(t, err, r.Err)
		assert.Positive(t, r.Duration)
		require.Len(t, r.Conns, 2)
		assert.Equal(t, redpipe.ConnReport{Conn: "main", Label: `connection "main"`, Commands: 6, RoundTrips: 4, Failed: 1}, r.Conns[0],
			"5 commands in chunks of 2 (3 round trips), then stage 2's")
		assert.Equal(t, redpipe.ConnReport{Conn: name, Label: fmt.Sprintf("connection %q", name), Commands: 1, RoundTrips: 1}, r.Conns[1])

		require.NoError(t, root.Execute(ctx))
		require.Len(t, reports, 2)
		assert.Equal(t, 0, reports[1].Stages, "an Execute with nothing queued is reported too")
	})
}

// A root reports each Execute; here slow batches are logged with slog.
func ExampleOnReport() {
	srv, _ := miniredis.Run()
	defer srv.Close()
	client := redis.NewClient(&redis.Options{Addr: srv.Addr()})
	defer client.Close()
	ctx := context.Background()
	logger := slog.New(slog.NewTextHandler(os.Stdout, &slog.HandlerOptions{
		ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
			if a.Key == slog.TimeKey || a.Key == "took" {
				return slog.Attr{} // not the same from run to run
			}
			return a
		},
	}))
	const slow = 0 // log every batch here; a service might say 50 * time.Millisecond

	logSlow := redpipe.OnReport(func(r redpipe.BatchReport) {
		if r.Duration < slow {
			return
		}
		for _, c := range r.Conns {
			logger.Warn("slow redis batch", "conn", c.Label, "commands", c.Commands,
				"round_trips", c.RoundTrips, "failed", c.Failed, "stages", r.Stages, "took", r.Duration)
		}
	})
	root := redpipe.New(client, redpipe.On("cache"), logSlow)
	for i := range 100 {
		root.Incr(fmt.Sprint("counter:", i%10))
	}
	if err := root.Execute(ctx); err != nil {
		fmt.Println(err)
	}
	// Output:
	// level=WARN msg="slow redis batch" conn="connection \"cache\"" commands=100 round_trips=1 failed=0 stages=1
}

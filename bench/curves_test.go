package bench

import (
	"context"
	"fmt"
	"runtime"
	"sync"
	"testing"

	"github.com/redis/go-redis/v9"

	"github.com/go-redpipe/redpipe"
)

// The scaling curves each vary one dimension of a batch of INCRs and run,
// at every point, redpipe against go-redis's Pipeliner sending the same
// commands. Every row reports its cost per command: ns/cmd, allocs/cmd and
// B/cmd, and the batch curve live-B/cmd, the heap a queued command holds
// before the batch is sent. allocs/cmd and B/cmd count every allocation
// over the timed loop (runtime.MemStats), those of the clients' own
// goroutines included.

// curveRounds is how many times each point runs each of its rows, one
// after the other in turn, as BenchmarkBudget does, so that a change in the
// machine's load falls on both rows alike. Run the curves with -count 1: a
// higher count runs each row several times in a row.
const curveRounds = 3

// curveWarmups is how many times each row runs a point untimed before its
// rounds (see curve.run).
const curveWarmups = 2

// curveKeys are the keys the curves increment: the i-th command of a batch
// increments curveKeys[i%len(curveKeys)], so that the server's memory stays
// small however big the batch.
var curveKeys = func() []string {
	keys := make([]string, 10_000)
	for i := range keys {
		keys[i] = fmt.Sprint("curve:", i)
	}
	return keys
}()

// curveKey returns the key of the i-th command of a batch.
func curveKey(i int) string { return curveKeys[i%len(curveKeys)] }

// curveRow is one row of a curve: a way of sending the commands of a point.
type curveRow struct {
	name string
	// run sends the commands of point x and reads every reply. When queued
	// is not nil, run calls it once every command is queued, before any is
	// sent.
	run func(ctx context.Context, x int, queued func()) error
}

// curve is a scaling curve: its points, named param=x, and the rows each
// point runs.
type curve struct {
	param  string
	points []int
	cmds   func(x int) int // how many commands point x sends
	live   bool            // report live-B/cmd
	rows   [2]curveRow     // redpipe, then go-redis's Pipeliner
}

// run runs every point of c as a sub-benchmark of b, its rows interleaved
// for curveRounds rounds, each round starting from the other row. Each row
// first runs the point curveWarmups times untimed, so that no round pays
// for what the first batch of a size leaves behind for the others: a
// heap, and pools, grown to its size.
func (c curve) run(b *testing.B) {
	for _, x := range c.points {
		b.Run(fmt.Sprintf("%s=%d", c.param, x), func(b *testing.B) {
			for _, r := range c.rows {
				for range curveWarmups {
					if err := r.run(context.Background(), x, nil); err != nil {
						b.Fatal(err)
					}
				}
			}
			for round := range curveRounds {
				for i := range c.rows {
					r := c.rows[(round+i)%len(c.rows)]
					b.Run(r.name, func(b *testing.B) { c.measure(b, r, x) })
				}
			}
		})
	}
}

// measure runs row r at point x and reports its cost per command. With
// c.live, the first batch also measures the heap held by its queued
// commands, the timer stopped meanwhile.
func (c curve) measure(b *testing.B, r curveRow, x int) {
	ctx := context.Background()
	n := c.cmds(x)
	var heapBefore uint64
	var live float64
	queued := func() {
		b.StopTimer()
		live = float64(int64(heapAlloc())-int64(heapBefore)) / float64(n)
		b.StartTimer()
	}
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	first := c.live
	for b.Loop() {
		var hook func()
		if first {
			b.StopTimer()
			heapBefore = heapAlloc()
			b.StartTimer()
			hook, first = queued, false
		}
		if err := r.run(ctx, x, hook); err != nil {
			b.Fatal(err)
		}
	}
	runtime.ReadMemStats(&after)
	total := float64(b.N * n)
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/total, "ns/cmd")
	b.ReportMetric(float64(after.Mallocs-before.Mallocs)/total, "allocs/cmd")
	b.ReportMetric(float64(after.TotalAlloc-before.TotalAlloc)/total, "B/cmd")
	if c.live {
		b.ReportMetric(live, "live-B/cmd")
	}
}

// heapAlloc returns the bytes of live heap objects, after two garbage
// collections: the second frees what sync.Pools dropped in the first.
func heapAlloc() uint64 {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

// pipelinerRow is the baseline row of the curves that send to one server:
// n INCRs in one go-redis Pipeliner, n = cmds(x).
func pipelinerRow(c *redis.Client, cmds func(x int) int) curveRow {
	return curveRow{"go-redis Pipeliner", func(ctx context.Context, x int, queued func()) error {
		pl := c.Pipeline()
		incrs := make([]*redis.IntCmd, cmds(x))
		for i := range incrs {
			incrs[i] = pl.Incr(ctx, curveKey(i))
		}
		if queued != nil {
			queued()
		}
		if _, err := pl.Exec(ctx); err != nil {
			return err
		}
		return sum(incrs)
	}}
}

// curveClient returns a go-redis client of the server at serverAddr, closed
// when b ends. It has sent a PING: no row pays for dialing the first
// connection.
func curveClient(b *testing.B, serverAddr string) *redis.Client {
	c := redis.NewClient(&redis.Options{Addr: serverAddr})
	b.Cleanup(func() { _ = c.Close() })
	if err := c.Ping(context.Background()).Err(); err != nil {
		b.Fatal(err)
	}
	return c
}

// xCommands is the command count of the curves whose x is that count.
func xCommands(x int) int { return x }

// BenchmarkCurveChildren sends n INCRs through one root and n children,
// each child queueing one INCR and handing it up; then the root sends all
// n.
func BenchmarkCurveChildren(b *testing.B) {
	c := curveClient(b, addr)
	curve{param: "n", points: []int{1, 10, 100, 1000, 10000}, cmds: xCommands, rows: [2]curveRow{
		{"redpipe", func(ctx context.Context, n int, _ func()) error {
			root := redpipe.New(c)
			futures := make([]*redpipe.Future[int64], n)
			for i := range futures {
				child := redpipe.Pipeline(root)
				futures[i] = child.Incr(curveKey(i))
				_ = child.Execute(ctx) // hands the command to root
			}
			if err := root.Execute(ctx); err != nil {
				return err
			}
			return sum(futures)
		}},
		pipelinerRow(c, xCommands),
	}}.run(b)
}

// depthCommands is how many INCRs each point of BenchmarkCurveDepth sends.
const depthCommands = 1000

// BenchmarkCurveDepth sends 1000 INCRs through a chain of d pipes, the
// root and then each pipe the child of the one before, the INCRs spread
// evenly over them; each child executes, innermost first, and then the
// root.
func BenchmarkCurveDepth(b *testing.B) {
	c := curveClient(b, addr)
	cmds := func(int) int { return depthCommands }
	curve{param: "d", points: []int{1, 2, 4, 8, 16, 32, 64}, cmds: cmds, rows: [2]curveRow{
		{"redpipe", func(ctx context.Context, d int, _ func()) error {
			chain := make([]*redpipe.Pipe, d)
			chain[0] = redpipe.New(c)
			for i := 1; i < d; i++ {
				chain[i] = redpipe.Pipeline(chain[i-1])
			}
			futures := make([]*redpipe.Future[int64], depthCommands)
			for i := range futures {
				futures[i] = chain[i%d].Incr(curveKey(i))
			}
			for i := d - 1; i > 0; i-- {
				_ = chain[i].Execute(ctx) // hands its commands to chain[i-1]
			}
			if err := chain[0].Execute(ctx); err != nil {
				return err
			}
			return sum(futures)
		}},
		pipelinerRow(c, cmds),
	}}.run(b)
}

// BenchmarkCurveBatch sends n INCRs queued on one flat root, in chunks of
// redpipe.DefaultChunkSize. It also reports live-B/cmd, the heap each
// queued command holds before the batch is sent.
func BenchmarkCurveBatch(b *testing.B) {
	c := curveClient(b, addr)
	curve{param: "n", points: []int{1, 10, 100, 1000, 10000, 100000, 1000000}, cmds: xCommands, live: true, rows: [2]curveRow{
		{"redpipe", func(ctx context.Context, n int, queued func()) error {
			root := redpipe.New(c)
			futures := make([]*redpipe.Future[int64], n)
			for i := range futures {
				futures[i] = root.Incr(curveKey(i))
			}
			if queued != nil {
				queued()
			}
			if err := root.Execute(ctx); err != nil {
				return err
			}
			return sum(futures)
		}},
		pipelinerRow(c, xCommands),
	}}.run(b)
}

// connsCommands is how many INCRs each point of BenchmarkCurveConns sends
// in all, spread evenly over its connections.
const connsCommands = 8000

// BenchmarkCurveConns sends 8000 INCRs over c connections, each a client
// of its own redis-server, the INCRs spread evenly over them. redpipe
// queues them on one root, through one child per connection, and sends to
// every connection in one Execute; go-redis sends one Pipeliner per
// connection, each from its own goroutine.
func BenchmarkCurveConns(b *testing.B) {
	points := []int{1, 2, 4, 8}
	servers := startServers(b, points[len(points)-1])
	clients := make([]*redis.Client, len(servers))
	names := make([]string, len(servers))
	for i, srv := range servers {
		clients[i] = curveClient(b, srv.addr)
		names[i] = fmt.Sprint("conn", i)
	}
	// registries[c] holds the first c clients.
	registries := make(map[int]*redpipe.Registry)
	for _, c := range points {
		reg := new(redpipe.Registry)
		for i := range c {
			if err := reg.ConnectNamed(names[i], clients[i]); err != nil {
				b.Fatal(err)
			}
		}
		registries[c] = reg
	}
	curve{param: "c", points: points, cmds: func(int) int { return connsCommands }, rows: [2]curveRow{
		{"redpipe", func(ctx context.Context, c int, _ func()) error {
			root := registries[c].Pipeline()
			futures := make([]*redpipe.Future[int64], 0, connsCommands)
			for conn := range c {
				child := redpipe.Pipeline(root, redpipe.On(names[conn]))
				for i := range connsCommands / c {
					futures = append(futures, child.Incr(curveKey(i)))
				}
				_ = child.Execute(ctx) // hands its commands to root
			}
			if err := root.Execute(ctx); err != nil {
				return err
			}
			return sum(futures)
		}},
		{"go-redis Pipeliner", func(ctx context.Context, c int, _ func()) error {
			pipeliners := make([]redis.Pipeliner, c)
			incrs := make([]*redis.IntCmd, 0, connsCommands)
			for conn := range c {
				pipeliners[conn] = clients[conn].Pipeline()
				for i := range connsCommands / c {
					incrs = append(incrs, pipeliners[conn].Incr(ctx, curveKey(i)))
				}
			}
			errs := make([]error, c)
			var wg sync.WaitGroup
			for conn, pl := range pipeliners {
				wg.Go(func() { _, errs[conn] = pl.Exec(ctx) })
			}
			wg.Wait()
			for _, err := range errs {
				if err != nil {
					return err
				}
			}
			return sum(incrs)
		}},
	}}.run(b)
}

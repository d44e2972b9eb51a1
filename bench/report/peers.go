package main

import (
	"fmt"
	"strings"
)

// The rows and numbers of goroutines of BenchmarkPeers, in the order the
// report shows them.
var (
	peerRows = []string{
		"redpipe shared root",
		"go-redis one at a time",
		"go-redis AsyncAutoPipeline",
		"rueidis",
	}
	peerGoroutines = []int{1, 16, 64, 256, 1024}

	// peerColors are the colors of peerRows in the chart: each library's
	// color in the batch chart (redpipe flat, go-redis one at a time,
	// go-redis AsyncAutoPipeline, rueidis DoMulti).
	peerColors = []string{colors[4], colors[0], colors[2], colors[3]}
)

// peerGoal is the goal of the shared root: reach rueidis's throughput at
// each of these numbers of goroutines.
var peerGoal = []int{256, 1024}

// peerRun is one go test -bench run the peers section is made from.
type peerRun struct {
	pattern, benchtime string
	pinned             bool   // see canPin
	set                string // prefixes the names of its results: "" for the run the budget judges
}

// unpinnedSet prefixes the names of the results of the unpinned run of
// BenchmarkPeers, made besides the pinned one that the budget judges.
const unpinnedSet = "Unpinned/"

// peerRuns returns the runs of go test -bench the peers section needs: one
// run of BenchmarkPeers, which interleaves its rows over several rounds
// itself (a higher -count would run each row several times in a row), at
// a benchtime that gives each row a second at each number of goroutines,
// pinned as the budgets are when pin is true; and then one unpinned, as a
// service runs, which the budget does not judge. Each takes about 100 s.
func peerRuns(pin bool) []peerRun {
	judged := peerRun{"^BenchmarkPeers$", "1s", pin, ""}
	if !pin {
		return []peerRun{judged}
	}
	return []peerRun{judged, {"^BenchmarkPeers$", "1s", false, unpinnedSet}}
}

// peerName is the name of a result of BenchmarkPeers.
func peerName(row string, g int) string {
	return fmt.Sprintf("Peers/%s/G=%d", row, g)
}

// peerRatio returns the operations per second of redpipe's shared root
// against rueidis's at g goroutines, 0 when either was not measured.
func (r *report) peerRatio(g int) float64 { return r.peerAgainst("rueidis", g) }

// peersVerdict says whether the shared root reaches rueidis's throughput
// at every number of goroutines of peerGoal, with the ratios.
func (r *report) peersVerdict() string {
	met := true
	var ratios []string
	for _, g := range peerGoal {
		ratio := r.peerRatio(g)
		if ratio == 0 {
			met = false
			ratios = append(ratios, fmt.Sprintf("not measured at G=%d", g))
			continue
		}
		met = met && ratio >= 1
		ratios = append(ratios, fmt.Sprintf("%.2fx at G=%d", ratio, g))
	}
	verdict := "**Goal not met**: redpipe's shared root does not reach"
	if met {
		verdict = "**Goal met**: redpipe's shared root reaches"
	}
	return fmt.Sprintf("%s rueidis's throughput at 256 goroutines and beyond. Its operations per second "+
		"against rueidis's: %s.", verdict, strings.Join(ratios, ", "))
}

// The budget of the shared root: at least the operations per second of
// AsyncAutoPipeline at every number of goroutines, and of rueidis at
// rivalFrom and beyond (at G = 1 every go-redis pipeline pays more per
// round trip than rueidis's own connection), with at most maxPeerAllocs
// allocations per operation.
const (
	rivalFrom     = 16
	maxPeerAllocs = 7
)

// peerAgainst returns the operations per second of redpipe's shared root
// against row's at g goroutines, 0 when either was not measured.
func (r *report) peerAgainst(row string, g int) float64 {
	ours := r.medians[peerName("redpipe shared root", g)]["ops/s"]
	theirs := r.medians[peerName(row, g)]["ops/s"]
	if ours <= 0 || theirs <= 0 {
		return 0
	}
	return ours / theirs
}

// peersBudget says whether the shared root met its budget in this run,
// with every ratio and allocation count it is judged on.
func (r *report) peersBudget() string {
	met := true
	var async, rueidis, allocs []string
	for _, g := range peerGoroutines {
		ratio := r.peerAgainst("go-redis AsyncAutoPipeline", g)
		met = met && ratio >= 1
		async = append(async, ratioText(ratio))
		if g >= rivalFrom {
			ratio := r.peerAgainst("rueidis", g)
			met = met && ratio >= 1
			rueidis = append(rueidis, ratioText(ratio))
		}
		n, ok := r.medians[peerName("redpipe shared root", g)]["allocs/op"]
		met = met && ok && n <= maxPeerAllocs
		if ok {
			allocs = append(allocs, fmt.Sprintf("%.0f", n))
		} else {
			allocs = append(allocs, "–")
		}
	}
	verdict := "**Budget not met** in this run"
	if met {
		verdict = "**Budget met** in this run"
	}
	return fmt.Sprintf("%s: the shared root is to make at least AsyncAutoPipeline's operations per second at every G, "+
		"and rueidis's from G=%d on, with at most %d allocations per operation. Against AsyncAutoPipeline, G=%s: %s; "+
		"against rueidis, G=%s: %s; allocations per operation, G=%s: %s.",
		verdict, rivalFrom, maxPeerAllocs, goroutinesFrom(1), strings.Join(async, ", "),
		goroutinesFrom(rivalFrom), strings.Join(rueidis, ", "), goroutinesFrom(1), strings.Join(allocs, ", "))
}

// ratioText renders a ratio of peerAgainst: "–" when not measured.
func ratioText(ratio float64) string {
	if ratio == 0 {
		return "–"
	}
	return fmt.Sprintf("%.2fx", ratio)
}

// goroutinesFrom lists the numbers of goroutines of peerGoroutines from g
// on, as in "16/64/256/1024".
func goroutinesFrom(g int) string {
	var gs []string
	for _, n := range peerGoroutines {
		if n >= g {
			gs = append(gs, fmt.Sprint(n))
		}
	}
	return strings.Join(gs, "/")
}

// peersMarkdown renders the section on BenchmarkPeers.
func (r *report) peersMarkdown() string {
	var b strings.Builder
	p := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }
	p("## Many goroutines, one shared root\n\n")
	how := "unpinned"
	if r.env.pinned {
		how = "pinned as the budgets are: the benchmark on CPU 0 (so GOMAXPROCS is 1), redis-server on CPU 1"
	}
	p("G goroutines share one client of each library; each makes operations one after the other: a GET of "+
		"its own key and an INCR of its own counter, both replies checked. redpipe's row makes each operation "+
		"a child of one root made with `AutoFlush(0, 0, 4)`, and waits with `Future.Wait`; go-redis's "+
		"AsyncAutoPipeline queues both commands before reading either reply; rueidis sends both with "+
		"`DoMulti`, which it pipelines with the other goroutines' calls. The rows run interleaved, %s. "+
		"Each cell: operations per second · median / 99th percentile time of one operation.\n\n", how)
	p("%s\n\n", r.peersVerdict())
	p("%s\n\n", r.peersBudget())
	r.peersTable(&b, "")
	p("\n![operations per second by number of goroutines](peers.svg)\n")
	if r.measuredPeers(unpinnedSet) {
		p("\nThe same rows in a run of their own, unpinned, as a service runs: the client and redis-server " +
			"share both cores. The budget does not judge it.\n\n")
		r.peersTable(&b, unpinnedSet)
	}
	return b.String()
}

// peersTable writes the table of the results of BenchmarkPeers whose names
// set prefixes.
func (r *report) peersTable(b *strings.Builder, set string) {
	tableHead(b, "G=%d", peerGoroutines)
	for _, row := range peerRows {
		fmt.Fprintf(b, "| %s |", row)
		for _, g := range peerGoroutines {
			m := r.medians[set+peerName(row, g)]
			if m["ops/s"] <= 0 {
				b.WriteString(" – |")
				continue
			}
			fmt.Fprintf(b, " %s · %s / %s |", human(m["ops/s"]), latency(m["p50-µs"]), latency(m["p99-µs"]))
		}
		b.WriteString("\n")
	}
}

// measuredPeers reports whether any result of BenchmarkPeers has a name
// that set prefixes.
func (r *report) measuredPeers(set string) bool {
	for _, row := range peerRows {
		for _, g := range peerGoroutines {
			if r.medians[set+peerName(row, g)]["ops/s"] > 0 {
				return true
			}
		}
	}
	return false
}

// latency writes a time given in microseconds, in µs or ms.
func latency(us float64) string {
	if us >= 1000 {
		return fmt.Sprintf("%.3g ms", us/1000)
	}
	return fmt.Sprintf("%.3g µs", us)
}

// peersChart draws the operations per second of BenchmarkPeers against the
// number of goroutines, one line per row, as SVG.
func (r *report) peersChart() string {
	c := lineChart{xs: peerGoroutines, xLabel: "goroutines", yLabel: "operations per second"}
	for i, row := range peerRows {
		l := line{name: row, color: peerColors[i]}
		for _, g := range peerGoroutines {
			l.ys = append(l.ys, r.medians[peerName(row, g)]["ops/s"])
		}
		c.lines = append(c.lines, l)
	}
	return c.svg()
}

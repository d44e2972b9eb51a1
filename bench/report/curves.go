package main

import (
	"fmt"
	"math"
	"strings"
)

// curve is one scaling curve of the bench module's curves_test.go: a
// benchmark whose points, named param=x, each run a redpipe row and a
// go-redis Pipeliner row, interleaved.
type curve struct {
	bench  string // the benchmark's name without Benchmark: "CurveChildren"
	title  string // the heading of its table, and its chart's title
	about  string // what a point sends, for the markdown
	param  string // the name of x: "n" in CurveChildren/n=1000
	xLabel string // the chart's x axis
	xs     []int  // the points, in order
	live   bool   // the rows report live-B/cmd
	file   string // the chart's file name
}

// curves are the scaling curves, in the order the report shows them.
var curves = []curve{
	{"CurveChildren", "Children of one root",
		"One root and n children, each child queueing one INCR and handing it to the root; then the root " +
			"sends all n. go-redis: one Pipeliner with n INCRs.",
		"n", "children of the root, one INCR each", []int{1, 10, 100, 1000, 10000}, false, "curve-children.svg"},
	{"CurveDepth", "Depth of nesting",
		"A chain of d pipes, the root and each further pipe the child of the one before (d = 1: the root " +
			"alone), 1000 INCRs spread evenly over them; each child executes, innermost first, then the root. " +
			"go-redis: one Pipeliner with 1000 INCRs.",
		"d", "pipes in the chain, 1000 INCRs in all", []int{1, 2, 4, 8, 16, 32, 64}, false, "curve-depth.svg"},
	{"CurveBatch", "Batch size",
		"One flat root with n INCRs, sent in chunks of 10,000 (the default chunk size). go-redis: one " +
			"Pipeliner with n INCRs, in one round trip. live-B/cmd is the heap each queued command holds " +
			"before the batch is sent, after a garbage collection; it includes the 8 B each future " +
			"(redpipe) or command (go-redis) takes in the slice that holds them.",
		"n", "commands per batch", []int{1, 10, 100, 1000, 10000, 100000, 1000000}, true, "curve-batch.svg"},
	{"CurveConns", "Connections",
		"c connections, each a client of its own redis-server, 8000 INCRs spread evenly over them: " +
			"redpipe queues them on one root, through one child per connection, and sends to every connection " +
			"in one Execute; go-redis sends one Pipeliner per connection, each from its own goroutine.",
		"c", "connections, 8000 INCRs in all", []int{1, 2, 4, 8}, false, "curve-conns.svg"},
}

// The rows of every curve.
const redpipeRow, goredisRow = "redpipe", "go-redis Pipeliner"

// The goals of the curves. Unlike the budgets, a missed goal is reported
// and does not fail the report.
const (
	// maxSpread is how much redpipe's cost per command, against
	// go-redis's at the same point, may vary across a curve.
	maxSpread = 1.25
	// maxLive is the most heap a queued command may hold, in bytes, at
	// liveAt commands.
	maxLive = 400
	liveAt  = 1_000_000
)

// curvePoint is one point of a curve, measured.
type curvePoint struct {
	x                int
	redpipe, goredis map[string]float64 // medians by unit: "ns/cmd", "allocs/cmd", ...
	// ratio is the median of redpipe's ns/cmd over go-redis's, each
	// redpipe run paired with the go-redis run of the same round; 0
	// without results.
	ratio float64
}

// measuredCurve is a curve and its points.
type measuredCurve struct {
	curve
	points []curvePoint
}

// goal is a goal of the curves: a measured value against its limit.
type goal struct {
	what  string
	value string // measured, with its unit; "no results" without any
	limit string
	met   bool
}

// measureCurves returns the curves that have results: all holds the values
// of each benchmark by name and unit in the order they ran, medians their
// medians.
func measureCurves(all map[string]map[string][]float64, medians map[string]map[string]float64) []measuredCurve {
	var measured []measuredCurve
	for _, c := range curves {
		m := measuredCurve{curve: c}
		found := false
		for _, x := range c.xs {
			rpName, grName := c.rowName(x, redpipeRow), c.rowName(x, goredisRow)
			rp, gr := all[rpName], all[grName]
			p := curvePoint{x: x, redpipe: medians[rpName], goredis: medians[grName]}
			var ratios []float64
			for i := range min(len(rp["ns/cmd"]), len(gr["ns/cmd"])) {
				if gr["ns/cmd"][i] > 0 {
					ratios = append(ratios, rp["ns/cmd"][i]/gr["ns/cmd"][i])
				}
			}
			p.ratio = median(ratios)
			found = found || rp != nil || gr != nil
			m.points = append(m.points, p)
		}
		if found {
			measured = append(measured, m)
		}
	}
	return measured
}

// rowName is the name of a row's results at point x of c.
func (c curve) rowName(x int, row string) string {
	return fmt.Sprintf("%s/%s=%d/%s", c.bench, c.param, x, row)
}

// spread returns the largest ratio of c's points over the smallest, 0
// when fewer than two points have a ratio.
func (c measuredCurve) spread() float64 {
	lo, hi, n := math.Inf(1), 0.0, 0
	for _, p := range c.points {
		if p.ratio > 0 {
			lo, hi, n = min(lo, p.ratio), max(hi, p.ratio), n+1
		}
	}
	if n < 2 {
		return 0
	}
	return hi / lo
}

// curveGoals returns the goals of the measured curves: for each, the
// spread of its ratios; for the one that reports live-B/cmd, redpipe's
// at liveAt commands.
func curveGoals(measured []measuredCurve) []goal {
	var goals []goal
	for _, c := range measured {
		g := goal{what: c.title + ": spread of redpipe/go-redis across the curve", value: "no results",
			limit: fmt.Sprintf("%gx", maxSpread)}
		if s := c.spread(); s > 0 {
			g.value, g.met = fmt.Sprintf("%.3fx", s), s <= maxSpread
		}
		goals = append(goals, g)
	}
	for _, c := range measured {
		if !c.live {
			continue
		}
		g := goal{what: fmt.Sprintf("Client memory per queued command at %s commands (redpipe live-B/cmd)", thousands(liveAt)),
			value: "no results", limit: fmt.Sprintf("< %d B", maxLive)}
		for _, p := range c.points {
			if v, ok := p.redpipe["live-B/cmd"]; ok && p.x == liveAt {
				g.value, g.met = fmt.Sprintf("%.0f B", v), v < maxLive
			}
		}
		goals = append(goals, g)
	}
	return goals
}

// curvesMarkdown renders the section of the measured curves: the goals,
// then a table and a chart per curve; pinned says whether they ran pinned
// (see canPin).
func curvesMarkdown(measured []measuredCurve, pinned bool) string {
	var b strings.Builder
	p := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }
	p("\n## Scaling curves\n\n")
	where := ""
	if pinned {
		where = ", the benchmark on CPU 0 and every redis-server on CPU 1"
	}
	p("Each curve varies one dimension of a batch of INCRs. At every point, redpipe and go-redis's Pipeliner "+
		"send the same commands, each row run in turn with the other within the same run so that a change in "+
		"the machine's load falls on both alike%s, after each row has run the point twice untimed, so that "+
		"no measured run pays for growing the heap and pools to the point's size; every reply is read. "+
		"Costs are per command: ns/cmd, "+
		"allocs/cmd and B/cmd are medians; redpipe/go-redis is the median of the ratios of each redpipe run to "+
		"the go-redis run of the same round.\n\n", where)
	p("The goal that the cost per command varies by at most %gx across a curve is judged on redpipe's ratio "+
		"to go-redis at the same point, the largest ratio over the smallest, not on the absolute ns/cmd: at "+
		"small batches the round trip dominates any client's cost per command, go-redis's as much as "+
		"redpipe's. Missing a curve goal does not fail the report.\n\n", maxSpread)
	p("| goal | measured | limit | |\n|---|---:|---:|---|\n")
	for _, g := range curveGoals(measured) {
		verdict := "met"
		if !g.met {
			verdict = "**not met**"
		}
		p("| %s | %s | %s | %s |\n", g.what, g.value, g.limit, verdict)
	}
	for _, c := range measured {
		p("\n### %s\n\n%s\n\n", c.title, c.about)
		p("| %s | redpipe ns/cmd | go-redis ns/cmd | redpipe/go-redis | redpipe allocs/cmd | go-redis allocs/cmd "+
			"| redpipe B/cmd | go-redis B/cmd |", c.param)
		cols := 8
		if c.live {
			p(" redpipe live-B/cmd | go-redis live-B/cmd |")
			cols += 2
		}
		p("\n|%s\n", strings.Repeat("---:|", cols))
		for _, pt := range c.points {
			rp, gr := pt.redpipe, pt.goredis
			p("| %d | %.0f | %.0f | %.2fx | %.2f | %.2f | %.0f | %.0f |", pt.x, rp["ns/cmd"], gr["ns/cmd"], pt.ratio,
				rp["allocs/cmd"], gr["allocs/cmd"], rp["B/cmd"], gr["B/cmd"])
			if c.live {
				p(" %.0f | %.0f |", rp["live-B/cmd"], gr["live-B/cmd"])
			}
			p("\n")
		}
		p("\n![%s: ns per command](%s)\n", strings.ToLower(c.title), c.file)
	}
	return b.String()
}

// chart draws ns per command against x, both on log scales, one line per
// row, as SVG.
func (c measuredCurve) chart() string {
	lc := lineChart{title: c.title, xs: c.xs, xLabel: c.xLabel, yLabel: "ns per command"}
	// The rows' colors in the batch chart.
	rp, gr := line{name: redpipeRow, color: colors[4]}, line{name: goredisRow, color: colors[1]}
	for _, p := range c.points {
		rp.ys = append(rp.ys, p.redpipe["ns/cmd"])
		gr.ys = append(gr.ys, p.goredis["ns/cmd"])
	}
	lc.lines = []line{rp, gr}
	return lc.svg()
}

// thousands writes n with commas between groups of three digits.
func thousands(n int) string {
	s := fmt.Sprint(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

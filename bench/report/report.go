package main

import (
	"fmt"
	"strings"
)

// The rows and sizes of BenchmarkBatch, in the order the report shows them.
var (
	batchRows = []string{
		"go-redis one at a time",
		"go-redis Pipeliner",
		"go-redis AsyncAutoPipeline",
		"rueidis DoMulti",
		"redpipe flat",
		"redpipe nested",
	}
	batchSizes = []int{1, 10, 100, 1000, 10000}

	cacheAsideRows = []string{
		"redpipe Chain",
		"go-redis one at a time",
		"go-redis two pipelines",
		"go-redis AsyncAutoPipeline",
	}
)

// budgetSize is the batch size of BenchmarkBudget, and blockCalls the
// building blocks of its blocks rows, two commands each.
const (
	budgetSize = 1000
	blockCalls = budgetSize / 2
)

// budget is one overhead budget: a measured value against its limit.
type budget struct {
	what  string
	value float64
	limit float64
	unit  string
}

func (b budget) met() bool { return b.value <= b.limit }

// report is the medians of a run of the benchmarks.
type report struct {
	env     environment
	medians map[string]map[string]float64 // name, unit: median
	budgets []budget
	rounds  int // runs of each budget row
	curves  []measuredCurve
}

func newReport(results []result, env environment) *report {
	all := make(map[string]map[string][]float64)
	for _, r := range results {
		if all[r.name] == nil {
			all[r.name] = make(map[string][]float64)
		}
		for unit, v := range r.metrics {
			all[r.name][unit] = append(all[r.name][unit], v)
		}
	}
	rep := &report{env: env, medians: make(map[string]map[string]float64)}
	for name, units := range all {
		rep.medians[name] = make(map[string]float64)
		for unit, vs := range units {
			rep.medians[name][unit] = median(vs)
		}
	}
	rep.curves = measureCurves(all, rep.medians)

	// The budgets compare each round's redpipe rows with the go-redis
	// Pipeliner of the same round: paired, the ratios hold when the
	// machine's load drifts between rounds.
	// The blocks rows have a Pipeliner of their own, sending the same
	// INCR + EXPIRE pairs.
	raw := all["Budget/go-redis Pipeliner"]
	flat := all["Budget/redpipe flat"]
	nested := all["Budget/redpipe nested"]
	rawBlocks := all["Budget/go-redis Pipeliner INCR+EXPIRE"]
	blocks := all["Budget/redpipe blocks"]
	rep.rounds = len(raw["ns/op"])
	ratio := func(rows, raw map[string][]float64) float64 {
		var rs []float64
		for i := range min(len(rows["ns/op"]), len(raw["ns/op"])) {
			rs = append(rs, rows["ns/op"][i]/raw["ns/op"][i])
		}
		return median(rs)
	}
	extra := func(rows, raw map[string][]float64, unit string, per int) float64 {
		return (median(rows[unit]) - median(raw[unit])) / float64(per)
	}
	rep.budgets = []budget{
		{"redpipe flat: time against go-redis Pipeliner", ratio(flat, raw), 1.07, "x"},
		{"redpipe flat: extra allocations per command", extra(flat, raw, "allocs/op", budgetSize), 1, ""},
		{"redpipe flat: extra bytes per command", extra(flat, raw, "B/op", budgetSize), 48, "B"},
		{"redpipe nested: time against go-redis Pipeliner", ratio(nested, raw), 1.08, "x"},
		{"redpipe blocks: time against go-redis Pipeliner", ratio(blocks, rawBlocks), 1.10, "x"},
		{"redpipe blocks: extra allocations per block", extra(blocks, rawBlocks, "allocs/op", blockCalls), 1, ""},
	}
	return rep
}

func (r *report) budgetsMet() bool {
	for _, b := range r.budgets {
		if !b.met() {
			return false
		}
	}
	return true
}

// markdown renders the report.
func (r *report) markdown() string {
	var b strings.Builder
	p := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }
	p("# Benchmarks\n\n")
	p("Measured on %s with `cd bench && go run ./report`: %s, %s cores; %s; redis-server %s on loopback, "+
		"started by the benchmarks; %s. Each figure is the median of several runs; the whole report took %s.\n\n",
		r.env.date, r.env.cpu, r.env.cores, r.env.goVersion, r.env.redisServer,
		strings.Join(r.env.modules, ", "), r.env.took.Round(1e9))

	p("## Batches of INCR\n\n")
	p("Commands per second, by batch size (every reply read):\n\n")
	tableHead(&b, "%d", batchSizes)
	for _, row := range batchRows {
		p("| %s |", row)
		for _, n := range batchSizes {
			p(" %s |", human(r.medians[batchName(row, n)]["cmds/s"]))
		}
		p("\n")
	}
	p("\n![commands per second by batch size](bench.svg)\n\n")

	p("Every row at every size:\n\n")
	p("| row | batch | ns/op | commands/s | allocs/op | B/op |\n|---|---:|---:|---:|---:|---:|\n")
	for _, row := range batchRows {
		for _, n := range batchSizes {
			m := r.medians[batchName(row, n)]
			p("| %s | %d | %.0f | %s | %.0f | %.0f |\n", row, n, m["ns/op"], human(m["cmds/s"]), m["allocs/op"], m["B/op"])
		}
	}

	p("\n## 64 goroutines, each with its own batch of 100\n\n")
	p("| row | ns/op | commands/s | allocs/op | B/op |\n|---|---:|---:|---:|---:|\n")
	for _, row := range []string{"go-redis Pipeliner", "redpipe flat"} {
		m := r.medians["Concurrent/"+row]
		p("| %s | %.0f | %s | %.0f | %.0f |\n", row, m["ns/op"], human(m["cmds/s"]), m["allocs/op"], m["B/op"])
	}

	p("\n## Cache-aside lookups at a 1 ms round trip\n\n")
	p("100 lookups (GET, and on a miss SET of the loaded value), half of them misses, through a proxy " +
		"that adds 1 ms to every round trip:\n\n")
	p("| row | ms per 100 lookups |\n|---|---:|\n")
	for _, row := range cacheAsideRows {
		p("| %s | %.1f |\n", row, r.medians["CacheAside/"+row]["ns/op"]/1e6)
	}

	p("\n## Overhead budgets at %d commands\n\n", budgetSize)
	pinned := ""
	if r.env.pinned {
		pinned = ", the benchmark on CPU 0 and redis-server on CPU 1"
	}
	p("The budget rows run interleaved, %d rounds%s; times are the medians of the per-round ratios "+
		"to the go-redis Pipeliner of the same round. The blocks rows send %d INCR + EXPIRE pairs, through "+
		"one go-redis Pipeliner and through %[3]d calls of a building block (a child of the root with the "+
		"two commands) under one root.\n\n", r.rounds, pinned, blockCalls)
	p("| budget | measured | limit | |\n|---|---:|---:|---|\n")
	for _, bud := range r.budgets {
		verdict := "met"
		if !bud.met() {
			verdict = "**not met**"
		}
		p("| %s | %.3f%s | %g%s | %s |\n", bud.what, bud.value, bud.unit, bud.limit, bud.unit, verdict)
	}

	p("\n## Server memory for a huge batch\n\n")
	p("One batch of 200,000 GETs of a 1 KB value, each row on a fresh redis-server: the server's peak memory " +
		"(`used_memory_peak`) above its memory before the batch.\n\n")
	p("| row | server peak | time |\n|---|---:|---:|\n")
	for _, row := range []string{"go-redis Pipeliner", "redpipe"} {
		m := r.medians["ServerMemory/"+row]
		label := row
		if row == "redpipe" {
			label = "redpipe (chunks of 10,000)"
		}
		p("| %s | %.1f MB | %.0f ms |\n", label, m["server-peak-MB"], m["ns/op"]/1e6)
	}
	b.WriteString(r.peersMarkdown())
	if len(r.curves) > 0 {
		b.WriteString(curvesMarkdown(r.curves, r.env.pinned))
	}
	return b.String()
}

// tableHead writes the head of a Markdown table of rows by columns: a
// "row" column, then one right-aligned column per value of cols, named by
// format.
func tableHead(b *strings.Builder, format string, cols []int) {
	b.WriteString("| row |")
	for _, c := range cols {
		fmt.Fprintf(b, " "+format+" |", c)
	}
	b.WriteString("\n|---|" + strings.Repeat("---:|", len(cols)) + "\n")
}

func batchName(row string, n int) string {
	return fmt.Sprintf("Batch/%s/n=%d", row, n)
}

// human writes a rate with a k or M suffix.
func human(v float64) string {
	switch {
	case v >= 1e6:
		return fmt.Sprintf("%.3gM", v/1e6)
	case v >= 1e3:
		return fmt.Sprintf("%.3gk", v/1e3)
	}
	return fmt.Sprintf("%.3g", v)
}

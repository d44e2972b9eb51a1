package main

import (
	"fmt"
	"regexp"
	"strings"
	"testing"
)

// peerResults returns three rounds of BenchmarkPeers in which each row at
// each G makes ops(row, g) operations per second in the second round, 10%
// fewer in the first and 10% more in the third; the latencies are 100 and
// 2000 µs.
func peerResults(ops func(row string, g int) float64) []result {
	var results []result
	for _, scale := range []float64{0.9, 1, 1.1} {
		for _, row := range peerRows {
			for _, g := range peerGoroutines {
				results = append(results, result{name: peerName(row, g), metrics: map[string]float64{
					"ops/s": scale * ops(row, g), "p50-µs": 100, "p99-µs": 2000,
				}})
			}
		}
	}
	return results
}

func TestPeersVerdict(t *testing.T) {
	cases := []struct {
		name      string
		redpipe   map[int]float64 // ops/s by G; rueidis makes 300k at every G
		want      string
		ratio1024 float64
	}{
		{"met", map[int]float64{256: 330e3, 1024: 300e3},
			"**Goal met**: redpipe's shared root reaches rueidis's throughput at 256 goroutines and beyond. " +
				"Its operations per second against rueidis's: 1.10x at G=256, 1.00x at G=1024.", 1},
		{"missed at 1024", map[int]float64{256: 330e3, 1024: 270e3},
			"**Goal not met**: redpipe's shared root does not reach rueidis's throughput at 256 goroutines and beyond. " +
				"Its operations per second against rueidis's: 1.10x at G=256, 0.90x at G=1024.", 0.9},
		{"not measured", map[int]float64{256: 330e3},
			"**Goal not met**: redpipe's shared root does not reach rueidis's throughput at 256 goroutines and beyond. " +
				"Its operations per second against rueidis's: 1.10x at G=256, not measured at G=1024.", 0},
	}
	for _, c := range cases {
		rep := newReport(peerResults(func(row string, g int) float64 {
			switch row {
			case "redpipe shared root":
				return c.redpipe[g]
			case "rueidis":
				return 300e3
			}
			return 50e3
		}), environment{})
		if got := rep.peerRatio(1024); !near(got, c.ratio1024) {
			t.Errorf("%s: peerRatio(1024) = %v; want %v", c.name, got, c.ratio1024)
		}
		if got := rep.peersVerdict(); got != c.want {
			t.Errorf("%s: peersVerdict() = %q; want %q", c.name, got, c.want)
		}
		if md := rep.peersMarkdown(); !strings.Contains(md, c.want) {
			t.Errorf("%s: peersMarkdown() lacks the verdict", c.name)
		}
	}
}

func TestPeersBudget(t *testing.T) {
	// AsyncAutoPipeline makes 100k operations per second at every G,
	// rueidis 200k.
	against := func(redpipe map[int]float64, allocs float64) *report {
		results := peerResults(func(row string, g int) float64 {
			switch row {
			case "redpipe shared root":
				return redpipe[g]
			case "go-redis AsyncAutoPipeline":
				return 100e3
			case "rueidis":
				return 200e3
			}
			return 10e3
		})
		for _, res := range results {
			if strings.HasPrefix(res.name, "Peers/redpipe shared root/") {
				res.metrics["allocs/op"] = allocs
			}
		}
		return newReport(results, environment{})
	}
	fast := map[int]float64{1: 150e3, 16: 200e3, 64: 250e3, 256: 300e3, 1024: 400e3}
	rep := against(fast, 6)
	want := "**Budget met** in this run: the shared root is to make at least AsyncAutoPipeline's operations per second " +
		"at every G, and rueidis's from G=16 on, with at most 7 allocations per operation. " +
		"Against AsyncAutoPipeline, G=1/16/64/256/1024: 1.50x, 2.00x, 2.50x, 3.00x, 4.00x; " +
		"against rueidis, G=16/64/256/1024: 1.00x, 1.25x, 1.50x, 2.00x; " +
		"allocations per operation, G=1/16/64/256/1024: 6, 6, 6, 6, 6."
	if got := rep.peersBudget(); got != want {
		t.Errorf("peersBudget() = %q; want %q", got, want)
	}
	if md := rep.peersMarkdown(); !strings.Contains(md, want) {
		t.Errorf("peersMarkdown() lacks the budget")
	}
	for _, c := range []struct {
		name    string
		redpipe map[int]float64
		allocs  float64
	}{
		{"under rueidis at G=16", map[int]float64{1: 150e3, 16: 190e3, 64: 250e3, 256: 300e3, 1024: 400e3}, 6},
		{"under AsyncAutoPipeline at G=1", map[int]float64{1: 90e3, 16: 200e3, 64: 250e3, 256: 300e3, 1024: 400e3}, 6},
		{"not measured at G=1024", map[int]float64{1: 150e3, 16: 200e3, 64: 250e3, 256: 300e3}, 6},
		{"8 allocations", fast, 8},
	} {
		if got := against(c.redpipe, c.allocs).peersBudget(); !strings.HasPrefix(got, "**Budget not met** in this run") {
			t.Errorf("%s: peersBudget() = %q; want not met", c.name, got)
		}
	}
}

func TestPeersTable(t *testing.T) {
	rep := newReport(peerResults(func(row string, g int) float64 {
		if row == "go-redis one at a time" && g == 1024 {
			return 0 // not measured
		}
		return 1000 * float64(g)
	}), environment{})
	md := rep.peersMarkdown()
	for _, want := range []string{
		"## Many goroutines, one shared root\n",
		"| row | G=1 | G=16 | G=64 | G=256 | G=1024 |\n|---|---:|---:|---:|---:|---:|\n",
		"| redpipe shared root | 1k · 100 µs / 2 ms | 16k · 100 µs / 2 ms | 64k · 100 µs / 2 ms | 256k · 100 µs / 2 ms | 1.02M · 100 µs / 2 ms |\n",
		"| go-redis one at a time | 1k · 100 µs / 2 ms | 16k · 100 µs / 2 ms | 64k · 100 µs / 2 ms | 256k · 100 µs / 2 ms | – |\n",
		"(peers.svg)",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("peersMarkdown() lacks %q; got:\n%s", want, md)
		}
	}
}

func TestPeersChart(t *testing.T) {
	rep := newReport(peerResults(func(row string, g int) float64 {
		if row == "rueidis" && g == 1 {
			return 0 // not measured: no point
		}
		return 1000 * float64(g)
	}), environment{})
	svg := rep.peersChart()
	lines := regexp.MustCompile(`<polyline [^>]*points="([^"]*)"`).FindAllStringSubmatch(svg, -1)
	if len(lines) != len(peerRows) {
		t.Fatalf("chart has %d lines; want %d", len(lines), len(peerRows))
	}
	for i, row := range peerRows {
		want := len(peerGoroutines)
		if row == "rueidis" {
			want--
		}
		if got := len(strings.Fields(lines[i][1])); got != want {
			t.Errorf("line of %s has %d points; want %d", row, got, want)
		}
		if !strings.Contains(svg, ">"+row+"<") {
			t.Errorf("chart legend lacks %q", row)
		}
	}
	for _, g := range peerGoroutines {
		if !strings.Contains(svg, fmt.Sprintf(">%d</text>", g)) {
			t.Errorf("chart lacks the tick of G=%d", g)
		}
	}
}

func TestPeersLatency(t *testing.T) {
	cases := []struct {
		us   float64
		want string
	}{
		{12.34, "12.3 µs"},
		{664.4, "664 µs"},
		{2529, "2.53 ms"},
		{37527, "37.5 ms"},
	}
	for _, c := range cases {
		if got := latency(c.us); got != c.want {
			t.Errorf("latency(%v) = %q; want %q", c.us, got, c.want)
		}
	}
}

func TestPeerRuns(t *testing.T) {
	for _, pin := range []bool{true, false} {
		runs := peerRuns(pin)
		judged := 0
		for _, run := range runs {
			re, err := regexp.Compile(run.pattern)
			if err != nil {
				t.Fatalf("pattern %q: %v", run.pattern, err)
			}
			if !re.MatchString("BenchmarkPeers") {
				t.Errorf("pattern %q does not match BenchmarkPeers", run.pattern)
			}
			if run.benchtime == "" {
				t.Errorf("pattern %q has no benchtime", run.pattern)
			}
			if run.set == "" {
				judged++
				if run.pinned != pin {
					t.Errorf("peerRuns(%v): the judged run has pinned %v", pin, run.pinned)
				}
			} else if run.pinned {
				t.Errorf("peerRuns(%v): the run of set %q is pinned", pin, run.set)
			}
		}
		if judged != 1 {
			t.Errorf("peerRuns(%v) has %d judged runs; want 1", pin, judged)
		}
		if want := map[bool]int{true: 2, false: 1}[pin]; len(runs) != want {
			t.Errorf("peerRuns(%v) has %d runs; want %d", pin, len(runs), want)
		}
	}
}

// TestPeersUnpinned checks that the unpinned results have a table of
// their own, which the budget does not judge.
func TestPeersUnpinned(t *testing.T) {
	judged := peerResults(func(row string, g int) float64 {
		if row == "redpipe shared root" {
			return 2000 * float64(g)
		}
		return 1000 * float64(g)
	})
	unpinned := peerResults(func(row string, g int) float64 {
		if row == "redpipe shared root" {
			return 500 * float64(g) // under every peer: not judged
		}
		return 1000 * float64(g)
	})
	for i := range judged {
		judged[i].metrics["allocs/op"] = 6
	}
	for i := range unpinned {
		unpinned[i].name = unpinnedSet + unpinned[i].name
		unpinned[i].metrics["allocs/op"] = 9
	}
	rep := newReport(append(judged, unpinned...), environment{pinned: true})
	if got := rep.peersBudget(); strings.Contains(got, "not met") {
		t.Errorf("peersBudget() = %q; want met, from the judged results only", got)
	}
	md := rep.peersMarkdown()
	for _, want := range []string{
		"interleaved, pinned as the budgets are",
		"| redpipe shared root | 2k · 100 µs / 2 ms |",
		"The same rows in a run of their own, unpinned",
		"| redpipe shared root | 500 · 100 µs / 2 ms |",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("peersMarkdown() lacks %q; got:\n%s", want, md)
		}
	}
	if md := newReport(judged, environment{}).peersMarkdown(); strings.Contains(md, "The same rows in a run of their own") ||
		!strings.Contains(md, "interleaved, unpinned.") {
		t.Errorf("peersMarkdown() of an unpinned run alone:\n%s", md)
	}
}

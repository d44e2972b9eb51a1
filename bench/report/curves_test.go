package main

import (
	"strings"
	"testing"
)

// curveResults returns two rounds of results of every point of c: go-redis
// at grNs ns/cmd, redpipe at ratio(x) times that, the second round twice
// as slow as the first; live-B/cmd is live(x) for redpipe, 200 for
// go-redis.
func curveResults(c curve, ratio func(x int) float64, live func(x int) float64) []result {
	var results []result
	for round := range 2 {
		slow := float64(round + 1)
		for _, x := range c.xs {
			gr := 500 * slow
			rp := map[string]float64{"ns/cmd": gr * ratio(x), "allocs/cmd": 3.1, "B/cmd": 240}
			grm := map[string]float64{"ns/cmd": gr, "allocs/cmd": 3, "B/cmd": 200}
			if c.live {
				rp["live-B/cmd"], grm["live-B/cmd"] = live(x), 200
			}
			results = append(results,
				result{name: c.rowName(x, redpipeRow), metrics: rp},
				result{name: c.rowName(x, goredisRow), metrics: grm})
		}
	}
	return results
}

func TestCurveGoals(t *testing.T) {
	flat := func(int) float64 { return 1.1 }
	steep := func(x int) float64 { return 1 + float64(x)/10000 } // 1.0001x to 2x
	live := func(int) float64 { return 250 }
	heavy := func(x int) float64 { return float64(x) / 2000 } // 500 B at 1,000,000
	cases := []struct {
		name        string
		ratio, live func(int) float64
		want        []goal
	}{
		{"flat and light", flat, live, []goal{
			{value: "1.000x", met: true}, {value: "1.000x", met: true}, {value: "1.000x", met: true},
			{value: "1.000x", met: true}, {value: "250 B", met: true}}},
		{"steep and heavy", steep, heavy, []goal{
			{value: "2.000x"}, {value: "1.006x", met: true}, {value: "100.990x"},
			{value: "1.001x", met: true}, {value: "500 B"}}},
	}
	for _, tc := range cases {
		var results []result
		for _, c := range curves {
			results = append(results, curveResults(c, tc.ratio, tc.live)...)
		}
		rep := newReport(results, environment{})
		if len(rep.curves) != len(curves) {
			t.Fatalf("%s: %d curves measured; want %d", tc.name, len(rep.curves), len(curves))
		}
		goals := curveGoals(rep.curves)
		if len(goals) != len(tc.want) {
			t.Fatalf("%s: %d goals; want %d", tc.name, len(goals), len(tc.want))
		}
		for i, g := range goals {
			if g.value != tc.want[i].value || g.met != tc.want[i].met {
				t.Errorf("%s: goal %q = %s met=%v; want %s met=%v", tc.name, g.what, g.value, g.met, tc.want[i].value, tc.want[i].met)
			}
		}
		md := rep.markdown()
		if got, want := strings.Contains(md, "**not met**"), tc.name == "steep and heavy"; got != want {
			t.Errorf("%s: markdown flags a missed goal: %v; want %v", tc.name, got, want)
		}
		if !rep.budgetsMet() {
			t.Errorf("%s: budgetsMet() = false without budget results: the curve goals fail the report", tc.name)
		}
	}
}

func TestCurvePoints(t *testing.T) {
	c := curves[2] // the batch curve
	results := curveResults(c, func(x int) float64 {
		if x == 1000 {
			return 1.2
		}
		return 1
	}, func(int) float64 { return 210 })
	rep := newReport(results, environment{})
	if len(rep.curves) != 1 || rep.curves[0].bench != c.bench {
		t.Fatalf("measured %d curves; want %s alone", len(rep.curves), c.bench)
	}
	for _, p := range rep.curves[0].points {
		want := 1.0
		if p.x == 1000 {
			want = 1.2
		}
		if !near(p.ratio, want) {
			t.Errorf("ratio at %d = %v; want %v", p.x, p.ratio, want)
		}
		// The medians of 500 and 1000 ns/cmd, and of 1.2 times those.
		if !near(p.goredis["ns/cmd"], 750) || !near(p.redpipe["ns/cmd"], 750*want) {
			t.Errorf("ns/cmd at %d = %v, %v; want %v, %v", p.x, p.redpipe["ns/cmd"], p.goredis["ns/cmd"], 750*want, 750.0)
		}
	}
	if got := rep.curves[0].spread(); !near(got, 1.2) {
		t.Errorf("spread() = %v; want 1.2", got)
	}
	md := rep.markdown()
	for _, want := range []string{
		"## Scaling curves",
		"| 1000 | 900 | 750 | 1.20x | 3.10 | 3.00 | 240 | 200 | 210 | 200 |",
		"| Batch size: spread of redpipe/go-redis across the curve | 1.200x | 1.25x | met |",
		"| Client memory per queued command at 1,000,000 commands (redpipe live-B/cmd) | 210 B | < 400 B | met |",
		"](curve-batch.svg)",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("markdown lacks %q", want)
		}
	}
	if md := curvesMarkdown(rep.curves, true); !strings.Contains(md, "every redis-server on CPU 1") {
		t.Error("the markdown of pinned curves does not say they ran pinned")
	}
}

func TestNoCurves(t *testing.T) {
	rep := newReport([]result{{name: "Budget/redpipe flat", metrics: map[string]float64{"ns/op": 1}}}, environment{})
	if len(rep.curves) != 0 {
		t.Errorf("measured %d curves without their results", len(rep.curves))
	}
	if md := rep.markdown(); strings.Contains(md, "Scaling curves") {
		t.Error("the markdown has a curves section without their results")
	}
}

func TestCurveChart(t *testing.T) {
	c := curves[0]
	rep := newReport(curveResults(c, func(int) float64 { return 1.1 }, nil), environment{})
	svg := rep.curves[0].chart()
	if got := strings.Count(svg, "<polyline"); got != 2 {
		t.Errorf("chart has %d lines; want 2", got)
	}
	_, points, _ := strings.Cut(svg, `points="`)
	points, _, _ = strings.Cut(points, `"`)
	if got := strings.Count(points, ","); got != len(c.xs) {
		t.Errorf("first line has %d points; want %d", got, len(c.xs))
	}
	for _, want := range []string{">" + redpipeRow + "<", ">" + goredisRow + "<", ">" + c.title + "<", ">ns per command<"} {
		if !strings.Contains(svg, want) {
			t.Errorf("chart lacks %q", want)
		}
	}
}

func TestThousands(t *testing.T) {
	cases := []struct {
		n    int
		want string
	}{
		{1, "1"}, {999, "999"}, {1000, "1,000"}, {10000, "10,000"}, {1000000, "1,000,000"},
	}
	for _, c := range cases {
		if got := thousands(c.n); got != c.want {
			t.Errorf("thousands(%d) = %q; want %q", c.n, got, c.want)
		}
	}
}

package main

import (
	"strings"
	"testing"
)

func TestBudgets(t *testing.T) {
	var results []result
	add := func(name string, ns, allocs, bytes float64) {
		results = append(results, result{name: name, metrics: map[string]float64{"ns/op": ns, "allocs/op": allocs, "B/op": bytes}})
	}
	// Two rounds; the machine is twice as slow in the second.
	add("Budget/go-redis Pipeliner", 1000, 3000, 200000)
	add("Budget/redpipe flat", 1040, 3990, 240000)
	add("Budget/redpipe nested", 1200, 4100, 290000)
	add("Budget/go-redis Pipeliner INCR+EXPIRE", 1000, 3500, 220000)
	add("Budget/redpipe blocks", 1090, 4500, 300000)
	add("Budget/go-redis Pipeliner", 2000, 3000, 200000)
	add("Budget/redpipe flat", 2080, 3990, 240000)
	add("Budget/redpipe nested", 2400, 4100, 290000)
	add("Budget/go-redis Pipeliner INCR+EXPIRE", 2000, 3500, 220000)
	add("Budget/redpipe blocks", 2180, 4500, 300000)
	rep := newReport(results, environment{})

	cases := []struct {
		what string
		want float64
		met  bool
	}{
		{"redpipe flat: time against go-redis Pipeliner", 1.04, true},
		{"redpipe flat: extra allocations per command", 0.99, true},
		{"redpipe flat: extra bytes per command", 40, true},
		{"redpipe nested: time against go-redis Pipeliner", 1.2, false},
		{"redpipe blocks: time against go-redis Pipeliner", 1.09, true},
		{"redpipe blocks: extra allocations per block", 2, false},
	}
	for i, c := range cases {
		b := rep.budgets[i]
		if b.what != c.what || !near(b.value, c.want) || b.met() != c.met {
			t.Errorf("budget %d = %q %v met=%v; want %q %v met=%v", i, b.what, b.value, b.met(), c.what, c.want, c.met)
		}
	}
	if rep.budgetsMet() {
		t.Error("budgetsMet() = true with the nested budget missed")
	}
	if md := rep.markdown(); !strings.Contains(md, "**not met**") {
		t.Error("the markdown does not flag the missed budget")
	}
}

func TestChart(t *testing.T) {
	var results []result
	for i, row := range batchRows {
		for _, n := range batchSizes {
			results = append(results, result{name: batchName(row, n), metrics: map[string]float64{"cmds/s": float64(1000 * n * (i + 1))}})
		}
	}
	svg := newReport(results, environment{}).chart()
	if got := strings.Count(svg, "<polyline"); got != len(batchRows) {
		t.Errorf("chart has %d lines; want %d", got, len(batchRows))
	}
	for _, row := range batchRows {
		if !strings.Contains(svg, ">"+row+"<") {
			t.Errorf("chart legend lacks %q", row)
		}
	}
}

func near(a, b float64) bool { return a-b < 1e-9 && b-a < 1e-9 }

func TestCacheAsideTable(t *testing.T) {
	var results []result
	for i, row := range cacheAsideRows {
		for run := range 3 {
			ns := float64((i+1)*1e6 + run*1e5) // the median is the second run
			results = append(results, result{name: "CacheAside/" + row, metrics: map[string]float64{"ns/op": ns}})
		}
	}
	md := newReport(results, environment{}).markdown()
	for i, row := range cacheAsideRows {
		want := "| " + row + " | " + []string{"1.1", "2.1", "3.1", "4.1"}[i] + " |"
		if !strings.Contains(md, want) {
			t.Errorf("markdown lacks %q", want)
		}
	}
}

package main

import (
	"testing"
)

func TestParse(t *testing.T) {
	out := `goos: linux
BenchmarkBatch/go-redis_Pipeliner/n=1000-2         	     200	    811724 ns/op	   1231946 cmds/s	  204914 B/op	    3021 allocs/op
BenchmarkBudget/redpipe_flat#03-2            	     300	    920716 ns/op	  244538 B/op	    4028 allocs/op
BenchmarkServerMemory/redpipe-2                    	       1	 514745614 ns/op	         9.543 server-peak-MB	293495840 B/op	 1000319 allocs/op
PASS
ok  	github.com/go-redpipe/redpipe/bench	5.362s
`
	got, err := parse(out)
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name   string
		unit   string
		want   float64
		result int
	}{
		{"Batch/go-redis Pipeliner/n=1000", "cmds/s", 1231946, 0},
		{"Batch/go-redis Pipeliner/n=1000", "allocs/op", 3021, 0},
		{"Budget/redpipe flat", "ns/op", 920716, 1},
		{"ServerMemory/redpipe", "server-peak-MB", 9.543, 2},
	}
	if len(got) != 3 {
		t.Fatalf("parse found %d results; want 3", len(got))
	}
	for _, c := range cases {
		r := got[c.result]
		if r.name != c.name {
			t.Errorf("result %d name = %q; want %q", c.result, r.name, c.name)
		}
		if v := r.metrics[c.unit]; v != c.want {
			t.Errorf("%s %s = %v; want %v", c.name, c.unit, v, c.want)
		}
	}
	if _, err := parse("PASS\n"); err == nil {
		t.Error("parse of output without results: no error")
	}
}

func TestMedian(t *testing.T) {
	cases := []struct {
		xs   []float64
		want float64
	}{
		{nil, 0},
		{[]float64{3}, 3},
		{[]float64{5, 1, 3}, 3},
		{[]float64{4, 1, 3, 2}, 2.5},
	}
	for _, c := range cases {
		if got := median(c.xs); got != c.want {
			t.Errorf("median(%v) = %v; want %v", c.xs, got, c.want)
		}
	}
}

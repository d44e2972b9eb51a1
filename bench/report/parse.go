package main

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// result is one line of go test -bench output.
type result struct {
	name    string             // "Batch/redpipe flat/n=1000", without #NN and -GOMAXPROCS
	metrics map[string]float64 // by unit: "ns/op", "B/op", "allocs/op", "cmds/s", ...
}

// benchLine matches a benchmark result line: the name, the iteration
// count, then value-unit pairs.
var benchLine = regexp.MustCompile(`^Benchmark(\S+?)(?:#\d+)?(?:-\d+)?\s+(\d+)\s+(.*)$`)

// parse reads the results in go test -bench output.
func parse(out string) ([]result, error) {
	var results []result
	for line := range strings.SplitSeq(out, "\n") {
		m := benchLine.FindStringSubmatch(strings.TrimSpace(line))
		if m == nil {
			continue
		}
		fields := strings.Fields(m[3])
		if len(fields)%2 != 0 {
			return nil, fmt.Errorf("odd metrics in %q", line)
		}
		r := result{name: strings.ReplaceAll(m[1], "_", " "), metrics: make(map[string]float64)}
		for i := 0; i < len(fields); i += 2 {
			v, err := strconv.ParseFloat(fields[i], 64)
			if err != nil {
				return nil, fmt.Errorf("metric %q in %q: %w", fields[i], line, err)
			}
			r.metrics[fields[i+1]] = v
		}
		results = append(results, r)
	}
	if len(results) == 0 {
		return nil, fmt.Errorf("no benchmark results in:\n%s", out)
	}
	return results, nil
}

// median returns the median of xs; 0 for none.
func median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	if n := len(s); n%2 == 1 {
		return s[n/2]
	} else {
		return (s[n/2-1] + s[n/2]) / 2
	}
}

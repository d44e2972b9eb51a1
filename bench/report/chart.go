package main

import (
	"fmt"
	"math"
	"strings"
)

// colors of the chart's lines, one per batch row.
var colors = []string{"#7f7f7f", "#1f77b4", "#9467bd", "#ff7f0e", "#2ca02c", "#d62728"}

// chart draws commands per second against batch size, both on log scales,
// one line per row of BenchmarkBatch, as SVG.
func (r *report) chart() string {
	c := lineChart{xs: batchSizes, xLabel: "commands per batch", yLabel: "commands per second"}
	for i, row := range batchRows {
		l := line{name: row, color: colors[i%len(colors)]}
		for _, n := range batchSizes {
			l.ys = append(l.ys, r.medians[batchName(row, n)]["cmds/s"])
		}
		c.lines = append(c.lines, l)
	}
	return c.svg()
}

// lineChart is a chart of lines over the same xs, x and y both on log
// scales, with a legend on the right.
type lineChart struct {
	title          string // above the plot; "" for none
	xs             []int  // the x of each point, in order; each has a tick
	xLabel, yLabel string
	lines          []line
}

// line is one line of a lineChart.
type line struct {
	name, color string
	ys          []float64 // ys[i] is the y at xs[i]; a y <= 0 has no point
}

// svg draws c as SVG.
func (c lineChart) svg() string {
	const w, h, left, right, top, bottom = 760, 440, 70, 230, 30, 50
	pw, ph := float64(w-left-right), float64(h-top-bottom)

	lo, hi := math.Inf(1), math.Inf(-1)
	for _, l := range c.lines {
		for _, v := range l.ys {
			if v > 0 {
				lo, hi = min(lo, v), max(hi, v)
			}
		}
	}
	if math.IsInf(lo, 0) {
		lo, hi = 1, 10
	}
	yLo, yHi := math.Floor(math.Log10(lo)), math.Ceil(math.Log10(hi))
	if yHi == yLo {
		yHi++
	}
	xLo, xHi := math.Log10(float64(c.xs[0])), math.Log10(float64(c.xs[len(c.xs)-1]))
	if xHi == xLo {
		xHi++
	}
	x := func(n int) float64 { return left + (math.Log10(float64(n))-xLo)/(xHi-xLo)*pw }
	y := func(v float64) float64 { return top + (yHi-math.Log10(v))/(yHi-yLo)*ph }

	var b strings.Builder
	p := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }
	p(`<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" font-family="sans-serif" font-size="12">`+"\n", w, h, w, h)
	p(`<rect width="%d" height="%d" fill="white"/>`+"\n", w, h)
	if c.title != "" {
		p(`<text x="%.1f" y="%d" text-anchor="middle" font-weight="bold">%s</text>`+"\n", left+pw/2, top-12, c.title)
	}
	for e := yLo; e <= yHi; e++ {
		yy := y(math.Pow(10, e))
		p(`<line x1="%d" y1="%.1f" x2="%.1f" y2="%.1f" stroke="#ddd"/>`+"\n", left, yy, left+pw, yy)
		p(`<text x="%d" y="%.1f" text-anchor="end" dominant-baseline="middle">%s</text>`+"\n", left-6, yy, human(math.Pow(10, e)))
	}
	for _, n := range c.xs {
		xx := x(n)
		p(`<line x1="%.1f" y1="%d" x2="%.1f" y2="%.1f" stroke="#ddd"/>`+"\n", xx, top, xx, top+ph)
		p(`<text x="%.1f" y="%.1f" text-anchor="middle">%d</text>`+"\n", xx, top+ph+18, n)
	}
	p(`<text x="%.1f" y="%d" text-anchor="middle">%s</text>`+"\n", left+pw/2, h-8, c.xLabel)
	p(`<text x="16" y="%.1f" text-anchor="middle" transform="rotate(-90 16 %.1f)">%s</text>`+"\n", top+ph/2, top+ph/2, c.yLabel)
	for i, l := range c.lines {
		var pts []string
		for j, v := range l.ys {
			if v > 0 {
				pts = append(pts, fmt.Sprintf("%.1f,%.1f", x(c.xs[j]), y(v)))
			}
		}
		p(`<polyline fill="none" stroke="%s" stroke-width="2" points="%s"/>`+"\n", l.color, strings.Join(pts, " "))
		ly := top + 10 + i*20
		p(`<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="%s" stroke-width="2"/>`+"\n", w-right+15, ly, w-right+35, ly, l.color)
		p(`<text x="%d" y="%d" dominant-baseline="middle">%s</text>`+"\n", w-right+40, ly, l.name)
	}
	p("</svg>\n")
	return b.String()
}

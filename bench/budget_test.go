package bench

import (
	"context"
	"testing"
)

// budgetSize is the batch size the overhead budgets are checked at.
const budgetSize = 1000

// budgetRounds is how many times BenchmarkBudget runs each of its rows, one
// after the other in turn, so that a change in the machine's load falls on
// every row alike.
const budgetRounds = 80

// BenchmarkBudget interleaves the rows the budgets compare, at N = 1000:
// go-redis's Pipeliner, redpipe flat and redpipe nested, and the blocks
// rows (blocks_test.go): 500 INCR + EXPIRE pairs through go-redis's
// Pipeliner and through 500 building blocks under one root. Each round runs
// each row once, starting from another row each round so that no row
// always follows the same one; the report compares each redpipe row with
// the Pipeliner of the same round and takes the median of those ratios.
// Run it with -count 1: a higher count runs each row several times in a
// row.
func BenchmarkBudget(b *testing.B) {
	c := newClients(b)
	ctx := context.Background()
	var budgetRows []row
	for _, r := range rows {
		switch r.name {
		case "go-redis Pipeliner", "redpipe flat", "redpipe nested":
			budgetRows = append(budgetRows, r)
		}
	}
	budgetRows = append(budgetRows, blockRows...)
	for round := range budgetRounds {
		for i := range budgetRows {
			r := budgetRows[(round+i)%len(budgetRows)]
			b.Run(r.name, func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					if err := r.batch(ctx, c, budgetSize); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

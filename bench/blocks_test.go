package bench

import (
	"context"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/go-redpipe/redpipe"
)

// blockTTL is the time to live the blocks rows give their counters.
const blockTTL = time.Hour

// incrAndExpire is the building block of the README: it counts a visit to
// key and keeps the counter for ttl, in a child of parent.
func incrAndExpire(ctx context.Context, parent *redpipe.Pipe, key string, ttl time.Duration) *redpipe.Future[int64] {
	pipe := redpipe.Pipeline(parent)
	defer pipe.Execute(ctx)
	n := pipe.Incr(key)
	pipe.Expire(key, ttl)
	return n
}

// blockRows are the rows of the blocks budget: n/2 INCR + EXPIRE
// pairs, through one go-redis Pipeliner and through as many calls of a
// building block under one root. Both read every reply.
var blockRows = []row{
	{"go-redis Pipeliner INCR+EXPIRE", func(ctx context.Context, c *clients, n int) error {
		pl := c.goredis.Pipeline()
		incrs := make([]*redis.IntCmd, n/2)
		expires := make([]*redis.BoolCmd, n/2)
		for i, k := range c.keys[:n/2] {
			incrs[i] = pl.Incr(ctx, k)
			expires[i] = pl.Expire(ctx, k, blockTTL)
		}
		if _, err := pl.Exec(ctx); err != nil {
			return err
		}
		return checkBlocks(incrs, expires)
	}},
	{"redpipe blocks", func(ctx context.Context, c *clients, n int) error {
		root := redpipe.New(c.goredis)
		incrs := make([]*redpipe.Future[int64], n/2)
		for i, k := range c.keys[:n/2] {
			incrs[i] = incrAndExpire(ctx, root, k, blockTTL)
		}
		if err := root.Execute(ctx); err != nil {
			return err
		}
		return sum(incrs)
	}},
}

// checkBlocks reads every reply of the go-redis blocks row.
func checkBlocks(incrs []*redis.IntCmd, expires []*redis.BoolCmd) error {
	for _, e := range expires {
		if err := e.Err(); err != nil {
			return err
		}
	}
	return sum(incrs)
}

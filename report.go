package redpipe

import (
	"errors"
	"time"
)

// BatchReport says what one Execute of a root did, for logs and metrics.
type BatchReport struct {
	Stages   int           // stages sent (see [Chain]); 0 when nothing was queued
	Duration time.Duration // the wall time of the Execute, callbacks included
	Conns    []ConnReport  // one per client, in the order they were first sent to
	Err      error         // what Execute returned
}

// ConnReport is what one Execute sent to one client.
type ConnReport struct {
	Conn       string // the registered name, as [CommandError].Conn
	Label      string // the connection as named in messages
	Commands   int    // commands sent, in every stage
	RoundTrips int    // pipelines sent: chunks, transactions and NOSCRIPT follow-ups
	Failed     int    // commands that failed (a nil reply is no failure)
}

// OnReport makes a root call fn with the [BatchReport] of each of its
// Executes, after the callbacks, in the goroutine that executes it; a
// panic in fn is caught like a callback's. Given to a child, OnReport
// means nothing: its root reports its commands.
func OnReport(fn func(BatchReport)) Option {
	return func(o *options) { o.report = fn }
}

// reporter gathers a BatchReport while a root executes; nil when nobody
// asked for one.
type reporter struct {
	start time.Time
	r     BatchReport
	conns map[sender]int // index in r.Conns, by client
}

func newReporter(fn func(BatchReport)) *reporter {
	if fn == nil {
		return nil
	}
	return &reporter{start: time.Now(), conns: make(map[sender]int)}
}

// stage records a stage sent along routes.
func (rp *reporter) stage(routes []route) {
	if rp == nil {
		return
	}
	rp.r.Stages++
	for j := range routes {
		rt := &routes[j]
		i, ok := rp.conns[rt.client]
		if !ok {
			b := rt.first()
			i = len(rp.r.Conns)
			rp.conns[rt.client] = i
			rp.r.Conns = append(rp.r.Conns, ConnReport{Conn: b.to.name, Label: b.to.label()})
		}
		c := &rp.r.Conns[i]
		c.Commands += int(rt.sent.Load())
		c.RoundTrips += int(rt.trips.Load())
	}
}

// finish completes the report of an Execute that returned err, with its
// failures, and hands it to fn.
func (rp *reporter) finish(fn func(BatchReport), err error, c *catcher) {
	if rp == nil {
		return
	}
	var execErr *ExecError
	if errors.As(err, &execErr) {
		for _, ce := range execErr.Commands {
			for i := range rp.r.Conns {
				if rp.r.Conns[i].Label == ce.Label {
					rp.r.Conns[i].Failed++
					break
				}
			}
		}
	}
	rp.r.Err = err
	rp.r.Duration = time.Since(rp.start)
	c.try("the OnReport function", func() { fn(rp.r) })
}

package redpipe

import (
	"context"
	"errors"
	"fmt"
)

// Close flushes what p holds, waits for every flush in flight to finish,
// those of Execute calls in other goroutines included, runs the chains
// whose futures those flushes settled, and settles with [ErrClosed] the
// chains still waiting. When it returns, every future queued on p before
// it has settled. From the start of Close, commands queued on p fail at
// once with ErrClosed, and callbacks registered on p, or handed to it by
// a child, are dropped, as Reset drops them.
//
// Close returns the error of its flushes (see [Pipe.Execute]), or ctx's
// error if ctx is done first: what p still held then fails with an error
// matching both ErrClosed and ctx's error, and the flushes in flight
// settle their own futures, bounded by go-redis's timeouts. If ctx is
// done when Close is called, Close sends nothing. If a function that a
// flush ran panicked, Close panics with the first such [*PanicError] once
// everything has settled.
//
// Close may be called several times, from several goroutines: only the
// first flushes; the others wait for the same end, and for the flushes
// still in flight after it, and return nil, or ctx's error if ctx is done
// first. None of them fails what the first Close flushes, and none
// panics. Close panics if p was not made with AutoFlush.
func (p *Pipe) Close(ctx context.Context) error {
	f := p.auto
	if f == nil {
		panic("redpipe: Close on a pipe not made with AutoFlush")
	}
	p.mu.Lock()
	first := !f.closed
	f.closed = true
	if first {
		f.ended = make(chan struct{})
	}
	ended := f.ended
	p.mu.Unlock()
	if !first {
		select {
		case <-ended:
		default: // the end, if it has come, wins over a done ctx
			select {
			case <-ended:
			case <-ctx.Done():
				return ctx.Err()
			}
		}
		return f.waitLanded(ctx, p)
	}
	defer close(ended)
	var errs []error
	flush := func() {
		f.c.try("a flush", func() { errs = append(errs, f.execute(ctx, p)) })
	}
	flush()
	if ctx.Err() == nil && f.waitLanded(ctx, p) == nil {
		flush() // the chains that the flushes in flight settled the futures of
	}
	p.mu.Lock()
	f.finished = true
	p.mu.Unlock()
	if err := ctx.Err(); err != nil {
		p.discard(fmt.Errorf("%w: %w", ErrClosed, err))
		if len(errs) == 0 || !errors.Is(errs[len(errs)-1], err) {
			errs = append(errs, err)
		}
	} else {
		p.discard(ErrClosed)
	}
	f.c.repanic()
	return errors.Join(errs...)
}

// waitLanded waits until no flush runs and no Execute is under way on p,
// or ctx is done.
func (f *flusher) waitLanded(ctx context.Context, p *Pipe) error {
	for {
		p.mu.Lock()
		if f.running+f.executing == 0 {
			p.mu.Unlock()
			return nil
		}
		if f.landed == nil {
			f.landed = make(chan struct{})
		}
		landed := f.landed
		p.mu.Unlock()
		select {
		case <-landed:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// landLocked wakes the Close waiting for the flushes to land once none runs
// and no Execute is under way. p.mu is held.
func (f *flusher) landLocked() {
	if f.running+f.executing == 0 && f.landed != nil {
		close(f.landed)
		f.landed = nil
	}
}

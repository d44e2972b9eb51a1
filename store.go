package redpipe

import (
	"sync"

	"github.com/redis/go-redis/v9"
)

// A batch keeps its commands in a go-redis pipeline that only holds them
// until the root executes: its store. This file makes stores, and keeps the
// ones children emptied for their siblings to use again.

// newStore gives b, a batch of p's for p's own connection, a store. When
// that connection is a client known now (a plain pipe under a root made by
// New, or the root itself), the store is a pipeline of the client: a root
// whose batch is one such pipeline sends it as it is, without copying the
// commands, and a parent with no commands yet takes a child's. Other pipes
// keep their commands in a pipeline of the recorder.
func (p *Pipe) newStore(b *batch) {
	if !p.tx {
		b.maker = p.to.client
	}
	if b.pl = p.top().spares.get(b.maker); b.pl != nil {
		return
	}
	if b.maker != nil {
		b.pl = b.maker.Pipeline()
	} else {
		b.pl = recorder.Pipeline()
	}
	// Room for len(room) commands at once, instead of the 1, 2, 4, 8 the
	// pipeline would grow through: go-redis keeps it when it discards.
	_ = b.pl.BatchProcess(background, room[:]...)
	b.pl.Discard()
}

// room is as many commands as a new store has room for: all nil, never
// written.
var room [16]redis.Cmder

// spares holds the stores that children emptied when their parent copied
// their commands, with the room they grew, for siblings to use again: a
// tree of building blocks then grows a few stores per batch, not one per
// child. The zero value is empty and ready to use; spares may be used by
// several goroutines at once.
type spares struct {
	mu  sync.Mutex
	pls []spare // guarded by mu
}

// spare is an empty store and the client that made it, nil for the
// recorder.
type spare struct {
	pl    redis.Pipeliner
	maker sender
}

// maxSpares bounds how many stores a root keeps.
const maxSpares = 8

// get returns a spare store made by maker, or nil.
func (s *spares) get(maker sender) redis.Pipeliner {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i := len(s.pls) - 1; i >= 0; i-- {
		if sp := s.pls[i]; sp.maker == maker {
			s.pls = append(s.pls[:i], s.pls[i+1:]...)
			return sp.pl
		}
	}
	return nil
}

// put keeps pl, a store made by maker (nil: the recorder) whose commands
// have been copied elsewhere, emptied, unless enough are kept already.
func (s *spares) put(pl redis.Pipeliner, maker sender) {
	clear(pl.Cmds()) // let the copied commands go
	pl.Discard()
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.pls) < maxSpares {
		s.pls = append(s.pls, spare{pl, maker})
	}
}

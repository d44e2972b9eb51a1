package keyspace

import (
	"context"

	"github.com/go-redpipe/redpipe"
	"github.com/go-redpipe/redpipe/codec"
)

// HyperLogLog is a keyspace of Redis HyperLogLogs counting elements of
// type M, as RedPipe's HyperLogLog keyspace.
type HyperLogLog[M any] struct {
	keys
	elements codec.Codec[M]
}

// NewHyperLogLog returns the keyspace of HyperLogLogs named name, whose
// elements elements encodes.
func NewHyperLogLog[M any](name string, elements codec.Codec[M], opts ...Option) *HyperLogLog[M] {
	return &HyperLogLog[M]{keys: newKeys(name, opts), elements: elements}
}

// PFAdd adds es to the HyperLogLog at k and reports whether its estimate
// changed.
func (h *HyperLogLog[M]) PFAdd(ctx context.Context, parent *redpipe.Pipe, k string, es ...M) *redpipe.Future[int64] {
	args, err := encodeEach(h.elements, es)
	if err != nil {
		return failed[int64](ctx, h.keys, parent, "PFADD", err)
	}
	pipe := h.pipe(parent)
	defer pipe.Execute(ctx)
	return pipe.PFAdd(h.Key(k), args...)
}

// PFCount returns the estimated number of distinct elements of the
// HyperLogLogs of ks together. With no key it sends nothing, and its
// future holds 0.
func (h *HyperLogLog[M]) PFCount(ctx context.Context, parent *redpipe.Pipe, ks ...string) *redpipe.Future[int64] {
	if len(ks) == 0 {
		return redpipe.Settled[int64](0, nil) // PFCOUNT of no key is an error to Redis
	}
	pipe := h.pipe(parent)
	defer pipe.Execute(ctx)
	return pipe.PFCount(h.redisKeys(ks)...)
}

// PFMerge merges the HyperLogLogs of ks into dest.
func (h *HyperLogLog[M]) PFMerge(ctx context.Context, parent *redpipe.Pipe, dest string, ks ...string) *redpipe.Future[string] {
	pipe := h.pipe(parent)
	defer pipe.Execute(ctx)
	return pipe.PFMerge(h.Key(dest), h.redisKeys(ks)...)
}

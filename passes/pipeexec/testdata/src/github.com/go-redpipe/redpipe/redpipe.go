// Package redpipe is the shape of the real package that the analyzer's
// tests need: its pipes and the functions that take them.
package redpipe

import "context"

type Pipe struct{}

func Pipeline(parent *Pipe) *Pipe                 { return &Pipe{} }
func New(c any, opts ...Option) *Pipe             { return &Pipe{} }
func (p *Pipe) Execute(ctx context.Context) error { return nil }
func (p *Pipe) Reset()                            {}
func (p *Pipe) Close(ctx context.Context) error   { return nil }
func (p *Pipe) Incr(key string) int               { return 0 }

func Chain(p *Pipe, f any, fn any) any { return nil }

type Script struct{}

func (s *Script) Run(p *Pipe, keys []string, args ...any) any { return nil }

type Option func()

func AutoFlush(n int, d int, k int) Option { return nil }

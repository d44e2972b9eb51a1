package redpipe

import (
	"fmt"
	"reflect"
	"sync"

	"github.com/redis/go-redis/v9"
)

// Registry maps connection names to clients; "" is the default connection.
// Pipes made by [Pipeline] with a nil parent use [DefaultRegistry]; those
// made by [Registry.Pipeline] use that registry, and their children inherit
// it, so that libraries, and tests that run in parallel, keep their
// connections apart. The zero value is an empty registry, ready to use. A
// Registry may be used by several goroutines at once; it must not be
// copied after first use.
type Registry struct {
	mu      sync.RWMutex
	clients map[string]redis.UniversalClient // guarded by mu
}

// DefaultRegistry is the registry that [Connect], [ConnectNamed],
// [Disconnect] and [Pipeline] with a nil parent use. It is the package's
// only global state.
var DefaultRegistry = new(Registry)

// Connect registers c as the default connection of [DefaultRegistry], the
// one a root made by [Pipeline] with a nil parent uses unless told
// otherwise with [On]. It is ConnectNamed("", c).
func Connect(c redis.UniversalClient) error {
	return DefaultRegistry.connect("Connect", "", c)
}

// ConnectNamed registers c under name in [DefaultRegistry], for pipes made
// with [On](name); see [Registry.ConnectNamed].
func ConnectNamed(name string, c redis.UniversalClient) error {
	return DefaultRegistry.connect("ConnectNamed", name, c)
}

// Disconnect removes the client registered under name in
// [DefaultRegistry]; see [Registry.Disconnect].
func Disconnect(name string) {
	DefaultRegistry.Disconnect(name)
}

// Connect registers c as r's default connection. It is
// r.ConnectNamed("", c).
func (r *Registry) Connect(c redis.UniversalClient) error {
	return r.connect("Connect", "", c)
}

// ConnectNamed registers c under name, for pipes made with [On](name).
// Registering the same client under the same name again is a no-op;
// registering another client under a taken name returns
// [ErrAlreadyConnected] and leaves the first in place; a nil client (or a
// nil pointer) is refused. The registry does not own c: close it yourself
// after [Registry.Disconnect].
//
// A name is looked up when a root executes, not when a pipe is made, so
// connections may be registered after the pipes that use them.
func (r *Registry) ConnectNamed(name string, c redis.UniversalClient) error {
	return r.connect("ConnectNamed", name, c)
}

// connect is ConnectNamed, for the function named fn.
func (r *Registry) connect(fn, name string, c redis.UniversalClient) error {
	if isNil(c) {
		return fmt.Errorf("redpipe: %s: nil client (%T)", fn, c)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if old, ok := r.clients[name]; ok {
		if old == c {
			return nil
		}
		return fmt.Errorf("%w: %s", ErrAlreadyConnected, connLabel(name))
	}
	if r.clients == nil {
		r.clients = make(map[string]redis.UniversalClient)
	}
	r.clients[name] = c
	return nil
}

// Disconnect removes the client registered under name ("" is the default
// connection). It does not close the client. Disconnecting a name that is
// not registered is a no-op.
func (r *Registry) Disconnect(name string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	delete(r.clients, name)
}

// Pipeline returns a root pipe on r's default connection, or the one
// named with [On]: Pipeline(nil, opts...) for r instead of
// [DefaultRegistry]. Its children use r too.
func (r *Registry) Pipeline(opts ...Option) *Pipe {
	o := collect(opts)
	return newRoot(&target{name: o.name, named: o.named, reg: r}, o)
}

// lookup returns the client registered under name.
func (r *Registry) lookup(name string) (redis.UniversalClient, error) {
	r.mu.RLock()
	c, ok := r.clients[name]
	r.mu.RUnlock()
	if !ok {
		return nil, fmt.Errorf("%w: %s", ErrNoConnection, connLabel(name))
	}
	return c, nil
}

// isNil reports whether c is nil, or a nil pointer in an interface.
func isNil(c redis.UniversalClient) bool {
	if c == nil {
		return true
	}
	v := reflect.ValueOf(c)
	return v.Kind() == reflect.Pointer && v.IsNil()
}

// connLabel names a registered connection in messages.
func connLabel(name string) string {
	if name == "" {
		return "default connection"
	}
	return fmt.Sprintf("connection %q", name)
}

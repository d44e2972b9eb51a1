package redpipe

import (
	"fmt"
	"reflect"
	"sync"

	"github.com/redis/go-redis/v9"
)

// registry maps connection names to clients. It is the package's only
// global state; "" is the default connection.
var registry struct {
	mu      sync.RWMutex
	clients map[string]redis.UniversalClient // guarded by mu
}

// Connect registers c as the default connection, the one a root made by
// [Pipeline] with a nil parent uses unless told otherwise with [On].
// It is ConnectNamed("", c).
func Connect(c redis.UniversalClient) error {
	return connect("Connect", "", c)
}

// ConnectNamed registers c under name, for pipes made with [On](name).
// Registering the same client under the same name again is a no-op;
// registering another client under a taken name returns
// [ErrAlreadyConnected] and leaves the first in place. The registry does not
// own c: close it yourself after [Disconnect].
//
// A name is looked up when a root executes, not when a pipe is made, so
// connections may be registered after the pipes that use them.
// ConnectNamed may be called from several goroutines at once.
func ConnectNamed(name string, c redis.UniversalClient) error {
	return connect("ConnectNamed", name, c)
}

// connect is ConnectNamed, for the function named fn.
func connect(fn, name string, c redis.UniversalClient) error {
	if isNil(c) {
		return fmt.Errorf("redpipe: %s: nil client (%T)", fn, c)
	}
	registry.mu.Lock()
	defer registry.mu.Unlock()
	if old, ok := registry.clients[name]; ok {
		if old == c {
			return nil
		}
		return fmt.Errorf("%w: %s", ErrAlreadyConnected, connLabel(name))
	}
	if registry.clients == nil {
		registry.clients = make(map[string]redis.UniversalClient)
	}
	registry.clients[name] = c
	return nil
}

// Disconnect removes the client registered under name ("" is the default
// connection). It does not close the client. Disconnecting a name that is
// not registered is a no-op.
func Disconnect(name string) {
	registry.mu.Lock()
	defer registry.mu.Unlock()
	delete(registry.clients, name)
}

// lookup returns the client registered under name.
func lookup(name string) (redis.UniversalClient, error) {
	registry.mu.RLock()
	c, ok := registry.clients[name]
	registry.mu.RUnlock()
	if !ok {
		return nil, fmt.Errorf("%w: %s", ErrNoConnection, connLabel(name))
	}
	return c, nil
}

// connLabel names a registered connection in messages.
func connLabel(name string) string {
	if name == "" {
		return "default connection"
	}
	return fmt.Sprintf("connection %q", name)
}

// isNil reports whether c is nil, or a nil pointer in an interface.
func isNil(c redis.UniversalClient) bool {
	if c == nil {
		return true
	}
	v := reflect.ValueOf(c)
	return v.Kind() == reflect.Pointer && v.IsNil()
}

// Package fakeredis is a small stand-in for go-redis, shaped like it, that
// the generator's golden test wraps. Each method of Cmdable exercises one
// rule of the type mapping.
package fakeredis

import (
	"context"
	"time"
)

// Cmder is what every command implements.
type Cmder interface {
	Name() string
	Args() []interface{}
	stringArg(int) string
}

type baseCmd struct {
	args []interface{}
	err  error
}

func (c *baseCmd) Name() string         { return "" }
func (c *baseCmd) Args() []interface{}  { return c.args }
func (c *baseCmd) stringArg(int) string { return "" }

// IntCmd has a single value.
type IntCmd struct {
	baseCmd
	val int64
}

func (c *IntCmd) Result() (int64, error) { return c.val, c.err }

// NewIntCmd builds an IntCmd of args, as go-redis's constructors do.
func NewIntCmd(ctx context.Context, args ...interface{}) *IntCmd {
	return &IntCmd{baseCmd: baseCmd{args: args}}
}

// newStatusCmd is unexported: a wrapper cannot call it.
func newStatusCmd(ctx context.Context, args ...interface{}) *StatusCmd {
	return &StatusCmd{baseCmd: baseCmd{args: args}}
}

// StatusCmd has a single value of the same type as StringCmd's.
type StatusCmd struct {
	baseCmd
	val string
}

func (c *StatusCmd) Result() (string, error) { return c.val, c.err }

// DurationCmd has a value of a type from another package.
type DurationCmd struct {
	baseCmd
	val time.Duration
}

func (c *DurationCmd) Result() (time.Duration, error) { return c.val, c.err }

// ClientInfo is the value of a ClientInfoCmd.
type ClientInfo struct {
	ID int64
}

// ClientInfoCmd has a pointer value.
type ClientInfoCmd struct {
	baseCmd
	val *ClientInfo
}

func (c *ClientInfoCmd) Result() (*ClientInfo, error) { return c.val, c.err }

// MapStringStringCmd has a map value.
type MapStringStringCmd struct {
	baseCmd
	val map[string]string
}

func (c *MapStringStringCmd) Result() (map[string]string, error) { return c.val, c.err }

// Cmd has an interface{} value.
type Cmd struct {
	baseCmd
	val interface{}
}

func (c *Cmd) Result() (interface{}, error) { return c.val, c.err }

// Z is a member of a sorted set.
type Z struct {
	Score  float64
	Member interface{}
}

// ZSliceCmd has a slice of a struct of this package.
type ZSliceCmd struct {
	baseCmd
	val []Z
}

func (c *ZSliceCmd) Result() ([]Z, error) { return c.val, c.err }

// ScanCmd has several named values.
type ScanCmd struct {
	baseCmd
	keys   []string
	cursor uint64
}

func (c *ScanCmd) Result() (keys []string, cursor uint64, err error) {
	return c.keys, c.cursor, c.err
}

// XAutoClaimJustIDCmd has several named values, one of them an initialism.
type XAutoClaimJustIDCmd struct {
	baseCmd
	ids   []string
	start string
}

func (c *XAutoClaimJustIDCmd) Result() (ids []string, start string, err error) {
	return c.ids, c.start, c.err
}

// KeyValuesCmd has several unnamed values, named by the generator's table.
type KeyValuesCmd struct {
	baseCmd
	key  string
	vals []string
}

func (c *KeyValuesCmd) Result() (string, []string, error) { return c.key, c.vals, c.err }

// XAutoClaimArgs are the arguments of XAutoClaimJustID.
type XAutoClaimArgs struct {
	Stream string
	Start  string
}

// Pipeliner is a pipeline.
type Pipeliner interface {
	Cmdable
	Exec(ctx context.Context) ([]Cmder, error)
}

// Cmdable is the interface the generator wraps.
type Cmdable interface {
	// Pipelined is in the skip table: it runs a pipeline.
	Pipelined(ctx context.Context, fn func(Pipeliner) error) ([]Cmder, error)

	Ping(ctx context.Context) *StatusCmd
	ClientInfo(ctx context.Context) *ClientInfoCmd
	Eval(ctx context.Context, script string, keys []string, args ...interface{}) *Cmd
	Scan(ctx context.Context, cursor uint64, match string, count int64) *ScanCmd

	// Parameters named like identifiers of the wrapper's body, or not
	// named at all, are renamed.
	Publish(ctx context.Context, p string, pl interface{}) *IntCmd
	ObjectIdleTime(ctx context.Context, time string) *DurationCmd
	Touch(ctx context.Context, _ string, _ ...string) *IntCmd
	SetArg(ctx context.Context, p, pArg string) *StatusCmd

	StringCmdable
	hashCmdable
}

// StringCmdable declares commands Cmdable embeds; it embeds others in turn.
type StringCmdable interface {
	Incr(ctx context.Context, key string) *IntCmd
	Expire(ctx context.Context, key string, expiration time.Duration) *IntCmd
	TTL(ctx context.Context, key string) *DurationCmd

	SortedSetCmdable
	ListCmdable
}

// SortedSetCmdable is embedded in StringCmdable.
type SortedSetCmdable interface {
	ZRangeWithScores(ctx context.Context, key string, start, stop int64) *ZSliceCmd
	ZAdd(ctx context.Context, key string, members ...Z) *IntCmd
}

// ListCmdable is embedded in StringCmdable.
type ListCmdable interface {
	BLMPop(ctx context.Context, timeout time.Duration, direction string, count int64, keys ...string) *KeyValuesCmd
	// Incr is declared again: Cmdable's method set has it once.
	Incr(ctx context.Context, key string) *IntCmd
}

// hashCmdable is unexported: the doc links of its methods name Cmdable.
type hashCmdable interface {
	HGetAll(ctx context.Context, key string) *MapStringStringCmd
	XAutoClaimJustID(ctx context.Context, a *XAutoClaimArgs) *XAutoClaimJustIDCmd
}

// cmdable implements the commands, as go-redis's does; the generator
// copies the "Deprecated:" paragraphs of its methods.
type cmdable func(ctx context.Context, cmd Cmder) error

// Expire sets a timeout.
//
// Deprecated: Use [Cmdable.Ping] instead, as [the docs] say;
// a second line.
//
// A paragraph after it is not copied.
func (c cmdable) Expire(ctx context.Context, key string, expiration time.Duration) *IntCmd {
	return nil
}

// Incr builds its command in one call of an exported constructor, of a name
// and its parameters: the wrapper builds it the same way, on its batch's
// arguments.
func (c cmdable) Incr(ctx context.Context, key string) *IntCmd {
	cmd := NewIntCmd(ctx, "incr", key)
	_ = c(ctx, cmd)
	return cmd
}

// Publish does too, with parameters the wrapper renames.
func (c cmdable) Publish(ctx context.Context, p string, pl interface{}) *IntCmd {
	cmd := NewIntCmd(ctx, "publish", p, pl)
	_ = c(ctx, cmd)
	return cmd
}

// SetArg calls a constructor the wrapper cannot call: it calls SetArg.
func (c cmdable) SetArg(ctx context.Context, p, pArg string) *StatusCmd {
	cmd := newStatusCmd(ctx, "set", p, pArg)
	_ = c(ctx, cmd)
	return cmd
}

// Touch builds its command of a variadic parameter: the wrapper calls
// Touch.
func (c cmdable) Touch(ctx context.Context, key string, keys ...string) *IntCmd {
	cmd := NewIntCmd(ctx, "touch", key, keys)
	_ = c(ctx, cmd)
	return cmd
}

// TTL does more than build its command: the wrapper calls TTL.
func (c cmdable) TTL(ctx context.Context, key string) *DurationCmd {
	cmd := &DurationCmd{baseCmd: baseCmd{args: []interface{}{"ttl", key}}}
	_ = c(ctx, cmd)
	return cmd
}

package keyspace

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"

	"github.com/redis/go-redis/v9"

	"github.com/go-redpipe/redpipe"
)

// ErrRule is wrapped by the error of a Struct call that breaks one of its
// rules: a required field missing or removed, or the key field changed.
var ErrRule = errors.New("redpipe: keyspace: record rule broken")

// Struct is a keyspace of records: Go structs of type T stored as Redis
// hashes, as RedPipe's Struct. The fields of T are described by `redis`
// tags, read as go-redis's HSet and Scan of a struct read them (a field
// without a tag, or with a tag without a name, is not stored), with
// options after a comma:
//
//	type User struct {
//		ID    string    `redis:",key"`          // the record's key: stored at U{<ID>}, not a field
//		Name  string    `redis:"name,required"` // present on Save, never removed
//		Age   int64     `redis:"age"`
//		Tags  []string  `redis:"tags,json"`     // any type, as JSON
//		Seen  time.Time `redis:"seen,omitempty"` // not written when zero
//		Notes string    `redis:"-"`             // not stored
//		Draft string                            // not stored: no tag
//	}
//
// A value is present unless it is a nil pointer, slice or map, or an
// empty string; a nil pointer, slice or map is not stored.
//
// A field is stored by the codec of its Go type: strings as they are,
// []byte, every int and uint kind in decimal, floats and bools as
// [codec.Float] and [codec.Bool] (RedPipe's FloatField and BooleanField),
// time.Time and time.Duration as [codec.Time] and [codec.Duration], types
// with MarshalText and UnmarshalText by those; a pointer to one of these
// is an optional field, nil when absent. Tag json stores any type as JSON,
// and [Field] gives a named field a codec of its own.
type Struct[T any] struct {
	keys
	rec *record
}

// NewStruct returns the keyspace of records of type T named name. It
// panics on a tag error (no key field, two key fields, a field type with no
// codec): they are programming errors.
func NewStruct[T any](name string, opts ...Option) *Struct[T] {
	k := newKeys(name, opts)
	return &Struct[T]{keys: k, rec: newRecord(name, reflect.TypeFor[T](), k.fields)}
}

// Load returns the record at key; a missing record fails with redis.Nil.
// A hash member named like the key field is ignored.
func (s *Struct[T]) Load(ctx context.Context, parent *redpipe.Pipe, key string) *redpipe.Future[T] {
	pipe := s.pipe(parent)
	defer pipe.Execute(ctx)
	return redpipe.Then(pipe.HGetAll(s.Key(key)), func(raw map[string]string) (T, error) {
		if len(raw) == 0 {
			var zero T
			return zero, redis.Nil
		}
		return s.decode(key, raw)
	})
}

// LoadFields returns the record at key with only fields loaded; the other
// fields keep their zero values. With no fields it sends nothing, and its
// future holds the record with only its key.
func (s *Struct[T]) LoadFields(ctx context.Context, parent *redpipe.Pipe, key string, fields ...string) *redpipe.Future[T] {
	if len(fields) == 0 {
		return redpipe.Settled(s.decode(key, nil))
	}
	pipe := s.pipe(parent)
	defer pipe.Execute(ctx)
	return redpipe.Then(pipe.HMGet(s.Key(key), fields...), func(replies []any) (T, error) {
		raw := make(map[string]string, len(replies))
		for i, r := range replies {
			if str, ok := r.(string); ok {
				raw[fields[i]] = str
			}
		}
		return s.decode(key, raw)
	})
}

// decode makes the record of key from its hash.
func (s *Struct[T]) decode(key string, raw map[string]string) (T, error) {
	var rec T
	v := reflect.ValueOf(&rec).Elem()
	v.FieldByIndex(s.rec.key).SetString(key)
	for name, str := range raw {
		f, ok := s.rec.byName[name]
		if !ok {
			continue // not a field of T, or the key field's name
		}
		dst := v.FieldByIndex(f.index)
		if f.optional {
			dst.Set(reflect.New(dst.Type().Elem()))
			dst = dst.Elem()
		}
		if err := f.decode(str, dst); err != nil {
			var zero T
			return zero, fmt.Errorf("redpipe: keyspace %s: record %q, field %q holds %q: %w", s.name, key, name, str, err)
		}
	}
	return rec, nil
}

// Save writes every field of v (omitempty ones that are zero, and nil
// pointers, slices and maps, left out) and returns how many fields were
// new; with a TTL, it refreshes the record's expiry. A record without a
// key (an empty key field) is refused with ErrRule; one with no field to
// write sends nothing, and its future holds 0.
func (s *Struct[T]) Save(ctx context.Context, parent *redpipe.Pipe, v T) *redpipe.Future[int64] {
	key, args, err := s.encode(v)
	switch {
	case err != nil:
		return failed[int64](ctx, s.keys, parent, "HSET", err)
	case len(args) == 0:
		return redpipe.Settled[int64](0, nil)
	}
	pipe := s.pipe(parent)
	defer pipe.Execute(ctx)
	n := pipe.HSet(s.Key(key), args...)
	s.expire(pipe, key)
	return n
}

// SaveNX is Save for the fields that do not exist yet (HSETNX): it returns
// how many it wrote.
func (s *Struct[T]) SaveNX(ctx context.Context, parent *redpipe.Pipe, v T) *redpipe.Future[int64] {
	key, args, err := s.encode(v)
	switch {
	case err != nil:
		return failed[int64](ctx, s.keys, parent, "HSETNX", err)
	case len(args) == 0:
		return redpipe.Settled[int64](0, nil)
	}
	pipe := s.pipe(parent)
	defer pipe.Execute(ctx)
	return s.setNX(pipe, key, args)
}

// setNX queues an HSETNX per field of args and returns how many wrote.
func (s *Struct[T]) setNX(pipe *redpipe.Pipe, key string, args []any) *redpipe.Future[int64] {
	var sets []*redpipe.Future[bool]
	for i := 0; i+1 < len(args); i += 2 {
		sets = append(sets, pipe.HSetNX(s.Key(key), args[i].(string), args[i+1]))
	}
	s.expire(pipe, key)
	return redpipe.Then(redpipe.All(sets...), func(done []bool) (int64, error) {
		var n int64
		for _, ok := range done {
			if ok {
				n++
			}
		}
		return n, nil
	})
}

// encode returns the key of v and the HSET arguments of its fields.
func (s *Struct[T]) encode(v T) (string, []any, error) {
	rv := reflect.ValueOf(v)
	key := rv.FieldByIndex(s.rec.key).String()
	if key == "" {
		return "", nil, fmt.Errorf("%w: a record of %s has no key: its key field is empty", ErrRule, s.name)
	}
	var args []any
	for _, f := range s.rec.fields {
		fv := rv.FieldByIndex(f.index)
		if f.required && missing(fv) {
			return "", nil, fmt.Errorf("%w: required field %q is missing", ErrRule, f.name)
		}
		switch {
		case nilValue(fv), f.omitempty && fv.IsZero():
			continue
		case f.optional:
			fv = fv.Elem()
		}
		str, err := f.encode(fv)
		if err != nil {
			return "", nil, fmt.Errorf("field %q: %w", f.name, err)
		}
		args = append(args, f.name, str)
	}
	return key, args, nil
}

// Update changes fields of the record at key: each value of changes is
// written with its field's codec, and a nil value removes its field. It
// returns how many fields were new; a nil pointer, slice or map removes
// its field too. The key field cannot be changed, nor a required field
// removed. No changes send nothing, not even the TTL's EXPIRE.
func (s *Struct[T]) Update(ctx context.Context, parent *redpipe.Pipe, key string, changes map[string]any) *redpipe.Future[int64] {
	args, removed, err := s.changes(changes)
	switch {
	case err != nil:
		return failed[int64](ctx, s.keys, parent, "HSET", err)
	case len(args) == 0 && len(removed) == 0:
		return redpipe.Settled[int64](0, nil)
	}
	pipe := s.pipe(parent)
	defer pipe.Execute(ctx)
	var n *redpipe.Future[int64]
	if len(args) > 0 {
		n = pipe.HSet(s.Key(key), args...)
	} else {
		n = redpipe.Settled[int64](0, nil)
	}
	if len(removed) > 0 {
		pipe.HDel(s.Key(key), removed...)
	}
	s.expire(pipe, key)
	return n
}

// UpdateNX is Update for the fields that do not exist yet (HSETNX); nil
// values remove nothing. It returns how many fields it wrote.
func (s *Struct[T]) UpdateNX(ctx context.Context, parent *redpipe.Pipe, key string, changes map[string]any) *redpipe.Future[int64] {
	args, _, err := s.changes(changes)
	switch {
	case err != nil:
		return failed[int64](ctx, s.keys, parent, "HSETNX", err)
	case len(args) == 0:
		return redpipe.Settled[int64](0, nil)
	}
	pipe := s.pipe(parent)
	defer pipe.Execute(ctx)
	return s.setNX(pipe, key, args)
}

// changes returns the HSET arguments and the removed fields of changes.
func (s *Struct[T]) changes(changes map[string]any) (args []any, removed []string, err error) {
	for name, value := range changes {
		f, err := s.field(name)
		if err != nil {
			return nil, nil, err
		}
		v := reflect.ValueOf(value)
		if value == nil || nilValue(v) {
			if f.required {
				return nil, nil, fmt.Errorf("%w: required field %q cannot be removed", ErrRule, name)
			}
			removed = append(removed, name)
			continue
		}
		if f.optional && v.Kind() == reflect.Pointer {
			v = v.Elem()
		}
		if v, err = convert(v, f.typ, name); err != nil {
			return nil, nil, err
		}
		str, err := f.encode(v)
		if err != nil {
			return nil, nil, fmt.Errorf("field %q: %w", name, err)
		}
		args = append(args, name, str)
	}
	return args, removed, nil
}

// Remove removes fields of the record at key; neither a required field nor
// the key field can be removed. With no fields it sends nothing, and its
// future holds 0.
func (s *Struct[T]) Remove(ctx context.Context, parent *redpipe.Pipe, key string, fields ...string) *redpipe.Future[int64] {
	if len(fields) == 0 {
		return redpipe.Settled[int64](0, nil)
	}
	for _, name := range fields {
		f, err := s.field(name)
		switch {
		case err != nil:
			return failed[int64](ctx, s.keys, parent, "HDEL", err)
		case f.required:
			return failed[int64](ctx, s.keys, parent, "HDEL", fmt.Errorf("%w: required field %q cannot be removed", ErrRule, name))
		}
	}
	pipe := s.pipe(parent)
	defer pipe.Execute(ctx)
	n := pipe.HDel(s.Key(key), fields...)
	s.expire(pipe, key)
	return n
}

// Incr adds n to the integer field of the record at key and returns the
// result.
func (s *Struct[T]) Incr(ctx context.Context, parent *redpipe.Pipe, key, field string, n int64) *redpipe.Future[int64] {
	f, err := s.field(field)
	if err == nil && !isInt(f.typ.Kind()) {
		err = fmt.Errorf("%w: field %q takes %s, not an integer", ErrRule, field, withArticle(f.typ))
	}
	if err != nil {
		return failed[int64](ctx, s.keys, parent, "HINCRBY", err)
	}
	pipe := s.pipe(parent)
	defer pipe.Execute(ctx)
	r := pipe.HIncrBy(s.Key(key), field, n)
	s.expire(pipe, key)
	return r
}

// IncrByFloat adds f to the number field of the record at key and returns
// the result.
func (s *Struct[T]) IncrByFloat(ctx context.Context, parent *redpipe.Pipe, key, field string, f float64) *redpipe.Future[float64] {
	fld, err := s.field(field)
	if err == nil && !isInt(fld.typ.Kind()) && !isFloat(fld.typ.Kind()) {
		err = fmt.Errorf("%w: field %q takes %s, not a number", ErrRule, field, withArticle(fld.typ))
	}
	if err != nil {
		return failed[float64](ctx, s.keys, parent, "HINCRBYFLOAT", err)
	}
	pipe := s.pipe(parent)
	defer pipe.Execute(ctx)
	r := pipe.HIncrByFloat(s.Key(key), field, f)
	s.expire(pipe, key)
	return r
}

// field returns the stored field name, or the rule error for a name that
// is not one: the key field is not stored, so it can be neither changed
// nor removed.
func (s *Struct[T]) field(name string) (*field, error) {
	f, ok := s.rec.byName[name]
	switch {
	case ok:
		return f, nil
	case name == s.rec.keyName:
		return nil, fmt.Errorf("%w: %q is the key field of %s: it cannot be changed or removed", ErrRule, name, s.name)
	}
	return nil, fmt.Errorf("%w: %s has no field %q", ErrRule, s.name, name)
}

// missing reports whether v, the value of a required field, is absent: a
// nil pointer, slice or map, or an empty string. A bool, a number or a
// struct is always present.
func missing(v reflect.Value) bool {
	if v.Kind() == reflect.String {
		return v.Len() == 0
	}
	return nilValue(v)
}

// nilValue reports whether v is a nil pointer, slice, map or interface:
// no value, which is not stored.
func nilValue(v reflect.Value) bool {
	switch v.Kind() {
	case reflect.Pointer, reflect.Slice, reflect.Map, reflect.Interface:
		return v.IsNil()
	}
	return false
}

// convert returns v as a value of typ, the type of field name: v itself if
// it is assignable, or the same number if typ is an integer type and v an
// integer that fits it, or typ a float type and v any number.
func convert(v reflect.Value, typ reflect.Type, name string) (reflect.Value, error) {
	if v.Type().AssignableTo(typ) {
		return v, nil
	}
	out := reflect.New(typ).Elem()
	switch {
	case isInt(typ.Kind()) && isInt(v.Kind()):
		if n, ok := intOf(v); ok && typ.Kind() <= reflect.Int64 && !out.OverflowInt(n) {
			out.SetInt(n)
			return out, nil
		}
		if u, ok := uintOf(v); ok && typ.Kind() > reflect.Int64 && !out.OverflowUint(u) {
			out.SetUint(u)
			return out, nil
		}
		return reflect.Value{}, fmt.Errorf("%w: field %q takes %s, and %v does not fit", ErrRule, name, withArticle(typ), v)
	case isFloat(typ.Kind()) && (isInt(v.Kind()) || isFloat(v.Kind())):
		out.SetFloat(v.Convert(typ).Float())
		return out, nil
	}
	return reflect.Value{}, fmt.Errorf("%w: field %q takes %s, got %s", ErrRule, name, withArticle(typ), withArticle(v.Type()))
}

func isInt(k reflect.Kind) bool   { return k >= reflect.Int && k <= reflect.Uint64 }
func isFloat(k reflect.Kind) bool { return k == reflect.Float32 || k == reflect.Float64 }

// intOf returns v, an integer, as an int64, if it fits one.
func intOf(v reflect.Value) (int64, bool) {
	if v.Kind() <= reflect.Int64 {
		return v.Int(), true
	}
	u := v.Uint()
	return int64(u), u <= 1<<63-1
}

// uintOf returns v, an integer, as a uint64, if it is not negative.
func uintOf(v reflect.Value) (uint64, bool) {
	if v.Kind() <= reflect.Int64 {
		n := v.Int()
		return uint64(n), n >= 0
	}
	return v.Uint(), true
}

// withArticle names typ with its indefinite article: "an int64", "a string".
func withArticle(typ reflect.Type) string {
	name := typ.String()
	if strings.ContainsRune("aeiouAEIOU", rune(name[0])) {
		return "an " + name
	}
	return "a " + name
}

// Delete deletes the records of keys and returns how many existed. With
// no key it sends nothing, and its future holds 0.
func (s *Struct[T]) Delete(ctx context.Context, parent *redpipe.Pipe, keys ...string) *redpipe.Future[int64] {
	return s.Del(ctx, parent, keys...)
}

// expire refreshes the TTL of the record at key, if the keyspace has one.
func (s *Struct[T]) expire(pipe *redpipe.Pipe, key string) {
	if s.ttl > 0 {
		pipe.Expire(s.Key(key), s.ttl)
	}
}

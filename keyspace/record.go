package keyspace

import (
	"encoding"
	"encoding/json"
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"time"

	"github.com/go-redpipe/redpipe/codec"
)

// record is how a Struct maps a Go struct type to a Redis hash: its key
// field and its stored fields, from the struct's `redis` tags.
type record struct {
	key     []int  // the index of the key field
	keyName string // the key field's name, as its tag or the struct has it
	fields  []field
	byName  map[string]*field
}

// field is a stored field of a record.
type field struct {
	typ       reflect.Type // of the values the coder takes
	name      string       // the hash field
	index     []int        // the struct field
	required  bool
	omitempty bool
	optional  bool // a pointer: nil is no field
	coder
}

// coder encodes and decodes the value of a struct field (the pointed-to
// value for an optional field).
type coder struct {
	encode func(v reflect.Value) (string, error)
	decode func(s string, v reflect.Value) error // v is settable
}

var (
	timeType        = reflect.TypeFor[time.Time]()
	durationType    = reflect.TypeFor[time.Duration]()
	textMarshaler   = reflect.TypeFor[encoding.TextMarshaler]()
	textUnmarshaler = reflect.TypeFor[encoding.TextUnmarshaler]()
)

// newRecord reads the tags of t, a struct type; codecs are Field options,
// by hash field. It panics on a tag error: they are programming errors.
func newRecord(name string, t reflect.Type, codecs map[string]any) *record {
	fail := func(format string, args ...any) {
		panic(fmt.Sprintf("redpipe: keyspace %s: %s: ", name, t) + fmt.Sprintf(format, args...))
	}
	if t.Kind() != reflect.Struct {
		fail("not a struct")
	}
	r := &record{byName: make(map[string]*field)}
	for i := range t.NumField() {
		sf := t.Field(i)
		tag := sf.Tag.Get("redis")
		if tag == "" || tag == "-" || !sf.IsExported() {
			continue // as go-redis's HSet and Scan of a struct
		}
		parts := strings.Split(tag, ",")
		f := field{name: parts[0], index: sf.Index}
		isKey, isJSON := false, false
		for _, opt := range parts[1:] {
			switch opt {
			case "key":
				isKey = true
			case "required":
				f.required = true
			case "omitempty":
				f.omitempty = true
			case "json":
				isJSON = true
			default:
				fail("field %s: unknown tag option %q", sf.Name, opt)
			}
		}
		if isKey {
			if r.key != nil {
				fail("two key fields")
			}
			if sf.Type.Kind() != reflect.String {
				fail("the key field %s is a %s, not a string", sf.Name, sf.Type)
			}
			r.key, r.keyName = sf.Index, f.name
			if f.name == "" {
				r.keyName = sf.Name
			}
			continue
		}
		if f.name == "" {
			continue // a tag without a name: go-redis stores no field for it
		}
		typ := sf.Type
		if typ.Kind() == reflect.Pointer && !isJSON {
			f.optional, typ = true, typ.Elem()
		}
		f.typ = typ
		var ok bool
		switch c, given := codecs[f.name]; {
		case given:
			f.coder, ok = codecFor(typ, c)
			if !ok {
				fail("field %s: the codec given for %q is a %T, not a codec.Codec[%s]", sf.Name, f.name, c, typ)
			}
		case isJSON:
			f.coder, ok = jsonCoder(), true
		default:
			f.coder, ok = coderFor(typ)
		}
		if !ok {
			fail("field %s: no codec for %s (tag it json, or give a codec with Field)", sf.Name, typ)
		}
		if _, dup := r.byName[f.name]; dup {
			fail("two fields stored as %q", f.name)
		}
		r.fields = append(r.fields, f)
		r.byName[f.name] = &r.fields[len(r.fields)-1]
	}
	if r.key == nil {
		fail("no key field (tag a string field `redis:\",key\"`)")
	}
	for i := range r.fields { // the map's pointers, after the last append
		r.byName[r.fields[i].name] = &r.fields[i]
	}
	return r
}

// coderFor returns the coder of values of type t, by its kind.
func coderFor(t reflect.Type) (coder, bool) {
	switch {
	case t == timeType:
		return typed(codec.Time), true
	case t == durationType:
		return typed(codec.Duration), true
	case reflect.PointerTo(t).Implements(textUnmarshaler) && t.Implements(textMarshaler):
		return textCoder(), true
	}
	switch t.Kind() {
	case reflect.String:
		return coder{
			encode: func(v reflect.Value) (string, error) { return v.String(), nil },
			decode: func(s string, v reflect.Value) error { v.SetString(s); return nil },
		}, true
	case reflect.Slice:
		if t.Elem().Kind() == reflect.Uint8 {
			return coder{
				encode: func(v reflect.Value) (string, error) { return string(v.Bytes()), nil },
				decode: func(s string, v reflect.Value) error { v.SetBytes([]byte(s)); return nil },
			}, true
		}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return coder{
			encode: func(v reflect.Value) (string, error) { return codec.Int.Encode(v.Int()) },
			decode: func(s string, v reflect.Value) error {
				n, err := codec.Int.Decode(s)
				if err == nil && v.OverflowInt(n) {
					err = fmt.Errorf("codec: %d overflows %s", n, v.Type())
				}
				if err == nil {
					v.SetInt(n)
				}
				return err
			},
		}, true
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return coder{
			encode: func(v reflect.Value) (string, error) { return strconv.FormatUint(v.Uint(), 10), nil },
			decode: func(s string, v reflect.Value) error {
				n, err := strconv.ParseUint(strings.TrimSpace(s), 10, 64)
				if err == nil && v.OverflowUint(n) {
					err = fmt.Errorf("%d overflows %s", n, v.Type())
				}
				if err != nil {
					return fmt.Errorf("codec: cannot decode %q as %s: %w", s, v.Type(), err)
				}
				v.SetUint(n)
				return nil
			},
		}, true
	case reflect.Float32, reflect.Float64:
		return coder{
			encode: func(v reflect.Value) (string, error) { return codec.Float.Encode(v.Float()) },
			decode: func(s string, v reflect.Value) error {
				f, err := codec.Float.Decode(s)
				if err == nil {
					v.SetFloat(f)
				}
				return err
			},
		}, true
	case reflect.Bool:
		return typed(codec.Bool), true
	}
	return coder{}, false
}

// typed returns the coder of a codec whose type is the field's.
func typed[T any](c codec.Codec[T]) coder {
	return coder{
		encode: func(v reflect.Value) (string, error) { return c.Encode(v.Interface().(T)) },
		decode: func(s string, v reflect.Value) error {
			x, err := c.Decode(s)
			if err == nil {
				v.Set(reflect.ValueOf(x))
			}
			return err
		},
	}
}

// codecFor returns the coder of c, given with Field, for values of type t:
// c must be a codec.Codec[t].
func codecFor(t reflect.Type, c any) (coder, bool) {
	cv := reflect.ValueOf(c)
	enc, dec := cv.MethodByName("Encode"), cv.MethodByName("Decode")
	if !enc.IsValid() || !dec.IsValid() || enc.Type().NumIn() != 1 || enc.Type().In(0) != t ||
		dec.Type().NumOut() != 2 || dec.Type().Out(0) != t {
		return coder{}, false
	}
	return coder{
		encode: func(v reflect.Value) (string, error) {
			out := enc.Call([]reflect.Value{v})
			err, _ := out[1].Interface().(error)
			return out[0].String(), err
		},
		decode: func(s string, v reflect.Value) error {
			out := dec.Call([]reflect.Value{reflect.ValueOf(s)})
			err, _ := out[1].Interface().(error)
			if err == nil {
				v.Set(out[0])
			}
			return err
		},
	}, true
}

// textCoder is the coder of a type with MarshalText and UnmarshalText.
func textCoder() coder {
	return coder{
		encode: func(v reflect.Value) (string, error) {
			b, err := v.Interface().(encoding.TextMarshaler).MarshalText()
			if err != nil {
				return "", fmt.Errorf("%w: %v", codec.ErrInvalid, err)
			}
			return string(b), nil
		},
		decode: func(s string, v reflect.Value) error {
			return v.Addr().Interface().(encoding.TextUnmarshaler).UnmarshalText([]byte(s))
		},
	}
}

// jsonCoder is the coder of a field tagged json.
func jsonCoder() coder {
	return coder{
		encode: func(v reflect.Value) (string, error) {
			b, err := json.Marshal(v.Interface())
			if err != nil {
				return "", fmt.Errorf("%w: %v", codec.ErrInvalid, err)
			}
			return string(b), nil
		},
		decode: func(s string, v reflect.Value) error {
			return json.Unmarshal([]byte(s), v.Addr().Interface())
		},
	}
}

package codec

import (
	"encoding/json"
	"reflect"
	"unicode/utf8"
)

// JSON returns the codec that stores a T as JSON, as RedPipe's ListField
// and DictField do; RedPipe reads what it writes, and it reads what
// RedPipe writes. It writes what Python's json.dumps writes with its
// defaults, so that a JSON member of a set or sorted set is the same
// bytes on both sides: `{"a": 1, "b": [1.0, "\u00e9"]}`, with ", " and
// ": " between items, every character outside printable ASCII as \uXXXX
// (a surrogate pair above U+FFFF), and a float as Python writes it (1.0,
// 1e+16), an integer as an integer. Which values are written how follows
// encoding/json: json tags, Marshalers, []byte as base64, map keys
// sorted. A Python dict keeps its insertion order instead, so only members
// whose key order both sides agree on match. In a struct with an embedded
// field or a ",string" field, and in what a Marshaler writes, an integral
// float is written as an integer. It refuses what JSON cannot hold (NaN,
// channels, ...) and strings that are not valid UTF-8. A value reads back
// as encoding/json reads it: a number in an any becomes a float64.
func JSON[T any]() Codec[T] { return jsonCodec[T]{} }

type jsonCodec[T any] struct{}

func (jsonCodec[T]) Encode(v T) (string, error) {
	if !validUTF8(reflect.ValueOf(v), 0) {
		return "", invalid("a string is not valid UTF-8")
	}
	b, err := appendPy(nil, reflect.ValueOf(v), 0)
	if err != nil {
		return "", err
	}
	return string(b), nil
}

func (jsonCodec[T]) Decode(s string) (T, error) {
	var v T
	if err := json.Unmarshal([]byte(s), &v); err != nil {
		var zero T
		return zero, cannot("JSON", s, err)
	}
	return v, nil
}

// validUTF8 reports whether every string v holds is valid UTF-8: those
// encoding/json would replace with U+FFFD. Past maxDepth it stops looking,
// and encoding/json reports the cycle.
func validUTF8(v reflect.Value, depth int) bool {
	if depth > maxDepth {
		return true
	}
	depth++
	switch v.Kind() {
	case reflect.String:
		return utf8.ValidString(v.String())
	case reflect.Pointer, reflect.Interface:
		return v.IsNil() || validUTF8(v.Elem(), depth)
	case reflect.Slice, reflect.Array:
		if v.Kind() == reflect.Slice && v.Type().Elem().Kind() == reflect.Uint8 {
			return true // []byte: base64
		}
		for i := range v.Len() {
			if !validUTF8(v.Index(i), depth) {
				return false
			}
		}
	case reflect.Map:
		for it := v.MapRange(); it.Next(); {
			if !validUTF8(it.Key(), depth) || !validUTF8(it.Value(), depth) {
				return false
			}
		}
	case reflect.Struct:
		for i := range v.NumField() {
			if v.Type().Field(i).IsExported() && !validUTF8(v.Field(i), depth) {
				return false
			}
		}
	}
	return true
}

// maxDepth bounds how deep validUTF8 looks: deeper than encoding/json
// writes before it looks for cycles.
const maxDepth = 1100

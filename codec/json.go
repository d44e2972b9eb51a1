package codec

import (
	"encoding/json"
	"reflect"
)

// JSON returns the codec that stores a T as JSON, as RedPipe's ListField
// and DictField do; RedPipe reads what it writes, and it reads what
// RedPipe writes.
//
// It writes what Python's json.dumps writes with its defaults, so that a
// JSON member of a set or sorted set is the same bytes on both sides:
// `{"a": 1, "b": [1.0, "\u00e9"]}`. That is ", " and ": " between items;
// every character outside printable ASCII as \uXXXX with lowercase hex
// digits, a surrogate pair above U+FFFF, and "<", ">", "&" and "/" as they
// are; a float as Python's repr writes it (1.0, 0.5, 1e+16, 1e-07), an
// integer as an integer. Map keys are written sorted; a Python dict keeps
// its insertion order instead, so only members whose key order both sides
// agree on match.
//
// Which values are written how follows encoding/json: struct fields in
// their order, with their json tags and options, Marshalers, []byte as
// base64, nil slices and maps as null; a json.Number is written as the
// number Python reads from it, an integer whatever its size. In what a
// Marshaler writes an integral float is written as an integer, as the
// Marshaler wrote it. It refuses what JSON cannot hold (NaN, channels,
// cycles, ...) and strings that are not valid UTF-8. A value reads back as
// encoding/json reads it: a number in an any becomes a float64.
func JSON[T any]() Codec[T] { return jsonCodec[T]{} }

type jsonCodec[T any] struct{}

func (jsonCodec[T]) Encode(v T) (string, error) {
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

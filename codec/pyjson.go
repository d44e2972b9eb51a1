package codec

import (
	"bytes"
	"encoding"
	"encoding/base64"
	"encoding/json"
	"reflect"
	"slices"
	"strconv"
	"strings"
)

// Python's JSON. RedPipe stores JSON fields with Python's json.dumps and
// its defaults: ", " and ": " between items, every character outside
// printable ASCII escaped as \uXXXX, floats as Python's repr writes them.
// A JSON member of a set or sorted set must be written byte for byte alike
// on both sides to be found by either, so JSON writes that format.
//
// Which Go values are written how follows encoding/json: the same struct
// fields under the same names, Marshalers, []byte as base64, map keys
// sorted. The value is walked here rather than marshalled by encoding/json
// and reformatted, because encoding/json writes the float 1.0 as 1, and
// Python writes it 1.0: only the Go type tells a float from an integer.
// What a Marshaler writes is reformatted; there an integral float reads as
// an integer.

// maxDepth bounds how deep appendPy follows a value: deeper than
// encoding/json writes before it looks for cycles.
const maxDepth = 1100

// appendPy appends the JSON of v to b as Python's json.dumps writes it.
func appendPy(b []byte, v reflect.Value, depth int) ([]byte, error) {
	if depth > maxDepth {
		return nil, invalid("a value nests deeper than %d levels, or holds a cycle", maxDepth)
	}
	depth++
	if !v.IsValid() {
		return append(b, "null"...), nil
	}
	if marshals(v) {
		return appendPyMarshaled(b, v)
	}
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if v.IsNil() {
			return append(b, "null"...), nil
		}
		return appendPy(b, v.Elem(), depth)
	case reflect.Bool:
		return strconv.AppendBool(b, v.Bool()), nil
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return strconv.AppendInt(b, v.Int(), 10), nil
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return strconv.AppendUint(b, v.Uint(), 10), nil
	case reflect.Float32, reflect.Float64:
		return appendPyFloat(b, v.Float(), v.Type().Bits())
	case reflect.String:
		if v.Type() == numberType {
			return appendPyNumber(b, v.String())
		}
		return appendPyValidString(b, v.String())
	case reflect.Slice:
		if v.IsNil() {
			return append(b, "null"...), nil
		}
		if isByteSlice(v.Type()) {
			return appendPyString(b, base64.StdEncoding.EncodeToString(v.Bytes())), nil
		}
		fallthrough
	case reflect.Array:
		b = append(b, '[')
		for i := range v.Len() {
			if i > 0 {
				b = append(b, ", "...)
			}
			var err error
			if b, err = appendPy(b, v.Index(i), depth); err != nil {
				return nil, err
			}
		}
		return append(b, ']'), nil
	case reflect.Map:
		return appendPyMap(b, v, depth)
	case reflect.Struct:
		return appendPyStruct(b, v, depth)
	}
	return nil, invalid("JSON cannot hold a %s", v.Type())
}

var (
	marshalerType     = reflect.TypeFor[json.Marshaler]()
	textMarshalerType = reflect.TypeFor[encoding.TextMarshaler]()
	numberType        = reflect.TypeFor[json.Number]()
	isZeroerType      = reflect.TypeFor[interface{ IsZero() bool }]()
)

// marshals reports whether v writes its own JSON, as a json.Marshaler or
// an encoding.TextMarshaler: by a method of its type, or of its pointer
// type when v is addressable, as encoding/json calls them.
func marshals(v reflect.Value) bool {
	t := v.Type()
	if t.Kind() == reflect.Pointer && v.IsNil() {
		return false
	}
	if t.Implements(marshalerType) || t.Implements(textMarshalerType) {
		return true
	}
	p := reflect.PointerTo(t)
	return v.CanAddr() && (p.Implements(marshalerType) || p.Implements(textMarshalerType))
}

// appendPyMarshaled appends the JSON that v's marshaler writes, in
// Python's format. An addressable value is marshalled through its
// address, so that a MarshalJSON on the pointer wins over a MarshalText
// on the value, as in encoding/json.
func appendPyMarshaled(b []byte, v reflect.Value) ([]byte, error) {
	if v.CanAddr() && v.Kind() != reflect.Pointer && v.Kind() != reflect.Interface {
		v = v.Addr()
	}
	if !v.CanInterface() {
		return nil, invalid("JSON cannot call the marshaler of a %s reached through an unexported field", v.Type())
	}
	raw, err := json.Marshal(v.Interface())
	if err != nil {
		return nil, invalid("%w", err)
	}
	return appendPyRaw(b, raw)
}

// isByteSlice reports whether encoding/json writes a slice of type t as
// base64: a slice of bytes whose element type has no marshaler.
func isByteSlice(t reflect.Type) bool {
	if t.Elem().Kind() != reflect.Uint8 {
		return false
	}
	p := reflect.PointerTo(t.Elem())
	return !p.Implements(marshalerType) && !p.Implements(textMarshalerType)
}

// appendPyMap appends a map with its keys sorted, as encoding/json writes
// them: strings as they are, text marshalers by their text, integers in
// decimal.
func appendPyMap(b []byte, v reflect.Value, depth int) ([]byte, error) {
	kt := v.Type().Key()
	switch kt.Kind() {
	case reflect.String,
		reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
	default:
		if !kt.Implements(textMarshalerType) {
			return nil, invalid("JSON cannot hold a map with %s keys", kt)
		}
	}
	if v.IsNil() {
		return append(b, "null"...), nil
	}
	type entry struct {
		key string
		val reflect.Value
	}
	entries := make([]entry, 0, v.Len())
	for it := v.MapRange(); it.Next(); {
		key, err := mapKey(it.Key())
		if err != nil {
			return nil, err
		}
		entries = append(entries, entry{key, it.Value()})
	}
	slices.SortFunc(entries, func(a, b entry) int { return strings.Compare(a.key, b.key) })
	b = append(b, '{')
	for i, e := range entries {
		if i > 0 {
			b = append(b, ", "...)
		}
		var err error
		if b, err = appendPyValidString(b, e.key); err != nil {
			return nil, err
		}
		b = append(b, ": "...)
		if b, err = appendPy(b, e.val, depth); err != nil {
			return nil, err
		}
	}
	return append(b, '}'), nil
}

// mapKey returns the name encoding/json gives to the map key k.
func mapKey(k reflect.Value) (string, error) {
	if k.Kind() == reflect.String {
		return k.String(), nil
	}
	if k.Type().Implements(textMarshalerType) {
		if k.Kind() == reflect.Pointer && k.IsNil() {
			return "", nil
		}
		if !k.CanInterface() {
			return "", invalid("JSON cannot call the marshaler of a %s reached through an unexported field", k.Type())
		}
		text, err := k.Interface().(encoding.TextMarshaler).MarshalText()
		if err != nil {
			return "", invalid("%w", err)
		}
		return string(text), nil
	}
	if k.CanInt() {
		return strconv.FormatInt(k.Int(), 10), nil
	}
	return strconv.FormatUint(k.Uint(), 10), nil
}

// appendPyRaw appends raw, JSON that encoding/json wrote, in Python's
// format.
func appendPyRaw(b, raw []byte) ([]byte, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	return appendPyToken(b, dec)
}

// appendPyToken appends the value whose first token dec reads next.
func appendPyToken(b []byte, dec *json.Decoder) ([]byte, error) {
	tok, err := dec.Token()
	if err != nil {
		return nil, invalid("%w", err)
	}
	switch tok := tok.(type) {
	case json.Delim:
		end := byte(']')
		if tok == '{' {
			end = '}'
		}
		b = append(b, byte(tok))
		for i := 0; dec.More(); i++ {
			if i > 0 {
				b = append(b, ", "...)
			}
			if tok == '{' {
				key, err := dec.Token()
				if err != nil {
					return nil, invalid("%w", err)
				}
				b = appendPyString(b, key.(string))
				b = append(b, ": "...)
			}
			if b, err = appendPyToken(b, dec); err != nil {
				return nil, err
			}
		}
		if _, err := dec.Token(); err != nil {
			return nil, invalid("%w", err)
		}
		return append(b, end), nil
	case string:
		return appendPyString(b, tok), nil
	case json.Number:
		return appendPyNumber(b, tok.String())
	case bool:
		return strconv.AppendBool(b, tok), nil
	}
	return append(b, "null"...), nil
}

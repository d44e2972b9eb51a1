package codec

import (
	"bytes"
	"encoding"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// Python's JSON. RedPipe stores JSON fields with Python's json.dumps and
// its defaults: ", " and ": " between items, every character outside
// printable ASCII escaped as \uXXXX, floats as Python's repr writes them.
// A JSON member of a set or sorted set must be written byte for byte alike
// on both sides to be found by either, so JSON writes that format.

// appendPy appends the JSON of v to b as Python's json.dumps writes it,
// following encoding/json's rules for which values are written how.
func appendPy(b []byte, v reflect.Value, depth int) ([]byte, error) {
	if depth > maxDepth {
		return nil, invalid("a value nests deeper than %d levels, or holds a cycle", maxDepth)
	}
	depth++
	if !v.IsValid() {
		return append(b, "null"...), nil
	}
	if marshals(v) {
		raw, err := json.Marshal(v.Interface())
		if err != nil {
			return nil, invalid("%v", err)
		}
		return appendPyRaw(b, raw)
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
		return appendPyString(b, v.String()), nil
	case reflect.Slice:
		if v.IsNil() {
			return append(b, "null"...), nil
		}
		if v.Type().Elem().Kind() == reflect.Uint8 {
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
)

// marshals reports whether v writes its own JSON, as a json.Marshaler or
// an encoding.TextMarshaler, as encoding/json calls them.
func marshals(v reflect.Value) bool {
	t := v.Type()
	if t.Kind() == reflect.Pointer && v.IsNil() {
		return false
	}
	return t.Implements(marshalerType) || t.Implements(textMarshalerType) ||
		v.CanAddr() && (reflect.PointerTo(t).Implements(marshalerType) || reflect.PointerTo(t).Implements(textMarshalerType))
}

// appendPyMap appends a map with its keys sorted, as encoding/json writes
// them: strings as they are, integers in decimal, text marshalers by their
// text.
func appendPyMap(b []byte, v reflect.Value, depth int) ([]byte, error) {
	if v.IsNil() {
		return append(b, "null"...), nil
	}
	type entry struct {
		key string
		val reflect.Value
	}
	entries := make([]entry, 0, v.Len())
	for it := v.MapRange(); it.Next(); {
		k := it.Key()
		var key string
		switch {
		case k.Kind() == reflect.String:
			key = k.String()
		case k.Type().Implements(textMarshalerType):
			if k.Kind() == reflect.Pointer && k.IsNil() {
				key = ""
				break
			}
			text, err := k.Interface().(encoding.TextMarshaler).MarshalText()
			if err != nil {
				return nil, invalid("%v", err)
			}
			key = string(text)
		case k.CanInt():
			key = strconv.FormatInt(k.Int(), 10)
		case k.CanUint():
			key = strconv.FormatUint(k.Uint(), 10)
		default:
			return nil, invalid("JSON cannot hold a map with %s keys", k.Type())
		}
		entries = append(entries, entry{key, it.Value()})
	}
	slices.SortFunc(entries, func(a, b entry) int { return strings.Compare(a.key, b.key) })
	b = append(b, '{')
	for i, e := range entries {
		if i > 0 {
			b = append(b, ", "...)
		}
		b = appendPyString(b, e.key)
		b = append(b, ": "...)
		var err error
		if b, err = appendPy(b, e.val, depth); err != nil {
			return nil, err
		}
	}
	return append(b, '}'), nil
}

// appendPyStruct appends a struct's fields in their order, named and left
// out by their json tags as encoding/json does. A struct with an embedded
// field, or a field tagged ",string", is written by encoding/json and
// rewritten: there an integral float reads as an integer.
func appendPyStruct(b []byte, v reflect.Value, depth int) ([]byte, error) {
	t := v.Type()
	type field struct {
		index           int
		name            string
		omitEmpty, zero bool
	}
	var fields []field
	for i := range t.NumField() {
		sf := t.Field(i)
		tag := sf.Tag.Get("json")
		if sf.Anonymous || strings.Contains(tag, ",string") {
			raw, err := json.Marshal(v.Interface())
			if err != nil {
				return nil, invalid("%v", err)
			}
			return appendPyRaw(b, raw)
		}
		if !sf.IsExported() || tag == "-" {
			continue
		}
		name, opts, _ := strings.Cut(tag, ",")
		if name == "" {
			name = sf.Name
		}
		f := field{index: i, name: name}
		for opt := range strings.SplitSeq(opts, ",") {
			f.omitEmpty = f.omitEmpty || opt == "omitempty"
			f.zero = f.zero || opt == "omitzero"
		}
		fields = append(fields, f)
	}
	b = append(b, '{')
	first := true
	for _, f := range fields {
		fv := v.Field(f.index)
		if f.omitEmpty && emptyValue(fv) || f.zero && fv.IsZero() {
			continue
		}
		if !first {
			b = append(b, ", "...)
		}
		first = false
		b = appendPyString(b, f.name)
		b = append(b, ": "...)
		var err error
		if b, err = appendPy(b, fv, depth); err != nil {
			return nil, err
		}
	}
	return append(b, '}'), nil
}

// emptyValue reports whether v is empty as omitempty means it.
func emptyValue(v reflect.Value) bool {
	switch v.Kind() {
	case reflect.Array, reflect.Map, reflect.Slice, reflect.String:
		return v.Len() == 0
	case reflect.Bool, reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr,
		reflect.Float32, reflect.Float64, reflect.Interface, reflect.Pointer:
		return v.IsZero()
	}
	return false
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
		return nil, invalid("%v", err)
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
					return nil, invalid("%v", err)
				}
				b = appendPyString(b, key.(string))
				b = append(b, ": "...)
			}
			if b, err = appendPyToken(b, dec); err != nil {
				return nil, err
			}
		}
		if _, err := dec.Token(); err != nil {
			return nil, invalid("%v", err)
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

// appendPyNumber appends a JSON number: an integer as it is, any other as
// a Python float.
func appendPyNumber(b []byte, n string) ([]byte, error) {
	if !strings.ContainsAny(n, ".eE") {
		if _, err := strconv.ParseInt(n, 10, 64); err == nil {
			return append(b, n...), nil
		}
	}
	f, err := strconv.ParseFloat(n, 64)
	if err != nil {
		return nil, invalid("%q is not a JSON number", n)
	}
	return appendPyFloat(b, f, 64)
}

// appendPyFloat appends f as Python's repr writes a float: the shortest
// digits that read back as f, in positional form with at least one digit
// after the point, unless its decimal exponent is below -4 or at least
// 16, where Python writes 1e+16 and 1.5e-05. bits is 32 for a float32,
// written with the digits of a float32, as encoding/json does.
func appendPyFloat(b []byte, f float64, bits int) ([]byte, error) {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return nil, invalid("JSON cannot hold %v", f)
	}
	sci := strconv.FormatFloat(f, 'e', -1, bits) // d.ddde±XX
	exp, err := strconv.Atoi(sci[strings.IndexByte(sci, 'e')+1:])
	if err != nil {
		return nil, fmt.Errorf("codec: %q: %w", sci, err)
	}
	if exp < -4 || exp >= 16 {
		return append(b, sci...), nil
	}
	fixed := strconv.FormatFloat(f, 'f', -1, bits)
	b = append(b, fixed...)
	if !strings.ContainsRune(fixed, '.') {
		b = append(b, ".0"...)
	}
	return b, nil
}

// appendPyString appends s as a JSON string with Python's ensure_ascii:
// every character outside printable ASCII as \uXXXX, those above U+FFFF as
// a surrogate pair, and the usual short escapes.
func appendPyString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	for _, r := range s {
		switch {
		case r == '"' || r == '\\':
			b = append(b, '\\', byte(r))
		case r == '\n':
			b = append(b, `\n`...)
		case r == '\r':
			b = append(b, `\r`...)
		case r == '\t':
			b = append(b, `\t`...)
		case r == '\b':
			b = append(b, `\b`...)
		case r == '\f':
			b = append(b, `\f`...)
		case r >= 0x20 && r < 0x7f:
			b = append(b, byte(r))
		case r > 0xffff:
			hi, lo := utf16.EncodeRune(r)
			for _, u := range []rune{hi, lo} {
				b = append(b, '\\', 'u', hex[u>>12&0xf], hex[u>>8&0xf], hex[u>>4&0xf], hex[u&0xf])
			}
		default:
			if r == utf8.RuneError {
				r = 0xfffd
			}
			b = append(b, '\\', 'u', hex[r>>12&0xf], hex[r>>8&0xf], hex[r>>4&0xf], hex[r&0xf])
		}
	}
	return append(b, '"')
}

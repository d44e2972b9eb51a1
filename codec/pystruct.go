package codec

import (
	"cmp"
	"encoding/json"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"
)

// Structs, as encoding/json writes them: the same fields under the same
// names, found by its rules, written in Python's format.

// appendPyStruct appends a struct's fields in the order and under the
// names encoding/json gives them, leaving out those it leaves out.
func appendPyStruct(b []byte, v reflect.Value, depth int) ([]byte, error) {
	b = append(b, '{')
	first := true
fields:
	for _, f := range structFields(v.Type()) {
		fv := v
		for _, i := range f.index {
			if fv.Kind() == reflect.Pointer {
				if fv.IsNil() {
					continue fields // a field of a nil embedded pointer
				}
				fv = fv.Elem()
			}
			fv = fv.Field(i)
		}
		if f.omitEmpty && isEmpty(fv) || f.omitZero && isZero(fv) {
			continue
		}
		if !first {
			b = append(b, ", "...)
		}
		first = false
		b = appendPyString(b, f.name)
		b = append(b, ": "...)
		var err error
		if f.quoted {
			b, err = appendPyQuoted(b, fv, depth)
		} else {
			b, err = appendPy(b, fv, depth)
		}
		if err != nil {
			return nil, err
		}
	}
	return append(b, '}'), nil
}

// isEmpty reports whether v is empty as the omitempty option means it.
func isEmpty(v reflect.Value) bool {
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

// isZero reports whether v is zero as the omitzero option means it: by
// the IsZero method of its type, or of its pointer type, if it has one,
// else as reflect.Value.IsZero says.
func isZero(v reflect.Value) bool {
	t := v.Type()
	zeroer := func(v reflect.Value) bool {
		if !v.CanInterface() {
			return v.IsZero()
		}
		return v.Interface().(interface{ IsZero() bool }).IsZero()
	}
	switch {
	case t.Kind() == reflect.Interface && t.Implements(isZeroerType):
		return v.IsNil() || v.Elem().Kind() == reflect.Pointer && v.Elem().IsNil() || zeroer(v)
	case t.Kind() == reflect.Pointer && t.Implements(isZeroerType):
		return v.IsNil() || zeroer(v)
	case t.Implements(isZeroerType):
		return zeroer(v)
	case reflect.PointerTo(t).Implements(isZeroerType) && v.CanInterface():
		if !v.CanAddr() {
			boxed := reflect.New(t).Elem()
			boxed.Set(v)
			v = boxed
		}
		return zeroer(v.Addr())
	}
	return v.IsZero()
}

// appendPyQuoted appends a field tagged ",string" as encoding/json writes
// it: the JSON of its bool, number or string, inside a string. A nil
// pointer is null, and a value with a marshaler writes its own JSON.
func appendPyQuoted(b []byte, v reflect.Value, depth int) ([]byte, error) {
	if v.Kind() == reflect.Pointer && !marshals(v) {
		if v.IsNil() {
			return append(b, "null"...), nil
		}
		v = v.Elem()
	}
	if marshals(v) {
		return appendPy(b, v, depth)
	}
	var inner []byte
	var err error
	switch v.Kind() {
	case reflect.Bool:
		inner = strconv.AppendBool(nil, v.Bool())
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		inner = strconv.AppendInt(nil, v.Int(), 10)
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		inner = strconv.AppendUint(nil, v.Uint(), 10)
	case reflect.Float32:
		inner, err = json.Marshal(float32(v.Float()))
	case reflect.Float64:
		inner, err = json.Marshal(v.Float())
	case reflect.String:
		if v.Type() == numberType {
			inner, err = json.Marshal(json.Number(v.String()))
		} else if utf8.ValidString(v.String()) {
			inner, err = json.Marshal(v.String())
		} else {
			return nil, invalid("a string is not valid UTF-8")
		}
	default:
		return appendPy(b, v, depth)
	}
	if err != nil {
		return nil, invalid("%w", err)
	}
	return appendPyString(b, string(inner)), nil
}

// pyField is a struct field as encoding/json writes it.
type pyField struct {
	name      string
	tagged    bool  // the name comes from a json tag
	index     []int // the path to the field, through embedded structs
	omitEmpty bool
	omitZero  bool
	quoted    bool // tagged ",string", and of a kind that option applies to
}

// fieldCache maps a struct type to its []pyField.
var fieldCache sync.Map

// structFields returns the fields encoding/json writes for the struct
// type t, in the order it writes them.
func structFields(t reflect.Type) []pyField {
	if f, ok := fieldCache.Load(t); ok {
		return f.([]pyField)
	}
	f, _ := fieldCache.LoadOrStore(t, typeFields(t))
	return f.([]pyField)
}

// typeFields finds the fields of t by encoding/json's rules: exported
// fields, and those of embedded structs promoted as Go promotes them,
// except that a tagged name wins over an untagged one at the same depth
// and a name that two fields at the same depth claim alike is left out.
func typeFields(t reflect.Type) []pyField {
	type embedded struct {
		typ   reflect.Type
		index []int
	}
	var fields []pyField
	var count, nextCount map[reflect.Type]int
	visited := map[reflect.Type]bool{}
	current, next := []embedded{}, []embedded{{typ: t}}
	for len(next) > 0 {
		current, next = next, current[:0]
		count, nextCount = nextCount, map[reflect.Type]int{}
		for _, e := range current {
			if visited[e.typ] {
				continue
			}
			visited[e.typ] = true
			for i := range e.typ.NumField() {
				sf := e.typ.Field(i)
				if sf.Anonymous {
					st := sf.Type
					if st.Kind() == reflect.Pointer {
						st = st.Elem()
					}
					if !sf.IsExported() && st.Kind() != reflect.Struct {
						continue
					}
				} else if !sf.IsExported() {
					continue
				}
				tag := sf.Tag.Get("json")
				if tag == "-" {
					continue
				}
				name, opts, _ := strings.Cut(tag, ",")
				if !isValidTag(name) {
					name = ""
				}
				index := append(slices.Clip(e.index), i)
				ft := sf.Type
				if ft.Name() == "" && ft.Kind() == reflect.Pointer {
					ft = ft.Elem()
				}
				if name == "" && sf.Anonymous && ft.Kind() == reflect.Struct {
					nextCount[ft]++
					if nextCount[ft] == 1 {
						next = append(next, embedded{ft, index})
					}
					continue
				}
				f := pyField{name: name, tagged: name != "", index: index}
				if f.name == "" {
					f.name = sf.Name
				}
				for opt := range strings.SplitSeq(opts, ",") {
					switch opt {
					case "omitempty":
						f.omitEmpty = true
					case "omitzero":
						f.omitZero = true
					case "string":
						f.quoted = quotable(ft.Kind())
					}
				}
				fields = append(fields, f)
				if count[e.typ] > 1 {
					// The struct is embedded twice at this depth: its
					// fields collide with themselves and are left out.
					fields = append(fields, f)
				}
			}
		}
	}
	slices.SortFunc(fields, func(a, b pyField) int {
		return cmp.Or(strings.Compare(a.name, b.name), cmp.Compare(len(a.index), len(b.index)),
			compareTagged(a, b), slices.Compare(a.index, b.index))
	})
	out := fields[:0]
	for i := 0; i < len(fields); {
		j := i + 1
		for j < len(fields) && fields[j].name == fields[i].name {
			j++
		}
		// The first field of a name dominates, unless the next one is as
		// shallow and as tagged.
		if j == i+1 || len(fields[i].index) != len(fields[i+1].index) || fields[i].tagged != fields[i+1].tagged {
			out = append(out, fields[i])
		}
		i = j
	}
	slices.SortFunc(out, func(a, b pyField) int { return slices.Compare(a.index, b.index) })
	return out
}

// compareTagged orders a field with a tagged name before one without.
func compareTagged(a, b pyField) int {
	switch {
	case a.tagged == b.tagged:
		return 0
	case a.tagged:
		return -1
	}
	return +1
}

// quotable reports whether the ",string" option applies to a field of
// kind k.
func quotable(k reflect.Kind) bool {
	switch k {
	case reflect.Bool,
		reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr,
		reflect.Float32, reflect.Float64,
		reflect.String:
		return true
	}
	return false
}

// isValidTag reports whether encoding/json takes s as a field name:
// letters, digits and punctuation other than quotes and backslash.
func isValidTag(s string) bool {
	if s == "" {
		return false
	}
	for _, c := range s {
		if !strings.ContainsRune("!#$%&()*+-./:;<=>?@[]^_{|}~ ", c) && !unicode.IsLetter(c) && !unicode.IsDigit(c) {
			return false
		}
	}
	return true
}

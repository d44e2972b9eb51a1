package codec_test

import (
	"encoding/json"
	"errors"
	"io"
	"math"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/go-redpipe/redpipe/codec"
)

type inner struct{ A float64 }

type embedding struct {
	inner
	B string `json:"b"`
}

type tagged struct {
	Name  string  `json:"name"`
	Ratio float64 `json:"ratio"`
	Skip  string  `json:"-"`
	Empty string  `json:"empty,omitempty"`
	Plain int
}

type quoted struct {
	F float64     `json:"f,string"`
	I int         `json:",string"`
	S string      `json:"s,string"`
	P *float64    `json:"p,string"`
	N *bool       `json:"n,string"`
	J json.Number `json:"j,string"`
	//lint:ignore SA5008 encoding/json ignores ",string" here: so must JSON
	L []int `json:"l,string"`
	G float64
}

// TestJSONWritesPython checks the exact bytes JSON writes: what Python's
// json.dumps writes for the same value.
func TestJSONWritesPython(t *testing.T) {
	two := 2.0
	cases := []struct {
		name string
		v    any
		want string
	}{
		{"dict", map[string]any{"a": 1, "b": "test"}, `{"a": 1, "b": "test"}`},
		{"list", []any{1, "a"}, `[1, "a"]`},
		{"non-ASCII key", map[string][]int{"é": {1, 2}}, `{"\u00e9": [1, 2]}`},
		{"above the BMP", "😀", `"\ud83d\ude00"`},
		{"lowercase hex", "\u00c9\u2603\uffff", `"\u00c9\u2603\uffff"`},
		{"html", "<a&b>", `"<a&b>"`},
		{"escapes", "q\"b\\s/\n\r\t\b\f\x01\x1f\x7f", `"q\"b\\s/\n\r\t\b\f\u0001\u001f\u007f"`},
		{"line separators", "\u2028\u2029", `"\u2028\u2029"`},
		{"float 1", 1.0, `1.0`},
		{"float 0.5", 0.5, `0.5`},
		{"float 1e16", 1e16, `1e+16`},
		{"float below 1e16", 1234567890123456.0, `1234567890123456.0`},
		{"float", 123456789012345.0, `123456789012345.0`},
		{"float 1e-7", 1e-7, `1e-07`},
		{"float 1e-4", 1e-4, `0.0001`},
		{"float 1.5e-5", 1.5e-5, `1.5e-05`},
		{"float 123456789.125", 123456789.125, `123456789.125`},
		{"negative zero", math.Copysign(0, -1), `-0.0`},
		{"float -3", -3.0, `-3.0`},
		{"float 1e300", 1e300, `1e+300`},
		{"smallest float", 5e-324, `5e-324`},
		{"largest float", math.MaxFloat64, `1.7976931348623157e+308`},
		{"float32", float32(0.1), `0.1`},
		{"float32 1", float32(1), `1.0`},
		{"floats in a list", []float64{1, 2.5, -3}, `[1.0, 2.5, -3.0]`},
		{"float in an any", map[string]any{"x": 1.0, "y": 1}, `{"x": 1.0, "y": 1}`},
		{"int", 42, `42`},
		{"uint", uint64(math.MaxUint64), `18446744073709551615`},
		{"number", json.Number("12"), `12`},
		{"number with a point", json.Number("1.50"), `1.5`},
		{"number with an exponent", json.Number("1E2"), `100.0`},
		{"big number", json.Number("123456789012345678901234567890"), `123456789012345678901234567890`},
		{"number -0", json.Number("-0"), `0`},
		{"empty number", json.Number(""), `0`},
		{"struct", tagged{Name: "Ada", Ratio: 2, Skip: "x", Plain: 3}, `{"name": "Ada", "ratio": 2.0, "Plain": 3}`},
		{"embedded", embedding{inner{1}, "x"}, `{"A": 1.0, "b": "x"}`},
		{"string option", quoted{F: 1, I: 2, S: "<é>", P: &two, J: "3", L: []int{4}, G: 5},
			`{"f": "1", "I": "2", "s": "\"\\u003c\u00e9\\u003e\"", "p": "2", "n": null, "j": "3", "l": [4], "G": 5.0}`},
		{"nested empties", map[string]any{"m": map[string]int{}, "s": []int{}, "e": struct{}{}}, `{"e": {}, "m": {}, "s": []}`},
		{"nil slice", []int(nil), `null`},
		{"nil map", map[string]int(nil), `null`},
		{"nil", nil, `null`},
		{"bytes", []byte("hi"), `"aGk="`},
		{"byte array", [2]byte{1, 2}, `[1, 2]`},
		{"bool", true, `true`},
		{"marshaler", time.Date(2026, 12, 5, 0, 0, 0, 0, time.UTC), `"2026-12-05T00:00:00Z"`},
		{"raw message", json.RawMessage(`{"b":[1.0,"\u00e9<"],"a":-0}`), `{"b": [1.0, "\u00e9<"], "a": 0}`},
		{"int keys", map[int]string{10: "b", 9: "a"}, `{"10": "b", "9": "a"}`},
	}
	for _, tc := range cases {
		got, err := codec.JSON[any]().Encode(tc.v)
		if err != nil || got != tc.want {
			t.Errorf("%s: JSON.Encode(%#v) = %s, %v; want %s", tc.name, tc.v, got, err, tc.want)
		}
	}
	refused := []any{make(chan int), math.Inf(1), math.NaN(), float32(math.Inf(-1)), json.Number("1e400"),
		json.Number("01"), json.Number(" 1"), map[float64]int{}, []string{"ok", "\xff"}, map[string]int{"\xff": 1},
		quoted{S: "\xfe"}, func() {}}
	for _, v := range refused {
		if s, err := codec.JSON[any]().Encode(v); !errors.Is(err, codec.ErrInvalid) {
			t.Errorf("JSON.Encode(%#v) = %s, %v; want an error that wraps ErrInvalid", v, s, err)
		}
	}
	type cycle struct{ Next *cycle }
	c := &cycle{}
	c.Next = c
	if _, err := codec.JSON[*cycle]().Encode(c); !errors.Is(err, codec.ErrInvalid) {
		t.Errorf("JSON.Encode(a cycle) error = %v; want ErrInvalid", err)
	}
	type hidden struct {
		Shown string
		Bad   string `json:"-"`
	}
	if s, err := codec.JSON[hidden]().Encode(hidden{"a", "\xff"}); err != nil || s != `{"Shown": "a"}` {
		t.Errorf(`JSON.Encode(a field tagged "-" that is not UTF-8) = %s, %v; want {"Shown": "a"}`, s, err)
	}
}

// JSON writes the same fields, names, keys and values as encoding/json:
// only the format differs, and a float's form.

type ptrMarshaler struct{ V int }

func (*ptrMarshaler) MarshalJSON() ([]byte, error) { return []byte(`"pointer"`), nil }

type textAndPtrJSON struct{ V int }

func (textAndPtrJSON) MarshalText() ([]byte, error)  { return []byte("text"), nil }
func (*textAndPtrJSON) MarshalJSON() ([]byte, error) { return []byte(`"json"`), nil }

type markedByte byte

func (*markedByte) MarshalText() ([]byte, error) { return []byte("b"), nil }

type point struct{ X, Y int }

func (p point) MarshalText() ([]byte, error) {
	return []byte(strconv.Itoa(p.X) + ":" + strconv.Itoa(p.Y)), nil
}

type (
	left struct {
		X int
		Y string `json:"y"`
		L float64
	}
	right struct {
		X int
		Y string
		R float64
	}
	conflicts struct {
		left
		right
		Z float64
	}
	tagWins struct {
		left
		Other int `json:"L"`
	}
	deeper struct {
		*conflicts
		X string
	}
	twice struct {
		A embedding
		B *embedding `json:",omitempty"`
		embedding
	}
	zeros struct {
		T time.Time      `json:",omitzero"`
		P *time.Time     `json:",omitzero"`
		I interface{}    `json:",omitzero"`
		S []int          `json:",omitzero"`
		E []int          `json:",omitempty"`
		M map[string]int `json:",omitempty"`
		F float64        `json:",omitempty"`
		R struct{}       `json:",omitempty"` // never empty
	}
	oddTags struct {
		//lint:ignore SA5008 an invalid name, which encoding/json replaces with the field's: so must JSON
		A int `json:"a\"b"`
		B int `json:"ok-name!"`
		C int `json:",omitempty,string"`
	}
	marshalers struct {
		P  ptrMarshaler
		T  textAndPtrJSON
		B  []markedByte
		K  map[point]int
		I  json.Marshaler
		PP *ptrMarshaler
	}
)

func TestJSONFollowsEncodingJSON(t *testing.T) {
	loc := time.FixedZone("X", 3600)
	zeroInLoc := time.Time{}.In(loc)
	values := []any{
		conflicts{left{1, "l", 2}, right{3, "r", 4}, 5},
		tagWins{left{1, "l", 2}, 3},
		deeper{&conflicts{Z: 1}, "x"},
		deeper{nil, "x"},
		twice{A: embedding{inner{1}, "a"}, embedding: embedding{inner{2}, "e"}},
		zeros{T: zeroInLoc, P: &zeroInLoc, E: []int{}, M: map[string]int{}},
		zeros{T: time.Unix(1, 0).UTC(), I: 0, S: []int{}, F: 1},
		oddTags{1, 2, 3},
		oddTags{},
		quoted{F: 0.5, S: "a\"b", N: new(bool), J: "1e3"},
		marshalers{P: ptrMarshaler{1}, T: textAndPtrJSON{2}, B: []markedByte{1, 2}, K: map[point]int{{1, 2}: 3, {0, 0}: 4}},
		&marshalers{P: ptrMarshaler{1}, T: textAndPtrJSON{2}, B: []markedByte{1}, PP: &ptrMarshaler{}},
		[]ptrMarshaler{{1}}, // addressable elements
		[1]textAndPtrJSON{},
		map[string]ptrMarshaler{"a": {1}}, // not addressable
		&struct {
			embedding `json:"named"`
			M         map[string]any
		}{embedding{inner{1.5}, "b"}, map[string]any{"z": []any{nil, true}, "a": json.Number("7")}},
	}
	for _, v := range values {
		want, err := json.Marshal(v)
		if err != nil {
			t.Fatalf("json.Marshal(%#v): %v", v, err)
		}
		got, err := codec.JSON[any]().Encode(v)
		if err != nil {
			t.Errorf("JSON.Encode(%#v): %v", v, err)
			continue
		}
		if g, w := tokens(t, got), tokens(t, string(want)); !reflect.DeepEqual(g, w) {
			t.Errorf("JSON.Encode(%#v) = %s; encoding/json wrote %s", v, got, want)
		}
	}
}

// tokens returns the tokens of the JSON document s, every number as a
// float64, so that 1 and 1.0 compare equal.
func tokens(t *testing.T, s string) []any {
	t.Helper()
	dec := json.NewDecoder(strings.NewReader(s))
	dec.UseNumber()
	var toks []any
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			return toks
		}
		if err != nil {
			t.Fatalf("%s: %v", s, err)
		}
		if n, ok := tok.(json.Number); ok {
			f, err := n.Float64()
			if err != nil {
				t.Fatalf("%s: %v", s, err)
			}
			tok = f
		}
		toks = append(toks, tok)
	}
}

// TestJSONRoundTrip checks that what JSON writes reads back as the value
// written.
func TestJSONRoundTrip(t *testing.T) {
	two := 2.0
	check := func(name string, v, back any, err error, s string) {
		t.Helper()
		if err != nil || !reflect.DeepEqual(back, v) {
			t.Errorf("%s: JSON.Decode(%s) = %#v, %v; want %#v", name, s, back, err, v)
		}
	}
	roundTrip := func(name string, v any) {
		t.Helper()
		s, err := codec.JSON[any]().Encode(v)
		if err != nil {
			t.Errorf("%s: JSON.Encode(%#v): %v", name, v, err)
			return
		}
		// Decode into a new value of v's own type.
		back := reflect.New(reflect.TypeOf(v))
		err = json.Unmarshal([]byte(s), back.Interface())
		check(name, v, back.Elem().Interface(), err, s)
	}
	roundTrip("tagged", tagged{Name: "Ada \u00e9 😀 <&>", Ratio: 2, Plain: -3})
	roundTrip("embedded", embedding{inner{1}, "x\ty"})
	roundTrip("string option", quoted{F: 1, I: 2, S: "<\"é\">", P: &two, J: "3", L: []int{4}, G: 5})
	roundTrip("floats", []float64{1, 0.5, 1e16, 1e-7, 123456789.125, math.Copysign(0, -1), 1e300, 5e-324, math.MaxFloat64})
	roundTrip("float32s", []float32{1, 0.1, 1e-7, math.MaxFloat32})
	roundTrip("ints", []int64{0, -1, math.MinInt64, math.MaxInt64})
	roundTrip("bytes", []byte("\x00\xffé"))
	roundTrip("nested", map[string]map[string][]string{"é": {"k": {"\x01", "\u2028", ""}}, "e": {}})
	roundTrip("times", []time.Time{time.Date(2026, 12, 5, 1, 2, 3, 4, time.UTC)})

	// A value in an any reads back as encoding/json reads it.
	v := map[string]any{"f": 1.0, "l": []any{"😀", 0.5, nil, true, map[string]any{}}}
	s, err := codec.JSON[map[string]any]().Encode(v)
	if err != nil {
		t.Fatal(err)
	}
	back, err := codec.JSON[map[string]any]().Decode(s)
	check("any", v, back, err, s)
	if math.Signbit(func() float64 {
		f, _ := codec.JSON[float64]().Decode(`-0.0`)
		return f
	}()) == false {
		t.Error("JSON.Decode(-0.0) lost the sign of zero")
	}
}

// TestJSONIsASCII checks that JSON writes nothing outside printable ASCII,
// as Python's ensure_ascii.
func TestJSONIsASCII(t *testing.T) {
	var all strings.Builder
	for r := rune(0); r <= 0x10ffff; r += 97 {
		if r < 0xd800 || r > 0xdfff {
			all.WriteRune(r)
		}
	}
	s, err := codec.JSON[string]().Encode(all.String())
	if err != nil {
		t.Fatal(err)
	}
	for i := range len(s) {
		if s[i] < 0x20 || s[i] >= 0x7f {
			t.Fatalf("JSON.Encode wrote byte %#x at %d", s[i], i)
		}
	}
	if esc := regexp.MustCompile(`\\u[0-9a-fA-F]{4}`).FindAllString(s, -1); len(esc) < 1000 {
		t.Errorf("JSON.Encode wrote %d \\u escapes; want one or two for each character outside ASCII", len(esc))
	} else if i := slices.IndexFunc(esc, func(e string) bool { return e != strings.ToLower(e) }); i >= 0 {
		t.Errorf("JSON.Encode wrote %s: want lowercase hex digits, as Python", esc[i])
	}
	back, err := codec.JSON[string]().Decode(s)
	if err != nil || back != all.String() {
		t.Errorf("JSON.Decode(JSON.Encode(s)) != s: %v", err)
	}
}

package codec_test

import (
	"math"
	"testing"
	"time"

	"github.com/go-redpipe/redpipe/codec"
)

// TestJSONWritesPython checks the exact bytes JSON writes: what Python's
// json.dumps writes for the same value.
func TestJSONWritesPython(t *testing.T) {
	type tagged struct {
		Name  string  `json:"name"`
		Ratio float64 `json:"ratio"`
		Skip  string  `json:"-"`
		Empty string  `json:"empty,omitempty"`
		Plain int
	}
	type inner struct{ A int }
	type embedding struct {
		inner
		B string `json:"b"`
	}
	cases := []struct {
		name string
		v    any
		want string
	}{
		{"dict", map[string]any{"a": 1, "b": "test"}, `{"a": 1, "b": "test"}`},
		{"list", []any{1, "a"}, `[1, "a"]`},
		{"non-ASCII key", map[string][]int{"é": {1, 2}}, `{"\u00e9": [1, 2]}`},
		{"above the BMP", "😀", `"\ud83d\ude00"`},
		{"html", "<a&b>", `"<a&b>"`},
		{"escapes", "q\"b\\s/\n\r\t\b\f\x01\x7f", `"q\"b\\s/\n\r\t\b\f\u0001\u007f"`},
		{"line separator", "\u2028", `"\u2028"`},
		{"float 1", 1.0, `1.0`},
		{"float 0.5", 0.5, `0.5`},
		{"float 1e16", 1e16, `1e+16`},
		{"float below 1e16", 1234567890123456.0, `1234567890123456.0`},
		{"float 1e-7", 1e-7, `1e-07`},
		{"float 1e-4", 1e-4, `0.0001`},
		{"float 1.5e-5", 1.5e-5, `1.5e-05`},
		{"float", 123456789.125, `123456789.125`},
		{"negative zero", math.Copysign(0, -1), `-0.0`},
		{"float 1e300", 1e300, `1e+300`},
		{"smallest float", 5e-324, `5e-324`},
		{"float32", float32(0.1), `0.1`},
		{"floats in a list", []float64{1, 2.5, -3}, `[1.0, 2.5, -3.0]`},
		{"int", 42, `42`},
		{"uint", uint64(math.MaxUint64), `18446744073709551615`},
		{"struct", tagged{Name: "Ada", Ratio: 2, Skip: "x", Plain: 3}, `{"name": "Ada", "ratio": 2.0, "Plain": 3}`},
		{"embedded", embedding{inner{1}, "x"}, `{"A": 1, "b": "x"}`},
		{"nested empties", map[string]any{"m": map[string]int{}, "s": []int{}}, `{"m": {}, "s": []}`},
		{"nil slice", []int(nil), `null`},
		{"nil", nil, `null`},
		{"bytes", []byte("hi"), `"aGk="`},
		{"bool", true, `true`},
		{"marshaler", time.Date(2026, 12, 5, 0, 0, 0, 0, time.UTC), `"2026-12-05T00:00:00Z"`},
		{"int keys", map[int]string{10: "b", 9: "a"}, `{"10": "b", "9": "a"}`},
	}
	for _, tc := range cases {
		got, err := codec.JSON[any]().Encode(tc.v)
		if err != nil || got != tc.want {
			t.Errorf("%s: JSON.Encode(%#v) = %s, %v; want %s", tc.name, tc.v, got, err, tc.want)
			continue
		}
		back, err := codec.JSON[any]().Decode(got)
		if err != nil {
			t.Errorf("%s: JSON.Decode(%s): %v", tc.name, got, err)
		}
		_ = back
	}
	if _, err := codec.JSON[any]().Encode(make(chan int)); err == nil {
		t.Error("JSON.Encode(a channel): no error")
	}
	if _, err := codec.JSON[any]().Encode(math.Inf(1)); err == nil {
		t.Error("JSON.Encode(+Inf): no error")
	}
}

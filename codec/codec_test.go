package codec_test

import (
	"errors"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/go-redpipe/redpipe/codec"
)

// stored is a value and the string RedPipe's field of the same kind
// writes for it (Python's rules, in fields.py of RedPipe 4).
type stored[T any] struct {
	v T
	s string
}

// checkStored checks that c writes each value as RedPipe does and reads
// it back.
func checkStored[T any](t *testing.T, name string, c codec.Codec[T], cases []stored[T], equal func(a, b T) bool) {
	t.Helper()
	for _, tc := range cases {
		got, err := c.Encode(tc.v)
		if err != nil || got != tc.s {
			t.Errorf("%s.Encode(%v) = %q, %v; want %q", name, tc.v, got, err, tc.s)
		}
		back, err := c.Decode(tc.s)
		if err != nil || !equal(back, tc.v) {
			t.Errorf("%s.Decode(%q) = %v, %v; want %v", name, tc.s, back, err, tc.v)
		}
	}
}

func same[T comparable](a, b T) bool { return a == b }

func TestInt(t *testing.T) {
	checkStored(t, "Int", codec.Int, []stored[int64]{
		{0, "0"}, {42, "42"}, {-42, "-42"},
		{math.MaxInt64, "9223372036854775807"}, {math.MinInt64, "-9223372036854775808"},
	}, same)
	reads := map[string]int64{"1.9": 1, "-1.9": -1, "1e3": 1000, " 12 ": 12, "7.0": 7}
	for s, want := range reads {
		if got, err := codec.Int.Decode(s); err != nil || got != want {
			t.Errorf("Int.Decode(%q) = %d, %v; want %d, as RedPipe's int(float(s))", s, got, err, want)
		}
	}
	for _, s := range []string{"", "abc", "inf", "nan", "1e30"} {
		_, err := codec.Int.Decode(s)
		if err == nil || !strings.Contains(err.Error(), `"`+s+`"`) {
			t.Errorf("Int.Decode(%q) error = %v; want one that quotes what was read", s, err)
		}
	}
}

func TestFloat(t *testing.T) {
	checkStored(t, "Float", codec.Float, []stored[float64]{
		{1, "1"}, {1.2345, "1.2345"}, {1e16, "1e+16"}, {1e15, "1000000000000000"},
		{123456789, "123456789"}, {0.0001, "0.0001"}, {1e-05, "1e-05"}, {2.5e-05, "2.5e-05"},
		{0.30000000000000004, "0.30000000000000004"}, {1.5e300, "1.5e+300"}, {-3.5, "-3.5"},
		{12345678901234567, "1.2345678901234568e+16"},
		{math.Inf(1), "inf"}, {math.Inf(-1), "-inf"},
	}, same)
	neg, err := codec.Float.Encode(math.Copysign(0, -1))
	if err != nil || neg != "-0" {
		t.Errorf("Float.Encode(-0) = %q, %v; want -0", neg, err)
	}
	nan, _ := codec.Float.Encode(math.NaN())
	if f, err := codec.Float.Decode(nan); nan != "nan" || err != nil || !math.IsNaN(f) {
		t.Errorf("NaN is stored as %q and read as %v, %v", nan, f, err)
	}
	for s, want := range map[string]float64{" 2.5 ": 2.5, "1e400": math.Inf(1), "Infinity": math.Inf(1), "7": 7} {
		if got, err := codec.Float.Decode(s); err != nil || got != want {
			t.Errorf("Float.Decode(%q) = %v, %v; want %v", s, got, err, want)
		}
	}
	if _, err := codec.Float.Decode("1.2.3"); err == nil || !strings.Contains(err.Error(), `"1.2.3"`) {
		t.Errorf("Float.Decode(1.2.3) error = %v", err)
	}
}

func TestBool(t *testing.T) {
	checkStored(t, "Bool", codec.Bool, []stored[bool]{{true, "1"}, {false, ""}}, same)
	for s, want := range map[string]bool{"0": false, "false": false, "FALSE": false, "true": true, "True": true} {
		if got, err := codec.Bool.Decode(s); err != nil || got != want {
			t.Errorf("Bool.Decode(%q) = %v, %v; want %v", s, got, err, want)
		}
	}
	if _, err := codec.Bool.Decode("yes"); err == nil || !strings.Contains(err.Error(), `"yes"`) {
		t.Errorf("Bool.Decode(yes) error = %v", err)
	}
}

func TestTexts(t *testing.T) {
	checkStored(t, "String", codec.String, []stored[string]{{"", ""}, {"a\x00\xff", "a\x00\xff"}}, same)
	checkStored(t, "Text", codec.Text, []stored[string]{{"héllo ✓", "héllo ✓"}, {"", ""}}, same)
	checkStored(t, "ASCII", codec.ASCII, []stored[string]{{"abc ~!", "abc ~!"}, {"", ""}}, same)
	checkStored(t, "Bytes", codec.Bytes, []stored[[]byte]{{[]byte("\x00\xff"), "\x00\xff"}, {[]byte{}, ""}},
		func(a, b []byte) bool { return string(a) == string(b) })

	refused := []struct {
		name string
		c    codec.Codec[string]
		v    string
	}{
		{"Text", codec.Text, "bad \xff"},
		{"ASCII", codec.ASCII, "é"},
		{"ASCII", codec.ASCII, "tab\t"},
	}
	for _, tc := range refused {
		if _, err := tc.c.Encode(tc.v); !errors.Is(err, codec.ErrInvalid) {
			t.Errorf("%s.Encode(%q) error = %v; want ErrInvalid", tc.name, tc.v, err)
		}
		if _, err := tc.c.Decode(tc.v); err == nil {
			t.Errorf("%s.Decode(%q) succeeded", tc.name, tc.v)
		}
	}
	if b, _ := codec.Bytes.Decode(""); b == nil {
		t.Error("Bytes.Decode(\"\") = nil; want an empty, non-nil slice")
	}
}

func TestStringList(t *testing.T) {
	equal := func(a, b []string) bool {
		return strings.Join(a, "\x00") == strings.Join(b, "\x00") && len(a) == len(b)
	}
	checkStored(t, "StringList", codec.StringList, []stored[[]string]{
		{[]string{"a", "b c", "é"}, "a,b c,é"}, {nil, ""}, {[]string{"one"}, "one"},
	}, equal)
	if got, err := codec.StringList.Decode("a,,b,"); err != nil || !equal(got, []string{"a", "b"}) {
		t.Errorf("StringList.Decode(a,,b,) = %q, %v; want [a b], empty items skipped as RedPipe does", got, err)
	}
	for _, v := range [][]string{{"a,b"}, {""}, {"\xff"}} {
		if _, err := codec.StringList.Encode(v); !errors.Is(err, codec.ErrInvalid) {
			t.Errorf("StringList.Encode(%q) error = %v; want ErrInvalid", v, err)
		}
	}
}

func TestTimeAndDuration(t *testing.T) {
	when := time.Date(2026, 11, 21, 9, 30, 0, 123, time.UTC)
	zone := time.Date(2026, 11, 21, 10, 30, 0, 0, time.FixedZone("", 3600))
	checkStored(t, "Time", codec.Time, []stored[time.Time]{
		{when, "2026-11-21T09:30:00.000000123Z"}, {zone, "2026-11-21T10:30:00+01:00"},
	}, func(a, b time.Time) bool { return a.Equal(b) })
	if _, err := codec.Time.Encode(time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)); !errors.Is(err, codec.ErrInvalid) {
		t.Errorf("Time.Encode(year 10000) error = %v; want ErrInvalid", err)
	}
	if _, err := codec.Time.Decode("yesterday"); err == nil || !strings.Contains(err.Error(), `"yesterday"`) {
		t.Errorf("Time.Decode(yesterday) error = %v", err)
	}
	checkStored(t, "Duration", codec.Duration, []stored[time.Duration]{{90 * time.Second, "90000000000"}, {-1, "-1"}}, same)
}

func TestJSON(t *testing.T) {
	// What RedPipe's ListField and DictField write: Python's json.dumps,
	// with spaces and \u escapes.
	list, err := codec.JSON[[]any]().Decode(`[1, "\u00e9", {"a": null}, [true, 2.5]]`)
	if err != nil || len(list) != 4 || list[0] != 1.0 || list[1] != "é" {
		t.Errorf("JSON.Decode(RedPipe's list) = %v, %v", list, err)
	}
	dict, err := codec.JSON[map[string]int]().Decode(`{"a": 1, "b": 2}`)
	if err != nil || dict["a"] != 1 || dict["b"] != 2 {
		t.Errorf("JSON.Decode(RedPipe's dict) = %v, %v", dict, err)
	}
	type record struct {
		Name string   `json:"name"`
		Tags []string `json:"tags"`
	}
	checkStored(t, "JSON", codec.JSON[record](), []stored[record]{
		{record{"Ada", []string{"x", "y"}}, `{"name": "Ada", "tags": ["x", "y"]}`},
	}, func(a, b record) bool {
		return a.Name == b.Name && strings.Join(a.Tags, ",") == strings.Join(b.Tags, ",")
	})
	if _, err := codec.JSON[float64]().Encode(math.NaN()); !errors.Is(err, codec.ErrInvalid) {
		t.Errorf("JSON.Encode(NaN) error = %v; want ErrInvalid", err)
	}
	if _, err := codec.JSON[[]string]().Encode([]string{"\xff"}); !errors.Is(err, codec.ErrInvalid) {
		t.Errorf("JSON.Encode(invalid UTF-8) error = %v; want ErrInvalid", err)
	}
	if _, err := codec.JSON[[]int]().Decode("[1,"); err == nil || !strings.Contains(err.Error(), `"[1,"`) {
		t.Errorf("JSON.Decode([1,) error = %v", err)
	}
}

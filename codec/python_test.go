package codec_test

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"math"
	"os/exec"
	"testing"

	"github.com/go-redpipe/redpipe/codec"
	"github.com/go-redpipe/redpipe/internal/redistest"
)

// readBack is Python that reads stored bytes as RedPipe's fields decode
// them, with the standard library's rules: int(float(b)) for IntegerField,
// float(b) for FloatField, bool(b) for BooleanField, b.decode("utf-8") for
// TextField and AsciiField, json.loads for ListField and DictField, and a
// split on commas, empty items dropped, for StringListField.
const readBack = `
import base64, json, sys
out = []
for kind, raw in json.load(sys.stdin):
    b = base64.b64decode(raw)
    if kind == "int": v = int(float(b))
    elif kind == "float": v = repr(float(b))
    elif kind == "bool": v = bool(b)
    elif kind == "text": v = b.decode("utf-8")
    elif kind == "json": v = json.loads(b.decode("utf-8"))
    elif kind == "list": v = [s for s in b.decode("utf-8").split(",") if s != ""]
    out.append(v)
json.dump(out, sys.stdout)
`

// TestPythonReadsWhatCodecsWrite encodes values with the codecs and reads
// them back with Python, as RedPipe does.
func TestPythonReadsWhatCodecsWrite(t *testing.T) {
	python := redistest.RequirePython(t)
	type item struct {
		kind string
		enc  string
		want any // as Python's JSON output decodes in Go
	}
	var items []item
	add := func(kind, enc string, err error, want any) {
		if err != nil {
			t.Fatal(err)
		}
		items = append(items, item{kind, enc, want})
	}
	for _, n := range []int64{0, -7, math.MaxInt64} {
		s, err := codec.Int.Encode(n)
		add("int", s, err, float64(n))
	}
	for _, f := range []float64{1, 1.2345, 1e16, 1e-05, 123456789, -0.5} {
		s, err := codec.Float.Encode(f)
		add("float", s, err, s) // Python's repr of what it read is what Float wrote
	}
	for _, b := range []bool{true, false} {
		s, err := codec.Bool.Encode(b)
		add("bool", s, err, b)
	}
	for _, txt := range []string{"héllo ✓", ""} {
		s, err := codec.Text.Encode(txt)
		add("text", s, err, txt)
	}
	s, err := codec.JSON[map[string][]int]().Encode(map[string][]int{"a": {1, 2}})
	add("json", s, err, map[string]any{"a": []any{1.0, 2.0}})
	s, err = codec.StringList.Encode([]string{"x", "y z"})
	add("list", s, err, []any{"x", "y z"})

	var in [][2]string
	for _, it := range items {
		in = append(in, [2]string{it.kind, base64.StdEncoding.EncodeToString([]byte(it.enc))})
	}
	stdin, _ := json.Marshal(in)
	cmd := exec.Command(python, "-c", readBack)
	cmd.Stdin = bytes.NewReader(stdin)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("python3: %v", err)
	}
	var got []any
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatalf("python3 printed %q: %v", out, err)
	}
	if len(got) != len(items) {
		t.Fatalf("python3 read %d values; want %d", len(got), len(items))
	}
	for i, it := range items {
		g, _ := json.Marshal(got[i])
		w, _ := json.Marshal(it.want)
		if it.kind == "float" && string(g) == `"`+it.enc+`.0"` {
			continue // repr writes ".0" after a whole number; Float leaves it out, as RedPipe does
		}
		if string(g) != string(w) {
			t.Errorf("%s %q: Python read %s; want %s", it.kind, it.enc, g, w)
		}
	}
}

// dumps is Python that writes each value of a list of Python literals
// with json.dumps and its defaults, as RedPipe's ListField and DictField
// store them.
const dumps = `
import ast, json, sys
json.dump([json.dumps(ast.literal_eval(src)) for src in json.load(sys.stdin)], sys.stdout)
`

// TestJSONWritesWhatPythonDumps has Python write the same values as JSON
// does, and compares the bytes: a JSON member written by either side is
// found by the other.
func TestJSONWritesWhatPythonDumps(t *testing.T) {
	python := redistest.RequirePython(t)
	cases := []struct {
		python string // the value as a Python literal
		v      any
	}{
		{`{"a": 1, "b": "test"}`, map[string]any{"a": 1, "b": "test"}},
		{`[1, "a"]`, []any{1, "a"}},
		{`{"\u00e9": [1, 2]}`, map[string][]int{"é": {1, 2}}},
		{`[1.0, 0.5, 1e16, 1e-07, 123456789.125, 1e300, -0.0, 5e-324, 1234567890123456.0, 0.0001]`,
			[]float64{1, 0.5, 1e16, 1e-7, 123456789.125, 1e300, math.Copysign(0, -1), 5e-324, 1234567890123456, 1e-4}},
		{`"h\u00e9llo \U0001F600 <a&b> \t \x01 \x7f \u2028"`, "héllo 😀 <a&b> \t \x01 \x7f \u2028"},
		{`{"empty": {}, "list": [1, [2, {"x": None}]], "none": []}`, map[string]any{"list": []any{1, []any{2, map[string]any{"x": nil}}}, "empty": map[string]any{}, "none": []any{}}},
		{`[True, False, None]`, []any{true, false, nil}},
		{`{"A": 1.0, "b": "x"}`, embedding{inner{1}, "x"}},
		{`{"name": "\u00c9", "ratio": 2.0, "Plain": -1}`, tagged{Name: "É", Ratio: 2, Plain: -1}},
		{`{"f": 1.0, "i": 1, "n": 123456789012345678901234567890, "q": "a/\"\\\x1f\u2029"}`,
			map[string]any{"f": 1.0, "i": 1, "n": json.Number("123456789012345678901234567890"), "q": "a/\"\\\x1f\u2029"}},
	}
	srcs := make([]string, len(cases))
	for i, c := range cases {
		srcs[i] = c.python
	}
	in, err := json.Marshal(srcs)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(python, "-c", dumps)
	cmd.Stdin = bytes.NewReader(in)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("python3: %v", err)
	}
	var want []string
	if err := json.Unmarshal(out, &want); err != nil {
		t.Fatal(err)
	}
	for i, c := range cases {
		got, err := codec.JSON[any]().Encode(c.v)
		if err != nil || got != want[i] {
			t.Errorf("JSON.Encode(%#v) = %s, %v; Python's json.dumps(%s) = %s", c.v, got, err, c.python, want[i])
		}
	}
}

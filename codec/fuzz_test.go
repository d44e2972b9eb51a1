package codec_test

import (
	"bytes"
	"errors"
	"math"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/go-redpipe/redpipe/codec"
)

// roundTrip checks that c reads back every value it writes, and that it
// refuses with ErrInvalid.
func roundTrip[T any](t *testing.T, c codec.Codec[T], v T, equal func(a, b T) bool) {
	t.Helper()
	s, err := c.Encode(v)
	if err != nil {
		if !errors.Is(err, codec.ErrInvalid) {
			t.Fatalf("Encode(%v) error %v does not wrap ErrInvalid", v, err)
		}
		return
	}
	back, err := c.Decode(s)
	if err != nil {
		t.Fatalf("Decode(Encode(%v)) = %v, %v", v, back, err)
	}
	if !equal(back, v) {
		t.Fatalf("Decode(Encode(%v)) = %v; encoded %q", v, back, s)
	}
}

func FuzzInt(f *testing.F) {
	for _, v := range []int64{0, 1, -1, math.MaxInt64, math.MinInt64} {
		f.Add(v)
	}
	f.Fuzz(func(t *testing.T, v int64) {
		roundTrip(t, codec.Int, v, same)
		roundTrip(t, codec.Bool, v%2 == 0, same) // two values: the seeds alone cover them
	})
}

func FuzzFloat(f *testing.F) {
	for _, v := range []float64{0, 1, 1.2345, 1e16, 1e-5, math.Inf(1), math.MaxFloat64, math.SmallestNonzeroFloat64} {
		f.Add(v)
	}
	f.Fuzz(func(t *testing.T, v float64) {
		roundTrip(t, codec.Float, v, func(a, b float64) bool {
			return math.Float64bits(a) == math.Float64bits(b) || math.IsNaN(a) && math.IsNaN(b)
		})
	})
}

func FuzzStrings(f *testing.F) {
	for _, s := range []string{"", "abc", "é", "\xff", "a,b", "\x00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		roundTrip(t, codec.String, s, same)
		roundTrip(t, codec.Text, s, same)
		roundTrip(t, codec.ASCII, s, same)
		roundTrip(t, codec.Bytes, []byte(s), bytes.Equal)
	})
}

func FuzzStringList(f *testing.F) {
	for _, s := range []string{"", "a", "a\x1fb", "a,b\x1fc", "\x1f", "é\x1f\xff"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, joined string) {
		var list []string
		if joined != "" {
			list = strings.Split(joined, "\x1f") // one fuzz string, cut into items
		}
		roundTrip(t, codec.StringList, list, slices.Equal)
	})
}

func FuzzTime(f *testing.F) {
	f.Add(int64(0), int64(0), 0)
	f.Add(int64(1795253400), int64(123), 3600)
	f.Add(int64(-62135596800), int64(999999999), -60)
	f.Fuzz(func(t *testing.T, sec, nsec int64, offset int) {
		v := time.Unix(sec, nsec).In(time.FixedZone("", offset%(24*3600)/60*60))
		roundTrip(t, codec.Time, v, func(a, b time.Time) bool { return a.Equal(b) })
		roundTrip(t, codec.Duration, time.Duration(sec), same)
	})
}

func FuzzJSON(f *testing.F) {
	for _, s := range []string{"", "a", "a\x1fé", "\xff", "<&>", "😀\u2028\x7f"} {
		f.Add(s, 1.5)
	}
	for _, n := range []float64{0, 1, -3, 1e16, 1e-7, 1e-4, 123456789012345, 9999999999999998, 5e-324, math.MaxFloat64} {
		f.Add("", n)
	}
	f.Fuzz(func(t *testing.T, joined string, n float64) {
		roundTrip(t, codec.JSON[[]string](), strings.Split(joined, "\x1f"), slices.Equal)
		roundTrip(t, codec.JSON[map[string]float64](), map[string]float64{joined: n}, func(a, b map[string]float64) bool {
			return len(a) == len(b) && (a[joined] == b[joined] || math.IsNaN(a[joined]) && math.IsNaN(b[joined]))
		})
		if s, err := codec.JSON[string]().Encode(joined); err == nil && strings.ContainsFunc(s, func(r rune) bool { return r < 0x20 || r > 0x7e }) {
			t.Fatalf("JSON.Encode(%q) = %s: not printable ASCII, as Python's ensure_ascii writes", joined, s)
		}
		// Python's repr of a float: always with a point or an exponent,
		// the exponent form outside 1e-4 <= |n| < 1e16.
		s, err := codec.JSON[float64]().Encode(n)
		if err != nil {
			return // NaN or an infinity
		}
		back, err := strconv.ParseFloat(s, 64)
		if err != nil || math.Float64bits(back) != math.Float64bits(n) {
			t.Fatalf("JSON.Encode(%v) = %s, which reads back as %v, %v", n, s, back, err)
		}
		abs := math.Abs(n)
		exponent := abs != 0 && (abs < 1e-4 || abs >= 1e16)
		if exponent != strings.Contains(s, "e") || !exponent && !strings.Contains(s, ".") ||
			exponent && !strings.Contains(s, "e+") && !strings.Contains(s, "e-") {
			t.Fatalf("JSON.Encode(%v) = %s; not as Python's repr writes it", n, s)
		}
	})
}

// FuzzDecode decodes any string with every codec: none panics, and what a
// codec reads it writes back the same way.
func FuzzDecode(f *testing.F) {
	for _, s := range []string{"", "1", "1.9", "1e400", "-0", "nan", "true", "a,,b", "[1,", `{"a": 1}`, "2026-11-21T09:30:00Z", "\xff"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if v, err := codec.Int.Decode(s); err == nil {
			roundTrip(t, codec.Int, v, same)
		}
		if v, err := codec.Float.Decode(s); err == nil {
			roundTrip(t, codec.Float, v, func(a, b float64) bool { return a == b || math.IsNaN(a) && math.IsNaN(b) })
		}
		if v, err := codec.Bool.Decode(s); err == nil {
			roundTrip(t, codec.Bool, v, same)
		}
		if v, err := codec.Time.Decode(s); err == nil {
			roundTrip(t, codec.Time, v, func(a, b time.Time) bool { return a.Equal(b) })
		}
		if v, err := codec.StringList.Decode(s); err == nil {
			roundTrip(t, codec.StringList, v, slices.Equal)
		}
		_, _ = codec.Duration.Decode(s)
		_, _ = codec.Text.Decode(s)
		_, _ = codec.ASCII.Decode(s)
		_, _ = codec.JSON[any]().Decode(s)
		_, _ = codec.JSON[[]string]().Decode(s)
	})
}

package codec

import (
	"errors"
	"math"
	"strconv"
	"strings"
)

// Int stores an int64 in decimal, as RedPipe's IntegerField does. It
// decodes what that field reads: an integer, or a number that it truncates
// toward zero ("1.9" is 1, "1e3" is 1000), with spaces around.
var Int Codec[int64] = intCodec{}

// Float stores a float64 in the shortest form that reads back the same,
// as RedPipe's FloatField does (Python's repr, without a trailing ".0"):
// "1", "1.2345", "1e+16", "1e-05", "inf", "nan".
var Float Codec[float64] = floatCodec{}

type intCodec struct{}

func (intCodec) Encode(v int64) (string, error) { return strconv.FormatInt(v, 10), nil }

func (intCodec) Decode(s string) (int64, error) {
	n, err := parseInt(s)
	if err != nil {
		return 0, cannot("Int", s, err)
	}
	return n, nil
}

var errRange = errors.New("out of the range of int64")

// parseInt reads an integer as Python's int(float(s)) does, exactly when s
// is an integer.
func parseInt(s string) (int64, error) {
	t := strings.TrimSpace(s)
	if n, err := strconv.ParseInt(t, 10, 64); err == nil {
		return n, nil
	}
	f, err := parseFloat(t)
	if err != nil {
		return 0, err
	}
	f = math.Trunc(f)
	if math.IsNaN(f) || f < math.MinInt64 || f >= math.MaxInt64 {
		return 0, errRange
	}
	return int64(f), nil
}

type floatCodec struct{}

func (floatCodec) Encode(v float64) (string, error) { return formatFloat(v), nil }

func (floatCodec) Decode(s string) (float64, error) {
	f, err := parseFloat(strings.TrimSpace(s))
	if err != nil {
		return 0, cannot("Float", s, err)
	}
	return f, nil
}

// formatFloat writes f as Python's repr does, without a trailing ".0":
// the shortest digits that read back as f, in fixed notation when the
// exponent is from -4 to 15, and in scientific notation otherwise.
func formatFloat(f float64) string {
	switch {
	case math.IsInf(f, 1):
		return "inf"
	case math.IsInf(f, -1):
		return "-inf"
	case math.IsNaN(f):
		return "nan"
	}
	e := strconv.FormatFloat(f, 'e', -1, 64) // like Python: "1e+16", "1.5e-05"
	_, exp, _ := strings.Cut(e, "e")
	if n, _ := strconv.Atoi(exp); n < -4 || n >= 16 {
		return e
	}
	return strconv.FormatFloat(f, 'f', -1, 64)
}

// parseFloat reads a float as Python's float does, but for underscores
// between digits: a number too large is infinite, one too small zero.
func parseFloat(s string) (float64, error) {
	f, err := strconv.ParseFloat(s, 64)
	if errors.Is(err, strconv.ErrRange) {
		return f, nil
	}
	if err != nil {
		var numErr *strconv.NumError
		if errors.As(err, &numErr) {
			return 0, numErr.Err
		}
		return 0, err
	}
	return f, nil
}

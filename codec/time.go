package codec

import (
	"strconv"
	"time"
)

// Time stores a time.Time in RFC 3339 with nanoseconds, as go-redis
// writes a time.Time argument ("2026-11-21T09:30:00.000000123Z"). It
// refuses a year outside 0 to 9999, which RFC 3339 cannot write. Decoded
// times are equal (time.Time.Equal) to the encoded ones and keep their
// offset from UTC.
var Time Codec[time.Time] = timeCodec{}

// Duration stores a time.Duration as its number of nanoseconds, as
// go-redis writes a time.Duration argument, and decodes it with [Int]'s
// rules.
var Duration Codec[time.Duration] = durationCodec{}

type timeCodec struct{}

func (timeCodec) Encode(v time.Time) (string, error) {
	if y := v.Year(); y < 0 || y > 9999 {
		return "", invalid("year %d outside RFC 3339's 0 to 9999", y)
	}
	return v.Format(time.RFC3339Nano), nil
}

func (timeCodec) Decode(s string) (time.Time, error) {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, cannot("Time", s, nil)
	}
	return t, nil
}

type durationCodec struct{}

func (durationCodec) Encode(v time.Duration) (string, error) {
	return strconv.FormatInt(int64(v), 10), nil
}

func (durationCodec) Decode(s string) (time.Duration, error) {
	n, err := parseInt(s)
	if err != nil {
		return 0, cannot("Duration", s, err)
	}
	return time.Duration(n), nil
}

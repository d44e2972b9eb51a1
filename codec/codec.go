// Package codec says how a Go value is stored in Redis: a [Codec] encodes
// a value to the string Redis keeps and decodes it back.
//
// The built-in codecs are values of the package: [String], [Text],
// [ASCII], [Bytes], [Int], [Float], [Bool], [Time], [Duration],
// [StringList], and [JSON] for any type. Each writes what the field of the
// same kind of the Python library RedPipe writes (IntegerField,
// FloatField, BooleanField, TextField, AsciiField, BinaryField,
// StringListField, and ListField or DictField for JSON), and decodes what
// that field writes, so that services in Go and in Python share data.
//
// A codec refuses a value it cannot store faithfully: Encode returns an
// error that wraps [ErrInvalid] and says why. Decode returns an error that
// says what it read. No codec panics, whatever its input. The codecs of
// the package are immutable and may be used by several goroutines at once.
package codec

import (
	"errors"
	"fmt"
)

// Codec encodes values of type T to the strings Redis stores, and decodes
// them back. Decode(Encode(v)) is v for every v that Encode accepts.
type Codec[T any] interface {
	Encode(v T) (string, error)
	Decode(s string) (T, error)
}

// ErrInvalid is wrapped by the error Encode returns for a value the codec
// refuses, with the reason.
var ErrInvalid = errors.New("codec: invalid value")

// invalid returns Encode's error for a value refused for reason.
func invalid(reason string, args ...any) error {
	return fmt.Errorf("%w: "+reason, append([]any{ErrInvalid}, args...)...)
}

// cannot returns Decode's error for s, which the codec named name cannot
// read.
func cannot(name, s string, err error) error {
	if len(s) > 64 {
		s = s[:64] + "..."
	}
	if err != nil {
		return fmt.Errorf("codec: %s cannot decode %q: %w", name, s, err)
	}
	return fmt.Errorf("codec: %s cannot decode %q", name, s)
}

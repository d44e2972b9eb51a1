package codec

import "unicode/utf8"

// String stores a string as it is, any bytes.
var String Codec[string] = stringCodec{}

// Text stores valid UTF-8 text as it is, as RedPipe's TextField does; it
// refuses other bytes.
var Text Codec[string] = textCodec{}

// ASCII stores printable ASCII text (space to tilde) as it is, as
// RedPipe's AsciiField does; it refuses anything else.
var ASCII Codec[string] = asciiCodec{}

// Bytes stores bytes as they are, as RedPipe's BinaryField does. It
// decodes to a non-nil slice.
var Bytes Codec[[]byte] = bytesCodec{}

type stringCodec struct{}

func (stringCodec) Encode(v string) (string, error) { return v, nil }
func (stringCodec) Decode(s string) (string, error) { return s, nil }

type textCodec struct{}

func (textCodec) Encode(v string) (string, error) {
	if !utf8.ValidString(v) {
		return "", invalid("not valid UTF-8")
	}
	return v, nil
}

func (textCodec) Decode(s string) (string, error) {
	if !utf8.ValidString(s) {
		return "", cannot("Text", s, nil)
	}
	return s, nil
}

type asciiCodec struct{}

func (asciiCodec) Encode(v string) (string, error) {
	if !printable(v) {
		return "", invalid("not printable ASCII")
	}
	return v, nil
}

func (asciiCodec) Decode(s string) (string, error) {
	if !printable(s) {
		return "", cannot("ASCII", s, nil)
	}
	return s, nil
}

// printable reports whether s holds only printable ASCII, space to tilde.
func printable(s string) bool {
	for i := range len(s) {
		if s[i] < ' ' || s[i] > '~' {
			return false
		}
	}
	return true
}

type bytesCodec struct{}

func (bytesCodec) Encode(v []byte) (string, error) { return string(v), nil }
func (bytesCodec) Decode(s string) ([]byte, error) { return []byte(s), nil }

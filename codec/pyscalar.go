package codec

import (
	"bytes"
	"encoding/json"
	"math"
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// appendPyNumber appends a JSON number as Python writes what json.loads
// reads from it: an integer as an integer, whatever its size, and any
// other number as a float. An empty json.Number is 0, as encoding/json
// writes it.
func appendPyNumber(b []byte, n string) ([]byte, error) {
	if n == "" {
		n = "0"
	}
	if !isNumber(n) {
		return nil, invalid("%q is not a JSON number", n)
	}
	if !strings.ContainsAny(n, ".eE") {
		if n == "-0" {
			n = "0" // Python's integer zero has no sign
		}
		return append(b, n...), nil
	}
	f, err := strconv.ParseFloat(n, 64)
	if err != nil {
		return nil, invalid("JSON cannot hold %s, out of a float's range", n)
	}
	return appendPyFloat(b, f, 64)
}

// isNumber reports whether s is a JSON number, with nothing around it.
func isNumber(s string) bool {
	digit := func(c byte) bool { return '0' <= c && c <= '9' }
	return s != "" && (s[0] == '-' || digit(s[0])) && digit(s[len(s)-1]) && json.Valid([]byte(s))
}

// appendPyFloat appends f as Python's repr writes a float: the shortest
// digits that read back as f, in positional form with at least one digit
// after the point, unless its decimal exponent is below -4 or at least
// 16, where Python writes 1e+16 and 1.5e-05. bits is 32 for a float32,
// written with the digits of a float32, as encoding/json does.
func appendPyFloat(b []byte, f float64, bits int) ([]byte, error) {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return nil, invalid("JSON cannot hold %v", f)
	}
	sci := strconv.AppendFloat(nil, f, 'e', -1, bits) // d.ddde±XX
	exp, _ := strconv.Atoi(string(sci[bytes.IndexByte(sci, 'e')+1:]))
	if exp < -4 || exp >= 16 {
		return append(b, sci...), nil
	}
	start := len(b)
	b = strconv.AppendFloat(b, f, 'f', -1, bits)
	if bytes.IndexByte(b[start:], '.') < 0 {
		b = append(b, ".0"...)
	}
	return b, nil
}

// appendPyValidString appends s as appendPyString does, and refuses s if
// it is not valid UTF-8: encoding/json would write U+FFFD instead of its
// bad bytes, and the value would not read back.
func appendPyValidString(b []byte, s string) ([]byte, error) {
	if !utf8.ValidString(s) {
		return nil, invalid("a string is not valid UTF-8")
	}
	return appendPyString(b, s), nil
}

// appendPyString appends s as a JSON string with Python's ensure_ascii:
// every character outside printable ASCII as \uXXXX with lowercase hex
// digits, those above U+FFFF as a surrogate pair, and the short escapes
// \" \\ \n \r \t \b \f. It escapes neither "/" nor "<", ">" and "&". A
// byte that is not UTF-8 is written as U+FFFD.
func appendPyString(b []byte, s string) []byte {
	b = append(b, '"')
	for _, r := range s {
		switch {
		case r == '"' || r == '\\':
			b = append(b, '\\', byte(r))
		case r == '\n':
			b = append(b, `\n`...)
		case r == '\r':
			b = append(b, `\r`...)
		case r == '\t':
			b = append(b, `\t`...)
		case r == '\b':
			b = append(b, `\b`...)
		case r == '\f':
			b = append(b, `\f`...)
		case r >= 0x20 && r < 0x7f:
			b = append(b, byte(r))
		case r > 0xffff:
			hi, lo := utf16.EncodeRune(r)
			b = appendU(appendU(b, hi), lo)
		default:
			b = appendU(b, r)
		}
	}
	return append(b, '"')
}

// appendU appends the escape \uXXXX of the UTF-16 code unit u.
func appendU(b []byte, u rune) []byte {
	const hex = "0123456789abcdef"
	return append(b, '\\', 'u', hex[u>>12&0xf], hex[u>>8&0xf], hex[u>>4&0xf], hex[u&0xf])
}

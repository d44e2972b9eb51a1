package codec

import "strings"

// Bool stores true as "1" and false as "", as RedPipe's BooleanField
// does. It decodes "", "0" and "false" as false and "1" and "true" as
// true, in any case; RedPipe reads any non-empty string, "0" included, as
// true, and reads what Bool writes as Bool does.
var Bool Codec[bool] = boolCodec{}

type boolCodec struct{}

func (boolCodec) Encode(v bool) (string, error) {
	if v {
		return "1", nil
	}
	return "", nil
}

func (boolCodec) Decode(s string) (bool, error) {
	switch {
	case s == "", s == "0", strings.EqualFold(s, "false"):
		return false, nil
	case s == "1", strings.EqualFold(s, "true"):
		return true, nil
	}
	return false, cannot("Bool", s, nil)
}

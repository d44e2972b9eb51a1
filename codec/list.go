package codec

import (
	"strings"
	"unicode/utf8"
)

// StringList stores a list of strings joined by commas, as RedPipe's
// StringListField does; the empty list is "". It refuses strings that
// would not read back: empty ones, ones with a comma, and ones that are
// not valid UTF-8. It decodes "" as a nil list and skips empty items, as
// RedPipe does.
var StringList Codec[[]string] = stringListCodec{}

type stringListCodec struct{}

func (stringListCodec) Encode(v []string) (string, error) {
	for i, s := range v {
		switch {
		case s == "":
			return "", invalid("item %d is empty", i)
		case strings.Contains(s, ","):
			return "", invalid("item %d holds a comma", i)
		case !utf8.ValidString(s):
			return "", invalid("item %d is not valid UTF-8", i)
		}
	}
	return strings.Join(v, ","), nil
}

func (stringListCodec) Decode(s string) ([]string, error) {
	if !utf8.ValidString(s) {
		return nil, cannot("StringList", s, nil)
	}
	var list []string
	for item := range strings.SplitSeq(s, ",") {
		if item != "" {
			list = append(list, item)
		}
	}
	return list, nil
}

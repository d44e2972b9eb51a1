package redpipe

import (
	"encoding"
	"fmt"
	"net"
	"time"
)

// checkArgs returns the error go-redis's protocol writer would return for
// args, nil if it would write them all. go-redis only finds a bad argument
// while it writes a pipeline, and then fails every command of it, including
// ones already flushed to the server; checked while queueing, a bad argument
// fails its own command only. The rules are the writer's (internal/proto's
// WriteArg), never stricter.
//
// An encoding.BinaryMarshaler is marshalled here, once, and its bytes take
// its place among args: what goes on the wire is the same, and a marshaller
// that fails fails its own command.
func checkArgs(args []any) error {
	for i, arg := range args {
		if _, ok := arg.(string); ok { // most arguments: one comparison
			continue
		}
		switch arg.(type) {
		case []byte, int, int64, float64, nil, bool,
			int8, int16, int32, uint, uint8, uint16, uint32, uint64, uintptr, float32,
			*string, *int, *int8, *int16, *int32, *int64,
			*uint, *uint8, *uint16, *uint32, *uint64, *uintptr, *float32, *float64, *bool,
			time.Time, *time.Time, time.Duration, *time.Duration:
			continue
		}
		b, ok, err := marshal(arg)
		if err != nil {
			return err
		}
		if ok {
			args[i] = b
		}
	}
	return nil
}

// marshal returns the bytes of an argument that the writer marshals: an
// encoding.BinaryMarshaler or a net.IP (ok is false for a net.IP, which
// stays as it is). Any other type is go-redis's error.
func marshal(arg any) (b []byte, ok bool, err error) {
	switch v := arg.(type) {
	case encoding.BinaryMarshaler:
		defer func() {
			if r := recover(); r != nil {
				err = fmt.Errorf("redpipe: MarshalBinary of %T panicked: %v", v, r)
			}
		}()
		b, err = v.MarshalBinary()
		return b, err == nil, err
	case net.IP:
		return nil, false, nil
	}
	return nil, false, fmt.Errorf("redis: can't marshal %T (implement encoding.BinaryMarshaler)", arg)
}

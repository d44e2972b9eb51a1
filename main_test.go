package redpipe_test

import (
	"testing"

	"github.com/go-redpipe/redpipe/internal/redistest"
)

func TestMain(m *testing.M) { redistest.Main(m) }

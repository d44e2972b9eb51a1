package redpipe_test

import (
	"flag"
	"os"
	"testing"
)

// TestMain runs up to 8 parallel tests at once unless -test.parallel says
// otherwise: the parallel tests start servers and clusters and wait on
// dials and timeouts far more than they compute, so more of them than
// there are cores finish sooner.
func TestMain(m *testing.M) {
	flag.Parse()
	given := false
	flag.Visit(func(f *flag.Flag) { given = given || f.Name == "test.parallel" })
	if !given {
		_ = flag.Set("test.parallel", "8")
	}
	os.Exit(m.Run())
}

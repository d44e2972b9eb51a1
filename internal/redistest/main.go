package redistest

import (
	"flag"
	"fmt"
	"os"
	"sync/atomic"
	"testing"
)

// skipped counts the tests RequireServer skipped.
var skipped atomic.Int64

// Main runs the tests of a package that starts servers: up to 8 parallel
// tests at once unless -test.parallel says otherwise (they wait on servers
// far more than they compute). Then it stops the servers [ReuseServer] kept
// between tests and, if tests were skipped for want of redis-server, prints
// one line that says how many and why. go test shows the line in
// local-directory mode (go test in the package's directory) and with -v; it
// hides the output of a passing package otherwise. Call it from TestMain.
func Main(m *testing.M) {
	flag.Parse()
	given := false
	flag.Visit(func(f *flag.Flag) { given = given || f.Name == "test.parallel" })
	if !given {
		_ = flag.Set("test.parallel", "8")
	}
	mainRunning.Store(true)
	code := m.Run()
	mainRunning.Store(false)
	if err := stopKept(); err != nil {
		fmt.Fprintln(os.Stderr, "redistest:", err)
	}
	if line := skipSummary(); line != "" {
		fmt.Fprintln(os.Stderr, line)
	}
	os.Exit(code)
}

// skipSummary returns the line Main prints about skipped tests, "" if
// none was skipped.
func skipSummary() string {
	n := skipped.Load()
	if n == 0 {
		return ""
	}
	return fmt.Sprintf("redistest: %d tests skipped: redis-server is not installed (apt-get install -y redis-server)", n)
}

package redistest

import (
	"os"
	"os/exec"
	"testing"
)

// RequirePython returns the path of the python3 executable found in $PATH,
// for tests that check what Python code reads and writes. If there is
// none, it fails the test when the environment variable CI is "true" and
// skips it otherwise, as [RequireServer] does.
func RequirePython(tb testing.TB) string {
	tb.Helper()
	path, err := exec.LookPath("python3")
	if err == nil {
		return path
	}
	if os.Getenv("CI") == "true" {
		tb.Fatalf("redistest: python3 is required in CI but was not found: %v", err)
	}
	tb.Skipf("redistest: python3 not found (%v); install it with: apt-get install -y python3", err)
	return ""
}

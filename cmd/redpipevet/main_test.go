package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestGoTool adds redpipevet to a fresh module as a tool dependency, as a
// user would, with a replace to this checkout, and runs it as go vet's
// tool: it reports an unexecuted pipe and, as go vet does, a Printf
// mistake. The module proxy is off: everything comes from the module
// cache, where this checkout's own requirements already are.
func TestGoTool(t *testing.T) {
	goCmd, err := exec.LookPath("go")
	if err != nil {
		t.Fatal(err)
	}
	checkout, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	write := func(name, src string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(src), 0o666); err != nil {
			t.Fatal(err)
		}
	}
	write("go.mod", "module example.com/user\n\ngo 1.26\n\nreplace github.com/go-redpipe/redpipe => "+checkout+"\n")
	write("main.go", `package main

import (
	"context"
	"fmt"

	"github.com/go-redpipe/redpipe"
)

func bump(ctx context.Context, parent *redpipe.Pipe) {
	pipe := redpipe.Pipeline(parent)
	pipe.Incr("visits")
}

func main() {
	bump(context.Background(), nil)
	fmt.Printf("%d\n", "not a number")
}
`)
	run := func(args ...string) (string, error) {
		cmd := exec.Command(goCmd, args...)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "GOPROXY=off", "GOSUMDB=off", "GOFLAGS=-mod=mod")
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	if out, err := run("get", "-tool", "github.com/go-redpipe/redpipe/cmd/redpipevet"); err != nil {
		t.Fatalf("go get -tool: %v\n%s", err, out)
	}
	out, err := run("tool", "-n", "redpipevet")
	if err != nil {
		t.Fatalf("go tool -n redpipevet: %v\n%s", err, out)
	}
	vettool := strings.TrimSpace(out)
	out, err = run("vet", "-vettool="+vettool, "./...")
	if err == nil {
		t.Fatalf("go vet with redpipevet reported nothing:\n%s", out)
	}
	for _, want := range []string{
		"pipe is not executed on every path",
		"fmt.Printf format %d has arg \"not a number\" of wrong type string",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("go vet with redpipevet does not report %q:\n%s", want, out)
		}
	}
}

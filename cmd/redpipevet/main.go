// Command redpipevet runs the pipeexec check, which reports redpipe pipes
// that are not executed on every path, as a vet tool:
//
//	go build -o redpipevet github.com/go-redpipe/redpipe/cmd/redpipevet
//	go vet -vettool=$PWD/redpipevet ./...
package main

import (
	"golang.org/x/tools/go/analysis/unitchecker"

	"github.com/go-redpipe/redpipe/passes/pipeexec"
)

func main() { unitchecker.Main(pipeexec.Analyzer) }

package pipeexec_test

import (
	"testing"

	"golang.org/x/tools/go/analysis/analysistest"

	"github.com/go-redpipe/redpipe/passes/pipeexec"
)

func TestAnalyzer(t *testing.T) {
	analysistest.Run(t, analysistest.TestData(), pipeexec.Analyzer, "a")
}

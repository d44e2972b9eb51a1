// Command report runs the benchmarks of this module against a fresh
// redis-server, checks the overhead budgets, and writes the results, a
// markdown table and charts, into the repository's docs folder:
//
//	cd bench && go run ./report
//
// It runs `go test -bench` several times and takes medians: the machines it
// runs on are shared, so absolute times drift while ratios measured in the
// same run hold. It exits with status 1 when a budget is not met; the goals
// of the scaling curves are reported, and do not change the status.
package main

import (
	"bytes"
	"flag"
	"fmt"
	"log"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"time"
)

func main() {
	log.SetFlags(0)
	log.SetPrefix("report: ")
	count := flag.Int("count", 5, "runs of the batch benchmarks; the report takes medians")
	benchtime := flag.String("benchtime", "300ms", "go test -benchtime for the batch benchmarks")
	curveCount := flag.Int("curves", 3, "runs of the curve benchmarks; the report takes medians")
	out := flag.String("out", "../docs", "folder to write bench.md and the charts to")
	flag.Parse()

	start := time.Now()
	var results []result
	var raw bytes.Buffer
	// go test -count runs each row several times in a row, which lets a
	// change in the machine's load fall on one row only: instead, each
	// run of go test runs every row once, and the report runs it again.
	type run struct {
		pattern, benchtime string
		pinned             bool   // see canPin
		set                string // prefixes the names of its results (see peerRun)
	}
	var runs []run
	for range *count {
		runs = append(runs, run{"^BenchmarkBatch$", *benchtime, false, ""}, run{"^BenchmarkConcurrent$", *benchtime, false, ""},
			run{"^BenchmarkCacheAside$", "20x", false, ""})
	}
	for range *curveCount {
		runs = append(runs, run{"^BenchmarkCurve", "100ms", canPin(), ""}) // interleave their rows themselves
	}
	for _, p := range peerRuns(canPin()) {
		runs = append(runs, run(p)) // interleaves its rows itself
	}
	runs = append(runs,
		run{"^BenchmarkBudget$", "300x", canPin(), ""}, // interleaves its rows itself
		run{"^BenchmarkServerMemory$", "1x", false, ""})
	for _, r := range runs {
		log.Printf("go test -bench %s -benchtime %s (pinned: %v)", r.pattern, r.benchtime, r.pinned)
		out, err := goTestBench(r.pattern, r.benchtime, r.pinned)
		if err != nil {
			log.Fatal(err)
		}
		res, err := parse(out)
		if err != nil {
			log.Fatal(err)
		}
		for i := range res {
			res[i].name = r.set + res[i].name
		}
		raw.WriteString(out)
		results = append(results, res...)
	}

	env := describeEnvironment()
	env.took = time.Since(start)
	env.pinned = canPin()
	rep := newReport(results, env)
	md := rep.markdown()
	if err := os.MkdirAll(*out, 0o755); err != nil {
		log.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(*out, "bench.md"), []byte(md), 0o644); err != nil {
		log.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(*out, "bench.svg"), []byte(rep.chart()), 0o644); err != nil {
		log.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(*out, "peers.svg"), []byte(rep.peersChart()), 0o644); err != nil {
		log.Fatal(err)
	}
	for _, c := range rep.curves {
		if err := os.WriteFile(filepath.Join(*out, c.file), []byte(c.chart()), 0o644); err != nil {
			log.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(*out, "bench.txt"), raw.Bytes(), 0o644); err != nil {
		log.Fatal(err)
	}
	fmt.Print(md)
	if !rep.budgetsMet() {
		log.Fatal("a budget was not met")
	}
}

// goTestBench runs the benchmarks that match pattern and returns what go
// test printed.
func goTestBench(pattern, benchtime string, pinned bool) (string, error) {
	args := []string{"go", "test", "-run", "^$", "-bench", pattern, "-benchmem",
		"-benchtime", benchtime, "-count", "1", "-timeout", "60m", "."}
	if pinned {
		args = append([]string{"taskset", "-c", "0"}, args...)
	}
	cmd := exec.Command(args[0], args[1:]...)
	if pinned {
		cmd.Env = append(os.Environ(), "BENCH_SERVER_CPU=1")
	}
	var stdout bytes.Buffer
	cmd.Stdout = &stdout
	cmd.Stderr = os.Stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("go test -bench %s: %w\n%s", pattern, err, stdout.String())
	}
	return stdout.String(), nil
}

// canPin reports whether the budget, curve and peers benchmarks can run
// pinned: the benchmark on CPU 0 and its redis-servers on CPU 1, each on a
// core of its own, so that the two do not take turns on the same cores.
// Pinned runs of one version on a shared 2-core machine still spread by a
// few percent (README, "Overhead budgets"); unpinned, by more.
func canPin() bool {
	_, err := exec.LookPath("taskset")
	return err == nil && runtime.NumCPU() >= 2 && os.Getenv("REDIS_ADDR") == ""
}

// environment is what the benchmarks ran on.
type environment struct {
	cpu, cores, goVersion, redisServer string
	modules                            []string // "path version"
	date                               string
	took                               time.Duration
	pinned                             bool // the budget, curve and peers rows ran pinned (see canPin)
}

func describeEnvironment() environment {
	env := environment{date: time.Now().UTC().Format("2006-01-02")}
	if info, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		n := 0
		for line := range strings.SplitSeq(string(info), "\n") {
			if name, ok := strings.CutPrefix(line, "model name"); ok {
				env.cpu = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(name), ":"))
				n++
			}
		}
		env.cores = fmt.Sprint(n)
	}
	env.goVersion = output("go", "env", "GOVERSION")
	env.redisServer = output("redis-server", "--version")
	if v, ok := strings.CutPrefix(env.redisServer, "Redis server v="); ok {
		env.redisServer, _, _ = strings.Cut(v, " ")
	}
	for _, m := range []string{"github.com/redis/go-redis/v9", "github.com/redis/rueidis"} {
		env.modules = append(env.modules, m+" "+output("go", "list", "-m", "-f", "{{.Version}}", m))
	}
	return env
}

// output runs a command and returns what it printed, trimmed, or "?".
func output(name string, args ...string) string {
	out, err := exec.Command(name, args...).Output()
	if err != nil {
		return "?"
	}
	return strings.TrimSpace(string(out))
}

// Gen writes commands_gen.go, the typed command methods of redpipe's Pipe:
// one per command method of go-redis's Cmdable interface, with the same
// name and parameters less the context, returning a Future of what the
// command's Result method returns.
//
// It runs from the root of the module, by way of the go:generate line in
// pipeline.go:
//
//	go generate ./...
//
// Methods it cannot wrap must be listed in its skip table with the reason;
// otherwise it fails, so that a go-redis upgrade cannot drop a command
// unnoticed.
package main

import (
	"flag"
	"fmt"
	"log"
	"os"
)

func main() {
	log.SetFlags(0)
	log.SetPrefix("gen: ")
	out := flag.String("o", "commands_gen.go", "write the generated code to `file`")
	flag.Usage = func() {
		fmt.Fprintf(os.Stderr, "usage: gen [-o file]\n")
		flag.PrintDefaults()
	}
	flag.Parse()
	if flag.NArg() > 0 {
		flag.Usage()
		os.Exit(2)
	}

	src, st, err := generate(defaultConfig(os.Args[1:]))
	if err != nil {
		log.Fatal(err)
	}
	if err := os.WriteFile(*out, src, 0o666); err != nil {
		log.Fatal(err)
	}
	fmt.Fprintf(os.Stderr, "gen: wrapped %d commands, skipped %d\n", st.wrapped, st.skipped)
}

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
//
// With -readonly, gen writes readonly_gen.go instead: the commands that the
// redis-server at the address given flags readonly (see readonly.go), to be
// run from the root of the module against a server of the version the
// table should hold:
//
//	go run ./cmd/gen -readonly 127.0.0.1:PORT -o readonly_gen.go
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"os"

	"github.com/redis/go-redis/v9"
)

func main() {
	log.SetFlags(0)
	log.SetPrefix("gen: ")
	out := flag.String("o", "commands_gen.go", "write the generated code to `file`")
	readOnlyAddr := flag.String("readonly", "", "write the read-only table of the redis-server at `address` instead")
	flag.Usage = func() {
		fmt.Fprintf(os.Stderr, "usage: gen [-o file] [-readonly address]\n")
		flag.PrintDefaults()
	}
	flag.Parse()
	if flag.NArg() > 0 {
		flag.Usage()
		os.Exit(2)
	}
	if *readOnlyAddr != "" {
		c := redis.NewClient(&redis.Options{Addr: *readOnlyAddr})
		defer c.Close()
		t, err := fetchReadOnly(context.Background(), c)
		if err != nil {
			log.Fatal(err)
		}
		src, err := t.render()
		if err != nil {
			log.Fatal(err)
		}
		if err := os.WriteFile(*out, src, 0o666); err != nil {
			log.Fatal(err)
		}
		fmt.Fprintf(os.Stderr, "gen: %d of %d commands of redis-server %s are read-only\n", len(t.readOnly()), len(t.all), t.version)
		return
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

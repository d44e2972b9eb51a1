package main

import (
	"bytes"
	"flag"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// fakeConfig wraps testdata/fakeredis, a stand-in for go-redis.
func fakeConfig() config {
	return config{
		pkgPath: "github.com/go-redpipe/redpipe/cmd/gen/testdata/fakeredis",
		cmdable: "Cmdable",
		cmder:   "Cmder",
		args:    []string{"-o", "fake_gen.go"},
		skip: map[string]string{
			"Pipelined": "runs a pipeline, not a command",
		},
		resultNames: maps.Clone(resultNames),
		pipeMethods: pipeMethods,
		impls:       []string{"cmdable"},
	}
}

func TestGolden(t *testing.T) {
	got, st, err := generate(fakeConfig())
	if err != nil {
		t.Fatalf("generate() error: %v", err)
	}
	if want := (stats{wrapped: 16, skipped: 1}); st != want {
		t.Errorf("generate() stats = %+v; want %+v", st, want)
	}

	golden := filepath.Join("testdata", "fakeredis.golden")
	if *update {
		if err := os.WriteFile(golden, got, 0o666); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("generate() differs from %s (run go test -update to rewrite it):\n%s", golden, got)
	}
}

func TestGenerateErrors(t *testing.T) {
	cases := []struct {
		name string
		edit func(*config)
		want string // a part of the error; "" for none
	}{
		{
			name: "unwrappable method not in the skip table",
			edit: func(c *config) { delete(c.skip, "Pipelined") },
			want: "cannot wrap fakeredis.Cmdable.Pipelined: it returns 2 values, not one command",
		},
		{
			name: "unnamed results not in the table",
			edit: func(c *config) { delete(c.resultNames, "KeyValuesCmd") },
			want: "cannot wrap fakeredis.ListCmdable.BLMPop: KeyValuesCmd.Result returns several unnamed values",
		},
		{
			name: "clash with a method of Pipe",
			edit: func(c *config) { c.pipeMethods = []string{"Len", "Ping"} },
			want: "Cmdable.Ping clashes with Pipe.Ping",
		},
		{
			name: "clash in the skip table",
			edit: func(c *config) {
				c.pipeMethods = []string{"Len", "Ping"}
				c.skip["Ping"] = "clashes with Pipe.Ping"
			},
		},
		{
			name: "skip table lists a missing method",
			edit: func(c *config) { c.skip["Multi"] = "gone" },
			want: "the skip table lists Multi, which fakeredis.Cmdable does not have",
		},
		{
			name: "no such interface",
			edit: func(c *config) { c.cmdable = "Commander" },
			want: "has no type Commander",
		},
		{
			name: "not an interface",
			edit: func(c *config) { c.cmder = "Cmd" },
			want: "fakeredis.Cmd is not a named interface type",
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cfg := fakeConfig()
			tc.edit(&cfg)
			_, _, err := generate(cfg)
			switch {
			case tc.want == "" && err != nil:
				t.Errorf("generate() error = %v; want none", err)
			case tc.want != "" && err == nil:
				t.Errorf("generate() error = nil; want one containing %q", tc.want)
			case tc.want != "" && !strings.Contains(err.Error(), tc.want):
				t.Errorf("generate() error = %v; want one containing %q", err, tc.want)
			}
		})
	}
}

func TestExportName(t *testing.T) {
	cases := []struct {
		in, want string
	}{
		{"keys", "Keys"},
		{"cursor", "Cursor"},
		{"ids", "IDs"},
		{"id", "ID"},
		{"deletedIDs", "DeletedIDs"},
		{"streamID", "StreamID"},
		{"messages", "Messages"},
	}
	for _, tc := range cases {
		if got := exportName(tc.in); got != tc.want {
			t.Errorf("exportName(%q) = %q; want %q", tc.in, got, tc.want)
		}
	}
}

func TestLowerFirst(t *testing.T) {
	cases := []struct {
		in, want string
	}{
		{"ScanCmd", "scanCmd"},
		{"KeyValuesCmd", "keyValuesCmd"},
		{"XAutoClaimCmd", "xAutoClaimCmd"},
		{"ZSliceWithKeyCmd", "zSliceWithKeyCmd"},
		{"ID", "id"},
	}
	for _, tc := range cases {
		if got := lowerFirst(tc.in); got != tc.want {
			t.Errorf("lowerFirst(%q) = %q; want %q", tc.in, got, tc.want)
		}
	}
}

func TestIdentifiers(t *testing.T) {
	cases := []struct {
		in   string
		want []string
	}{
		{"int64", []string{"int64"}},
		{"[]redis.Z", []string{"redis"}},
		{"map[string]*redis.CommandInfo", []string{"string", "redis"}},
		{"func(x time.Duration) error", []string{"time", "error"}},
		{"struct{ Key string }", []string{"string"}},
		{"ScanResult", []string{"ScanResult"}},
	}
	for _, tc := range cases {
		if got := identifiers(tc.in); !slices.Equal(got, tc.want) {
			t.Errorf("identifiers(%q) = %q; want %q", tc.in, got, tc.want)
		}
	}
}

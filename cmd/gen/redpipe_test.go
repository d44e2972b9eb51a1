package main

import (
	"bytes"
	"go/ast"
	"go/parser"
	"go/token"
	"go/types"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"golang.org/x/tools/go/packages"
)

// generated is the output of the real generation, made once for all tests.
var generated = sync.OnceValues(func() (generation, error) {
	src, st, err := generate(defaultConfig([]string{"-o", "commands_gen.go"}))
	return generation{src, st}, err
})

type generation struct {
	src []byte
	st  stats
}

func realGeneration(t testing.TB) generation {
	t.Helper()
	g, err := generated()
	if err != nil {
		t.Fatalf("generate() error: %v", err)
	}
	return g
}

func TestCommandsGenFresh(t *testing.T) {
	g := realGeneration(t)
	committed, err := os.ReadFile(filepath.Join("..", "..", "commands_gen.go"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(g.src, committed) {
		t.Fatal("commands_gen.go is stale: run go generate ./...")
	}
}

// TestPipeHasEveryCommand checks that the generation wraps most of
// go-redis, that each wrapped command is a method of redpipe's *Pipe, and
// that the generator's list of Pipe's own methods is current.
func TestPipeHasEveryCommand(t *testing.T) {
	g := realGeneration(t)
	if g.st.wrapped < 600 {
		t.Errorf("generate() wrapped %d commands; want at least 600", g.st.wrapped)
	}
	if want := len(skip); g.st.skipped != want {
		t.Errorf("generate() skipped %d commands; want %d, the skip table's", g.st.skipped, want)
	}

	f, err := parser.ParseFile(token.NewFileSet(), "commands_gen.go", g.src, parser.SkipObjectResolution)
	if err != nil {
		t.Fatal(err)
	}
	var wrapped []string
	for _, d := range f.Decls {
		if fd, ok := d.(*ast.FuncDecl); ok && fd.Recv != nil && types.ExprString(fd.Recv.List[0].Type) == "*Pipe" {
			wrapped = append(wrapped, fd.Name.Name)
		}
	}
	if len(wrapped) != g.st.wrapped {
		t.Errorf("generated file has %d methods of *Pipe; want %d", len(wrapped), g.st.wrapped)
	}
	if !slices.IsSorted(wrapped) {
		t.Errorf("generated methods are not sorted by name")
	}

	cfg := &packages.Config{Mode: packages.NeedName | packages.NeedTypes | packages.NeedSyntax, Dir: filepath.Join("..", "..")}
	pkgs, err := packages.Load(cfg, ".")
	if err != nil {
		t.Fatal(err)
	}
	if packages.PrintErrors(pkgs) > 0 {
		t.Fatal("package redpipe does not load")
	}
	pkg := pkgs[0]
	pipe, ok := pkg.Types.Scope().Lookup("Pipe").(*types.TypeName)
	if !ok {
		t.Fatal("package redpipe has no type Pipe")
	}
	mset := types.NewMethodSet(types.NewPointer(pipe.Type()))
	for _, name := range wrapped {
		if mset.Lookup(pkg.Types, name) == nil {
			t.Errorf("*redpipe.Pipe has no method %s", name)
		}
	}

	var own []string
	for sel := range mset.Methods() {
		m := sel.Obj()
		if m.Exported() && filepath.Base(pkg.Fset.Position(m.Pos()).Filename) != "commands_gen.go" {
			own = append(own, m.Name())
		}
	}
	slices.Sort(own)
	if !slices.Equal(own, pipeMethods) {
		t.Errorf("hand-written methods of *Pipe = %q; pipeMethods = %q", own, pipeMethods)
	}
}

// TestDocsNameOwnMethods checks that the package doc and Pipe's doc name
// each hand-written method of Pipe, the few that are not commands, so a
// reader finds them among the generated ones.
func TestDocsNameOwnMethods(t *testing.T) {
	fset := token.NewFileSet()
	pkgDoc, err := parser.ParseFile(fset, filepath.Join("..", "..", "doc.go"), nil, parser.ParseComments|parser.PackageClauseOnly)
	if err != nil {
		t.Fatal(err)
	}
	pipeline, err := parser.ParseFile(fset, filepath.Join("..", "..", "pipeline.go"), nil, parser.ParseComments)
	if err != nil {
		t.Fatal(err)
	}
	var pipeDoc string
	for _, d := range pipeline.Decls {
		if gd, ok := d.(*ast.GenDecl); ok && gd.Tok == token.TYPE && gd.Specs[0].(*ast.TypeSpec).Name.Name == "Pipe" {
			pipeDoc = gd.Doc.Text()
		}
	}
	docs := map[string]string{"the package doc": pkgDoc.Doc.Text(), "Pipe's doc": pipeDoc}
	for where, doc := range docs {
		for _, m := range pipeMethods {
			if !strings.Contains(doc, "[Pipe."+m+"]") {
				t.Errorf("%s does not name [Pipe.%s]", where, m)
			}
		}
	}
}

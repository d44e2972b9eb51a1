package main

import (
	"errors"
	"fmt"
	"go/ast"
	"go/format"
	"go/types"
	"slices"
	"sort"
	"strings"

	"golang.org/x/tools/go/packages"
)

// skip lists the methods of Cmdable that are not wrapped, each with the
// reason. A method the generator cannot wrap must be listed here, or
// generation fails: a go-redis upgrade cannot drop a command unnoticed.
var skip = map[string]string{
	"Quit":        "go-redis's Quit panics (not implemented): close the client instead",
	"Pipeline":    "makes a pipeline, not a command",
	"Pipelined":   "runs a pipeline, not a command",
	"TxPipeline":  "makes a transaction pipeline, not a command",
	"TxPipelined": "runs a transaction pipeline, not a command",
}

// resultNames names the fields of the result struct of a command whose
// Result method returns several unnamed values before the error, keyed by
// the name of the command's type. Commands with named results take the
// field names from those.
var resultNames = map[string][]string{
	"KeyValuesCmd":     {"Key", "Values"},
	"ZSliceWithKeyCmd": {"Key", "Members"},
}

// pipeMethods are the hand-written methods of Pipe. A command of the same
// name would clash with one of them, so it must be in the skip table.
var pipeMethods = []string{"Close", "Do", "Execute", "Len", "OnExecute", "Reset"}

// bodyNames are the identifiers of the package that every wrapper's body
// uses besides its parameters; parameters of these names are renamed.
var bodyNames = []string{"p", "b", "batch", "background", "enqueue", "built"}

// initialisms spells the words of result field names that Go writes in
// capitals.
var initialisms = map[string]string{
	"id":   "ID",
	"ids":  "IDs",
	"ip":   "IP",
	"json": "JSON",
	"ttl":  "TTL",
	"url":  "URL",
}

// config says what generate wraps and how.
type config struct {
	pkgPath string   // import path of the package whose commands are wrapped
	dir     string   // directory to load it from; "" is the current one
	cmdable string   // the interface whose methods are wrapped
	cmder   string   // the interface every command implements
	args    []string // the generator's arguments, quoted in the header

	skip        map[string]string   // methods not wrapped, with the reason
	resultNames map[string][]string // field names for unnamed multiple results
	pipeMethods []string            // Pipe's own methods; commands must not clash
	impls       []string            // the types whose methods document the commands
}

// defaultConfig is the configuration that wraps go-redis for redpipe; args
// are the generator's command-line arguments.
func defaultConfig(args []string) config {
	return config{
		pkgPath:     "github.com/redis/go-redis/v9",
		cmdable:     "Cmdable",
		cmder:       "Cmder",
		args:        args,
		skip:        skip,
		resultNames: resultNames,
		pipeMethods: pipeMethods,
		impls:       []string{"cmdable", "statefulCmdable"},
	}
}

// stats counts the methods of Cmdable that generate wrapped and skipped.
type stats struct {
	wrapped, skipped int
}

// wrapper is one generated method of Pipe.
type wrapper struct {
	name   string
	iface  string   // the interface that declares the method, for the doc link
	params []string // "name type", the last one "name ...type" if variadic
	args   []string // the arguments passed on to the go-redis method
	result string   // T in *Future[T]
	cmd    string   // the go-redis command type the method returns, "*redis.IntCmd"
	multi  *multi   // set when the command's Result returns several values
	// deprecated is the method's "Deprecated:" paragraph in go-redis, ""
	// for none: the wrapper carries it, so that linters warn its callers.
	deprecated string
	// check is set when a parameter can hold a value of any type (it is
	// or holds an interface): the command's arguments are checked when it
	// is queued. go-redis writes the values of every other type itself.
	check bool
	// build is set when the wrapper builds the command itself, as the
	// go-redis method does, on its batch's arguments (see builder).
	build *builder
}

// multi is a command whose Result returns several values before the error;
// the generator gathers them in a result struct.
type multi struct {
	cmd    string // the command's type name, "ScanCmd"
	name   string // the result struct, "ScanResult"
	fields []field
}

func (m *multi) adapter() string { return lowerFirst(m.cmd) }

type field struct {
	name  string // the exported field name, "Keys"
	local string // the local variable in the adapter's Result, "keys"
	typ   string
}

// generator holds the state of one run of generate.
type generator struct {
	cfg     config
	pkg     *types.Package
	cmder   *types.Interface
	errType types.Type
	imports map[string]string // package name to import path
	multis  map[string]*multi // by command type name
	impls   map[string]*ast.FuncDecl
}

// generate loads the package cfg names and returns the source of a file of
// package redpipe with one method of Pipe per command method of its
// Cmdable interface, formatted with gofmt. It writes nothing.
func generate(cfg config) ([]byte, stats, error) {
	var st stats
	loaded, err := load(cfg)
	if err != nil {
		return nil, st, err
	}
	pkg := loaded.Types
	deprecated := deprecations(loaded.Syntax, cfg.impls)
	cmdable, err := lookupInterface(pkg, cfg.cmdable)
	if err != nil {
		return nil, st, err
	}
	cmder, err := lookupInterface(pkg, cfg.cmder)
	if err != nil {
		return nil, st, err
	}
	g := &generator{
		cfg:     cfg,
		pkg:     pkg,
		cmder:   cmder.Underlying().(*types.Interface),
		errType: types.Universe.Lookup("error").Type(),
		imports: make(map[string]string),
		multis:  make(map[string]*multi),
		impls:   implementations(loaded.Syntax, cfg.impls),
	}

	declared := make(map[*types.Func]string)
	declarers(cmdable, cfg.cmdable, pkg, declared)

	iface := cmdable.Underlying().(*types.Interface)
	methods := make([]*types.Func, iface.NumMethods())
	for i := range methods {
		methods[i] = iface.Method(i)
	}
	sort.Slice(methods, func(i, j int) bool { return methods[i].Name() < methods[j].Name() })

	var errs []error
	var wrappers []*wrapper
	seen := make(map[string]bool)
	for _, m := range methods {
		seen[m.Name()] = true
		if _, ok := cfg.skip[m.Name()]; ok {
			st.skipped++
			continue
		}
		if slices.Contains(cfg.pipeMethods, m.Name()) {
			errs = append(errs, fmt.Errorf("%s.%s.%s clashes with Pipe.%[3]s: list it in the skip table with the reason", pkg.Name(), cfg.cmdable, m.Name()))
			continue
		}
		iname := declared[m]
		if iname == "" {
			iname = cfg.cmdable
		}
		w, err := g.wrap(m, iname)
		if err == nil {
			w.deprecated = deprecated[m.Name()]
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("cannot wrap %s.%s.%s: %w; list it in the skip table with the reason, or teach the generator", pkg.Name(), iname, m.Name(), err))
			continue
		}
		wrappers = append(wrappers, w)
	}
	for _, name := range sortedKeys(cfg.skip) {
		if !seen[name] {
			errs = append(errs, fmt.Errorf("the skip table lists %s, which %s.%s does not have", name, pkg.Name(), cfg.cmdable))
		}
	}
	if len(errs) > 0 {
		return nil, st, errors.Join(errs...)
	}
	st.wrapped = len(wrappers)

	src, err := format.Source(g.render(wrappers))
	if err != nil {
		return nil, st, fmt.Errorf("internal error: invalid Go generated: %v", err)
	}
	return src, st, nil
}

// load loads the types of the package cfg names, from export data, and
// its syntax, for the doc comments.
func load(cfg config) (*packages.Package, error) {
	pcfg := &packages.Config{
		Mode: packages.NeedName | packages.NeedTypes | packages.NeedSyntax | packages.NeedFiles | packages.NeedCompiledGoFiles,
		Dir:  cfg.dir,
	}
	pkgs, err := packages.Load(pcfg, cfg.pkgPath)
	if err != nil {
		return nil, fmt.Errorf("loading %s: %w", cfg.pkgPath, err)
	}
	if len(pkgs) != 1 {
		return nil, fmt.Errorf("loading %s: got %d packages, want 1", cfg.pkgPath, len(pkgs))
	}
	var errs []error
	packages.Visit(pkgs, nil, func(p *packages.Package) {
		for _, e := range p.Errors {
			errs = append(errs, e)
		}
	})
	if len(errs) > 0 {
		return nil, fmt.Errorf("loading %s: %w", cfg.pkgPath, errors.Join(errs...))
	}
	return pkgs[0], nil
}

// deprecations returns the "Deprecated:" paragraphs of the methods files
// document, by method name: on a method of one of the types impls names
// (go-redis documents its commands on the methods of cmdable), or in an
// interface.
func deprecations(files []*ast.File, impls []string) map[string]string {
	out := make(map[string]string)
	note := func(name string, doc *ast.CommentGroup) {
		if doc == nil || out[name] != "" {
			return
		}
		text := doc.Text()
		i := strings.Index(text, "Deprecated:")
		if i < 0 || i > 0 && text[i-1] != '\n' {
			return
		}
		para, _, _ := strings.Cut(text[i:], "\n\n")
		out[name] = strings.TrimSpace(para)
	}
	for _, f := range files {
		ast.Inspect(f, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.FuncDecl:
				if n.Recv != nil && len(n.Recv.List) == 1 && slices.Contains(impls, receiverType(n.Recv.List[0].Type)) {
					note(n.Name.Name, n.Doc)
				}
			case *ast.InterfaceType:
				for _, m := range n.Methods.List {
					for _, name := range m.Names {
						note(name.Name, m.Doc)
					}
				}
			}
			return true
		})
	}
	return out
}

// receiverType returns the name of a receiver's type.
func receiverType(e ast.Expr) string {
	if star, ok := e.(*ast.StarExpr); ok {
		e = star.X
	}
	if id, ok := e.(*ast.Ident); ok {
		return id.Name
	}
	return ""
}

// lookupInterface returns the named interface type name declares in pkg.
func lookupInterface(pkg *types.Package, name string) (*types.Named, error) {
	obj, ok := pkg.Scope().Lookup(name).(*types.TypeName)
	if !ok {
		return nil, fmt.Errorf("package %s has no type %s", pkg.Path(), name)
	}
	n, ok := types.Unalias(obj.Type()).(*types.Named)
	if !ok || !types.IsInterface(n) {
		return nil, fmt.Errorf("%s.%s is not a named interface type", pkg.Name(), name)
	}
	return n, nil
}

// declarers records in into, for each method of the interface n, the name
// of the interface that declares it, walking the embedded interfaces in
// order. A method an unexported interface declares is credited to the
// nearest exported one that embeds it, named link, so the doc link resolves.
func declarers(n *types.Named, link string, pkg *types.Package, into map[*types.Func]string) {
	iface := n.Underlying().(*types.Interface)
	for i := range iface.NumExplicitMethods() {
		if m := iface.ExplicitMethod(i); into[m] == "" {
			into[m] = link
		}
	}
	for i := range iface.NumEmbeddeds() {
		e, ok := types.Unalias(iface.EmbeddedType(i)).(*types.Named)
		if !ok || !types.IsInterface(e) {
			continue
		}
		l := link
		if e.Obj().Exported() && e.Obj().Pkg() == pkg {
			l = e.Obj().Name()
		}
		declarers(e, l, pkg, into)
	}
}

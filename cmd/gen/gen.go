package main

import (
	"bytes"
	"errors"
	"fmt"
	"go/ast"
	"go/format"
	"go/parser"
	"go/types"
	"slices"
	"sort"
	"strings"
	"unicode"

	"golang.org/x/tools/go/packages"
)

// skip lists the methods of Cmdable that are not wrapped, each with the
// reason. A method the generator cannot wrap must be listed here, or
// generation fails: a go-redis upgrade cannot drop a command unnoticed.
var skip = map[string]string{
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
var pipeMethods = []string{"Do", "Execute", "Len", "OnExecute", "Reset"}

// bodyNames are the identifiers of the package that every wrapper's body
// uses besides its parameters; parameters of these names are renamed.
var bodyNames = []string{"p", "recorder", "background", "enqueue"}

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
	multi  *multi   // set when the command's Result returns several values
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
}

// generate loads the package cfg names and returns the source of a file of
// package redpipe with one method of Pipe per command method of its
// Cmdable interface, formatted with gofmt. It writes nothing.
func generate(cfg config) ([]byte, stats, error) {
	var st stats
	pkg, err := load(cfg)
	if err != nil {
		return nil, st, err
	}
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

// load loads the types of the package cfg names, from export data.
func load(cfg config) (*types.Package, error) {
	pcfg := &packages.Config{
		Mode: packages.NeedName | packages.NeedTypes,
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
	return pkgs[0].Types, nil
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

// wrap maps the method m of Cmdable, declared by the interface iname, to
// the method of Pipe that queues its command.
func (g *generator) wrap(m *types.Func, iname string) (*wrapper, error) {
	if !m.Exported() {
		return nil, errors.New("it is not exported")
	}
	sig := m.Type().(*types.Signature)
	if sig.Params().Len() == 0 || !isContext(sig.Params().At(0).Type()) {
		return nil, errors.New("its first parameter is not a context.Context")
	}
	if sig.Results().Len() != 1 {
		return nil, fmt.Errorf("it returns %d values, not one command", sig.Results().Len())
	}
	cmd := sig.Results().At(0).Type()
	if !types.Implements(cmd, g.cmder) {
		return nil, fmt.Errorf("its result %s does not implement %s.%s", g.describe(cmd), g.pkg.Name(), g.cfg.cmder)
	}
	vals, err := g.resultValues(cmd)
	if err != nil {
		return nil, err
	}

	w := &wrapper{name: m.Name(), iface: iname}
	if len(vals) == 1 {
		if w.result, err = g.typeString(vals[0].Type()); err != nil {
			return nil, err
		}
	} else {
		if w.multi, err = g.multiResult(cmd, vals); err != nil {
			return nil, err
		}
		w.result = w.multi.name
	}

	reserved := make(map[string]bool)
	for _, name := range bodyNames {
		reserved[name] = true
	}
	if w.multi != nil {
		reserved[w.multi.adapter()] = true
	}
	for _, name := range identifiers(w.result) {
		reserved[name] = true
	}

	params := sig.Params()
	names := paramNames(params, reserved)
	for i := 1; i < params.Len(); i++ {
		t := params.At(i).Type()
		variadic := sig.Variadic() && i == params.Len()-1
		if variadic {
			t = t.(*types.Slice).Elem()
		}
		ts, err := g.typeString(t)
		if err != nil {
			return nil, err
		}
		if variadic {
			w.params = append(w.params, names[i]+" ..."+ts)
			w.args = append(w.args, names[i]+"...")
		} else {
			w.params = append(w.params, names[i]+" "+ts)
			w.args = append(w.args, names[i])
		}
	}
	return w, nil
}

// resultValues returns the values the Result method of the command type
// cmd returns before its error.
func (g *generator) resultValues(cmd types.Type) ([]*types.Var, error) {
	obj, _, _ := types.LookupFieldOrMethod(cmd, true, g.pkg, "Result")
	fn, ok := obj.(*types.Func)
	if !ok {
		return nil, fmt.Errorf("its result %s has no Result method", g.describe(cmd))
	}
	sig := fn.Type().(*types.Signature)
	res := sig.Results()
	if sig.Params().Len() != 0 || res.Len() < 2 || !types.Identical(res.At(res.Len()-1).Type(), g.errType) {
		return nil, fmt.Errorf("%s.Result is %s, not func() (T..., error)", g.describe(cmd), g.describe(sig))
	}
	vals := make([]*types.Var, res.Len()-1)
	for i := range vals {
		vals[i] = res.At(i)
	}
	return vals, nil
}

// multiResult returns the result struct of the command type cmd, whose
// Result method returns vals before its error.
func (g *generator) multiResult(cmd types.Type, vals []*types.Var) (*multi, error) {
	ptr, ok := cmd.(*types.Pointer)
	var named *types.Named
	if ok {
		named, ok = types.Unalias(ptr.Elem()).(*types.Named)
	}
	if !ok {
		return nil, fmt.Errorf("%s.Result returns several values and %[1]s is not a pointer to a named type", g.describe(cmd))
	}
	cname := named.Obj().Name()
	if m := g.multis[cname]; m != nil {
		return m, nil
	}

	names := g.cfg.resultNames[cname]
	if names == nil {
		for _, v := range vals {
			if v.Name() == "" || v.Name() == "_" {
				return nil, fmt.Errorf("%s.Result returns several unnamed values, which the resultNames table does not name", cname)
			}
			names = append(names, exportName(v.Name()))
		}
	}
	if len(names) != len(vals) {
		return nil, fmt.Errorf("resultNames has %d names for %s, whose Result returns %d values", len(names), cname, len(vals))
	}

	m := &multi{cmd: cname, name: strings.TrimSuffix(cname, "Cmd") + "Result"}
	taken := map[string]bool{"c": true, "err": true, m.name: true}
	for i, v := range vals {
		ts, err := g.typeString(v.Type())
		if err != nil {
			return nil, err
		}
		local := v.Name()
		if g.cfg.resultNames[cname] != nil || local == "" || local == "_" {
			local = lowerFirst(names[i])
		}
		local = unique(local, taken)
		taken[local] = true
		m.fields = append(m.fields, field{name: names[i], local: local, typ: ts})
	}
	g.multis[cname] = m
	return m, nil
}

// paramNames returns the names of the wrapper's parameters, by position in
// params (whose first, the context, is dropped): go-redis's, unless blank
// or reserved.
func paramNames(params *types.Tuple, reserved map[string]bool) []string {
	names := make([]string, params.Len())
	taken := make(map[string]bool)
	for name := range reserved {
		taken[name] = true
	}
	for i := 1; i < params.Len(); i++ {
		if name := params.At(i).Name(); name != "" && name != "_" && !reserved[name] {
			taken[name] = true
		}
	}
	for i := 1; i < params.Len(); i++ {
		name := params.At(i).Name()
		switch {
		case name == "" || name == "_":
			name = unique(fmt.Sprintf("arg%d", i), taken)
		case reserved[name]:
			name = unique(name+"Arg", taken)
		}
		taken[name] = true
		names[i] = name
	}
	return names
}

// unique returns name, or name with the smallest number from 2 up appended
// that is not taken.
func unique(name string, taken map[string]bool) string {
	if !taken[name] {
		return name
	}
	for i := 2; ; i++ {
		if s := fmt.Sprintf("%s%d", name, i); !taken[s] {
			return s
		}
	}
}

// identifiers returns the identifiers the type expression typ refers to
// in the scope it is written in: package names, predeclared and local type
// names.
func identifiers(typ string) []string {
	x, err := parser.ParseExpr(typ)
	if err != nil {
		panic(fmt.Sprintf("internal error: cannot parse type %q: %v", typ, err))
	}
	var names []string
	var visit func(ast.Node) bool
	visit = func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.SelectorExpr:
			ast.Inspect(n.X, visit) // not n.Sel: it is looked up in a package
			return false
		case *ast.Field:
			// The names of fields, methods and parameters do not refer to
			// the scope; their types do.
			ast.Inspect(n.Type, visit)
			return false
		case *ast.Ident:
			names = append(names, n.Name)
		}
		return true
	}
	ast.Inspect(x, visit)
	return names
}

func isContext(t types.Type) bool {
	n, ok := types.Unalias(t).(*types.Named)
	return ok && n.Obj().Pkg() != nil && n.Obj().Pkg().Path() == "context" && n.Obj().Name() == "Context"
}

// typeString returns t as written in the generated file, recording the
// imports it needs. It fails for a type the file cannot spell.
func (g *generator) typeString(t types.Type) (string, error) {
	if err := spellable(t); err != nil {
		return "", fmt.Errorf("type %s: %w", g.describe(t), err)
	}
	var err error
	s := types.TypeString(t, func(p *types.Package) string {
		if path, ok := g.imports[p.Name()]; ok && path != p.Path() && err == nil {
			err = fmt.Errorf("packages %s and %s are both named %s", path, p.Path(), p.Name())
		}
		g.imports[p.Name()] = p.Path()
		return p.Name()
	})
	if err != nil {
		return "", err
	}
	return strings.ReplaceAll(s, "interface{}", "any"), nil
}

// describe returns t qualified by package names, for error messages.
func (g *generator) describe(t types.Type) string {
	return types.TypeString(t, func(p *types.Package) string { return p.Name() })
}

// spellable reports why another package cannot write the type t, if it
// cannot: t names an unexported or internal type, or has unexported fields
// or methods.
func spellable(t types.Type) error {
	switch t := t.(type) {
	case *types.Basic:
		return nil
	case *types.Alias:
		return spellableObj(t.Obj())
	case *types.Named:
		if err := spellableObj(t.Obj()); err != nil {
			return err
		}
		for i := range t.TypeArgs().Len() {
			if err := spellable(t.TypeArgs().At(i)); err != nil {
				return err
			}
		}
		return nil
	case *types.Pointer:
		return spellable(t.Elem())
	case *types.Slice:
		return spellable(t.Elem())
	case *types.Array:
		return spellable(t.Elem())
	case *types.Chan:
		return spellable(t.Elem())
	case *types.Map:
		if err := spellable(t.Key()); err != nil {
			return err
		}
		return spellable(t.Elem())
	case *types.Signature:
		for _, tup := range []*types.Tuple{t.Params(), t.Results()} {
			for i := range tup.Len() {
				if err := spellable(tup.At(i).Type()); err != nil {
					return err
				}
			}
		}
		return nil
	case *types.Struct:
		for i := range t.NumFields() {
			f := t.Field(i)
			if !f.Exported() {
				return fmt.Errorf("unexported field %s", f.Name())
			}
			if err := spellable(f.Type()); err != nil {
				return err
			}
		}
		return nil
	case *types.Interface:
		for i := range t.NumExplicitMethods() {
			m := t.ExplicitMethod(i)
			if !m.Exported() {
				return fmt.Errorf("unexported method %s", m.Name())
			}
			if err := spellable(m.Type()); err != nil {
				return err
			}
		}
		for i := range t.NumEmbeddeds() {
			if err := spellable(t.EmbeddedType(i)); err != nil {
				return err
			}
		}
		return nil
	default:
		return fmt.Errorf("unsupported type %T", t)
	}
}

func spellableObj(obj *types.TypeName) error {
	if obj.Pkg() == nil {
		return nil // predeclared
	}
	if !obj.Exported() {
		return fmt.Errorf("%s.%s is not exported", obj.Pkg().Name(), obj.Name())
	}
	if isInternal(obj.Pkg().Path()) {
		return fmt.Errorf("%s is internal", obj.Pkg().Path())
	}
	return nil
}

func isInternal(path string) bool {
	return path == "internal" || strings.HasPrefix(path, "internal/") ||
		strings.HasSuffix(path, "/internal") || strings.Contains(path, "/internal/")
}

// render returns the unformatted source of the generated file.
func (g *generator) render(wrappers []*wrapper) []byte {
	var b bytes.Buffer
	printf := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }

	printf("// Code generated by %q; DO NOT EDIT.\n\n", strings.Join(append([]string{"gen"}, g.cfg.args...), " "))
	printf("package redpipe\n\n")

	var std, other []string
	for _, path := range g.imports {
		if first, _, _ := strings.Cut(path, "/"); strings.Contains(first, ".") {
			other = append(other, path)
		} else {
			std = append(std, path)
		}
	}
	sort.Strings(std)
	sort.Strings(other)
	if len(g.imports) > 0 {
		printf("import (\n")
		for _, path := range std {
			printf("\t%q\n", path)
		}
		printf("\n")
		for _, path := range other {
			printf("\t%q\n", path)
		}
		printf(")\n\n")
	}

	pkg := g.pkg.Name()
	for _, name := range sortedKeys(g.multis) {
		m := g.multis[name]
		printf("// %s is the reply of a command that go-redis reads into a [%s.%s].\n", m.name, pkg, m.cmd)
		printf("type %s struct {\n", m.name)
		for _, f := range m.fields {
			printf("\t%s %s\n", f.name, f.typ)
		}
		printf("}\n\n")
		printf("// %s reads a [%s.%s] into a [%s].\n", m.adapter(), pkg, m.cmd, m.name)
		printf("type %s struct{ *%s.%s }\n\n", m.adapter(), pkg, m.cmd)
		locals := make([]string, len(m.fields))
		inits := make([]string, len(m.fields))
		for i, f := range m.fields {
			locals[i] = f.local
			inits[i] = f.name + ": " + f.local
		}
		printf("func (c %s) Result() (%s, error) {\n", m.adapter(), m.name)
		printf("\t%s, err := c.%s.Result()\n", strings.Join(locals, ", "), m.cmd)
		printf("\treturn %s{%s}, err\n", m.name, strings.Join(inits, ", "))
		printf("}\n\n")
	}

	for _, w := range wrappers {
		call := fmt.Sprintf("recorder.%s(%s)", w.name, strings.Join(append([]string{"background"}, w.args...), ", "))
		if w.multi != nil {
			call = w.multi.adapter() + "{" + call + "}"
		}
		printf("// %s wraps [%s.%s.%[1]s].\n", w.name, pkg, w.iface)
		printf("func (p *Pipe) %s(%s) *Future[%s] {\n", w.name, joinParams(w.params), w.result)
		printf("\treturn enqueue[%s](p, %s)\n", w.result, call)
		printf("}\n\n")
	}
	return b.Bytes()
}

// joinParams joins "name type" parameters, writing the type once for a
// run of parameters of the same type: "start, stop int64".
func joinParams(params []string) string {
	var b strings.Builder
	for i, p := range params {
		name, typ, _ := strings.Cut(p, " ")
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(name)
		if i+1 < len(params) {
			if _, next, _ := strings.Cut(params[i+1], " "); next == typ && !strings.HasPrefix(typ, "...") {
				continue
			}
		}
		b.WriteString(" " + typ)
	}
	return b.String()
}

// exportName turns a go-redis result name into a field name:
// ids is IDs, deletedIDs is DeletedIDs.
func exportName(name string) string {
	var words []string
	start := 0
	runes := []rune(name)
	for i := 1; i < len(runes); i++ {
		if unicode.IsUpper(runes[i]) && !unicode.IsUpper(runes[i-1]) {
			words = append(words, string(runes[start:i]))
			start = i
		}
	}
	words = append(words, string(runes[start:]))
	for i, w := range words {
		if s, ok := initialisms[strings.ToLower(w)]; ok {
			words[i] = s
		} else {
			r := []rune(w)
			r[0] = unicode.ToUpper(r[0])
			words[i] = string(r)
		}
	}
	return strings.Join(words, "")
}

// lowerFirst lowers the first letter of name, or the whole leading run of
// capitals but the last when one is followed by a lower-case letter:
// ScanCmd is scanCmd, XAutoClaimCmd is xAutoClaimCmd, ID is id.
func lowerFirst(name string) string {
	r := []rune(name)
	n := 0
	for n < len(r) && unicode.IsUpper(r[n]) {
		n++
	}
	if n > 1 && n < len(r) {
		n-- // keep the capital that starts the next word
	}
	for i := range n {
		r[i] = unicode.ToLower(r[i])
	}
	return string(r)
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

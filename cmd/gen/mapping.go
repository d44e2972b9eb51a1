package main

import (
	"errors"
	"fmt"
	"go/ast"
	"go/parser"
	"go/types"
	"strings"
)

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
	if w.cmd, err = g.typeString(cmd); err != nil {
		return nil, err
	}
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
	reserved[g.pkg.Name()] = true // a builder calls its constructors
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
		w.check = w.check || holdsInterface(t, nil)
		if variadic {
			w.params = append(w.params, names[i]+" ..."+ts)
			w.args = append(w.args, names[i]+"...")
		} else {
			w.params = append(w.params, names[i]+" "+ts)
			w.args = append(w.args, names[i])
		}
	}
	w.build = g.builderOf(g.impls[m.Name()], w, names)
	return w, nil
}

// holdsInterface reports whether a value of type t can hold a value of any
// type: t is an interface, or a pointer, slice, array, map or struct that
// holds one. Functions and channels count as holding one. seen breaks
// cycles.
func holdsInterface(t types.Type, seen map[types.Type]bool) bool {
	if seen[t] {
		return false
	}
	if seen == nil {
		seen = make(map[types.Type]bool)
	}
	seen[t] = true
	switch t := t.Underlying().(type) {
	case *types.Basic:
		return false
	case *types.Pointer:
		return holdsInterface(t.Elem(), seen)
	case *types.Slice:
		return holdsInterface(t.Elem(), seen)
	case *types.Array:
		return holdsInterface(t.Elem(), seen)
	case *types.Map:
		return holdsInterface(t.Key(), seen) || holdsInterface(t.Elem(), seen)
	case *types.Struct:
		for i := range t.NumFields() {
			if holdsInterface(t.Field(i).Type(), seen) {
				return true
			}
		}
		return false
	}
	return true // interfaces, and anything else
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

package main

import (
	"go/ast"
	"go/token"
	"go/types"
)

// A builder is how a wrapper builds its command. Most go-redis methods
// build theirs in one call of a constructor, from a name and their
// parameters as they are:
//
//	func (c cmdable) Get(ctx context.Context, key string) *StringCmd {
//		cmd := NewStringCmd(ctx, "get", key)
//		_ = c(ctx, cmd)
//		return cmd
//	}
//
// A wrapper of such a method makes the same call, with the same arguments
// in the same order, but on a slice its batch hands out (batch.args), so
// that the commands of a batch share the memory of their arguments where
// go-redis gives each command a slice of its own. The wrapper of any other
// method calls the method on the batch's store.
type builder struct {
	ctor string   // the constructor, "NewStringCmd"
	args []string // its arguments after the context, as the wrapper spells them
}

// implementations returns the methods of the types impls names, by name:
// go-redis's implementations of its commands.
func implementations(files []*ast.File, impls []string) map[string]*ast.FuncDecl {
	out := make(map[string]*ast.FuncDecl)
	for _, f := range files {
		for _, d := range f.Decls {
			fn, ok := d.(*ast.FuncDecl)
			if !ok || fn.Recv == nil || len(fn.Recv.List) != 1 || fn.Body == nil {
				continue
			}
			for _, impl := range impls {
				if receiverType(fn.Recv.List[0].Type) == impl && out[fn.Name.Name] == nil {
					out[fn.Name.Name] = fn
				}
			}
		}
	}
	return out
}

// builderOf returns the builder of w, the wrapper of fn, or nil when fn
// does not build its command in one call of a constructor of the wrapped
// package that returns w's command type. names are the wrapper's names of
// fn's parameters, by position (see paramNames).
func (g *generator) builderOf(fn *ast.FuncDecl, w *wrapper, names []string) *builder {
	if fn == nil || len(fn.Body.List) != 3 || len(fn.Recv.List[0].Names) != 1 {
		return nil
	}
	recv := fn.Recv.List[0].Names[0].Name
	params := paramIndex(fn) // the context at 0
	if fn.Type.Params.NumFields() != len(names) {
		return nil
	}
	// cmd := NewXCmd(ctx, "name", params...)
	assign, ok := fn.Body.List[0].(*ast.AssignStmt)
	if !ok || assign.Tok != token.DEFINE || len(assign.Lhs) != 1 || len(assign.Rhs) != 1 {
		return nil
	}
	cmd := ident(assign.Lhs[0])
	call, ok := assign.Rhs[0].(*ast.CallExpr)
	if !ok || cmd == "" || call.Ellipsis.IsValid() || len(call.Args) == 0 {
		return nil
	}
	ctor := ident(call.Fun)
	if i, ok := params[ident(call.Args[0])]; !ok || i != 0 || !g.constructs(ctor, w.cmd) {
		return nil
	}
	b := &builder{ctor: ctor}
	for _, arg := range call.Args[1:] {
		switch arg := arg.(type) {
		case *ast.BasicLit:
			b.args = append(b.args, arg.Value)
		case *ast.Ident:
			i, ok := params[arg.Name]
			if !ok || i == 0 || variadic(fn, i) {
				return nil
			}
			b.args = append(b.args, names[i])
		default:
			return nil
		}
	}
	// _ = c(ctx, cmd)
	process, ok := fn.Body.List[1].(*ast.AssignStmt)
	if !ok || len(process.Lhs) != 1 || ident(process.Lhs[0]) != "_" || len(process.Rhs) != 1 {
		return nil
	}
	pcall, ok := process.Rhs[0].(*ast.CallExpr)
	if !ok || ident(pcall.Fun) != recv || len(pcall.Args) != 2 || ident(pcall.Args[1]) != cmd {
		return nil
	}
	if i, ok := params[ident(pcall.Args[0])]; !ok || i != 0 {
		return nil
	}
	// return cmd
	ret, ok := fn.Body.List[2].(*ast.ReturnStmt)
	if !ok || len(ret.Results) != 1 || ident(ret.Results[0]) != cmd {
		return nil
	}
	return b
}

// constructs reports whether the exported function of the wrapped package
// named name takes a context and variadic interface{} arguments and returns the
// command type cmd, as spelled by typeString.
func (g *generator) constructs(name, cmd string) bool {
	fn, ok := g.pkg.Scope().Lookup(name).(*types.Func)
	if !ok || !fn.Exported() {
		return false
	}
	sig := fn.Type().(*types.Signature)
	if sig.Params().Len() != 2 || !sig.Variadic() || !isContext(sig.Params().At(0).Type()) || sig.Results().Len() != 1 {
		return false
	}
	elem := sig.Params().At(1).Type().(*types.Slice).Elem()
	if iface, ok := elem.Underlying().(*types.Interface); !ok || !iface.Empty() {
		return false
	}
	got, err := g.typeString(sig.Results().At(0).Type())
	return err == nil && got == cmd
}

// paramIndex returns the positions of fn's named parameters by name.
func paramIndex(fn *ast.FuncDecl) map[string]int {
	out := make(map[string]int)
	i := 0
	for _, f := range fn.Type.Params.List {
		if len(f.Names) == 0 {
			i++
			continue
		}
		for _, n := range f.Names {
			if n.Name != "_" {
				out[n.Name] = i
			}
			i++
		}
	}
	return out
}

// variadic reports whether the parameter of fn at position i is variadic.
func variadic(fn *ast.FuncDecl, i int) bool {
	list := fn.Type.Params.List
	last := list[len(list)-1]
	_, ok := last.Type.(*ast.Ellipsis)
	return ok && i == fn.Type.Params.NumFields()-1
}

// ident returns the name of e if it is an identifier, "" otherwise.
func ident(e ast.Expr) string {
	if id, ok := e.(*ast.Ident); ok {
		return id.Name
	}
	return ""
}

// Package pipeexec defines an Analyzer that reports a redpipe pipe that is
// made and not executed on every path out of the function that made it.
//
// # Analyzer pipeexec
//
// pipeexec: check that every redpipe pipe is executed
//
// A pipe made by redpipe.Pipeline or redpipe.New holds its commands until
// its Execute runs: a child's Execute hands them to its parent, a root's
// sends them. A pipe that is not executed leaves its commands unsent and
// their futures never ready. The idiom is
//
//	pipe := redpipe.Pipeline(parent)
//	defer pipe.Execute(ctx)
//
// pipeexec reports a pipe that is neither executed, reset nor closed
// (Execute, Reset or Close, deferred or not) on some path from where it is
// made to a return of the function, unless the pipe is handed elsewhere,
// where its Execute may run: returned, stored, passed to a function other
// than redpipe's own, or used in a function literal. Assigning it to the
// blank identifier hands it nowhere. It also reports a pipe that is made
// and used without being bound to a name, as in
// redpipe.Pipeline(p).Incr("k"): nothing can execute it. A root made with
// redpipe.AutoFlush is ended by Close, and the report says so. Test files
// are not checked: tests leave pipes unexecuted on purpose. It is in the
// spirit of go vet's lostcancel.
package pipeexec

import (
	"go/ast"
	"go/format"
	"go/types"
	"strings"

	"golang.org/x/tools/go/analysis"
	"golang.org/x/tools/go/analysis/passes/ctrlflow"
	"golang.org/x/tools/go/analysis/passes/inspect"
	"golang.org/x/tools/go/ast/inspector"
	"golang.org/x/tools/go/cfg"
	"golang.org/x/tools/go/types/typeutil"
)

// Analyzer reports pipes that are not executed on every path.
var Analyzer = &analysis.Analyzer{
	Name:     "pipeexec",
	Doc:      "check that every redpipe pipe is executed",
	URL:      "https://pkg.go.dev/github.com/go-redpipe/redpipe/passes/pipeexec",
	Requires: []*analysis.Analyzer{inspect.Analyzer, ctrlflow.Analyzer},
	Run:      run,
}

// redpipe is the import path of the package whose pipes are checked.
const redpipe = "github.com/go-redpipe/redpipe"

func run(pass *analysis.Pass) (any, error) {
	insp := pass.ResultOf[inspect.Analyzer].(*inspector.Inspector)
	cfgs := pass.ResultOf[ctrlflow.Analyzer].(*ctrlflow.CFGs)
	insp.Preorder([]ast.Node{(*ast.FuncDecl)(nil), (*ast.FuncLit)(nil)}, func(n ast.Node) {
		if strings.HasSuffix(pass.Fset.File(n.Pos()).Name(), "_test.go") {
			return
		}
		var body *ast.BlockStmt
		var g *cfg.CFG
		switch n := n.(type) {
		case *ast.FuncDecl:
			body, g = n.Body, cfgs.FuncDecl(n)
		case *ast.FuncLit:
			body, g = n.Body, cfgs.FuncLit(n)
		}
		if body != nil && g != nil {
			checkFunc(pass, body, g)
		}
	})
	return nil, nil
}

// checkFunc checks the pipes made in body, whose control flow is g.
func checkFunc(pass *analysis.Pass, body *ast.BlockStmt, g *cfg.CFG) {
	ast.Inspect(body, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.FuncLit:
			return false // checked on its own
		case *ast.SelectorExpr:
			if makesPipe(pass, n.X) && !ends(n.Sel.Name) {
				pass.Reportf(n.X.Pos(), "this pipe is used without a name, so nothing executes it: bind it, as in pipe := %s, and defer pipe.%s(ctx)",
					render(pass, n.X), end(pass, n.X))
			}
		case *ast.AssignStmt:
			for i, rhs := range n.Rhs {
				if i >= len(n.Lhs) || !makesPipe(pass, rhs) {
					continue
				}
				id, ok := n.Lhs[i].(*ast.Ident)
				if !ok {
					continue // stored elsewhere
				}
				v, _ := pass.TypesInfo.ObjectOf(id).(*types.Var)
				if v == nil || v.Parent() == v.Pkg().Scope() || escapes(pass, body, v, id) {
					continue
				}
				if path := unexecutedPath(pass, g, n, v); path != nil {
					method := end(pass, rhs)
					pass.Reportf(n.Pos(), "%s is not %s on every path: line %d leaves it open (defer %s.%s(ctx) where it is made)",
						v.Name(), strings.ToLower(method[:1])+method[1:]+"d", pass.Fset.Position(path.Pos()).Line, v.Name(), method)
				}
			}
		}
		return true
	})
}

// ends reports whether the method named name ends a pipe: Execute, Reset
// or Close.
func ends(name string) bool {
	return name == "Execute" || name == "Reset" || name == "Close"
}

// end returns the method that ends the pipe made by e: Close for a root
// made with redpipe.AutoFlush, which executes itself, Execute for others.
func end(pass *analysis.Pass, e ast.Expr) string {
	call := ast.Unparen(e).(*ast.CallExpr)
	for _, arg := range call.Args {
		opt, ok := ast.Unparen(arg).(*ast.CallExpr)
		if !ok {
			continue
		}
		if fn, ok := typeutil.Callee(pass.TypesInfo, opt).(*types.Func); ok && fn.Pkg() != nil &&
			fn.Pkg().Path() == redpipe && fn.Name() == "AutoFlush" {
			return "Close"
		}
	}
	return "Execute"
}

// render returns the source of e, for messages.
func render(pass *analysis.Pass, e ast.Expr) string {
	var b strings.Builder
	if err := format.Node(&b, pass.Fset, e); err != nil {
		return "redpipe.Pipeline(parent)"
	}
	return b.String()
}

// makesPipe reports whether e calls redpipe.Pipeline or redpipe.New.
func makesPipe(pass *analysis.Pass, e ast.Expr) bool {
	call, ok := ast.Unparen(e).(*ast.CallExpr)
	if !ok {
		return false
	}
	fn, ok := typeutil.Callee(pass.TypesInfo, call).(*types.Func)
	return ok && fn.Pkg() != nil && fn.Pkg().Path() == redpipe &&
		(fn.Name() == "Pipeline" || fn.Name() == "New") && fn.Type().(*types.Signature).Recv() == nil
}

// escapes reports whether the pipe v, defined at def, is handed where its
// Execute may run: any use but as the receiver of a method, or as an
// argument of redpipe's functions that do not execute it.
func escapes(pass *analysis.Pass, body *ast.BlockStmt, v *types.Var, def *ast.Ident) bool {
	allowed := make(map[*ast.Ident]bool)
	escaped := false
	var inLit int
	var visit func(n ast.Node) bool
	visit = func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.FuncLit:
			inLit++
			ast.Inspect(n.Body, visit)
			inLit--
			return false
		case *ast.SelectorExpr:
			if id, ok := n.X.(*ast.Ident); ok && pass.TypesInfo.Uses[id] == v {
				allowed[id] = inLit == 0
			}
		case *ast.AssignStmt:
			for i, lhs := range n.Lhs {
				if blank, ok := lhs.(*ast.Ident); ok && blank.Name == "_" && i < len(n.Rhs) {
					if id, ok := ast.Unparen(n.Rhs[i]).(*ast.Ident); ok && pass.TypesInfo.Uses[id] == v {
						allowed[id] = true // _ = pipe hands it nowhere
					}
				}
			}
		case *ast.CallExpr:
			if keepsPipe(pass, n) {
				for _, arg := range n.Args {
					if id, ok := ast.Unparen(arg).(*ast.Ident); ok && pass.TypesInfo.Uses[id] == v {
						allowed[id] = inLit == 0
					}
				}
			}
		case *ast.Ident:
			if n != def && pass.TypesInfo.Uses[n] == v {
				if ok, seen := allowed[n]; !seen || !ok {
					escaped = true
				}
			}
		}
		return true
	}
	ast.Inspect(body, visit)
	return escaped
}

// keepsPipe reports whether call is to a redpipe function that takes a
// pipe without executing it: Pipeline, Chain, or a Script's Run methods.
func keepsPipe(pass *analysis.Pass, call *ast.CallExpr) bool {
	fn, ok := typeutil.Callee(pass.TypesInfo, call).(*types.Func)
	if !ok || fn.Pkg() == nil || fn.Pkg().Path() != redpipe {
		return false
	}
	switch fn.Name() {
	case "Pipeline", "Chain", "Run", "RunInt64", "RunString":
		return true
	}
	return false
}

// unexecutedPath returns a statement that leaves the function on a path
// from def, which makes the pipe v, that neither executes nor resets v;
// nil if there is none.
func unexecutedPath(pass *analysis.Pass, g *cfg.CFG, def ast.Stmt, v *types.Var) ast.Node {
	// Find the block of def and what follows it in the block.
	for _, b := range g.Blocks {
		for i, n := range b.Nodes {
			if n != def {
				continue
			}
			if used(pass, b.Nodes[i+1:], v) {
				return nil
			}
			seen := make(map[*cfg.Block]bool)
			return search(pass, b, v, seen)
		}
	}
	return nil
}

// search returns an exit reachable from b's successors along blocks that
// do not execute v.
func search(pass *analysis.Pass, b *cfg.Block, v *types.Var, seen map[*cfg.Block]bool) ast.Node {
	if len(b.Succs) == 0 {
		return exit(b)
	}
	for _, s := range b.Succs {
		if seen[s] {
			continue
		}
		seen[s] = true
		if used(pass, s.Nodes, v) {
			continue
		}
		if n := search(pass, s, v, seen); n != nil {
			return n
		}
	}
	return nil
}

// exit returns the statement by which b, a block with no successor, leaves
// the function: its return, or its last statement when it falls off the
// end; nil when it ends in a call that does not return (panic).
func exit(b *cfg.Block) ast.Node {
	if ret := b.Return(); ret != nil {
		return ret
	}
	if len(b.Nodes) == 0 {
		return nil
	}
	last := b.Nodes[len(b.Nodes)-1]
	if es, ok := last.(*ast.ExprStmt); ok {
		if call, ok := es.X.(*ast.CallExpr); ok {
			if id, ok := call.Fun.(*ast.Ident); ok && id.Name == "panic" {
				return nil
			}
		}
	}
	if !b.Live {
		return nil
	}
	return last
}

// used reports whether nodes call v.Execute, v.Reset or v.Close, deferred
// or not.
func used(pass *analysis.Pass, nodes []ast.Node, v *types.Var) bool {
	found := false
	for _, n := range nodes {
		ast.Inspect(n, func(n ast.Node) bool {
			if found {
				return false
			}
			if _, ok := n.(*ast.FuncLit); ok {
				return false
			}
			sel, ok := n.(*ast.SelectorExpr)
			if !ok || !ends(sel.Sel.Name) {
				return true
			}
			if id, ok := sel.X.(*ast.Ident); ok && pass.TypesInfo.Uses[id] == v {
				found = true
			}
			return true
		})
	}
	return found
}

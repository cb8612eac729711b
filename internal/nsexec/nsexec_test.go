package nsexec

import (
	"go/ast"
	"go/parser"
	"go/token"
	"strconv"
	"testing"
)

// The C init and package initplan must number the operations alike. The
// constants are read from initplan's source: importing it here would make
// no difference to the check, but reading them keeps every name listed.
func TestOpCodesMatchInitplan(t *testing.T) {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "../initplan/plan.go", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	goOps := map[string]int{}
	ast.Inspect(f, func(n ast.Node) bool {
		vs, ok := n.(*ast.ValueSpec)
		if !ok || len(vs.Values) != 1 {
			return true
		}
		if id, ok := vs.Type.(*ast.Ident); !ok || id.Name != "Op" {
			return true
		}
		if lit, ok := vs.Values[0].(*ast.BasicLit); ok {
			v, _ := strconv.Atoi(lit.Value)
			goOps[vs.Names[0].Name] = v
		}
		return true
	})
	cOps := cOps()
	if len(goOps) != len(cOps) {
		t.Fatalf("initplan has %d operations, cinit.h %d", len(goOps), len(cOps))
	}
	for name, v := range goOps {
		if c, ok := cOps[name]; !ok || c != v {
			t.Errorf("%s: initplan %d, cinit.h %d (listed: %v)", name, v, c, ok)
		}
	}
}

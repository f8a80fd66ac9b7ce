package policy

import (
	"reflect"
	"strings"
	"sync"

	"cel.dev/cel-go/cel"
	"cel.dev/cel-go/ext"
)

// CEL type names of the native structs: ext.NativeTypes names a Go struct after its
// package's last path element and its type name.
const (
	findingType = "policy.Finding"
	packageType = "policy.Package"
	secretType  = "policy.Secret"
)

// packageVar is the name the `package` variable has inside CEL. `package` is a reserved word
// that CEL's parser refuses as an identifier, yet it is the obvious name for the package in
// a policy; so expressions are rewritten before parsing. The stand-in has the same length,
// which keeps every position the parser reports valid for the original text.
const packageVar = "__pkg__"

// Bounds of evaluation. The cost limit makes every evaluation stop after a bounded amount of
// work, whatever the expression and the finding: a nested comprehension over a long list of
// aliases must not stall a scan. 1e6 is orders of magnitude above what a sensible rule costs
// on a real finding (tens to a few thousands), and a few milliseconds of CPU.
const (
	costLimit = 1_000_000
	// How many comprehension iterations pass between checks of EvaluateContext's context.
	interruptEvery = 100
)

var celEnv = sync.OnceValues(func() (*cel.Env, error) {
	return cel.NewEnv(
		ext.NativeTypes(
			reflect.TypeFor[Finding](), reflect.TypeFor[Package](), reflect.TypeFor[Secret](),
			ext.ParseStructTags(true),
		),
		cel.Variable("finding", cel.ObjectType(findingType)),
		cel.Variable(packageVar, cel.ObjectType(packageType)),
		cel.Variable("secret", cel.ObjectType(secretType)),
		cel.Variable("now", cel.TimestampType),
		// Lets authors write `finding.cvss_score >= 7` without knowing it must be 7.0.
		cel.CrossTypeNumericComparisons(true),
	)
})

// programOptions bound every program; OptOptimize also compiles constant regular
// expressions once, so that an invalid one is a load error.
var programOptions = []cel.ProgramOption{
	cel.CostLimit(costLimit),
	cel.InterruptCheckFrequency(interruptEvery),
	cel.EvalOptions(cel.OptOptimize),
}

// rewritePackage replaces each `package` identifier of expr with packageVar, leaving string
// literals, comments and quoted identifiers alone, and returns the byte offsets of any
// packageVar the author wrote, which must stay undeclared: it is an implementation detail.
func rewritePackage(expr string) (string, []int) {
	var b []byte // allocated on the first rewrite only
	var misuse []int
	s := expr
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == '/' && i+1 < len(s) && s[i+1] == '/':
			for i < len(s) && s[i] != '\n' {
				i++
			}
		case c == '"' || c == '\'':
			i = skipString(s, i, false)
		case c == '`':
			i++
			for i < len(s) && s[i] != '`' && s[i] != '\n' {
				i++
			}
			i++
		case isIdentStart(c):
			j := i
			for j < len(s) && isIdentPart(s[j]) {
				j++
			}
			word := s[i:j]
			if j < len(s) && (s[j] == '"' || s[j] == '\'') && isStringPrefix(word) {
				i = skipString(s, j, strings.ContainsAny(word, "rR"))
				continue
			}
			switch word {
			case "package":
				if b == nil {
					b = []byte(expr)
				}
				copy(b[i:], packageVar)
			case packageVar:
				misuse = append(misuse, i)
			}
			i = j
		case c >= '0' && c <= '9':
			// A number; consumed whole so that 1e5 or 0xff is not read as an identifier.
			for i < len(s) && isIdentPart(s[i]) {
				i++
			}
		default:
			i++
		}
	}
	if b == nil {
		return expr, misuse
	}
	return string(b), misuse
}

// skipString returns the offset just after the string literal opening at s[i].
func skipString(s string, i int, raw bool) int {
	q := s[i]
	if i+2 < len(s) && s[i+1] == q && s[i+2] == q {
		end := strings.Repeat(string(q), 3)
		for j := i + 3; j < len(s); j++ {
			if !raw && s[j] == '\\' {
				j++
				continue
			}
			if strings.HasPrefix(s[j:], end) {
				return j + 3
			}
		}
		return len(s)
	}
	for j := i + 1; j < len(s); j++ {
		switch {
		case !raw && s[j] == '\\':
			j++
		case s[j] == q || s[j] == '\n':
			return j + 1
		}
	}
	return len(s)
}

func isStringPrefix(w string) bool {
	switch strings.ToLower(w) {
	case "r", "b", "rb", "br":
		return true
	}
	return false
}

func isIdentStart(c byte) bool {
	return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

func isIdentPart(c byte) bool {
	return isIdentStart(c) || c >= '0' && c <= '9'
}

// celMessage turns a CEL error message into one about the text the author wrote.
func celMessage(msg string) string {
	msg = strings.ReplaceAll(msg, packageVar, "package")
	return strings.TrimSuffix(msg, " (in container '')")
}

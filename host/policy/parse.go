package policy

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	"cel.dev/cel-go/cel"
	"cel.dev/cel-go/common"
	"gopkg.in/yaml.v3"
)

// Action is what a policy does with a finding.
type Action string

// Actions.
const (
	// Allow accepts the finding: a risk someone has decided to take.
	Allow Action = "ALLOW"
	// Deny fails the gate.
	Deny Action = "DENY"
	// Audit reports the finding without deciding on it.
	Audit Action = "AUDIT"
)

func parseAction(s string) (Action, bool) {
	switch a := Action(s); a {
	case Allow, Deny, Audit:
		return a, true
	}
	return "", false
}

// The document's identity: a file that is not a policy (a Kubernetes manifest, a later
// version of the format) is refused rather than half understood.
const (
	APIVersion = "trawl.dev/v1"
	KindPolicy = "Policy"
)

// Limits of a policy file, so that loading one fetched from elsewhere stays cheap: CEL's
// parser and checker are the slow part, at a fraction of a millisecond per expression.
const (
	MaxFileSize = 1 << 20 // bytes
	MaxRules    = 1000
	MaxWhenSize = 4 << 10 // bytes of one expression
)

// Policy is a compiled policy, ready to evaluate. Evaluate is safe for concurrent use; the
// fields must not be changed once the policy is in use.
type Policy struct {
	// Name is the document's name, "" when it has none.
	Name string
	// Source names where the policy came from, as given to Parse.
	Source string
	// Default is the action when no rule matches.
	Default Action
	// Rules are evaluated in file order, and the first whose When is true decides the
	// action and is the decision's rule; when none is true, Default applies with an empty
	// rule id. A rule whose When fails on a finding (a run-time error, the cost limit)
	// decides nothing: the failure goes into the decision's Err and the next rule is tried.
	Rules []Rule
}

// Rule is one rule of a policy.
type Rule struct {
	ID          string
	Description string
	Action      Action
	// When is the CEL expression as written.
	When string
	// Line is the rule's line in the file (that of its first key), for reports that point
	// back at the rule that decided.
	Line int

	prg cel.Program
}

var ruleIDPattern = regexp.MustCompile(`^[A-Za-z0-9._-]+$`)

// Parse reads and compiles a policy. source names it in errors: a file name, a URL. On
// failure the error is an ErrorList holding every problem found, each at its position.
func Parse(source string, data []byte) (*Policy, error) {
	p := &parser{source: source, data: data}
	pol := p.parse()
	if len(p.errs) > 0 {
		return nil, p.errs.sorted()
	}
	return pol, nil
}

type parser struct {
	source string
	data   []byte
	lines  [][]rune // split on first need: only errors inside expressions use them
	errs   ErrorList
}

func (p *parser) errorAt(line, col int, format string, args ...any) {
	p.errs = append(p.errs, &Error{Source: p.source, Line: line, Col: col, Msg: fmt.Sprintf(format, args...)})
}

func (p *parser) errorf(n *yaml.Node, format string, args ...any) {
	p.errorAt(n.Line, n.Column, format, args...)
}

func (p *parser) parse() *Policy {
	if len(p.data) > MaxFileSize {
		p.errorAt(0, 0, "policy is %d bytes, more than the limit of %d", len(p.data), MaxFileSize)
		return nil
	}
	if !utf8.Valid(p.data) {
		// yaml.v3 would also read UTF-16; positions are only ever computed on UTF-8.
		bad := 0
		for bad < len(p.data) {
			r, size := utf8.DecodeRune(p.data[bad:])
			if r == utf8.RuneError && size <= 1 {
				break
			}
			bad += size
		}
		before := p.data[:bad]
		line := bytes.Count(before, []byte("\n")) + 1
		col := utf8.RuneCount(before[bytes.LastIndexByte(before, '\n')+1:]) + 1
		p.errorAt(line, col, "policy is not valid UTF-8")
		return nil
	}
	root, ok := p.decode()
	if !ok {
		return nil
	}
	if root.Kind != yaml.MappingNode {
		p.errorf(root, "a policy must be a YAML mapping with apiVersion, kind and rules")
		return nil
	}
	pol := &Policy{Source: p.source, Default: Audit}
	var apiVersion, kind, rules *yaml.Node
	p.mapping(root, "key", []string{"apiVersion", "kind", "name", "default", "rules"}, func(key, val *yaml.Node) {
		switch key.Value {
		case "apiVersion":
			apiVersion = val
			if s, ok := p.str(val, "apiVersion"); ok && s != APIVersion {
				p.errorf(val, "apiVersion must be %q, not %q", APIVersion, s)
			}
		case "kind":
			kind = val
			if s, ok := p.str(val, "kind"); ok && s != KindPolicy {
				p.errorf(val, "kind must be %q, not %q", KindPolicy, s)
			}
		case "name":
			if s, ok := p.str(val, "name"); ok {
				pol.Name = s
			}
		case "default":
			if s, ok := p.str(val, "default"); ok {
				a, valid := parseAction(s)
				if !valid {
					p.errorf(val, "default must be ALLOW, DENY or AUDIT, not %q", s)
				}
				pol.Default = a
			}
		case "rules":
			rules = val
		}
	})
	if apiVersion == nil {
		p.errorf(root, "missing apiVersion (want %q)", APIVersion)
	}
	if kind == nil {
		p.errorf(root, "missing kind (want %q)", KindPolicy)
	}
	if rules != nil {
		pol.Rules = p.rules(rules)
	}
	return pol
}

// yamlLine reads the line out of a yaml.v3 error message.
var yamlLine = regexp.MustCompile(`^yaml: line (\d+): `)

// decode reads the one YAML document of the file.
func (p *parser) decode() (root *yaml.Node, ok bool) {
	defer func() {
		// yaml.v3 turns its own failures into errors, but a policy can come from anywhere
		// and a crash of the whole scan is the worst way to reject one.
		if r := recover(); r != nil {
			p.errorAt(0, 0, "invalid YAML: %v", r)
			root, ok = nil, false
		}
	}()
	dec := yaml.NewDecoder(bytes.NewReader(p.data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			p.errorAt(0, 0, "policy is empty")
		} else {
			p.yamlError(err)
		}
		return nil, false
	}
	var next yaml.Node
	switch err := dec.Decode(&next); {
	case err == nil:
		p.errorf(&next, "a policy file holds one YAML document; this is a second one")
		return nil, false
	case !errors.Is(err, io.EOF):
		p.yamlError(err)
		return nil, false
	}
	if len(doc.Content) == 0 {
		p.errorAt(0, 0, "policy is empty")
		return nil, false
	}
	root = resolve(doc.Content[0])
	if root == nil {
		p.errorf(doc.Content[0], "alias cannot be resolved")
		return nil, false
	}
	return root, true
}

func (p *parser) yamlError(err error) {
	msg := err.Error()
	if m := yamlLine.FindStringSubmatch(msg); m != nil {
		line, _ := strconv.Atoi(m[1])
		p.errorAt(line, 0, "%s", strings.TrimPrefix(msg, m[0]))
		return
	}
	msg = strings.TrimPrefix(msg, "yaml: ")
	line := 1
	if name, ok := strings.CutPrefix(msg, "unknown anchor '"); ok {
		// yaml.v3 does not say where the alias is; the first use of it is.
		name, _, _ = strings.Cut(name, "'")
		line = 0
		if i := bytes.Index(p.data, []byte("*"+name)); i >= 0 {
			line = bytes.Count(p.data[:i], []byte("\n")) + 1
		}
	}
	// Otherwise yaml.v3 leaves the line out when its mark is on the first line.
	p.errorAt(line, 0, "%s", msg)
}

// resolve follows aliases to the node they name; nil for a chain too long to be sensible.
func resolve(n *yaml.Node) *yaml.Node {
	for range 100 {
		if n == nil || n.Kind != yaml.AliasNode {
			return n
		}
		n = n.Alias
	}
	return nil
}

// mapping calls fn for each key of the mapping n, after refusing keys that are not in
// allowed, repeated, or not strings: a key the program does not read must not pass unseen.
func (p *parser) mapping(n *yaml.Node, what string, allowed []string, fn func(key, val *yaml.Node)) {
	seen := map[string]*yaml.Node{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		key, val := n.Content[i], resolve(n.Content[i+1])
		if key.Kind != yaml.ScalarNode {
			p.errorf(key, "%s must be a string", what)
			continue
		}
		if key.Tag == "!!merge" {
			p.errorf(key, "merge keys (<<) are not supported")
			continue
		}
		if first, dup := seen[key.Value]; dup {
			p.errorf(key, "duplicate %s %q (first at line %d)", what, key.Value, first.Line)
			continue
		}
		seen[key.Value] = key
		known := false
		for _, a := range allowed {
			known = known || a == key.Value
		}
		if !known {
			p.errorf(key, "unknown %s %q (want %s)", what, key.Value, orList(allowed))
			continue
		}
		if val == nil {
			p.errorf(n.Content[i+1], "alias cannot be resolved")
			continue
		}
		fn(key, val)
	}
}

func orList(l []string) string {
	return strings.Join(l[:len(l)-1], ", ") + " or " + l[len(l)-1]
}

// str returns the string value of a scalar; a null (`key:` with nothing) is "".
func (p *parser) str(n *yaml.Node, what string) (string, bool) {
	if n.Kind != yaml.ScalarNode {
		p.errorf(n, "%s must be a string", what)
		return "", false
	}
	if n.Tag == "!!null" {
		return "", true
	}
	return n.Value, true
}

func (p *parser) rules(n *yaml.Node) []Rule {
	if n.Kind == yaml.ScalarNode && n.Tag == "!!null" {
		return nil
	}
	if n.Kind != yaml.SequenceNode {
		p.errorf(n, "rules must be a list of rules")
		return nil
	}
	items := n.Content
	if len(items) > MaxRules {
		p.errorf(items[MaxRules], "too many rules: a policy holds at most %d", MaxRules)
		items = items[:MaxRules]
	}
	rules := make([]Rule, 0, len(items))
	ids := map[string]int{}
	for _, item := range items {
		rn := resolve(item)
		if rn == nil || rn.Kind != yaml.MappingNode {
			p.errorf(item, "a rule must be a mapping with id, action and when")
			continue
		}
		r := Rule{Line: rn.Line}
		var idNode, actionNode, whenNode *yaml.Node
		// A key given with a value of the wrong type is reported once, as such, and not
		// again as missing: hence valid, set when the value is a string.
		valid := map[string]bool{}
		p.mapping(rn, "rule key", []string{"id", "description", "action", "when"}, func(key, val *yaml.Node) {
			switch key.Value {
			case "id":
				idNode = val
			case "action":
				actionNode = val
			case "when":
				whenNode = val
			}
			s, ok := p.str(val, key.Value)
			if !ok {
				return
			}
			valid[key.Value] = true
			switch key.Value {
			case "id":
				r.ID = s
			case "description":
				r.Description = strings.TrimSpace(s)
			case "action":
				a, ok := parseAction(s)
				if !ok {
					p.errorf(val, "action must be ALLOW, DENY or AUDIT, not %q", s)
				}
				r.Action = a
			case "when":
				r.When = s
			}
		})
		switch {
		case idNode == nil:
			p.errorf(rn, "rule has no id")
		case !valid["id"]:
		case r.ID == "":
			p.errorf(idNode, "rule id must not be empty")
		case !ruleIDPattern.MatchString(r.ID):
			p.errorf(idNode, "rule id %q must be made of letters, digits, '.', '_' and '-'", r.ID)
		default:
			if line, dup := ids[r.ID]; dup {
				p.errorf(idNode, "duplicate rule id %q (first at line %d)", r.ID, line)
			} else {
				ids[r.ID] = idNode.Line
			}
		}
		if actionNode == nil {
			p.errorf(rn, "rule has no action (ALLOW, DENY or AUDIT)")
		}
		switch {
		case whenNode == nil:
			p.errorf(rn, "rule has no when expression")
		case !valid["when"]:
		case strings.TrimSpace(r.When) == "":
			p.errorf(whenNode, "when must not be empty")
		case len(r.When) > MaxWhenSize:
			p.errorf(whenNode, "when is %d bytes, more than the limit of %d", len(r.When), MaxWhenSize)
		default:
			r.prg = p.compile(rn, whenNode)
		}
		rules = append(rules, r)
	}
	return rules
}

// compile parses and type-checks one when expression, reporting errors at their position in
// the file.
func (p *parser) compile(rule, val *yaml.Node) cel.Program {
	env, err := celEnv()
	if err != nil {
		p.errorf(val, "internal error: CEL environment: %v", err)
		return nil
	}
	expr, misuse := rewritePackage(val.Value)
	for _, off := range misuse {
		p.errorAtOffset(rule, val, utf8.RuneCountInString(val.Value[:off]), "undeclared reference to '%s'", packageVar)
	}
	if len(misuse) > 0 {
		return nil
	}
	ast, iss := env.Parse(expr)
	if iss.Err() != nil {
		// Later syntax errors mostly follow from the first.
		p.celError(rule, val, iss.Errors()[0])
		return nil
	}
	checked, iss := env.Check(ast)
	if iss.Err() != nil {
		for _, e := range iss.Errors() {
			p.celError(rule, val, e)
		}
		return nil
	}
	if t := checked.OutputType(); !t.IsExactType(cel.BoolType) {
		p.errorf(val, "when must be a boolean expression, not %s", celMessage(t.String()))
		return nil
	}
	prg, err := env.Program(checked, programOptions...)
	if err != nil {
		p.errorf(val, "%s", celMessage(err.Error()))
		return nil
	}
	return prg
}

func (p *parser) celError(rule, val *yaml.Node, e *common.Error) {
	loc := e.Location
	if loc == nil || loc.Line() < 1 {
		p.errorf(val, "%s", celMessage(e.Message))
		return
	}
	// CEL counts lines from 1 and columns, in characters, from 0.
	runes := []rune(val.Value)
	off, line := 0, 1
	for off < len(runes) && line < loc.Line() {
		if runes[off] == '\n' {
			line++
		}
		off++
	}
	p.errorAtOffset(rule, val, off+max(loc.Column(), 0), "%s", celMessage(e.Message))
}

// errorAtOffset reports an error at the character offset off of val's value.
func (p *parser) errorAtOffset(rule, val *yaml.Node, off int, format string, args ...any) {
	if p.lines == nil {
		p.lines = splitLines(p.data)
	}
	// The mapping holding the rule is indented as its first key.
	if ps := scalarMap(p.lines, val, rule.Column-1); ps != nil {
		at := ps[min(max(off, 0), len(ps)-1)]
		p.errorAt(at.line, at.col, format, args...)
		return
	}
	// The value could not be rebuilt from the text: point at the scalar's first line, or at
	// the line inside a block scalar, which is exact for `|`.
	runes := []rune(val.Value)
	line := 1 + strings.Count(string(runes[:min(max(off, 0), len(runes))]), "\n")
	if val.Style&(yaml.LiteralStyle|yaml.FoldedStyle) != 0 {
		p.errorAt(val.Line+line, 0, format, args...)
		return
	}
	p.errorAt(val.Line, 0, format, args...)
}

package policy

import (
	"context"
	"fmt"
	"strings"
	"time"

	"cel.dev/cel-go/common/types"
	"cel.dev/cel-go/interpreter"
)

// Decision is what a policy decided about one finding.
type Decision struct {
	Action Action
	// Rule is the id of the deciding rule, "" when the default action applied.
	Rule string
	// Description is the deciding rule's description.
	Description string
	// Err lists the rules that failed on this finding and why ("rule-id: message", joined by
	// "; "), "" when none did. A failed rule decides nothing, so an action decided after a
	// failure may differ from what the author meant: reports should show Err.
	Err string
}

// Evaluate decides the action for f, evaluating the rules in file order: the first rule
// whose expression is true decides; a rule whose expression fails is recorded in Err and
// skipped; if none matches, the default action applies with an empty rule id. now is the
// variable `now` and the reference for finding.age_days. It is safe for concurrent use. A nil
// policy has no rules, and audits every finding.
func (p *Policy) Evaluate(f Finding, now time.Time) Decision {
	return p.EvaluateContext(context.Background(), f, now)
}

// EvaluateContext is Evaluate, giving up a rule's evaluation when ctx is done (the rule then
// fails with the context's error), for callers that bound a whole scan in time.
func (p *Policy) EvaluateContext(ctx context.Context, f Finding, now time.Time) Decision {
	if p == nil {
		return Decision{Action: Audit}
	}
	f.AgeDays = ageDays(f.Published, now)
	act := &activation{f: &f, now: types.Timestamp{Time: now}}
	var errs []string
	for i := range p.Rules {
		r := &p.Rules[i]
		match, err := r.eval(ctx, act)
		if err != nil {
			errs = append(errs, fmt.Sprintf("%s: %v", r.ID, err))
			continue
		}
		if match {
			return Decision{Action: r.Action, Rule: r.ID, Description: r.Description, Err: strings.Join(errs, "; ")}
		}
	}
	def := p.Default
	if def == "" {
		def = Audit
	}
	return Decision{Action: def, Err: strings.Join(errs, "; ")}
}

func (r *Rule) eval(ctx context.Context, act *activation) (match bool, err error) {
	if r.prg == nil {
		return false, fmt.Errorf("rule was not compiled (build policies with Parse)")
	}
	defer func() {
		// cel-go recovers its own panics; this guards the contract that evaluating a policy
		// never takes the scan down.
		if x := recover(); x != nil {
			match, err = false, fmt.Errorf("internal error: %v", x)
		}
	}()
	out, _, err := r.prg.ContextEval(ctx, act)
	if err != nil {
		return false, err
	}
	b, ok := out.(types.Bool)
	if !ok {
		// Type-checked as bool at load time; kept so that a CEL change cannot misdecide.
		return false, fmt.Errorf("expression gave %s, not a bool", out.Type().TypeName())
	}
	return bool(b), nil
}

// activation binds the variables without the map a map[string]any activation would cost per
// evaluation.
type activation struct {
	f   *Finding
	now types.Timestamp
}

func (a *activation) ResolveName(name string) (any, bool) {
	switch name {
	case "finding":
		return a.f, true
	case packageVar:
		return &a.f.Package, true
	case "secret":
		return &a.f.Secret, true
	case "now":
		return a.now, true
	}
	return nil, false
}

func (a *activation) Parent() interpreter.Activation { return nil }

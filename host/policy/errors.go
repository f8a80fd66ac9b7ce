package policy

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
)

// Error is one problem in a policy file, at a position of the file.
type Error struct {
	// Source names the file, as given to Parse.
	Source string
	// Line and Col are 1-based; Col counts characters. 0 means unknown: YAML does not
	// give a column for its syntax errors, and a few errors concern the whole file.
	Line, Col int
	Msg       string
}

func (e *Error) Error() string {
	switch {
	case e.Line > 0 && e.Col > 0:
		return fmt.Sprintf("%s:%d:%d: %s", e.Source, e.Line, e.Col, e.Msg)
	case e.Line > 0:
		return fmt.Sprintf("%s:%d: %s", e.Source, e.Line, e.Msg)
	}
	return fmt.Sprintf("%s: %s", e.Source, e.Msg)
}

// ErrorList is the error Parse returns: every problem found, sorted by position, so that an
// author fixes a policy in one pass rather than one error per run. errors.As finds the first
// one as an *Error.
type ErrorList []*Error

func (l ErrorList) Error() string {
	msgs := make([]string, len(l))
	for i, e := range l {
		msgs[i] = e.Error()
	}
	return strings.Join(msgs, "\n")
}

// Unwrap lets errors.As and errors.Is see each *Error.
func (l ErrorList) Unwrap() []error {
	errs := make([]error, len(l))
	for i, e := range l {
		errs[i] = e
	}
	return errs
}

// maxErrors caps the list: past a few, later errors are usually consequences of earlier ones.
const maxErrors = 10

func (l ErrorList) sorted() ErrorList {
	slices.SortStableFunc(l, func(a, b *Error) int {
		return cmp.Or(cmp.Compare(a.Line, b.Line), cmp.Compare(a.Col, b.Col))
	})
	if len(l) > maxErrors {
		more := &Error{Source: l[maxErrors].Source, Line: l[maxErrors].Line, Col: l[maxErrors].Col,
			Msg: fmt.Sprintf("too many errors (%d more)", len(l)-maxErrors)}
		l = append(l[:maxErrors:maxErrors], more)
	}
	return l
}

package main

import (
	"errors"
	"fmt"
	"io"
)

// Exit statuses. They are few and fixed, since pipelines branch on them; README.md and
// `trawl --help` list them.
const (
	exitOK         = 0
	exitPolicy     = 1 // reserved: a policy or threshold failed
	exitUsage      = 2 // bad flags, arguments or configuration
	exitScanError  = 3 // an input could not be read
	exitIncomplete = 4 // the scan finished but a plugin failed or was refused: results are partial
)

const exitCodesHelp = `Exit status:
  0  the scan finished and every plugin worked
  1  a policy or threshold failed (reserved for policies)
  2  usage or configuration error
  3  scan error: the input could not be read
  4  incomplete: the scan finished and reports were written, but a plugin failed or
     was refused, so results may be missing`

// exitError carries an exit status out of a command.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }
func (e *exitError) Unwrap() error { return e.err }

func withCode(code int, err error) error {
	if err == nil {
		return nil
	}
	return &exitError{code: code, err: err}
}

func usageErrorf(format string, a ...any) error {
	return &exitError{code: exitUsage, err: fmt.Errorf(format, a...)}
}

// report prints err and returns its exit status.
func report(stderr io.Writer, err error) int {
	if err == nil {
		return exitOK
	}
	var ee *exitError
	code := exitScanError
	if errors.As(err, &ee) {
		code = ee.code
	}
	if ee == nil || ee.err != errIncompleteQuiet {
		fmt.Fprintf(stderr, "trawl: %v\n", err)
	}
	return code
}

// errIncompleteQuiet ends a run whose partial failure was already described.
var errIncompleteQuiet = errors.New("incomplete scan")

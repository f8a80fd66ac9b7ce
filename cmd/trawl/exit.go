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
	exitPolicy     = 1 // the verdict failed: a DENY decision or a threshold exceeded
	exitUsage      = 2 // bad flags, arguments or configuration
	exitScanError  = 3 // an input could not be read
	exitIncomplete = 4 // the scan finished but a plugin failed or was refused: results are partial
	// exitNothingFound: nothing scannable was found (no OS, no package database, lockfile
	// or binary, no text file); configurable, since an empty input may be expected.
	exitNothingFound = 5
)

const exitCodesHelp = `Exit status:
  0  pass: the scan finished, every plugin worked, and the verdict (if enforced) passed
  1  the verdict failed: in evaluate-policy mode a DENY decision or an exceeded
     threshold, in scan-only mode an exceeded threshold
  2  usage or configuration error (flags, trawl.yaml, policy, ignore file, VEX)
  3  scan error: the input could not be read
  4  incomplete: the scan finished and reports were written, but a plugin failed or
     was refused, so results may be missing
  5  nothing scannable was found (--nothing-found-exit-code changes it; 0 disables)
A failed verdict (1) takes precedence over 4, and 4 over 5.`

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

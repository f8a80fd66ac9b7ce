// Command lines is a well-behaved test analyzer built on the SDK: it counts the lines of a
// file, and misbehaves in the ways the SDK must contain (panics, early stops).
package main

import (
	"bufio"
	"errors"
	"io"
	"strconv"
	"strings"

	"github.com/trawlscan/trawl/sdk"
	"github.com/trawlscan/trawl/sdk/plugin"
)

type lines struct{}

func (lines) Analyze(req sdk.FileRequest, r io.Reader) (*sdk.AnalysisResult, error) {
	switch {
	case strings.HasSuffix(req.Path, "panic.txt"):
		panic("deliberate panic in analyzer")
	case strings.HasSuffix(req.Path, "error.txt"):
		return nil, errors.New("deliberate parse error at line 3")
	case strings.HasSuffix(req.Path, "first-line.txt"):
		// Reads one line and stops: the host must stop sending chunks.
		s := bufio.NewScanner(r)
		s.Scan()
		return &sdk.AnalysisResult{Packages: []sdk.Package{{Name: s.Text(), Version: "1", Type: "generic"}}}, nil
	}
	s := bufio.NewScanner(r)
	s.Buffer(make([]byte, 64<<10), 1<<20)
	n := 0
	for s.Scan() {
		n++
	}
	if err := s.Err(); err != nil {
		return nil, err
	}
	return &sdk.AnalysisResult{Packages: []sdk.Package{{Name: req.Path, Version: strconv.Itoa(n), Type: "generic"}}}, nil
}

func init() { plugin.RegisterAnalyzer(lines{}) }

func main() {}

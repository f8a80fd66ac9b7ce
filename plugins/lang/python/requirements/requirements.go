// Package requirements reads pip requirements files (requirements.txt, requirements/*.txt)
// as pip reads them: https://pip.pypa.io/en/stable/reference/requirements-file-format/.
//
// A requirement pinned to one version ("name==1.2", "name===1.2", with extras, markers,
// hashes and other per-requirement options) is a package. Everything else that names
// something to install is reported as unresolved, never as a package with a guessed
// version: a range or a bare name ("name>=1.0", "name"), a wildcard ("name==1.*"), a URL,
// a local path, an editable install ("-e ."), a version taken from an environment
// variable. Includes (-r, -c) are noted and not followed: the analyzer sees one file at a
// time, and an included requirements file is analyzed on its own when the selectors pick
// it.
//
// Lines are processed the way pip does, in this order: a line ending in a backslash is
// joined with the next one (a comment line never continues), then comments (a '#' at the
// start of the line or after white space) are removed, then the requirement is split from
// its options at the first word starting with '-'. The file streams through a bounded
// line buffer.
//
// pip-compile (and uv pip compile) write after each requirement where it comes from:
//
//	botocore==1.20.19
//	    # via
//	    #   boto3
//	    #   s3transfer
//
// A package whose annotation names only other packages is a transitive dependency
// (Indirect); one required by an input file ("-r requirements.in") or by the project
// itself ("(pyproject.toml)") is direct. Without annotations nothing is said.
package requirements

import (
	"bufio"
	"fmt"
	"io"
	"strings"

	"github.com/trawlscan/trawl/plugins/lang/internal/collect"
	"github.com/trawlscan/trawl/plugins/lang/python/internal/pep508"
	"github.com/trawlscan/trawl/plugins/lang/python/internal/pypi"
	"github.com/trawlscan/trawl/sdk"
)

// MaxSize is the largest file the analyzer is given (manifest.json). The file streams
// through a fixed buffer, so the bound is on time, not memory: pip-compile output with
// hashes for a thousand packages is about 2 MB.
const MaxSize = 8 << 20

// maxLine bounds a line, physical or joined by backslashes: a requirement with a dozen
// hashes is about a kilobyte. bufSize is the read buffer, enough for nearly every line;
// longer ones are put together up to maxLine. A small buffer matters inside WebAssembly,
// where clearing 64 KiB for every file costs a tenth of a millisecond.
const (
	maxLine = 64 << 10
	bufSize = 4 << 10
)

// Parse reads a requirements file from r. path is the file's path, used in the packages'
// locations and in problems. The error is for a file that cannot be read; everything in the
// content that gives no package is a problem.
func Parse(path string, r io.Reader) (*collect.Result, error) {
	p := &parser{b: pypi.NewBuilder(path), last: -1}
	br := bufio.NewReaderSize(r, bufSize)
	var acc []byte
	lineNo := 0
	for {
		line, tooLong, err := readLine(br, &acc)
		switch {
		case tooLong:
			lineNo++
			p.b.Problemf(lineNo, "line longer than %d bytes, skipped", maxLine)
			// A continued line that lost a part cannot be read right; drop it whole.
			p.joined.Reset()
			p.joinStart = 0
		case line != "":
			lineNo++
			line = strings.TrimSuffix(strings.TrimSuffix(line, "\n"), "\r")
			if lineNo == 1 {
				line = strings.TrimPrefix(line, "\ufeff")
			}
			p.physical(line, lineNo)
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("%s: line %d: %w", path, lineNo+1, err)
		}
	}
	if p.joinStart > 0 {
		// The last line ends in a backslash: pip takes what was joined so far.
		p.logical(p.joined.String(), p.joinStart)
	}
	p.endVia()
	return p.b.Result(), nil
}

// readLine returns the next line, with its "\n" if it has one, or "" at the end of the
// input. A line longer than the reader's buffer is put together in *acc, up to maxLine; a
// longer one comes back as tooLong, the rest of it read and dropped, so that memory stays
// bounded.
func readLine(br *bufio.Reader, acc *[]byte) (line string, tooLong bool, err error) {
	raw, err := br.ReadSlice('\n')
	if err != bufio.ErrBufferFull {
		return string(raw), false, err
	}
	*acc = append((*acc)[:0], raw...)
	for err == bufio.ErrBufferFull {
		raw, err = br.ReadSlice('\n')
		if !tooLong && len(*acc)+len(raw) > maxLine {
			tooLong = true
		}
		if !tooLong {
			*acc = append(*acc, raw...)
		}
	}
	if tooLong {
		return "", true, err
	}
	return string(*acc), false, err
}

type parser struct {
	b *collect.Builder

	// A logical line being joined from lines ending in a backslash.
	joined    strings.Builder
	joinStart int // its first line; 0 when nothing is being joined

	// The package of the last requirement line and the pip-compile annotation after it.
	last      int  // index in the builder, -1 if none
	lastAdded bool // the last requirement added a package (rather than met a duplicate)
	inVia     bool
	via       []string
}

// physical handles one line of the file (pip's join_lines).
func (p *parser) physical(line string, lineNo int) {
	comment := isCommentLine(line)
	if strings.HasSuffix(line, `\`) && !comment {
		if p.joinStart == 0 {
			p.joinStart = lineNo
		}
		// pip strips backslashes from both ends of a continued line.
		part := strings.Trim(line, `\`)
		if p.joined.Len()+len(part) > maxLine {
			p.b.Problemf(p.joinStart, "continued line longer than %d bytes, skipped", maxLine)
			p.joined.Reset()
			p.joinStart = -1 // skip up to the end of the continued line
			return
		}
		if p.joinStart > 0 {
			p.joined.WriteString(part)
		}
		return
	}
	if p.joinStart != 0 {
		start := p.joinStart
		if comment {
			// pip puts a space before a comment that ends a continued line, so that it is
			// still taken for a comment.
			line = " " + line
		}
		p.joined.WriteString(line)
		s := p.joined.String()
		p.joined.Reset()
		p.joinStart = 0
		if start > 0 {
			p.logical(s, start)
		}
		return
	}
	p.logical(line, lineNo)
}

// isCommentLine reports whether a line is a comment from its start (pip's COMMENT_RE
// matched at the start of the line): such a line never continues onto the next.
func isCommentLine(line string) bool {
	return strings.HasPrefix(strings.TrimLeft(line, " \t\f\v"), "#")
}

// stripComment removes a comment: a '#' at the start of the line or after white space, and
// the white space before it. It returns the rest and the comment's text after the '#'.
func stripComment(line string) (rest, comment string) {
	for i := 0; i < len(line); i++ {
		if line[i] == '#' && (i == 0 || isSpace(line[i-1])) {
			return line[:i], line[i+1:]
		}
	}
	return line, ""
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\f' || c == '\v' }

// logical handles one logical line: a line of the file, or lines joined by backslashes.
func (p *parser) logical(line string, lineNo int) {
	content, comment := stripComment(line)
	content = strings.TrimSpace(content)
	if content == "" {
		if comment != "" && p.last >= 0 {
			p.annotation(strings.TrimSpace(comment))
			return
		}
		// A blank line ends an annotation (pip-compile writes none inside one).
		p.endVia()
		return
	}
	p.endVia()
	args, opts := splitArgsOptions(content)
	if args == "" {
		p.optionLine(opts, lineNo)
		return
	}
	p.checkOptions(opts, lineNo)
	p.requirement(args, lineNo)
	// The older pip-compile style puts the annotation on the requirement's own line:
	// "click==7.1.2    # via pip-tools, -r requirements.in".
	if c := strings.TrimSpace(comment); p.last >= 0 && strings.HasPrefix(c, "via ") {
		p.annotation(c)
		p.endVia()
	}
}

// annotation reads one comment line after a requirement: "via", "via a, b" or, inside a
// "via" block, one source per line.
func (p *parser) annotation(c string) {
	switch {
	case c == "via":
		p.inVia = true
	case strings.HasPrefix(c, "via "):
		p.inVia = true
		for _, s := range strings.Split(c[len("via "):], ",") {
			if s = strings.TrimSpace(s); s != "" {
				p.via = append(p.via, s)
			}
		}
	case p.inVia && c != "":
		p.via = append(p.via, c)
	}
}

// endVia applies the annotation read after the last requirement, if any, and forgets it.
//
// A requirement's package is added as indirect, the neutral value for merging the listings
// of a package (indirect only if every listing says so); this settles it: a listing
// without an annotation says nothing, so a new package is then direct, and a package
// listed before keeps what it had.
func (p *parser) endVia() {
	if p.last >= 0 {
		direct, known := false, false
		for _, s := range p.via {
			switch {
			case strings.HasPrefix(s, "-c ") || strings.HasPrefix(s, "--constraint"):
				// A constraints file limits the version; it does not ask for the package.
			case strings.HasPrefix(s, "-r ") || strings.HasPrefix(s, "--requirement") || strings.HasPrefix(s, "-e "),
				strings.HasSuffix(s, "(pyproject.toml)"), strings.HasSuffix(s, "(setup.py)"), strings.HasSuffix(s, "(setup.cfg)"):
				direct, known = true, true
			default:
				known = true
			}
		}
		pkg := p.b.Package(p.last)
		switch {
		case known:
			pkg.Indirect = pkg.Indirect && !direct
		case p.lastAdded:
			pkg.Indirect = false
		}
	}
	p.last, p.lastAdded, p.inVia, p.via = -1, false, false, nil
}

// splitArgsOptions splits a line at the first word that starts with '-' (pip's
// break_args_options): before it the requirement, from it the options.
func splitArgsOptions(s string) (args, opts string) {
	i := 0
	for i < len(s) {
		for i < len(s) && isSpace(s[i]) {
			i++
		}
		if i < len(s) && s[i] == '-' {
			return strings.TrimSpace(s[:i]), s[i:]
		}
		for i < len(s) && !isSpace(s[i]) {
			i++
		}
	}
	return strings.TrimSpace(s), ""
}

// option describes an option of a requirements file.
type option struct {
	arg       bool // takes an argument
	perReq    bool // allowed after a requirement
	lineStart bool // allowed on a line of its own
}

// options are the options pip accepts in a requirements file, by long and short name.
var options = map[string]option{
	"-r":                {arg: true, lineStart: true},
	"--requirement":     {arg: true, lineStart: true},
	"-c":                {arg: true, lineStart: true},
	"--constraint":      {arg: true, lineStart: true},
	"-e":                {arg: true, lineStart: true},
	"--editable":        {arg: true, lineStart: true},
	"-i":                {arg: true, lineStart: true},
	"--index-url":       {arg: true, lineStart: true},
	"--extra-index-url": {arg: true, lineStart: true},
	"--no-index":        {lineStart: true},
	"-f":                {arg: true, lineStart: true},
	"--find-links":      {arg: true, lineStart: true},
	"--pre":             {lineStart: true},
	"--trusted-host":    {arg: true, lineStart: true},
	"--use-feature":     {arg: true, lineStart: true},
	"--only-binary":     {arg: true, lineStart: true},
	"--no-binary":       {arg: true, lineStart: true},
	"--prefer-binary":   {lineStart: true},
	"--require-hashes":  {lineStart: true},
	"--hash":            {arg: true, perReq: true},
	"--global-option":   {arg: true, perReq: true, lineStart: true},
	"--install-option":  {arg: true, perReq: true},
	"-C":                {arg: true, perReq: true, lineStart: true},
	"--config-settings": {arg: true, perReq: true, lineStart: true},
}

// parsedOption is one option found on a line.
type parsedOption struct {
	name, value string
	known       option
	ok          bool
}

// parseOptions splits options text into options, as optparse would: "-rfile", "-r file",
// "--requirement=file" and "--requirement file" are one option. Words that are not options
// are dropped, as pip drops them.
func parseOptions(s string) []parsedOption {
	words := strings.Fields(s)
	var out []parsedOption
	for i := 0; i < len(words); i++ {
		w := words[i]
		if !strings.HasPrefix(w, "-") || w == "-" {
			continue
		}
		var o parsedOption
		attached, hasAttached := "", false
		if strings.HasPrefix(w, "--") {
			o.name, attached, hasAttached = strings.Cut(w, "=")
		} else {
			o.name = w[:2]
			attached, hasAttached = w[2:], len(w) > 2
		}
		o.known, o.ok = options[o.name]
		if o.ok && o.known.arg {
			switch {
			case hasAttached:
				o.value = attached
			case i+1 < len(words):
				i++
				o.value = words[i]
			}
		}
		out = append(out, o)
	}
	return out
}

// optionLine handles a line that holds only options.
func (p *parser) optionLine(opts string, lineNo int) {
	for _, o := range parseOptions(opts) {
		switch {
		case !o.ok:
			p.b.Problemf(lineNo, "unknown option %s ignored", collect.Quote(o.name))
		case !o.known.lineStart:
			p.b.Problemf(lineNo, "option %s without a requirement ignored", o.name)
		case o.known.arg && o.value == "":
			p.b.Problemf(lineNo, "option %s without a value ignored", o.name)
		case o.name == "-r" || o.name == "--requirement":
			p.b.Problemf(lineNo, "-r %s: included requirements file not followed (it is analyzed on its own when the selectors pick it)", collect.Quote(unquote(o.value)))
		case o.name == "-c" || o.name == "--constraint":
			p.b.Problemf(lineNo, "-c %s: constraints file not followed (constraints pin versions without asking for packages)", collect.Quote(unquote(o.value)))
		case o.name == "-e" || o.name == "--editable":
			p.b.Unresolved(lineNo, "-e "+o.value, "editable install")
		}
	}
}

// checkOptions reports the options after a requirement that pip would refuse.
func (p *parser) checkOptions(opts string, lineNo int) {
	for _, o := range parseOptions(opts) {
		switch {
		case !o.ok:
			p.b.Problemf(lineNo, "unknown option %s ignored", collect.Quote(o.name))
		case !o.known.perReq:
			p.b.Problemf(lineNo, "option %s is not allowed after a requirement, ignored", o.name)
		}
	}
}

func unquote(s string) string {
	if len(s) >= 2 && (s[0] == '"' || s[0] == '\'') && s[len(s)-1] == s[0] {
		return s[1 : len(s)-1]
	}
	return s
}

// requirement handles the requirement part of a line.
func (p *parser) requirement(s string, lineNo int) {
	if v := envVar(s); v != "" {
		p.b.Unresolved(lineNo, s, "depends on the environment variable "+v)
		return
	}
	if isURL(s) {
		p.b.Unresolved(lineNo, s, "URL")
		return
	}
	req, err := pep508.Parse(s)
	if err == nil && req.URL != "" {
		p.b.Unresolved(lineNo, s, "direct URL reference")
		return
	}
	// A path is what does not parse as a requirement, or parses as a bare name that is an
	// archive's file name ("numpy-1.9.2-cp34-none-win32.whl"); a requirement with a version
	// is one whatever its marker holds.
	if (err != nil || len(req.Clauses) == 0) && looksLikePath(s) {
		p.b.Unresolved(lineNo, s, "local path")
		return
	}
	if err != nil {
		p.b.Problemf(lineNo, "invalid requirement %s: %v", collect.Quoted(s), err)
		return
	}
	version, why := pep508.Pin(req.Clauses)
	if why != "" {
		p.b.Unresolved(lineNo, s, why)
		return
	}
	n := p.b.Len()
	i := p.b.Add(lineNo, sdk.Package{Name: req.Name, Version: version, Indirect: true})
	if i >= 0 {
		p.last, p.lastAdded = i, p.b.Len() > n
	}
}

// envVar returns the first "${NAME}" reference in s, which pip replaces with the value of
// the environment variable NAME (upper-case letters, digits and '_'), or "".
func envVar(s string) string {
	for {
		i := strings.Index(s, "${")
		if i < 0 {
			return ""
		}
		j := i + 2
		for j < len(s) && (s[j] >= 'A' && s[j] <= 'Z' || s[j] >= '0' && s[j] <= '9' || s[j] == '_') {
			j++
		}
		if j > i+2 && j < len(s) && s[j] == '}' {
			return s[i : j+1]
		}
		s = s[i+2:]
	}
}

// isURL reports whether s starts with a URL scheme pip installs from: http(s), file, ftp,
// or a version control scheme ("git+https:").
func isURL(s string) bool {
	scheme, _, ok := strings.Cut(s, ":")
	if !ok {
		return false
	}
	scheme = strings.ToLower(scheme)
	switch scheme {
	case "http", "https", "file", "ftp":
		return true
	}
	for _, vcs := range []string{"git", "hg", "svn", "bzr"} {
		if scheme == vcs || strings.HasPrefix(scheme, vcs+"+") {
			return true
		}
	}
	return false
}

// archiveSuffixes are the file names pip installs as archives (pip's is_archive_file).
var archiveSuffixes = []string{".whl", ".zip", ".tar.gz", ".tgz", ".tar", ".tar.bz2", ".tbz", ".tar.xz", ".txz", ".tlz", ".tar.lz", ".tar.lzma"}

// looksLikePath reports whether s names a local directory or archive rather than a project:
// pip installs it from there.
func looksLikePath(s string) bool {
	if s == "" {
		return false
	}
	if strings.ContainsAny(s[:1], "./~") || strings.ContainsAny(s, `/\`) {
		return true
	}
	lower := strings.ToLower(strings.TrimSpace(strings.SplitN(s, ";", 2)[0]))
	for _, suf := range archiveSuffixes {
		if strings.HasSuffix(lower, suf) {
			return true
		}
	}
	return false
}

// Package ignore reads a .trawlignore.yaml file: the findings a team has reviewed and chose
// to accept, each with the reason why and, optionally, the date when the decision must be
// reviewed again.
//
//	ignores:
//	  - id: CVE-2023-0464              # a vulnerability ID or alias, or a secret rule id
//	    reason: not reachable, SEC-12  # required
//	    expires: 2027-01-31            # optional: YYYY-MM-DD or an RFC 3339 time
//	  - purl: pkg:npm/lodash@4.17.20   # the finding's package; the version is optional
//	    reason: ...
//	  - path: vendor/**                # a glob over the finding's location paths
//	    reason: test fixtures
//	  - id: CVE-2024-1                 # several fields: all must match
//	    purl: pkg:deb/debian/openssl
//	    reason: ...
//
// Every entry needs a reason, so that an accepted risk is always explained to the next
// reader, and an expiry makes a temporary acceptance come back on its own. The package
// never reads the clock: callers pass the time, so that a scan decides with one instant
// throughout and tests are reproducible.
package ignore

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"regexp"
	"strconv"
	"strings"
	"time"

	packageurl "github.com/package-url/packageurl-go"
	"gopkg.in/yaml.v3"

	"github.com/trawlscan/trawl/sdk"
)

// List is a parsed ignore file. A nil *List ignores nothing, so that a scan without an
// ignore file needs no special case.
type List struct {
	// Source is the file the list was read from, as given to Load or Parse.
	Source  string
	Entries []Entry
}

// Entry is one accepted finding, or family of findings.
type Entry struct {
	// ID is a vulnerability ID or alias, or a secret rule id; empty matches any.
	ID string
	// PURL is a package URL pattern; empty matches any finding, including secrets.
	PURL string
	// Path is a slash-separated glob over the finding's location paths; empty matches any.
	Path   string
	Reason string
	// Expires is the last instant at which the entry applies; zero means never. For a bare
	// date it is the last nanosecond of that day in UTC, so that the day itself is covered
	// wherever the scan runs.
	Expires time.Time
	// Line is where the entry starts in Source, for reporting expired entries.
	Line int

	purl *packageurl.PackageURL
	glob []string
}

// Error is a problem at one line of an ignore file. Parse may return several, joined with
// errors.Join, so that a user fixes them all in one pass.
type Error struct {
	Source string
	// Line is 0 when YAML gives no position.
	Line    int
	Message string
}

func (e *Error) Error() string {
	if e.Line <= 0 {
		return fmt.Sprintf("%s: %s", e.Source, e.Message)
	}
	return fmt.Sprintf("%s:%d: %s", e.Source, e.Line, e.Message)
}

// maxFileSize bounds what Load reads: an ignore file is written by hand, so anything near
// this is a mistake (a wrong path), and yaml.v3 holds the whole document in memory.
const maxFileSize = 4 << 20

// Load reads and parses the ignore file at path. A missing file is an error that wraps
// fs.ErrNotExist, for callers that treat an absent default file as empty.
func Load(path string) (*List, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxFileSize+1))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if len(data) > maxFileSize {
		return nil, fmt.Errorf("%s: larger than %d bytes: not an ignore file", path, maxFileSize)
	}
	return Parse(path, data)
}

// Parse parses an ignore file's content; source names it in errors. An empty document is
// an empty list.
func Parse(source string, data []byte) (*List, error) {
	p := parser{source: source}
	l := &List{Source: source}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return l, nil
		}
		return nil, p.yamlError(err)
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); err == nil {
		// A second document is most likely a stray "---" that hides entries from a reader.
		p.errorf(&extra, "only one YAML document is allowed")
	} else if !errors.Is(err, io.EOF) {
		return nil, p.yamlError(err)
	}
	if len(doc.Content) == 1 {
		l.Entries = p.top(resolve(doc.Content[0]))
	}
	if len(p.errs) > 0 {
		return nil, errors.Join(p.errs...)
	}
	return l, nil
}

type parser struct {
	source string
	errs   []error
}

func (p *parser) errorf(n *yaml.Node, format string, args ...any) {
	p.errs = append(p.errs, &Error{Source: p.source, Line: n.Line, Message: fmt.Sprintf(format, args...)})
}

var yamlLine = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

// yamlError puts yaml.v3's syntax errors ("yaml: line 3: ...") in the source:line form of
// the other errors.
func (p *parser) yamlError(err error) error {
	if m := yamlLine.FindStringSubmatch(err.Error()); m != nil {
		line, _ := strconv.Atoi(m[1])
		return &Error{Source: p.source, Line: line, Message: m[2]}
	}
	return &Error{Source: p.source, Message: strings.TrimPrefix(err.Error(), "yaml: ")}
}

// resolve follows an alias to its anchor. Aliases are not expanded recursively: the parser
// only descends a fixed depth, so an alias bomb costs nothing.
func resolve(n *yaml.Node) *yaml.Node {
	if n.Kind == yaml.AliasNode && n.Alias != nil {
		return n.Alias
	}
	return n
}

func isNull(n *yaml.Node) bool {
	return n.Kind == yaml.ScalarNode && n.Tag == "!!null"
}

func (p *parser) top(n *yaml.Node) []Entry {
	if isNull(n) {
		return nil
	}
	if n.Kind != yaml.MappingNode {
		p.errorf(n, "the file must be a mapping with an ignores list")
		return nil
	}
	var entries []Entry
	seen := false
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], resolve(n.Content[i+1])
		switch {
		case k.Value != "ignores":
			p.errorf(k, "unknown key %q (want ignores)", k.Value)
		case seen:
			p.errorf(k, "duplicate key %q", k.Value)
		case isNull(v):
			seen = true
		case v.Kind != yaml.SequenceNode:
			seen = true
			p.errorf(v, "ignores must be a list")
		default:
			seen = true
			for _, item := range v.Content {
				if e, ok := p.entry(resolve(item)); ok {
					entries = append(entries, e)
				}
			}
		}
	}
	return entries
}

const fieldNames = "id, purl, path, reason or expires"

func (p *parser) entry(n *yaml.Node) (Entry, bool) {
	e := Entry{Line: n.Line}
	if n.Kind != yaml.MappingNode {
		p.errorf(n, "an entry must be a mapping of %s", fieldNames)
		return e, false
	}
	before := len(p.errs)
	seen := map[string]bool{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], resolve(n.Content[i+1])
		switch k.Value {
		case "id", "purl", "path", "reason", "expires":
		default:
			p.errorf(k, "unknown key %q (want %s)", k.Value, fieldNames)
			continue
		}
		if seen[k.Value] {
			p.errorf(k, "duplicate key %q", k.Value)
			continue
		}
		seen[k.Value] = true
		if v.Kind != yaml.ScalarNode {
			p.errorf(v, "%s must be a string", k.Value)
			continue
		}
		val := strings.TrimSpace(v.Value)
		if isNull(v) || val == "" {
			p.errorf(v, "%s is empty", k.Value)
			continue
		}
		switch k.Value {
		case "id":
			e.ID = val
		case "reason":
			e.Reason = val
		case "purl":
			pu, err := packageurl.FromString(val)
			if err != nil {
				p.errorf(v, "bad purl %q: %v", val, err)
				continue
			}
			e.PURL, e.purl = val, &pu
		case "path":
			g, err := compileGlob(val)
			if err != nil {
				p.errorf(v, "bad path glob %q: %v", val, err)
				continue
			}
			e.Path, e.glob = val, g
		case "expires":
			t, err := parseExpiry(val)
			if err != nil {
				p.errorf(v, "bad expires %q: want a date (YYYY-MM-DD) or an RFC 3339 time", val)
				continue
			}
			e.Expires = t
		}
	}
	if !seen["id"] && !seen["purl"] && !seen["path"] {
		// An entry without any of them would accept every finding.
		p.errorf(n, "an entry needs an id, a purl or a path")
	}
	if !seen["reason"] {
		p.errorf(n, "missing reason: say why the finding is accepted")
	}
	return e, len(p.errs) == before
}

// parseExpiry reads a bare date as the end of that day in UTC: "expires: 2027-01-31" reads
// as "accepted through January 31st", and UTC makes the answer the same on every runner.
func parseExpiry(s string) (time.Time, error) {
	if d, err := time.Parse(time.DateOnly, s); err == nil {
		return d.AddDate(0, 0, 1).Add(-time.Nanosecond), nil
	}
	return time.Parse(time.RFC3339, s)
}

func (e *Entry) expired(now time.Time) bool {
	return !e.Expires.IsZero() && now.After(e.Expires)
}

// MatchVulnerability returns the first entry that accepts v and has not expired at now, or
// nil. All of an entry's fields must match: ID any of v's IDs (case-insensitively, as
// advisory databases differ in case), PURL v's package, Path any of v's locations.
func (l *List) MatchVulnerability(v sdk.Vulnerability, now time.Time) *Entry {
	if l == nil {
		return nil
	}
	var pkg *packageurl.PackageURL
	if v.Package.PURL != "" {
		if p, err := packageurl.FromString(v.Package.PURL); err == nil {
			pkg = &p
		}
	}
	for i := range l.Entries {
		e := &l.Entries[i]
		if e.expired(now) {
			continue
		}
		if e.ID != "" && !matchID(e.ID, v) {
			continue
		}
		if e.purl != nil && (pkg == nil || !purlMatches(e.purl, pkg)) {
			continue
		}
		if e.glob != nil && !anyPath(e.glob, v.Locations) {
			continue
		}
		return e
	}
	return nil
}

// MatchSecret returns the first entry that accepts s and has not expired at now, or nil.
// ID matches the rule id (case-insensitively), Path the secret's file; an entry with a
// PURL never matches a secret, which belongs to no package.
func (l *List) MatchSecret(s sdk.Secret, now time.Time) *Entry {
	if l == nil {
		return nil
	}
	for i := range l.Entries {
		e := &l.Entries[i]
		if e.expired(now) || e.purl != nil {
			continue
		}
		if e.ID != "" && !strings.EqualFold(e.ID, s.RuleID) {
			continue
		}
		if e.glob != nil && !matchGlob(e.glob, s.Location.Path) {
			continue
		}
		return e
	}
	return nil
}

// Expired returns the entries whose expiry is before now, in file order, for the caller to
// report: an expired acceptance is a decision to review, not one to drop silently.
func (l *List) Expired(now time.Time) []Entry {
	if l == nil {
		return nil
	}
	var out []Entry
	for _, e := range l.Entries {
		if e.expired(now) {
			out = append(out, e)
		}
	}
	return out
}

func matchID(id string, v sdk.Vulnerability) bool {
	if strings.EqualFold(id, v.ID) {
		return true
	}
	for _, x := range v.IDs {
		if strings.EqualFold(id, x) {
			return true
		}
	}
	return false
}

// purlMatches reports whether pkg is the package pattern names. The pattern may leave out
// the version (any version) and qualifiers (any value); those it gives must be equal, so
// that "pkg:deb/debian/openssl?arch=amd64" still tells architectures apart.
func purlMatches(pattern, pkg *packageurl.PackageURL) bool {
	if pattern.Type != pkg.Type || pattern.Namespace != pkg.Namespace || pattern.Name != pkg.Name {
		return false
	}
	if pattern.Version != "" && pattern.Version != pkg.Version {
		return false
	}
	if pattern.Subpath != "" && pattern.Subpath != pkg.Subpath {
		return false
	}
	if len(pattern.Qualifiers) == 0 {
		return true
	}
	have := pkg.Qualifiers.Map()
	for _, q := range pattern.Qualifiers {
		if v, ok := have[q.Key]; !ok || v != q.Value {
			return false
		}
	}
	return true
}

func anyPath(glob []string, locs []sdk.Location) bool {
	for _, l := range locs {
		if matchGlob(glob, l.Path) {
			return true
		}
	}
	return false
}

// cleanPath drops a leading "/" or "./": finding paths are relative to the scanned root,
// and a user writing "/vendor/**" or "./vendor/**" means the same directory.
func cleanPath(p string) string {
	for {
		switch {
		case strings.HasPrefix(p, "./"):
			p = p[2:]
		case strings.HasPrefix(p, "/"):
			p = p[1:]
		default:
			return p
		}
	}
}

// compileGlob splits a glob into its segments. "**" as a whole segment matches any number
// of segments, including none; in every other segment the syntax is path.Match's, where
// "*" stops at "/". A "**" inside a segment ("a**b") is a plain "*", as in doublestar.
func compileGlob(pattern string) ([]string, error) {
	p := cleanPath(pattern)
	if p == "" {
		return nil, errors.New("matches nothing")
	}
	segs := strings.Split(p, "/")
	for _, s := range segs {
		if s == "" {
			return nil, errors.New("empty path segment")
		}
		// path.Match checks the whole pattern even when the name does not match.
		if _, err := path.Match(s, ""); err != nil {
			return nil, err
		}
	}
	return segs, nil
}

// matchGlob matches by dynamic programming over (pattern segment, path segment), so that
// patterns with many "**" cost O(len(glob)·len(path)) instead of backtracking
// exponentially.
func matchGlob(glob []string, name string) bool {
	name = cleanPath(name)
	if name == "" {
		return false
	}
	segs := strings.Split(name, "/")
	n := len(segs)
	// next[j]: glob[i+1:] matches segs[j:].
	next := make([]bool, n+1)
	cur := make([]bool, n+1)
	next[n] = true
	for i := len(glob) - 1; i >= 0; i-- {
		for j := n; j >= 0; j-- {
			switch {
			case glob[i] == "**":
				cur[j] = next[j] || (j < n && cur[j+1])
			case j == n:
				cur[j] = false
			default:
				ok, _ := path.Match(glob[i], segs[j])
				cur[j] = ok && next[j+1]
			}
		}
		next, cur = cur, next
	}
	return next[0]
}

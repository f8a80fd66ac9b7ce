// Package yarnlock reads yarn.lock, the lock file of Yarn, in both of its formats:
//
//   - classic (Yarn 1, "# yarn lockfile v1"): Yarn's own indented format. Each entry is a
//     line of comma-separated descriptors ending in ':' (`"a@^1.0.0", a@^1.1.0:`), then
//     indented fields: `version "1.2.3"`, `resolved "<url>"`, `integrity ...`, and nested
//     blocks (dependencies) that are skipped. It is read line by line.
//   - berry (Yarn 2 and later): YAML, with a "__metadata" entry and entries keyed by the
//     descriptors (`"a@npm:^1.0.0, a@npm:^1.1.0":`) holding `version: 1.2.3`,
//     `resolution: "a@npm:1.2.3"` and `linkType: hard|soft`. It is parsed a few entries at
//     a time (package yamlblocks: a fast reader of the YAML Yarn writes, gopkg.in/yaml.v3
//     for the rest), so memory stays bounded; aliases are never expanded.
//
// Each resolved package is reported once, with its version and the line of its entry's
// key. A berry entry is read from its resolution (the locator Yarn resolved the
// descriptors to); a classic one from its descriptors and its resolved URL:
//   - registry packages ("npm:" locators; semver ranges and tags) give the package. An
//     alias ("alias@npm:real@^1.0.0") is reported under the real name.
//   - "patch:" locators are reported as the package they patch ("typescript@patch:
//     typescript@npm%3A5.3.3#..." is typescript 5.3.3): the patch changes files, not which
//     release it is.
//   - workspaces ("workspace:" locators, the project and its workspaces, which berry marks
//     linkType: soft) are the project itself, not dependencies: they are skipped silently.
//   - git repositories, tarball URLs and local paths ("file:", "link:", "portal:", "exec:")
//     carry the version of the package.json found there, not a registry release: they are
//     reported as unresolved, except a tarball whose URL is a registry's tarball of that
//     very name and version.
//
// yarn.lock says neither which dependencies are direct nor which are for development only:
// Indirect and Dev are always false.
//
// An empty file, or one holding only comments, lists nothing (Yarn treats it as no lock
// file). A file whose first entry is not a yarn.lock entry (classic) or that is not a YAML
// mapping (berry) is an error; a damaged entry further on is a problem and the rest is read.
package yarnlock

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/trawlscan/trawl/plugins/lang/internal/collect"
	"github.com/trawlscan/trawl/plugins/lang/node/internal/npm"
	"github.com/trawlscan/trawl/plugins/lang/node/internal/yamlblocks"
	"github.com/trawlscan/trawl/sdk"
)

// MaxSize is the largest file read (manifest.json). The yarn.lock files of the largest
// monorepos are a few megabytes; 16 MiB of either format parses in a few seconds inside
// the WebAssembly sandbox.
const MaxSize = 16 << 20

// maxLine bounds a classic line: a header lists every descriptor resolved to one package,
// which for a popular package in a large monorepo is a few KB.
const maxLine = 1 << 20

// Parse reads a yarn.lock from r. path is the file's path, used in the packages' locations
// and in problems.
func Parse(path string, r io.Reader) (*collect.Result, error) {
	data, err := collect.ReadAll(path, r, MaxSize)
	if err != nil {
		return nil, err
	}
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	p := &parser{path: path, b: collect.NewBuilder(path, "npm", nil)}
	if isBerry(data) {
		err = p.berry(data)
	} else {
		err = p.classic(data)
	}
	if err != nil {
		return nil, err
	}
	return p.b.Result(), nil
}

type parser struct {
	path string
	b    *collect.Builder
}

// entry is one entry of either format.
type entry struct {
	line int
	// keys are the descriptors the entry resolves, as written ("a@^1.0.0", "a@npm:^1.0.0").
	keys       []string
	version    string
	resolved   string // classic: the URL the package was fetched from
	resolution string // berry: the locator
}

// isBerry says whether a yarn.lock is in the berry format: it has a top-level __metadata.
func isBerry(data []byte) bool {
	for _, m := range [...]string{"__metadata:", `"__metadata":`} {
		if bytes.HasPrefix(data, []byte(m)) || bytes.Contains(data, []byte("\n"+m)) {
			return true
		}
	}
	return false
}

// berry reads the YAML format.
func (p *parser) berry(data []byte) error {
	var failed error
	firstDoc := true
	for doc := range yamlblocks.Documents(data) {
		inFirst := firstDoc
		batch := yamlblocks.NewBatcher(func(i int, root *yaml.Node, err error) {
			first := inFirst && i == 0
			var ye *yamlblocks.Error
			switch {
			case failed != nil:
			case err != nil && first && errors.As(err, &ye):
				failed = fmt.Errorf("%s:%d: not a yarn.lock: invalid YAML: %s", p.path, ye.Line, ye.Msg)
			case err != nil && errors.As(err, &ye):
				p.b.Problemf(ye.Line, "invalid YAML, entry skipped: %s", ye.Msg)
			case err != nil:
				p.b.Problemf(0, "invalid YAML, entry skipped: %v", err)
			case root == nil:
			case root.Kind != yaml.MappingNode && first:
				failed = fmt.Errorf("%s: not a yarn.lock: the document is not a mapping", p.path)
			case root.Kind != yaml.MappingNode:
				p.b.Problemf(root.Line, "top-level entry is not a key and value; skipped")
			default:
				for j := 0; j+1 < len(root.Content); j += 2 {
					p.berryEntry(root.Content[j], root.Content[j+1])
				}
			}
		})
		for blk := range doc.Entries() {
			if failed != nil {
				return failed
			}
			batch.Add(blk)
		}
		batch.Flush()
		if failed != nil {
			return failed
		}
		firstDoc = false
	}
	return nil
}

func (p *parser) berryEntry(k, v *yaml.Node) {
	key, ok := scalar(k)
	if !ok {
		p.b.Problemf(k.Line, "entry key is not a string; skipped")
		return
	}
	if key == "__metadata" {
		return
	}
	if v.Kind != yaml.MappingNode {
		p.b.Problemf(k.Line, "entry %s is not a mapping; skipped", collect.Quote(key))
		return
	}
	e := &entry{line: k.Line}
	for _, d := range strings.Split(key, ",") {
		if d = strings.TrimSpace(d); d != "" {
			e.keys = append(e.keys, d)
		}
	}
	for j := 0; j+1 < len(v.Content); j += 2 {
		f, _ := scalar(v.Content[j])
		val, _ := scalar(v.Content[j+1])
		switch f {
		case "version":
			e.version = val
		case "resolution":
			e.resolution = val
		case "resolved":
			e.resolved = val
		}
	}
	p.entry(e)
}

// classic reads Yarn 1's format, line by line.
func (p *parser) classic(data []byte) error {
	var cur *entry
	fieldIndent := -1
	seen := false
	line := 0
	for off := 0; off < len(data); {
		end := bytes.IndexByte(data[off:], '\n')
		if end < 0 {
			end = len(data)
		} else {
			end += off
		}
		text := bytes.TrimSuffix(data[off:end], []byte("\r"))
		off = end + 1
		line++
		body := bytes.TrimLeft(text, " \t")
		if len(body) == 0 || body[0] == '#' {
			continue
		}
		if len(text) > maxLine {
			p.b.Problemf(line, "line of %d bytes skipped", len(text))
			if len(body) == len(text) {
				// An entry's header: its fields go with it.
				p.flush(cur)
				seen, cur = true, nil
			}
			continue
		}
		indent := len(text) - len(body)
		if indent == 0 {
			p.flush(cur)
			cur = nil
			keys, why := header(string(text))
			if why != nil {
				if !seen {
					return fmt.Errorf("%s:%d: not a yarn.lock: %s %s %s", p.path, line, why[0], collect.Quoted(string(text)), why[1])
				}
				// The text is quoted only if the problem is listed: a file of garbage
				// has millions of such lines.
				p.b.Problemf(line, "%s %s %s; skipped", why[0], quotedText(text), why[1])
				continue
			}
			seen = true
			cur, fieldIndent = &entry{line: line, keys: keys}, -1
			continue
		}
		if cur == nil {
			if !seen {
				return fmt.Errorf("%s:%d: not a yarn.lock: indented line before the first entry", p.path, line)
			}
			continue // inside an entry that was skipped
		}
		if fieldIndent < 0 {
			fieldIndent = indent
		}
		if indent > fieldIndent {
			continue // a nested block: dependencies and the like
		}
		if indent < fieldIndent {
			p.b.Problemf(line, "indentation does not match the entry's fields; line skipped")
			continue
		}
		name, value, ok := field(string(body))
		if !ok {
			p.b.Problemf(line, "field %s cannot be read; skipped", quotedText(body))
			continue
		}
		switch name {
		case "version":
			cur.version = value
		case "resolved":
			cur.resolved = value
		case "resolution":
			cur.resolution = value
		}
	}
	p.flush(cur)
	return nil
}

func (p *parser) flush(e *entry) {
	if e != nil {
		p.entry(e)
	}
}

// quotedText quotes text of the file for a problem when the problem is formatted.
type quotedText []byte

func (q quotedText) String() string { return collect.Quoted(string(q)) }

// header reads an entry's first line: descriptors separated by commas, each quoted as JSON
// or bare, then ':'. why says what is wrong, as the words before and after the line.
func header(text string) (keys []string, why *[2]string) {
	s := strings.TrimRight(text, " \t")
	if !strings.HasSuffix(s, ":") {
		return nil, &[2]string{"line", "is not an entry (no ':' at its end)"}
	}
	s = s[:len(s)-1]
	for {
		s = strings.TrimLeft(s, " \t")
		var k string
		if strings.HasPrefix(s, `"`) {
			q, rest, ok := quoted(s)
			if !ok {
				return nil, &[2]string{"entry", "has an unterminated or invalid quoted key"}
			}
			k, s = q, strings.TrimLeft(rest, " \t")
			if s != "" && s[0] != ',' {
				return nil, &[2]string{"entry", "has text after a quoted key"}
			}
		} else {
			i := strings.IndexByte(s, ',')
			if i < 0 {
				i = len(s)
			}
			k, s = strings.TrimRight(s[:i], " \t"), s[i:]
		}
		if k == "" {
			return nil, &[2]string{"entry", "has an empty key"}
		}
		keys = append(keys, k)
		if s == "" {
			return keys, nil
		}
		s = s[1:] // the comma
	}
}

// field reads a field line: a name (quoted or bare), an optional ':', and a value (quoted,
// bare, or nothing for a nested block).
func field(s string) (name, value string, ok bool) {
	if strings.HasPrefix(s, `"`) {
		if name, s, ok = quoted(s); !ok {
			return "", "", false
		}
	} else {
		i := strings.IndexAny(s, " \t:")
		if i < 0 {
			i = len(s)
		}
		name, s = s[:i], s[i:]
	}
	s = strings.TrimLeft(s, " \t")
	s = strings.TrimPrefix(s, ":")
	s = strings.TrimLeft(s, " \t")
	switch {
	case strings.HasPrefix(s, `"`):
		value, _, ok = quoted(s)
		return name, value, ok
	case strings.HasPrefix(s, "#"):
		return name, "", true
	}
	if i := strings.IndexAny(s, " \t"); i >= 0 {
		s = s[:i]
	}
	return name, s, true
}

// quoted reads the JSON string at the start of s (Yarn 1 writes its strings with
// JSON.stringify), returning it and what follows it.
func quoted(s string) (str, rest string, ok bool) {
	for i := 1; i < len(s); i++ {
		switch s[i] {
		case '\\':
			i++
		case '"':
			lit := s[:i+1]
			if !strings.Contains(lit, `\`) {
				return lit[1:i], s[i+1:], true
			}
			if err := json.Unmarshal([]byte(lit), &str); err != nil {
				return "", "", false
			}
			return str, s[i+1:], true
		}
	}
	return "", "", false
}

// Kinds of sources of a package.
const (
	registry = iota
	workspace
	local
	git
	tarball
	unknown
)

// entry reports what one entry resolves to.
func (p *parser) entry(e *entry) {
	if len(e.keys) == 0 {
		p.b.Problemf(e.line, "entry without descriptors; skipped")
		return
	}
	if e.resolution != "" {
		p.locator(e, e.resolution, 0)
		return
	}
	p.descriptors(e)
}

// locator reports a berry entry from its resolution, "name@protocol:reference". depth
// bounds the locators nested in patch: and virtual: ones.
func (p *parser) locator(e *entry, loc string, depth int) {
	name, ref, ok := npm.SplitSpec(loc)
	if !ok || !npm.IsLockName(name) {
		p.b.Problemf(e.line, "resolution %s is not a package locator; entry skipped", collect.Quote(loc))
		return
	}
	proto, rest, _ := strings.Cut(ref, ":")
	switch proto {
	case "npm":
		version, _, _ := strings.Cut(rest, "::") // "1.2.3::__archiveUrl=..."
		if !npm.IsExactVersion(version) {
			p.b.Unresolved(e.line, e.keys[0], "npm reference "+collect.Redact(rest)+" is not a version")
			return
		}
		p.b.Add(e.line, sdk.Package{Name: name, Version: version})
	case "workspace":
	case "patch", "virtual":
		// patch:<locator, escaped>#<patch>::<params>; virtual:<hash>#<reference>.
		inner, after, _ := strings.Cut(rest, "#")
		if proto == "virtual" {
			inner = name + "@" + after
		} else if inner = unescape(inner); !strings.HasPrefix(inner, name+"@") {
			// The patched package is this one: anything else is not a locator of it.
			p.b.Unresolved(e.line, e.keys[0], "patch of "+collect.Redact(inner)+", not a locator of "+name)
			return
		}
		if depth >= 2 {
			p.b.Unresolved(e.line, e.keys[0], proto+" locators nested too deep")
			return
		}
		p.locator(e, inner, depth+1)
	case "file", "link", "portal", "exec":
		p.unresolved(e, local, "")
	default:
		switch kind(ref) {
		case git:
			p.unresolved(e, git, commit(ref))
		case tarball:
			if npm.RegistryTarball(ref, name, e.version) && npm.IsExactVersion(e.version) {
				p.b.Add(e.line, sdk.Package{Name: name, Version: e.version})
				return
			}
			p.unresolved(e, tarball, "")
		default:
			p.unresolved(e, unknown, "")
		}
	}
}

// descriptors reports a classic entry (or a berry one without a resolution) from its
// descriptors and resolved URL.
func (p *parser) descriptors(e *entry) {
	name := ""
	k := registry
	for i, d := range e.keys {
		n, rng, _ := npm.SplitSpec(d)
		if real, ok := strings.CutPrefix(rng, "npm:"); ok {
			// An alias: "alias@npm:real@range", or "name@npm:range" (berry).
			if rn, rr, ok := npm.SplitSpec(real); ok && npm.IsLockName(rn) {
				n, rng = rn, rr
			} else {
				rng = real
			}
		}
		if i == 0 {
			name = n
		}
		k = max(k, kind(rng))
	}
	if k == registry && e.resolved != "" && kind(e.resolved) == git {
		k = git // "minimist@0.0.8, minimist@ssh://...#0.0.8" resolved from git
	}
	switch k {
	case workspace:
		return
	case registry:
		if !npm.IsLockName(name) {
			p.b.Problemf(e.line, "entry %s: %s is not a package name; skipped", collect.Quote(e.keys[0]), collect.Quote(name))
			return
		}
		if e.version == "" {
			p.b.Unresolved(e.line, e.keys[0], "no version")
			return
		}
		if !npm.IsExactVersion(e.version) {
			p.b.Problemf(e.line, "entry %s: version %s is not a semantic version; skipped", collect.Quote(e.keys[0]), collect.Quoted(e.version))
			return
		}
		p.b.Add(e.line, sdk.Package{Name: name, Version: e.version})
	case git:
		c := commit(e.resolved)
		if c == "" {
			_, rng, _ := npm.SplitSpec(e.keys[0])
			c = commit(rng)
		}
		p.unresolved(e, git, c)
	case tarball:
		url := e.resolved
		if url == "" {
			_, url, _ = npm.SplitSpec(e.keys[0])
		}
		if npm.RegistryTarball(url, name, e.version) && npm.IsExactVersion(e.version) && npm.IsLockName(name) {
			p.b.Add(e.line, sdk.Package{Name: name, Version: e.version})
			return
		}
		p.unresolved(e, tarball, "")
	default:
		p.unresolved(e, k, "")
	}
}

// unresolved records an entry whose version is not a registry release. commit is the
// commit of a git source, if known.
func (p *parser) unresolved(e *entry, k int, commit string) {
	src := map[int]string{local: "a local path", git: "git", tarball: "a tarball", unknown: "an unknown protocol"}[k]
	if commit != "" {
		src += " commit " + commit
	}
	why := src + ", no version"
	if e.version != "" {
		why = "version " + e.version + " from " + src + ", not a registry release"
	}
	p.b.Unresolved(e.line, e.keys[0], collect.Redact(why))
}

// kind says what kind of source a range, URL or locator reference names.
func kind(r string) int {
	lower := strings.ToLower(r)
	has := func(prefixes ...string) bool {
		for _, pre := range prefixes {
			if strings.HasPrefix(lower, pre) {
				return true
			}
		}
		return false
	}
	switch {
	case has("workspace:"):
		return workspace
	case has("file:", "link:", "portal:", "exec:", "./", "../", "/", "~/") || r == "." || r == "..":
		return local
	case has("git+", "git:", "git@", "ssh:", "github:", "gitlab:", "bitbucket:", "gist:"):
		return git
	case has("http://", "https://"):
		rest := lower[strings.Index(lower, "://")+3:]
		host, path, _ := strings.Cut(rest, "/")
		if at := strings.LastIndexByte(host, '@'); at >= 0 {
			host = host[at+1:]
		}
		switch {
		case strings.Contains(path, "/-/"):
			return tarball // a registry's layout
		case host == "github.com" || host == "codeload.github.com" || host == "gitlab.com" || host == "bitbucket.org",
			strings.Contains(path, ".git#") || strings.HasSuffix(path, ".git") || strings.Contains(path, "#commit="):
			return git
		}
		return tarball
	case strings.Contains(r, "/") && !strings.Contains(r, ":") && !has("@"):
		return git // GitHub shorthand, "owner/repo#ref"
	case strings.Contains(r, ":"):
		// Some other protocol ("patch:" without a resolution, "jsr:"...).
		if !strings.ContainsAny(r[:strings.IndexByte(r, ':')], " <>=^~|") {
			return unknown
		}
	}
	return registry
}

// commit finds the commit in a git source: "...#<sha>", "...#commit=<sha>" (or ":"),
// codeload's ".../tar.gz/<sha>", GitLab's "...?ref=<sha>".
func commit(s string) string {
	for _, sep := range [...]string{"#commit=", "#commit:", "#", "/tar.gz/", "?ref="} {
		if i := strings.LastIndex(s, sep); i >= 0 {
			c := s[i+len(sep):]
			if j := strings.IndexAny(c, "&#?/"); j >= 0 {
				c = c[:j]
			}
			if len(c) >= 7 && len(c) <= 40 && strings.Trim(strings.ToLower(c), "0123456789abcdef") == "" {
				return c
			}
		}
	}
	return ""
}

// unescape decodes the percent escapes berry puts in the locator a patch: applies to
// ("npm%3A1.2.3"). A malformed escape is kept as written.
func unescape(s string) string {
	if !strings.Contains(s, "%") {
		return s
	}
	var sb strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '%' && i+2 < len(s) && hex(s[i+1]) >= 0 && hex(s[i+2]) >= 0 {
			sb.WriteByte(byte(hex(s[i+1])<<4 | hex(s[i+2])))
			i += 2
			continue
		}
		sb.WriteByte(s[i])
	}
	return sb.String()
}

func hex(c byte) int {
	switch {
	case '0' <= c && c <= '9':
		return int(c - '0')
	case 'a' <= c && c <= 'f':
		return int(c-'a') + 10
	case 'A' <= c && c <= 'F':
		return int(c-'A') + 10
	}
	return -1
}

// scalar returns the text of a scalar node, following an alias to a scalar (which expands
// nothing).
func scalar(n *yaml.Node) (string, bool) {
	if n != nil && n.Kind == yaml.AliasNode && n.Alias != nil {
		n = n.Alias
	}
	if n == nil || n.Kind != yaml.ScalarNode || n.Tag == "!!null" {
		return "", false
	}
	return n.Value, true
}

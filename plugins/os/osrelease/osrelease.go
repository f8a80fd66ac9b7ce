// Package osrelease identifies the operating system of a root filesystem from its
// os-release file (etc/os-release, usr/lib/os-release; see os-release(5)) or from the
// one-line release files that distributions kept from before os-release: etc/alpine-release,
// etc/debian_version, and the etc/redhat-release family (ParseRedHatRelease).
//
// os-release is a list of shell-style variable assignments. The reader here follows
// systemd's (parse_env_file), which defines what the format accepts in practice: comments
// and blank lines, values in single or double quotes or unquoted, backslash escapes, and
// lines that are not assignments ignored rather than fatal.
package osrelease

import (
	"bytes"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/trawlscan/trawl/sdk"
)

// MaxSize is the largest os-release file Parse reads. Real ones are a few hundred bytes.
const MaxSize = 64 << 10

// MaxAlpineReleaseSize is the largest alpine-release file ParseAlpineRelease reads: it holds
// one version string.
const MaxAlpineReleaseSize = 4 << 10

// maxField is the SDK's bound on one string of a result (sdk.AnalysisResult.Validate).
const maxField = 4096

// Parse reads an os-release file. path is its path in the scanned tree; it is the result's
// Source and names the file in errors.
//
// Family is ID, lower-cased, or "linux" when the file sets no ID (the default os-release(5)
// gives). Name is NAME, Version VERSION_ID, PrettyName PRETTY_NAME and Codename
// VERSION_CODENAME. A value that is not UTF-8, has control characters or is too long is left
// out rather than failing the file, since ID and VERSION_ID alone are what vulnerability
// matching needs. An ID that is not a valid os-release ID is an error.
func Parse(path string, r io.Reader) (*sdk.OS, error) {
	data, err := readAll(path, r, MaxSize)
	if err != nil {
		return nil, err
	}
	vars := parseVars(data)
	if len(vars) == 0 {
		return nil, fmt.Errorf("%s: not an os-release file: no variable assignments", path)
	}
	o := &sdk.OS{
		Family:     "linux",
		Name:       clean(vars["NAME"].value),
		Version:    clean(vars["VERSION_ID"].value),
		PrettyName: clean(vars["PRETTY_NAME"].value),
		Codename:   clean(vars["VERSION_CODENAME"].value),
		Source:     path,
	}
	if id := vars["ID"]; id.value != "" {
		family := strings.ToLower(id.value)
		if !validID(family) {
			return nil, fmt.Errorf("%s:%d: ID=%q: want lower-case letters, digits, '.', '_' and '-'", path, id.line, truncate(id.value))
		}
		o.Family = family
	}
	if distroless(vars) {
		// Google's distroless images keep Debian's ID, NAME and VERSION_ID, since their
		// packages are Debian's and Debian's advisories apply, but have PRETTY_NAME
		// "Distroless" and the project as HOME_URL. The family stays; the name says it.
		if o.Name == "" {
			o.Name = "Distroless"
		} else if len(o.Name) <= maxField-len(" (distroless)") {
			o.Name += " (distroless)"
		}
	}
	return o, nil
}

// distroless reports whether an os-release is that of a gcr.io/distroless image.
func distroless(vars map[string]variable) bool {
	return strings.EqualFold(vars["PRETTY_NAME"].value, "Distroless") ||
		strings.Contains(strings.ToLower(vars["HOME_URL"].value), "github.com/googlecontainertools/distroless")
}

// ParseAlpineRelease reads Alpine's etc/alpine-release, which holds the release version
// ("3.20.3") on one line.
func ParseAlpineRelease(path string, r io.Reader) (*sdk.OS, error) {
	data, err := readAll(path, r, MaxAlpineReleaseSize)
	if err != nil {
		return nil, err
	}
	version, versionLine, err := releaseLine(path, data, "an alpine-release file", "version")
	if err != nil {
		return nil, err
	}
	if !validAlpineVersion(version) {
		return nil, fmt.Errorf("%s:%d: not an alpine-release file: %q is not a version", path, versionLine, truncate(version))
	}
	return &sdk.OS{Family: "alpine", Name: "Alpine Linux", Version: version, Source: path}, nil
}

// readAll reads r whole, refusing more than limit bytes: the file is small by definition,
// and a big one is not what its name says.
func readAll(path string, r io.Reader, limit int64) ([]byte, error) {
	data, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if int64(len(data)) > limit {
		return nil, fmt.Errorf("%s: larger than %d bytes, refused", path, limit)
	}
	return data, nil
}

// releaseLine returns the one line of a one-line release file, trimmed, and its number.
// Blank lines around it are fine; a second line means the file is something else. kind
// names the file in errors ("an alpine-release file"), what its content ("version").
func releaseLine(path string, data []byte, kind, what string) (line string, lineNo int, err error) {
	for i, l := range strings.Split(string(data), "\n") {
		l = strings.TrimSpace(l)
		if l == "" {
			continue
		}
		if line != "" {
			return "", 0, fmt.Errorf("%s:%d: not %s: a second line after the %s on line %d", path, i+1, kind, what, lineNo)
		}
		line, lineNo = l, i+1
	}
	if line == "" {
		return "", 0, fmt.Errorf("%s: not %s: no %s", path, kind, what)
	}
	return line, lineNo, nil
}

// variable is one assignment: its value and the line it starts on.
type variable struct {
	value string
	line  int
}

// Parser states, as in systemd's parse_env_file_internal.
const (
	preKey = iota
	inKey
	preValue
	inValue
	valueEscape
	singleQuote
	doubleQuote
	doubleQuoteEscape
	comment
	commentEscape
)

// parseVars parses shell-style assignments the way systemd does:
//   - "#" or ";" at the start of a line begins a comment;
//   - whitespace around keys and before values is ignored, and so is trailing whitespace of
//     an unquoted value;
//   - 'single quotes' are literal; in "double quotes" a backslash escapes only " \ ` and $
//     (elsewhere it stays); unquoted, a backslash escapes any character;
//   - a backslash before a newline continues the line; quoted values may span lines;
//   - adjacent pieces concatenate (A="x"'y'z gives xyz), as in the shell;
//   - "#" after whitespace ends the value and starts a comment, as in the shell (systemd
//     would keep it in the value);
//   - a line without "=" or with a key that is not a shell variable name is ignored;
//   - a later assignment of a key wins.
//
// An unterminated quote takes the rest of the file, again as systemd does.
func parseVars(data []byte) map[string]variable {
	vars := map[string]variable{}
	var key, value []byte
	state, line, keyLine := preKey, 1, 0
	var prev byte
	// trim is the length of value without its trailing unquoted whitespace.
	trim := 0
	push := func() {
		k := string(bytes.TrimRight(key, " \t\r"))
		if validName(k) {
			vars[k] = variable{value: string(value[:trim]), line: keyLine}
		}
		key, value, trim = key[:0], value[:0], 0
	}
	for _, c := range data {
		switch state {
		case preKey:
			switch {
			case c == '#' || c == ';':
				state = comment
			case !isSpace(c):
				state, keyLine = inKey, line
				key = append(key, c)
			}
		case inKey:
			switch c {
			case '\n':
				state, key = preKey, key[:0] // no "=": not an assignment
			case '=':
				state = preValue
			default:
				key = append(key, c)
			}
		case preValue:
			switch {
			case c == '\n':
				push()
				state = preKey
			case c == '#' && isSpace(prev):
				push() // NAME= # comment: an empty value
				state = comment
			case c == '\'':
				state = singleQuote
			case c == '"':
				state = doubleQuote
			case c == '\\':
				state = valueEscape
			case !isSpace(c):
				state = inValue
				value = append(value, c)
				trim = len(value)
			}
		case inValue:
			switch {
			case c == '\n':
				push()
				state = preKey
			case c == '#' && trim < len(value):
				// "#" after unquoted whitespace starts a comment, as in the shell:
				// ID=alpine # comment.
				push()
				state = comment
			case c == '\\':
				state = valueEscape
			case c == '\'':
				state = singleQuote
			case c == '"':
				state = doubleQuote
			default:
				value = append(value, c)
				if !isSpace(c) {
					trim = len(value)
				}
			}
		case valueEscape:
			state = inValue
			if c != '\n' {
				value = append(value, c)
				trim = len(value)
			}
		case singleQuote:
			if c == '\'' {
				state = inValue
			} else {
				value = append(value, c)
				trim = len(value)
			}
		case doubleQuote:
			switch c {
			case '"':
				state = inValue
			case '\\':
				state = doubleQuoteEscape
			default:
				value = append(value, c)
				trim = len(value)
			}
		case doubleQuoteEscape:
			state = doubleQuote
			switch c {
			case '"', '\\', '`', '$':
				value = append(value, c)
			case '\n': // line continuation
			default:
				value = append(value, '\\', c)
			}
			trim = len(value)
		case comment:
			switch c {
			case '\\':
				state = commentEscape
			case '\n':
				state = preKey
			}
		case commentEscape:
			state = comment
		}
		if c == '\n' {
			line++
		}
		prev = c
	}
	switch state {
	case preValue, inValue, valueEscape, singleQuote, doubleQuote, doubleQuoteEscape:
		push()
	}
	return vars
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\r' }

// validName reports whether k is a shell variable name, as os-release keys must be.
func validName(k string) bool {
	if k == "" {
		return false
	}
	for i := 0; i < len(k); i++ {
		c := k[i]
		if c != '_' && !isAlpha(c) && (i == 0 || !isDigit(c)) {
			return false
		}
	}
	return true
}

// validID reports whether id is an os-release ID: "a lower-case string (no spaces or other
// characters outside of 0–9, a–z, ".", "_" and "-")".
func validID(id string) bool {
	if id == "" || len(id) > maxField {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if !isDigit(c) && (c < 'a' || c > 'z') && c != '.' && c != '_' && c != '-' {
			return false
		}
	}
	return true
}

// validAlpineVersion accepts Alpine release versions: "3.20.3", "3.21_alpha20240807",
// "3.14.0_rc1".
func validAlpineVersion(v string) bool {
	if len(v) > 64 || !isDigit(v[0]) {
		return false
	}
	for i := 0; i < len(v); i++ {
		c := v[i]
		if !isDigit(c) && !isAlpha(c) && !strings.ContainsRune("._-+~", rune(c)) {
			return false
		}
	}
	return true
}

// clean makes s fit the SDK's rules for a result field, or drops it: a value that spans
// lines has its line breaks and tabs turned into spaces; other control characters, invalid
// UTF-8 or excessive length make it "".
func clean(s string) string {
	if len(s) > maxField || !utf8.ValidString(s) {
		return ""
	}
	if strings.ContainsAny(s, "\t\n\r") {
		s = strings.Join(strings.Fields(s), " ")
	}
	if strings.ContainsFunc(s, func(r rune) bool { return r < 0x20 || r == 0x7f }) {
		return ""
	}
	return s
}

func isAlpha(c byte) bool { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') }
func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func truncate(s string) string {
	if len(s) > 40 {
		return s[:40] + "..."
	}
	return s
}

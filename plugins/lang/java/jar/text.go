package jar

import (
	"strconv"
	"strings"
)

// parseProperties reads a Java properties file (java.util.Properties.load): key and value
// separated by '=', ':' or white space, comments starting with '#' or '!', lines continued
// by a trailing backslash, and backslash escapes. The first of two equal keys is kept
// here, where Java keeps the last; pom.properties never repeats one.
func parseProperties(s string) map[string]string {
	props := map[string]string{}
	lines := splitLines(s)
	for i := 0; i < len(lines); i++ {
		line := strings.TrimLeft(lines[i], " \t\f")
		if line == "" || line[0] == '#' || line[0] == '!' {
			continue
		}
		for continued(line) && i+1 < len(lines) {
			i++
			line = line[:len(line)-1] + strings.TrimLeft(lines[i], " \t\f")
		}
		if continued(line) {
			line = line[:len(line)-1]
		}
		// The key ends at the first separator not escaped.
		end := len(line)
		for j := 0; j < len(line); j++ {
			if line[j] == '\\' {
				j++
				continue
			}
			if strings.IndexByte("=: \t\f", line[j]) >= 0 {
				end = j
				break
			}
		}
		key, rest := line[:end], strings.TrimLeft(line[end:], " \t\f")
		if rest != "" && (rest[0] == '=' || rest[0] == ':') {
			rest = strings.TrimLeft(rest[1:], " \t\f")
		}
		key, value := unescape(key), unescape(rest)
		if _, dup := props[key]; !dup {
			props[key] = value
		}
	}
	return props
}

// continued reports whether a line ends in an odd number of backslashes.
func continued(line string) bool {
	n := 0
	for i := len(line) - 1; i >= 0 && line[i] == '\\'; i-- {
		n++
	}
	return n%2 == 1
}

// unescape resolves the backslash escapes of a properties file.
func unescape(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var sb strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '\\' || i+1 == len(s) {
			sb.WriteByte(c)
			continue
		}
		i++
		switch c = s[i]; c {
		case 't':
			sb.WriteByte('\t')
		case 'n':
			sb.WriteByte('\n')
		case 'r':
			sb.WriteByte('\r')
		case 'f':
			sb.WriteByte('\f')
		case 'u':
			if i+4 < len(s) {
				if r, err := strconv.ParseUint(s[i+1:i+5], 16, 16); err == nil {
					sb.WriteRune(rune(r))
					i += 4
					continue
				}
			}
			sb.WriteByte('u')
		default:
			sb.WriteByte(c)
		}
	}
	return sb.String()
}

// parseManifest reads the main section of a JAR manifest: "Name: value" headers up to
// the first empty line, a line starting with a space continuing the one before (the
// format wraps lines at 72 bytes). The first of two equal names is kept; names are
// case-insensitive, and kept here in the spelling of the specification for the ones read.
func parseManifest(s string) map[string]string {
	m := map[string]string{}
	var name string
	var value strings.Builder
	flush := func() {
		if name != "" {
			if _, dup := m[name]; !dup {
				m[name] = strings.TrimSpace(value.String())
			}
		}
		name = ""
		value.Reset()
	}
	for _, line := range splitLines(strings.TrimPrefix(s, "\ufeff")) {
		if line == "" {
			break
		}
		if line[0] == ' ' {
			if name != "" {
				value.WriteString(line[1:])
			}
			continue
		}
		flush()
		k, v, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		name = canonical(strings.TrimSpace(k))
		value.WriteString(strings.TrimPrefix(v, " "))
	}
	flush()
	return m
}

// manifestNames are the headers read, in their specified spelling.
var manifestNames = []string{
	"Implementation-Title", "Implementation-Version", "Implementation-Vendor-Id",
	"Bundle-Version",
	"Group-Id", "Short-Name", "Plugin-Version",
}

func canonical(name string) string {
	for _, n := range manifestNames {
		if strings.EqualFold(n, name) {
			return n
		}
	}
	return name
}

// splitLines splits at "\r\n", "\n" or "\r", as both formats allow.
func splitLines(s string) []string {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	s = strings.ReplaceAll(s, "\r", "\n")
	return strings.Split(s, "\n")
}

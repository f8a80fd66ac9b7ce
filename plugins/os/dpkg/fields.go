package dpkg

// field is a field of a stanza, as far as the parser cares.
type field uint8

const (
	fieldNone  field = iota // no field line yet in the stanza
	fieldOther              // a field that is not kept
	fieldPackage
	fieldVersion
	fieldArchitecture
	fieldSource
	fieldStatus
	numFields
)

// fieldNames spell the kept fields in messages as dpkg writes them.
var fieldNames = [numFields]string{
	fieldPackage:      "Package",
	fieldVersion:      "Version",
	fieldArchitecture: "Architecture",
	fieldSource:       "Source",
	fieldStatus:       "Status",
}

// kept returns the kept field a field name names, or fieldOther. Field names are
// case-insensitive (deb822(5)); dpkg writes them capitalised.
func kept(name []byte) field {
	switch len(name) {
	case 6:
		if foldEq(name, "source") {
			return fieldSource
		}
		if foldEq(name, "status") {
			return fieldStatus
		}
	case 7:
		if foldEq(name, "package") {
			return fieldPackage
		}
		if foldEq(name, "version") {
			return fieldVersion
		}
	case 12:
		if foldEq(name, "architecture") {
			return fieldArchitecture
		}
	}
	return fieldOther
}

// foldEq reports whether b equals lower, a lower-case ASCII word, ignoring case. Setting
// bit 0x20 maps only 'A'-'Z' and 'a'-'z' onto 'a'-'z', so it is exact for words of letters.
func foldEq(b []byte, lower string) bool {
	if len(b) != len(lower) {
		return false
	}
	for i := 0; i < len(b); i++ {
		if b[i]|0x20 != lower[i] {
			return false
		}
	}
	return true
}

// nameEnd returns the index of the colon that ends the field name at the start of line, or
// -1 when the line does not start with a field name and a colon. A field name is at least
// one printable ASCII character other than a colon and a space (deb822(5)); the scan stops
// at the first character that cannot be in a name, so it costs the name's length.
func nameEnd(line []byte) int {
	for i := 0; i < len(line); i++ {
		c := line[i]
		if c == ':' {
			if i == 0 {
				return -1
			}
			return i
		}
		if c <= ' ' || c >= 0x7f {
			return -1
		}
	}
	return -1
}

// trimSpace removes the spaces and tabs around a value. Unlike bytes.TrimSpace it leaves
// other whitespace (a vertical tab, a form feed) in place, for check to refuse.
func trimSpace(b []byte) []byte {
	for len(b) > 0 && (b[0] == ' ' || b[0] == '\t') {
		b = b[1:]
	}
	for len(b) > 0 && (b[len(b)-1] == ' ' || b[len(b)-1] == '\t') {
		b = b[:len(b)-1]
	}
	return b
}

// states are the package states dpkg writes as the third word of Status (dpkg-query(1)).
var states = []string{
	"not-installed", "config-files", "half-installed", "unpacked", "half-configured",
	"triggers-awaited", "triggers-pending", "installed",
}

// installed reads a Status value, "want flag state" ("install ok installed"), and reports
// whether the package is installed: its state is "installed", whatever the wanted action
// (a package marked "deinstall" or "purge" is still on disk until dpkg runs). The other
// states leave at most part of a package on disk, or only its configuration files. ok is
// false when the value is not three words or the state is not one of dpkg's.
func installed(value []byte) (yes, ok bool) {
	var words [3][]byte
	n := 0
	for len(value) > 0 {
		i := 0
		for i < len(value) && value[i] != ' ' && value[i] != '\t' {
			i++
		}
		if i > 0 {
			if n == len(words) {
				return false, false
			}
			words[n] = value[:i]
			n++
		}
		for i < len(value) && (value[i] == ' ' || value[i] == '\t') {
			i++
		}
		value = value[i:]
	}
	if n != len(words) {
		return false, false
	}
	for _, s := range states {
		if string(words[2]) == s {
			return s == "installed", true
		}
	}
	return false, false
}

// source reads a Source value: a source package name, optionally followed by its version in
// parentheses ("util-linux (2.38.1-5)"). version is nil when there is none. ok is false for
// anything else: no name, a parenthesis left open, words after the version.
func source(value []byte) (name, version []byte, ok bool) {
	i := 0
	for i < len(value) && value[i] != ' ' && value[i] != '\t' && value[i] != '(' {
		i++
	}
	name, rest := value[:i], trimSpace(value[i:])
	if len(name) == 0 {
		return nil, nil, false
	}
	if len(rest) == 0 {
		return name, nil, true
	}
	if rest[0] != '(' || rest[len(rest)-1] != ')' {
		return nil, nil, false
	}
	version = trimSpace(rest[1 : len(rest)-1])
	for _, c := range version {
		if c == ' ' || c == '\t' || c == '(' || c == ')' {
			return nil, nil, false
		}
	}
	if len(version) == 0 {
		return nil, nil, false
	}
	return name, version, true
}

package osrelease

import (
	"fmt"
	"io"
	"strings"

	"github.com/trawlscan/trawl/sdk"
)

// redHatFamilies maps the distribution name that starts a redhat-release line to its
// os-release ID, so that the result matches what os-release would say. Longer names come
// first where one starts another.
var redHatFamilies = []struct{ name, family string }{
	{"Red Hat Enterprise Linux", "rhel"}, // "... Server release 7.9 (Maipo)", "... release 9.4 (Plow)"
	{"CentOS", "centos"},                 // "CentOS Linux release 7.9.2009 (Core)", "CentOS Stream release 9"
	{"Rocky Linux", "rocky"},
	{"AlmaLinux", "almalinux"},
	{"Oracle Linux", "ol"}, // "Oracle Linux Server release 8.9"
	{"Fedora", "fedora"},
	{"Amazon Linux", "amzn"}, // "Amazon Linux release 2 (Karoo)", "Amazon Linux AMI release 2018.03"
}

// ParseRedHatRelease reads the one-line release file of Red Hat Enterprise Linux and the
// distributions that kept its form: etc/redhat-release, etc/centos-release,
// etc/system-release and the like hold "<name> release <version> (<codename>)", as in
// "CentOS Linux release 7.9.2009 (Core)". Family is the distribution's os-release ID
// (rhel, centos, rocky, almalinux, ol, fedora, amzn), Name the name as written, Version the
// word after "release" and PrettyName the whole line.
//
// On Oracle Linux, etc/redhat-release names Red Hat Enterprise Linux (it is there for
// compatibility) while etc/oracle-release names Oracle Linux: this parser reads each as
// written, and the host prefers os-release, which every current release of these
// distributions has. A line that does not have this form, or names a distribution not
// listed above, is an error.
func ParseRedHatRelease(path string, r io.Reader) (*sdk.OS, error) {
	data, err := readAll(path, r, MaxReleaseLineSize)
	if err != nil {
		return nil, err
	}
	line, lineNo, err := releaseLine(path, data, "a redhat-release file", "release")
	if err != nil {
		return nil, err
	}
	name, rest, ok := strings.Cut(line, " release ")
	version, _, _ := strings.Cut(strings.TrimSpace(rest), " ")
	// clean leaves a printable line alone: one it would change is no release line.
	if !ok || name == "" || clean(line) != line || version == "" || !isDigit(version[0]) || len(version) > 64 || !validWord(version) {
		return nil, fmt.Errorf("%s:%d: not a redhat-release file: want \"<name> release <version>\", got %q", path, lineNo, truncate(line))
	}
	for _, d := range redHatFamilies {
		if strings.HasPrefix(name, d.name) {
			return &sdk.OS{Family: d.family, Name: name, Version: version, PrettyName: line, Source: path}, nil
		}
	}
	return nil, fmt.Errorf("%s:%d: unknown distribution %q in a redhat-release file", path, lineNo, truncate(name))
}

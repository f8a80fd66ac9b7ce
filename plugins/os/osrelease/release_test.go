package osrelease

import (
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/trawlscan/trawl/sdk"
)

// TestCorpusDebianVersion reads the etc/debian_version files of the corpus's real images.
func TestCorpusDebianVersion(t *testing.T) {
	corpus := corpusDir(t)
	for _, tt := range []struct {
		file string
		want sdk.OS
	}{
		{"os-pkgdb/dpkg/real-debian-12-langflow-backend-image/etc/debian_version",
			sdk.OS{Family: "debian", Name: "Debian GNU/Linux", Version: "12.9", Source: "etc/debian_version"}},
		// Ubuntu ships the Debian codename it branched from; its os-release says Ubuntu and
		// wins in the host.
		{"os-pkgdb/dpkg/real-ubuntu-18.04-guestbook_img/etc/debian_version",
			sdk.OS{Family: "debian", Name: "Debian GNU/Linux", Codename: "buster", Source: "etc/debian_version"}},
	} {
		t.Run(tt.file, func(t *testing.T) {
			f, err := os.Open(filepath.Join(corpus, tt.file))
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			got, err := ParseDebianVersion("etc/debian_version", f)
			if err != nil {
				t.Fatal(err)
			}
			if got == nil || *got != tt.want {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestDebianVersion(t *testing.T) {
	debian := func(version, codename string) *sdk.OS {
		return &sdk.OS{Family: "debian", Name: "Debian GNU/Linux", Version: version, Codename: codename, Source: "etc/debian_version"}
	}
	for _, tt := range []struct {
		in   string
		want *sdk.OS
	}{
		{"12.9\n", debian("12.9", "")},
		{"12.7", debian("12.7", "")},
		{"11.11\n", debian("11.11", "")},
		{"10.13\n", debian("10.13", "")},
		{"9.13\n", debian("9.13", "")},
		{"6.0.10\n", debian("6.0.10", "")},
		{"\n 13.0 \r\n\n", debian("13.0", "")},
		// Testing and unstable.
		{"trixie/sid\n", debian("", "trixie")},
		{"bookworm/sid\n", debian("", "bookworm")},
		// Ubuntu 18.04 and 22.04.
		{"buster/sid\n", debian("", "buster")},
		{"bookworm/sid\n", debian("", "bookworm")},
		// Kali: no Debian release, no error.
		{"kali-rolling\n", nil},
		{"/sid\n", nil},
	} {
		got, err := ParseDebianVersion("etc/debian_version", strings.NewReader(tt.in))
		if err != nil {
			t.Errorf("%q: %v", tt.in, err)
			continue
		}
		if (got == nil) != (tt.want == nil) || (got != nil && *got != *tt.want) {
			t.Errorf("%q: got %+v, want %+v", tt.in, got, tt.want)
		}
		if got != nil {
			if err := (&sdk.AnalysisResult{OS: got}).Validate(); err != nil {
				t.Errorf("%q: %v", tt.in, err)
			}
		}
	}
}

// TestRedHatRelease parses the release lines the distributions ship, as they ship them.
func TestRedHatRelease(t *testing.T) {
	for _, tt := range []struct {
		in                    string
		family, name, version string
	}{
		{"Red Hat Enterprise Linux release 9.4 (Plow)\n", "rhel", "Red Hat Enterprise Linux", "9.4"},
		{"Red Hat Enterprise Linux release 8.10 (Ootpa)\n", "rhel", "Red Hat Enterprise Linux", "8.10"},
		{"Red Hat Enterprise Linux Server release 7.9 (Maipo)\n", "rhel", "Red Hat Enterprise Linux Server", "7.9"},
		{"Red Hat Enterprise Linux Server release 6.10 (Santiago)\n", "rhel", "Red Hat Enterprise Linux Server", "6.10"},
		{"CentOS Linux release 7.9.2009 (Core)\n", "centos", "CentOS Linux", "7.9.2009"},
		{"CentOS Linux release 8.5.2111\n", "centos", "CentOS Linux", "8.5.2111"},
		{"CentOS release 6.10 (Final)\n", "centos", "CentOS", "6.10"},
		{"CentOS Stream release 9\n", "centos", "CentOS Stream", "9"},
		{"Rocky Linux release 9.3 (Blue Onyx)\n", "rocky", "Rocky Linux", "9.3"},
		{"Rocky Linux release 8.9 (Green Obsidian)\n", "rocky", "Rocky Linux", "8.9"},
		{"AlmaLinux release 9.4 (Seafoam Ocelot)\n", "almalinux", "AlmaLinux", "9.4"},
		{"AlmaLinux release 8.10 (Cerulean Leopard)\n", "almalinux", "AlmaLinux", "8.10"},
		{"Oracle Linux Server release 8.9\n", "ol", "Oracle Linux Server", "8.9"},
		{"Oracle Linux Server release 7.9\n", "ol", "Oracle Linux Server", "7.9"},
		{"Fedora release 40 (Forty)\n", "fedora", "Fedora", "40"},
		{"Amazon Linux release 2 (Karoo)\n", "amzn", "Amazon Linux", "2"},
		{"Amazon Linux release 2023.4.20240611 (Amazon Linux)\n", "amzn", "Amazon Linux", "2023.4.20240611"},
		{"Amazon Linux AMI release 2018.03\n", "amzn", "Amazon Linux AMI", "2018.03"},
		{"\n  CentOS Linux release 7.9.2009 (Core)  \r\n\n", "centos", "CentOS Linux", "7.9.2009"},
	} {
		got, err := ParseRedHatRelease("etc/redhat-release", strings.NewReader(tt.in))
		if err != nil {
			t.Errorf("%q: %v", tt.in, err)
			continue
		}
		want := sdk.OS{Family: tt.family, Name: tt.name, Version: tt.version, PrettyName: strings.TrimSpace(tt.in), Source: "etc/redhat-release"}
		if *got != want {
			t.Errorf("%q:\n got %+v\nwant %+v", tt.in, *got, want)
		}
		if err := (&sdk.AnalysisResult{OS: got}).Validate(); err != nil {
			t.Errorf("%q: %v", tt.in, err)
		}
	}
}

func TestReleaseLineErrors(t *testing.T) {
	tests := []struct {
		name   string
		parse  func(string, io.Reader) (*sdk.OS, error)
		in     string
		errMsg string
	}{
		{"debian_version empty", ParseDebianVersion, "\n", "f: not a debian_version file: no release"},
		{"debian_version two lines", ParseDebianVersion, "12.9\n12.10\n", "f:2: not a debian_version file: a second line after the release on line 1"},
		{"debian_version words", ParseDebianVersion, "Debian GNU/Linux 12\n", `f:1: not a debian_version file: "Debian GNU/Linux 12" is not a release`},
		{"debian_version binary", ParseDebianVersion, "\x7fELF\x02", `f:1: not a debian_version file: "\x7fELF\x02" is not a release`},
		{"debian_version too big", ParseDebianVersion, strings.Repeat("1", MaxReleaseLineSize+1), "f: larger than 4096 bytes, refused"},
		{"redhat-release empty", ParseRedHatRelease, "", "f: not a redhat-release file: no release"},
		{"redhat-release two lines", ParseRedHatRelease, "Fedora release 40 (Forty)\nFedora release 41\n", "f:2: not a redhat-release file: a second line after the release on line 1"},
		{"redhat-release no release word", ParseRedHatRelease, "Welcome to CentOS\n", `f:1: not a redhat-release file: want "<name> release <version>", got "Welcome to CentOS"`},
		{"redhat-release no version", ParseRedHatRelease, "CentOS Linux release (Core)\n", `f:1: not a redhat-release file: want "<name> release <version>", got "CentOS Linux release (Core)"`},
		{"redhat-release no name", ParseRedHatRelease, " release 9\n", `f:1: not a redhat-release file: want "<name> release <version>", got "release 9"`},
		{"redhat-release control characters", ParseRedHatRelease, "Fedora\x01 release 40\n", `f:1: not a redhat-release file: want "<name> release <version>", got "Fedora\x01 release 40"`},
		{"redhat-release unknown distribution", ParseRedHatRelease, "Scientific Linux release 7.9 (Nitrogen)\n", `f:1: unknown distribution "Scientific Linux" in a redhat-release file`},
		{"redhat-release too big", ParseRedHatRelease, strings.Repeat("x", MaxReleaseLineSize+1), "f: larger than 4096 bytes, refused"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o, err := tt.parse("f", strings.NewReader(tt.in))
			if err == nil || err.Error() != tt.errMsg {
				t.Errorf("got %+v, %v; want error %q", o, err, tt.errMsg)
			}
		})
	}
}

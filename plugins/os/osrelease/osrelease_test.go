package osrelease

import (
	"archive/tar"
	"compress/gzip"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/trawlscan/trawl/internal/corpustest"
	"github.com/trawlscan/trawl/sdk"
)

// corpusDir returns the shared test corpus, ../shared/corpus from the repository root (the
// directory holding go.mod). It lives outside the repository, so tests skip without it.
func corpusDir(t testing.TB) string {
	t.Helper()
	return corpustest.Dir(t)
}

func TestCorpus(t *testing.T) {
	corpus := corpusDir(t)
	alpine := func(version, pretty string) *sdk.OS {
		return &sdk.OS{Family: "alpine", Name: "Alpine Linux", Version: version, PrettyName: pretty, Source: "etc/os-release"}
	}
	tests := []struct {
		file string
		want *sdk.OS
	}{
		{"os-pkgdb/apk/real-minirootfs-3.10.9/os-release", alpine("3.10.9", "Alpine Linux v3.10")},
		{"os-pkgdb/apk/real-minirootfs-3.12.12/os-release", alpine("3.12.12", "Alpine Linux v3.12")},
		{"os-pkgdb/apk/real-minirootfs-3.18.9/os-release", alpine("3.18.9", "Alpine Linux v3.18")},
		{"os-pkgdb/apk/real-minirootfs-3.20.3/os-release", alpine("3.20.3", "Alpine Linux v3.20")},
		// Starts with a shell prompt line ("/ # cat /etc/os-release"): not an assignment, ignored.
		{"expected/osv-scanner/scan/image/testdata/alpine-3.18-os-release", alpine("3.18.1", "Alpine Linux v3.18")},
		{"os-pkgdb/dpkg/real-debian-12-langflow-backend-image/etc/os-release", &sdk.OS{
			Family: "debian", Name: "Debian GNU/Linux", Version: "12",
			PrettyName: "Debian GNU/Linux 12 (bookworm)", Codename: "bookworm", Source: "etc/os-release",
		}},
		{"os-pkgdb/dpkg/real-ubuntu-18.04-guestbook_img/etc/os-release", &sdk.OS{
			Family: "ubuntu", Name: "Ubuntu", Version: "18.04",
			PrettyName: "Ubuntu 18.04.5 LTS", Codename: "bionic", Source: "etc/os-release",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			f, err := os.Open(filepath.Join(corpus, tt.file))
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			got, err := Parse("etc/os-release", f)
			if err != nil {
				t.Fatal(err)
			}
			if *got != *tt.want {
				t.Errorf("got %+v\nwant %+v", got, tt.want)
			}
		})
	}

	f, err := os.Open(filepath.Join(corpus, "expected/osv-scanner/scan/image/testdata/alpine-3.18-alpine-release"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	got, err := ParseAlpineRelease("etc/alpine-release", f)
	if err != nil {
		t.Fatal(err)
	}
	if want := (sdk.OS{Family: "alpine", Name: "Alpine Linux", Version: "3.18.1", Source: "etc/alpine-release"}); *got != want {
		t.Errorf("alpine-release: got %+v, want %+v", got, want)
	}
}

// TestRootfsTarballs reads etc/os-release and etc/alpine-release out of the real Alpine
// minirootfs tarballs and checks that both give the release the tarball is named after.
func TestRootfsTarballs(t *testing.T) {
	corpus := corpusDir(t)
	for _, v := range []string{"3.10.9", "3.12.12", "3.18.9", "3.20.3"} {
		t.Run(v, func(t *testing.T) {
			files := readTarFiles(t, filepath.Join(corpus, "rootfs", "alpine", "alpine-minirootfs-"+v+"-x86_64.tar.gz"),
				"etc/os-release", "etc/alpine-release")
			o, err := Parse("etc/os-release", strings.NewReader(files["etc/os-release"]))
			if err != nil {
				t.Fatal(err)
			}
			a, err := ParseAlpineRelease("etc/alpine-release", strings.NewReader(files["etc/alpine-release"]))
			if err != nil {
				t.Fatal(err)
			}
			if o.Family != "alpine" || o.Version != v || a.Family != "alpine" || a.Version != v {
				t.Errorf("os-release %+v, alpine-release %+v; want alpine %s", o, a, v)
			}
		})
	}
}

func readTarFiles(t *testing.T, path string, names ...string) map[string]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Skipf("rootfs tarball: %v", err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	tr := tar.NewReader(zr)
	out := map[string]string{}
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		name := strings.TrimPrefix(h.Name, "./")
		for _, n := range names {
			if name == n {
				if h.Typeflag != tar.TypeReg {
					t.Fatalf("%s is not a regular file in %s", n, path)
				}
				b, err := io.ReadAll(tr)
				if err != nil {
					t.Fatal(err)
				}
				out[n] = string(b)
			}
		}
	}
	for _, n := range names {
		if _, ok := out[n]; !ok {
			t.Fatalf("%s not in %s", n, path)
		}
	}
	return out
}

// TestDistributions parses the os-release files distributions ship, as they ship them.
func TestDistributions(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want sdk.OS
	}{
		{
			name: "Debian 12",
			in: `PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"
NAME="Debian GNU/Linux"
VERSION_ID="12"
VERSION="12 (bookworm)"
VERSION_CODENAME=bookworm
ID=debian
HOME_URL="https://www.debian.org/"
SUPPORT_URL="https://www.debian.org/support"
BUG_REPORT_URL="https://bugs.debian.org/"
`,
			want: sdk.OS{Family: "debian", Name: "Debian GNU/Linux", Version: "12", PrettyName: "Debian GNU/Linux 12 (bookworm)", Codename: "bookworm"},
		},
		{
			// Testing and unstable have no VERSION_ID.
			name: "Debian trixie/sid",
			in: `PRETTY_NAME="Debian GNU/Linux trixie/sid"
NAME="Debian GNU/Linux"
VERSION_CODENAME=trixie
ID=debian
HOME_URL="https://www.debian.org/"
SUPPORT_URL="https://www.debian.org/support"
BUG_REPORT_URL="https://bugs.debian.org/"
`,
			want: sdk.OS{Family: "debian", Name: "Debian GNU/Linux", PrettyName: "Debian GNU/Linux trixie/sid", Codename: "trixie"},
		},
		{
			name: "Ubuntu 22.04",
			in: `PRETTY_NAME="Ubuntu 22.04.4 LTS"
NAME="Ubuntu"
VERSION_ID="22.04"
VERSION="22.04.4 LTS (Jammy Jellyfish)"
VERSION_CODENAME=jammy
ID=ubuntu
ID_LIKE=debian
HOME_URL="https://www.ubuntu.com/"
SUPPORT_URL="https://help.ubuntu.com/"
BUG_REPORT_URL="https://bugs.launchpad.net/ubuntu/"
PRIVACY_POLICY_URL="https://www.ubuntu.com/legal/terms-and-policies/privacy-policy"
UBUNTU_CODENAME=jammy
`,
			want: sdk.OS{Family: "ubuntu", Name: "Ubuntu", Version: "22.04", PrettyName: "Ubuntu 22.04.4 LTS", Codename: "jammy"},
		},
		{
			name: "RHEL 9",
			in: `NAME="Red Hat Enterprise Linux"
VERSION="9.4 (Plow)"
ID="rhel"
ID_LIKE="fedora"
VERSION_ID="9.4"
PLATFORM_ID="platform:el9"
PRETTY_NAME="Red Hat Enterprise Linux 9.4 (Plow)"
ANSI_COLOR="0;31"
LOGO="fedora-logo-icon"
CPE_NAME="cpe:/o:redhat:enterprise_linux:9::baseos"
HOME_URL="https://www.redhat.com/"
DOCUMENTATION_URL="https://access.redhat.com/documentation/en-us/red_hat_enterprise_linux/9"
BUG_REPORT_URL="https://bugzilla.redhat.com/"

REDHAT_BUGZILLA_PRODUCT="Red Hat Enterprise Linux 9"
REDHAT_BUGZILLA_PRODUCT_VERSION=9.4
REDHAT_SUPPORT_PRODUCT="Red Hat Enterprise Linux"
REDHAT_SUPPORT_PRODUCT_VERSION="9.4"
`,
			want: sdk.OS{Family: "rhel", Name: "Red Hat Enterprise Linux", Version: "9.4", PrettyName: "Red Hat Enterprise Linux 9.4 (Plow)"},
		},
		{
			name: "Rocky Linux 9",
			in: `NAME="Rocky Linux"
VERSION="9.3 (Blue Onyx)"
ID="rocky"
ID_LIKE="rhel centos fedora"
VERSION_ID="9.3"
PLATFORM_ID="platform:el9"
PRETTY_NAME="Rocky Linux 9.3 (Blue Onyx)"
ANSI_COLOR="0;32"
LOGO="fedora-logo-icon"
CPE_NAME="cpe:/o:rocky:rocky:9::baseos"
HOME_URL="https://rockylinux.org/"
BUG_REPORT_URL="https://bugs.rockylinux.org/"
SUPPORT_END="2032-05-31"
ROCKY_SUPPORT_PRODUCT="Rocky-Linux-9"
ROCKY_SUPPORT_PRODUCT_VERSION="9.3"
REDHAT_SUPPORT_PRODUCT="Rocky Linux"
REDHAT_SUPPORT_PRODUCT_VERSION="9.3"
`,
			want: sdk.OS{Family: "rocky", Name: "Rocky Linux", Version: "9.3", PrettyName: "Rocky Linux 9.3 (Blue Onyx)"},
		},
		{
			name: "Amazon Linux 2023",
			in: `NAME="Amazon Linux"
VERSION="2023"
ID="amzn"
ID_LIKE="fedora"
VERSION_ID="2023"
PLATFORM_ID="platform:al2023"
PRETTY_NAME="Amazon Linux 2023.4.20240611"
ANSI_COLOR="0;33"
CPE_NAME="cpe:2.3:o:amazon:amazon_linux:2023"
HOME_URL="https://aws.amazon.com/linux/amazon-linux-2023/"
DOCUMENTATION_URL="https://docs.aws.amazon.com/linux/"
SUPPORT_URL="https://aws.amazon.com/premiumsupport/"
BUG_REPORT_URL="https://github.com/amazonlinux/amazon-linux-2023"
VENDOR_NAME="AWS"
VENDOR_URL="https://aws.amazon.com/"
SUPPORT_END="2028-03-15"
`,
			want: sdk.OS{Family: "amzn", Name: "Amazon Linux", Version: "2023", PrettyName: "Amazon Linux 2023.4.20240611"},
		},
		{
			name: "Amazon Linux 2",
			in: `NAME="Amazon Linux"
VERSION="2"
ID="amzn"
ID_LIKE="centos rhel fedora"
VERSION_ID="2"
PRETTY_NAME="Amazon Linux 2"
ANSI_COLOR="0;33"
CPE_NAME="cpe:2.3:o:amazon:amazon_linux:2"
HOME_URL="https://amazonlinux.com/"
SUPPORT_END="2025-06-30"
`,
			want: sdk.OS{Family: "amzn", Name: "Amazon Linux", Version: "2", PrettyName: "Amazon Linux 2"},
		},
		{
			name: "openSUSE Leap 15.5",
			in: `NAME="openSUSE Leap"
VERSION="15.5"
ID="opensuse-leap"
ID_LIKE="suse opensuse"
VERSION_ID="15.5"
PRETTY_NAME="openSUSE Leap 15.5"
ANSI_COLOR="0;32"
CPE_NAME="cpe:/o:opensuse:leap:15.5"
BUG_REPORT_URL="https://bugs.opensuse.org"
HOME_URL="https://www.opensuse.org/"
DOCUMENTATION_URL="https://en.opensuse.org/Portal:Leap"
LOGO="distributor-logo-Leap"
`,
			want: sdk.OS{Family: "opensuse-leap", Name: "openSUSE Leap", Version: "15.5", PrettyName: "openSUSE Leap 15.5"},
		},
		{
			// Tumbleweed ships comments, including commented-out assignments.
			name: "openSUSE Tumbleweed",
			in: `NAME="openSUSE Tumbleweed"
# VERSION="20240607"
ID="opensuse-tumbleweed"
ID_LIKE="opensuse suse"
VERSION_ID="20240607"
PRETTY_NAME="openSUSE Tumbleweed"
ANSI_COLOR="0;32"
# CPE 2.3 format, boo#1217921
CPE_NAME="cpe:2.3:o:opensuse:tumbleweed:20240607:*:*:*:*:*:*:*"
#CPE 2.2 format
#CPE_NAME="cpe:/o:opensuse:tumbleweed:20240607"
BUG_REPORT_URL="https://bugzilla.opensuse.org"
SUPPORT_URL="https://bugs.opensuse.org"
HOME_URL="https://www.opensuse.org"
DOCUMENTATION_URL="https://en.opensuse.org/Portal:Tumbleweed"
LOGO="distributor-logo-Tumbleweed"
`,
			want: sdk.OS{Family: "opensuse-tumbleweed", Name: "openSUSE Tumbleweed", Version: "20240607", PrettyName: "openSUSE Tumbleweed"},
		},
		{
			name: "Wolfi",
			in: `ID=wolfi
NAME="Wolfi"
PRETTY_NAME="Wolfi"
VERSION_ID="20230201"
HOME_URL="https://wolfi.dev"
`,
			want: sdk.OS{Family: "wolfi", Name: "Wolfi", Version: "20230201", PrettyName: "Wolfi"},
		},
		{
			// gcr.io/distroless/static-debian12: Debian's ID with distroless's own names.
			name: "distroless",
			in: `PRETTY_NAME="Distroless"
NAME="Debian GNU/Linux"
ID="debian"
VERSION_ID="12"
VERSION="Debian GNU/Linux 12 (bookworm)"
HOME_URL="https://github.com/GoogleContainerTools/distroless"
SUPPORT_URL="https://github.com/GoogleContainerTools/distroless/blob/master/README.md"
BUG_REPORT_URL="https://github.com/GoogleContainerTools/distroless/issues/new"
`,
			want: sdk.OS{Family: "debian", Name: "Debian GNU/Linux (distroless)", Version: "12", PrettyName: "Distroless"},
		},
		{
			// gcr.io/distroless/base-debian11, the same form one release earlier.
			name: "distroless Debian 11",
			in: `PRETTY_NAME="Distroless"
NAME="Debian GNU/Linux"
ID="debian"
VERSION_ID="11"
VERSION="Debian GNU/Linux 11 (bullseye)"
HOME_URL="https://github.com/GoogleContainerTools/distroless"
SUPPORT_URL="https://github.com/GoogleContainerTools/distroless/blob/master/README.md"
BUG_REPORT_URL="https://github.com/GoogleContainerTools/distroless/issues/new"
`,
			want: sdk.OS{Family: "debian", Name: "Debian GNU/Linux (distroless)", Version: "11", PrettyName: "Distroless"},
		},
		{
			name: "Ubuntu 24.04",
			in: `PRETTY_NAME="Ubuntu 24.04.1 LTS"
NAME="Ubuntu"
VERSION_ID="24.04"
VERSION="24.04.1 LTS (Noble Numbat)"
VERSION_CODENAME=noble
ID=ubuntu
ID_LIKE=debian
HOME_URL="https://www.ubuntu.com/"
SUPPORT_URL="https://help.ubuntu.com/"
BUG_REPORT_URL="https://bugs.launchpad.net/ubuntu/"
PRIVACY_POLICY_URL="https://www.ubuntu.com/legal/terms-and-policies/privacy-policy"
UBUNTU_CODENAME=noble
LOGO=ubuntu-logo
`,
			want: sdk.OS{Family: "ubuntu", Name: "Ubuntu", Version: "24.04", PrettyName: "Ubuntu 24.04.1 LTS", Codename: "noble"},
		},
		{
			name: "CentOS Linux 7",
			in: `NAME="CentOS Linux"
VERSION="7 (Core)"
ID="centos"
ID_LIKE="rhel fedora"
VERSION_ID="7"
PRETTY_NAME="CentOS Linux 7 (Core)"
ANSI_COLOR="0;31"
CPE_NAME="cpe:/o:centos:centos:7"
HOME_URL="https://www.centos.org/"
BUG_REPORT_URL="https://bugs.centos.org/"

CENTOS_MANTISBT_PROJECT="CentOS-7"
CENTOS_MANTISBT_PROJECT_VERSION="7"
REDHAT_SUPPORT_PRODUCT="centos"
REDHAT_SUPPORT_PRODUCT_VERSION="7"

`,
			want: sdk.OS{Family: "centos", Name: "CentOS Linux", Version: "7", PrettyName: "CentOS Linux 7 (Core)"},
		},
		{
			name: "CentOS Stream 9",
			in: `NAME="CentOS Stream"
VERSION="9"
ID="centos"
ID_LIKE="rhel fedora"
VERSION_ID="9"
PLATFORM_ID="platform:el9"
PRETTY_NAME="CentOS Stream 9"
ANSI_COLOR="0;31"
LOGO="fedora-logo-icon"
CPE_NAME="cpe:/o:centos:centos:9"
HOME_URL="https://centos.org/"
BUG_REPORT_URL="https://issues.redhat.com/"
REDHAT_SUPPORT_PRODUCT="Red Hat Enterprise Linux 9"
REDHAT_SUPPORT_PRODUCT_VERSION="CentOS Stream"
`,
			want: sdk.OS{Family: "centos", Name: "CentOS Stream", Version: "9", PrettyName: "CentOS Stream 9"},
		},
		{
			name: "AlmaLinux 9",
			in: `NAME="AlmaLinux"
VERSION="9.4 (Seafoam Ocelot)"
ID="almalinux"
ID_LIKE="rhel centos fedora"
VERSION_ID="9.4"
PLATFORM_ID="platform:el9"
PRETTY_NAME="AlmaLinux 9.4 (Seafoam Ocelot)"
ANSI_COLOR="0;34"
LOGO="fedora-logo-icon"
CPE_NAME="cpe:/o:almalinux:almalinux:9::baseos"
HOME_URL="https://almalinux.org/"
DOCUMENTATION_URL="https://wiki.almalinux.org/"
BUG_REPORT_URL="https://bugs.almalinux.org/"

ALMALINUX_MANTISBT_PROJECT="AlmaLinux-9"
ALMALINUX_MANTISBT_PROJECT_VERSION="9.4"
REDHAT_SUPPORT_PRODUCT="AlmaLinux"
REDHAT_SUPPORT_PRODUCT_VERSION="9.4"
SUPPORT_END=2032-06-01
`,
			want: sdk.OS{Family: "almalinux", Name: "AlmaLinux", Version: "9.4", PrettyName: "AlmaLinux 9.4 (Seafoam Ocelot)"},
		},
		{
			name: "Oracle Linux 9",
			in: `NAME="Oracle Linux Server"
VERSION="9.3"
ID="ol"
ID_LIKE="fedora"
VARIANT="Server"
VARIANT_ID="server"
VERSION_ID="9.3"
PLATFORM_ID="platform:el9"
PRETTY_NAME="Oracle Linux Server 9.3"
ANSI_COLOR="0;31"
CPE_NAME="cpe:/o:oracle:linux:9:3:server"
HOME_URL="https://linux.oracle.com/"
BUG_REPORT_URL="https://github.com/oracle/oracle-linux"

ORACLE_BUGZILLA_PRODUCT="Oracle Linux 9"
ORACLE_BUGZILLA_PRODUCT_VERSION=9.3
ORACLE_SUPPORT_PRODUCT="Oracle Linux"
ORACLE_SUPPORT_PRODUCT_VERSION=9.3
`,
			want: sdk.OS{Family: "ol", Name: "Oracle Linux Server", Version: "9.3", PrettyName: "Oracle Linux Server 9.3"},
		},
		{
			// Fedora sets VERSION_CODENAME, empty.
			name: "Fedora 40 container",
			in: `NAME="Fedora Linux"
VERSION="40 (Container Image)"
ID=fedora
VERSION_ID=40
VERSION_CODENAME=""
PLATFORM_ID="platform:f40"
PRETTY_NAME="Fedora Linux 40 (Container Image)"
ANSI_COLOR="0;38;2;60;110;180"
LOGO=fedora-logo-icon
CPE_NAME="cpe:/o:fedoraproject:fedora:40"
DEFAULT_HOSTNAME="fedora"
HOME_URL="https://fedoraproject.org/"
DOCUMENTATION_URL="https://docs.fedoraproject.org/en-US/fedora/f40/system-administrators-guide/"
SUPPORT_URL="https://ask.fedoraproject.org/"
BUG_REPORT_URL="https://bugzilla.redhat.com/"
REDHAT_BUGZILLA_PRODUCT="Fedora"
REDHAT_BUGZILLA_PRODUCT_VERSION=40
REDHAT_SUPPORT_PRODUCT="Fedora"
REDHAT_SUPPORT_PRODUCT_VERSION=40
SUPPORT_END=2025-05-13
VARIANT="Container Image"
VARIANT_ID=container
`,
			want: sdk.OS{Family: "fedora", Name: "Fedora Linux", Version: "40", PrettyName: "Fedora Linux 40 (Container Image)"},
		},
		{
			// registry.suse.com/bci/bci-base:15.5
			name: "SUSE Linux Enterprise Server 15 SP5",
			in: `NAME="SLES"
VERSION="15-SP5"
VERSION_ID="15.5"
PRETTY_NAME="SUSE Linux Enterprise Server 15 SP5"
ID="sles"
ID_LIKE="suse"
ANSI_COLOR="0;32"
CPE_NAME="cpe:/o:suse:sles:15:sp5"
DOCUMENTATION_URL="https://documentation.suse.com/"
`,
			want: sdk.OS{Family: "sles", Name: "SLES", Version: "15.5", PrettyName: "SUSE Linux Enterprise Server 15 SP5"},
		},
		{
			name: "Chainguard",
			in: `ID=chainguard
NAME="Chainguard"
PRETTY_NAME="Chainguard"
VERSION_ID="20230214"
HOME_URL="https://chainguard.dev/"
`,
			want: sdk.OS{Family: "chainguard", Name: "Chainguard", Version: "20230214", PrettyName: "Chainguard"},
		},
		{
			name: "CBL-Mariner 2.0",
			in: `NAME="Common Base Linux Mariner"
VERSION="2.0.20220226"
ID=mariner
VERSION_ID="2.0"
PRETTY_NAME="CBL-Mariner/Linux"
ANSI_COLOR="1;34"
HOME_URL="https://aka.ms/cbl-mariner"
`,
			want: sdk.OS{Family: "mariner", Name: "Common Base Linux Mariner", Version: "2.0", PrettyName: "CBL-Mariner/Linux"},
		},
		{
			name: "Azure Linux 3.0",
			in: `NAME="Microsoft Azure Linux"
VERSION="3.0.20240727"
ID=azurelinux
VERSION_ID="3.0"
PRETTY_NAME="Microsoft Azure Linux 3.0"
ANSI_COLOR="1;34"
HOME_URL="https://aka.ms/azurelinux"
`,
			want: sdk.OS{Family: "azurelinux", Name: "Microsoft Azure Linux", Version: "3.0", PrettyName: "Microsoft Azure Linux 3.0"},
		},
		{
			name: "no ID: os-release(5) says linux",
			in:   "NAME=\"Some Linux\"\nVERSION_ID=1\n",
			want: sdk.OS{Family: "linux", Name: "Some Linux", Version: "1"},
		},
		{
			name: "upper-case ID is lower-cased",
			in:   "ID=\"CentOS\"\nVERSION_ID=\"7\"\n",
			want: sdk.OS{Family: "centos", Version: "7"},
		},
		{
			name: "CRLF line ends, no final newline",
			in:   "ID=alpine\r\nVERSION_ID=3.20.3\r\nPRETTY_NAME=\"Alpine Linux v3.20\"\r\nNAME=Alpine",
			want: sdk.OS{Family: "alpine", Name: "Alpine", Version: "3.20.3", PrettyName: "Alpine Linux v3.20"},
		},
		{
			name: "multi-line value: line breaks become spaces; control characters drop the field",
			in:   "ID=x\nPRETTY_NAME=\"one\ntwo\"\nNAME=\"bell\a\"\n",
			want: sdk.OS{Family: "x", PrettyName: "one two"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.want.Source = "usr/lib/os-release"
			got, err := Parse("usr/lib/os-release", strings.NewReader(tt.in))
			if err != nil {
				t.Fatal(err)
			}
			if *got != tt.want {
				t.Errorf("got  %+v\nwant %+v", *got, tt.want)
			}
			res := sdk.AnalysisResult{OS: got}
			if err := res.Validate(); err != nil {
				t.Errorf("result does not validate: %v", err)
			}
		})
	}
}

// TestQuoting covers the shell-style syntax, variable by variable.
func TestQuoting(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want map[string]string
	}{
		{"unquoted", "A=abc", map[string]string{"A": "abc"}},
		{"double", `A="a b c"`, map[string]string{"A": "a b c"}},
		{"single", `A='a b c'`, map[string]string{"A": "a b c"}},
		{"empty", "A=\nB=\"\"\nC=''", map[string]string{"A": "", "B": "", "C": ""}},
		{"single quotes are literal", `A='a\"$b'`, map[string]string{"A": `a\"$b`}},
		{"double-quote escapes", `A="q\" b\\ t\` + "`" + ` d\$"`, map[string]string{"A": "q\" b\\ t` d$"}},
		{"other backslashes stay in double quotes", `A="a\nb\x"`, map[string]string{"A": `a\nb\x`}},
		{"unquoted escapes", `A=a\ b\"c\\d`, map[string]string{"A": `a b"c\d`}},
		{"quote characters inside the other quotes", `A="it's"` + "\n" + `B='say "hi"'`, map[string]string{"A": "it's", "B": `say "hi"`}},
		{"UTF-8", `A="Debian GNU/Linux — ünïcode"`, map[string]string{"A": "Debian GNU/Linux — ünïcode"}},
		{"concatenation", `A="x"'y'z`, map[string]string{"A": "xyz"}},
		{"line continuation unquoted", "A=a\\\nb\nB=c", map[string]string{"A": "ab", "B": "c"}},
		{"line continuation in double quotes", "A=\"a\\\nb\"", map[string]string{"A": "ab"}},
		{"newline inside quotes", "A=\"a\nb\"\nB='c\nd'", map[string]string{"A": "a\nb", "B": "c\nd"}},
		{"comments and blank lines", "# c\n\n  # indented\n; semicolon\nA=1\n\n#B=2\n", map[string]string{"A": "1"}},
		{"comment continued by backslash", "# c \\\nA=1\nB=2", map[string]string{"B": "2"}},
		{"comment after a value", "A=1 # one\nB=\"2\" # two\nC= # nothing\nD=#4", map[string]string{"A": "1", "B": "2", "C": "", "D": "#4"}},
		{"whitespace", "  A = 1  \n\tB=\t\"two\"\t\nC=x y  ", map[string]string{"A": "1", "B": "two", "C": "x y"}},
		{"later wins", "A=1\nA=2", map[string]string{"A": "2"}},
		{"not assignments", "[section]\n/ # cat /etc/os-release\nexport A=1\n1A=2\nA-B=3\n=4\nOK_1=5", map[string]string{"OK_1": "5"}},
		{"unterminated quote takes the rest", "A=\"abc\nB=1", map[string]string{"A": "abc\nB=1"}},
		{"trailing backslash", "A=abc\\", map[string]string{"A": "abc"}},
		{"equals in value", "A=a=b", map[string]string{"A": "a=b"}},
		{"lower-case keys are valid", "id=1", map[string]string{"id": "1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			vars := parseVars([]byte(tt.in))
			got := map[string]string{}
			for k, v := range vars {
				got[k] = v.value
			}
			if len(got) != len(tt.want) {
				t.Fatalf("got %q, want %q", got, tt.want)
			}
			for k, v := range tt.want {
				if g, ok := got[k]; !ok || g != v {
					t.Errorf("%s: got %q, want %q (all: %q)", k, g, v, got)
				}
			}
		})
	}
}

func TestErrors(t *testing.T) {
	tests := []struct {
		name   string
		parse  func(string, io.Reader) (*sdk.OS, error)
		in     io.Reader
		errMsg string
	}{
		{"empty", Parse, strings.NewReader(""), "etc/os-release: not an os-release file: no variable assignments"},
		{"only comments", Parse, strings.NewReader("# nothing\n\n"), "etc/os-release: not an os-release file: no variable assignments"},
		{"binary", Parse, strings.NewReader("\x7fELF\x02\x01\x01\x00"), "etc/os-release: not an os-release file: no variable assignments"},
		{"too big", Parse, strings.NewReader("ID=x\n" + strings.Repeat("#", MaxSize)), "etc/os-release: larger than 65536 bytes, refused"},
		{"bad ID", Parse, strings.NewReader("NAME=x\nID=\"two words\"\n"), `etc/os-release:2: ID="two words": want lower-case letters, digits, '.', '_' and '-'`},
		{"read error", Parse, iotest.ErrReader(errors.New("boom")), "etc/os-release: boom"},
		{"alpine-release empty", ParseAlpineRelease, strings.NewReader("\n"), "etc/os-release: not an alpine-release file: no version"},
		{"alpine-release two lines", ParseAlpineRelease, strings.NewReader("3.20.3\n3.20.4\n"), "etc/os-release:2: not an alpine-release file: a second line after the version on line 1"},
		{"alpine-release not a version", ParseAlpineRelease, strings.NewReader("Welcome to Alpine\n"), `etc/os-release:1: not an alpine-release file: "Welcome to Alpine" is not a version`},
		{"alpine-release too big", ParseAlpineRelease, strings.NewReader(strings.Repeat("3", MaxAlpineReleaseSize+1)), "etc/os-release: larger than 4096 bytes, refused"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o, err := tt.parse("etc/os-release", tt.in)
			if err == nil || err.Error() != tt.errMsg {
				t.Errorf("got %+v, %v; want error %q", o, err, tt.errMsg)
			}
		})
	}
}

func TestAlpineRelease(t *testing.T) {
	for in, want := range map[string]string{
		"3.20.3\n":                   "3.20.3",
		"3.20.3":                     "3.20.3",
		"\n 3.21_alpha20240807 \n\n": "3.21_alpha20240807",
		"3.14.0_rc1\r\n":             "3.14.0_rc1",
	} {
		got, err := ParseAlpineRelease("etc/alpine-release", strings.NewReader(in))
		if err != nil {
			t.Errorf("%q: %v", in, err)
			continue
		}
		if w := (sdk.OS{Family: "alpine", Name: "Alpine Linux", Version: want, Source: "etc/alpine-release"}); *got != w {
			t.Errorf("%q: got %+v, want %+v", in, got, w)
		}
	}
}

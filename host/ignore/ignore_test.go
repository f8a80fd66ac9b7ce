package ignore_test

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/trawlscan/trawl/host/ignore"
	"github.com/trawlscan/trawl/sdk"
)

// now is well before every expiry in the test files.
var now = time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)

func parse(t *testing.T, src string) *ignore.List {
	t.Helper()
	l, err := ignore.Parse("test.yaml", []byte(src))
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	return l
}

func vuln(purl string, ids []string, paths ...string) sdk.Vulnerability {
	v := sdk.Vulnerability{IDs: ids, Package: sdk.PackageRef{PURL: purl}}
	if len(ids) > 0 {
		v.ID = ids[0]
	}
	for _, p := range paths {
		v.Locations = append(v.Locations, sdk.Location{Path: p})
	}
	return v
}

func TestMatchVulnerability(t *testing.T) {
	t.Parallel()
	const lodash = "pkg:npm/lodash@4.17.20"
	tests := []struct {
		name  string
		entry string // one entry's fields, without reason
		v     sdk.Vulnerability
		want  bool
	}{
		{"id equals ID", "id: CVE-2023-0464", vuln(lodash, []string{"CVE-2023-0464"}), true},
		{"id equals an alias", "id: GHSA-aaaa-bbbb-cccc", vuln(lodash, []string{"CVE-2023-0464", "GHSA-aaaa-bbbb-cccc"}), true},
		{"id ignores case", "id: cve-2023-0464", vuln(lodash, []string{"CVE-2023-0464"}), true},
		{"id in ID only", "id: CVE-1", sdk.Vulnerability{ID: "CVE-1"}, true},
		{"id differs", "id: CVE-2023-0465", vuln(lodash, []string{"CVE-2023-0464"}), false},
		{"id is not a prefix", "id: CVE-2023-046", vuln(lodash, []string{"CVE-2023-0464"}), false},

		{"purl exact", "purl: pkg:npm/lodash@4.17.20", vuln(lodash, []string{"X"}), true},
		{"purl versionless", "purl: pkg:npm/lodash", vuln(lodash, []string{"X"}), true},
		{"purl other version", "purl: pkg:npm/lodash@4.17.21", vuln(lodash, []string{"X"}), false},
		{"purl other name", "purl: pkg:npm/lodash-es", vuln(lodash, []string{"X"}), false},
		{"purl other type", "purl: pkg:pypi/lodash", vuln(lodash, []string{"X"}), false},
		{"purl scoped npm", "purl: pkg:npm/%40babel/core", vuln("pkg:npm/%40babel/core@7.0.0", []string{"X"}), true},
		{"purl namespace differs", "purl: pkg:npm/%40other/core", vuln("pkg:npm/%40babel/core@7.0.0", []string{"X"}), false},
		{"purl qualifiers of the finding ignored", "purl: pkg:deb/debian/openssl@3.0.11-1",
			vuln("pkg:deb/debian/openssl@3.0.11-1?arch=amd64&distro=debian-12", []string{"X"}), true},
		{"purl qualifier given and equal", "purl: pkg:deb/debian/openssl?arch=amd64",
			vuln("pkg:deb/debian/openssl@3.0.11-1?arch=amd64&distro=debian-12", []string{"X"}), true},
		{"purl qualifier given and different", "purl: pkg:deb/debian/openssl?arch=arm64",
			vuln("pkg:deb/debian/openssl@3.0.11-1?arch=amd64&distro=debian-12", []string{"X"}), false},
		{"purl qualifier given, absent from finding", "purl: pkg:deb/debian/openssl?arch=amd64",
			vuln("pkg:deb/debian/openssl@3.0.11-1", []string{"X"}), false},
		{"purl normalised: pypi name", "purl: pkg:pypi/Django_Utils", vuln("pkg:pypi/django-utils@1.0", []string{"X"}), true},
		{"purl on a finding without purl", "purl: pkg:npm/lodash", vuln("", []string{"X"}), false},

		{"path doublestar", "path: vendor/**", vuln(lodash, []string{"X"}, "vendor/a/b/package.json"), true},
		{"path doublestar one level", "path: vendor/**", vuln(lodash, []string{"X"}, "vendor/package.json"), true},
		{"path doublestar not a prefix", "path: vendor/**", vuln(lodash, []string{"X"}, "vendored/package.json"), false},
		{"path anchored", "path: vendor/**", vuln(lodash, []string{"X"}, "app/vendor/package.json"), false},
		{"path leading doublestar", "path: '**/package-lock.json'", vuln(lodash, []string{"X"}, "package-lock.json"), true},
		{"path leading doublestar deep", "path: '**/package-lock.json'", vuln(lodash, []string{"X"}, "a/b/c/package-lock.json"), true},
		{"path inner doublestar", "path: 'a/**/x.txt'", vuln(lodash, []string{"X"}, "a/x.txt"), true},
		{"path inner doublestar deep", "path: 'a/**/x.txt'", vuln(lodash, []string{"X"}, "a/b/c/x.txt"), true},
		{"path inner doublestar other file", "path: 'a/**/x.txt'", vuln(lodash, []string{"X"}, "a/b/c/y.txt"), false},
		{"path star stops at slash", "path: 'vendor/*'", vuln(lodash, []string{"X"}, "vendor/a/b"), false},
		{"path star one segment", "path: 'vendor/*.json'", vuln(lodash, []string{"X"}, "vendor/package.json"), true},
		{"path class", "path: 'lib/[a-c]?.so'", vuln(lodash, []string{"X"}, "lib/bz.so"), true},
		{"path leading slash", "path: /usr/lib/**", vuln(lodash, []string{"X"}, "usr/lib/python3/site.py"), true},
		{"path any of the locations", "path: 'b/**'", vuln(lodash, []string{"X"}, "a/1", "b/2"), true},
		{"path without locations", "path: '**'", vuln(lodash, []string{"X"}), false},

		{"all fields match", "id: CVE-2024-1\n    purl: pkg:npm/lodash\n    path: 'app/**'",
			vuln(lodash, []string{"CVE-2024-1"}, "app/package-lock.json"), true},
		{"all fields but the id", "id: CVE-2024-2\n    purl: pkg:npm/lodash\n    path: 'app/**'",
			vuln(lodash, []string{"CVE-2024-1"}, "app/package-lock.json"), false},
		{"all fields but the purl", "id: CVE-2024-1\n    purl: pkg:npm/underscore\n    path: 'app/**'",
			vuln(lodash, []string{"CVE-2024-1"}, "app/package-lock.json"), false},
		{"all fields but the path", "id: CVE-2024-1\n    purl: pkg:npm/lodash\n    path: 'lib/**'",
			vuln(lodash, []string{"CVE-2024-1"}, "app/package-lock.json"), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			l := parse(t, "ignores:\n  - "+tt.entry+"\n    reason: test\n")
			got := l.MatchVulnerability(tt.v, now)
			if (got != nil) != tt.want {
				t.Fatalf("MatchVulnerability = %v, want a match: %v", got, tt.want)
			}
			if got != nil && got.Reason != "test" {
				t.Errorf("Reason = %q", got.Reason)
			}
		})
	}
}

func TestMatchSecret(t *testing.T) {
	t.Parallel()
	secret := func(rule, path string) sdk.Secret {
		return sdk.Secret{RuleID: rule, Location: sdk.Location{Path: path, Line: 3}}
	}
	tests := []struct {
		name  string
		entry string
		s     sdk.Secret
		want  bool
	}{
		{"rule id", "id: aws-access-key-id", secret("aws-access-key-id", "config/app.env"), true},
		{"other rule id", "id: aws-secret-access-key", secret("aws-access-key-id", "config/app.env"), false},
		{"path", "path: 'test/**'", secret("private-key", "test/keys/a.pem"), true},
		{"other path", "path: 'test/**'", secret("private-key", "src/keys/a.pem"), false},
		{"id and path", "id: private-key\n    path: '**/testdata/*.pem'", secret("private-key", "x/testdata/k.pem"), true},
		{"id and path, other rule", "id: github-pat\n    path: '**/testdata/*.pem'", secret("private-key", "x/testdata/k.pem"), false},
		{"a purl never matches a secret", "purl: pkg:npm/lodash", secret("private-key", "node_modules/lodash/k.pem"), false},
		{"a purl with a path never matches a secret", "purl: pkg:npm/lodash\n    path: '**'", secret("private-key", "k.pem"), false},
		{"a vulnerability id does not match a secret", "id: CVE-2023-0464", secret("private-key", "k.pem"), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			l := parse(t, "ignores:\n  - "+tt.entry+"\n    reason: test\n")
			if got := l.MatchSecret(tt.s, now); (got != nil) != tt.want {
				t.Fatalf("MatchSecret = %v, want a match: %v", got, tt.want)
			}
		})
	}
}

func TestFirstMatchWins(t *testing.T) {
	t.Parallel()
	l := parse(t, `ignores:
  - id: CVE-1
    reason: first
    expires: 2020-01-01
  - id: CVE-1
    reason: second
  - id: CVE-1
    reason: third
`)
	got := l.MatchVulnerability(vuln("", []string{"CVE-1"}), now)
	if got == nil || got.Reason != "second" || got.Line != 5 {
		t.Fatalf("got %+v, want the second entry (the first has expired), line 5", got)
	}
}

func TestNilList(t *testing.T) {
	t.Parallel()
	var l *ignore.List
	if l.MatchVulnerability(vuln("", []string{"CVE-1"}), now) != nil || l.MatchSecret(sdk.Secret{RuleID: "x"}, now) != nil || l.Expired(now) != nil {
		t.Fatal("a nil list matched")
	}
}

func TestExpiry(t *testing.T) {
	t.Parallel()
	l := parse(t, `ignores:
  - id: CVE-DATE
    reason: a bare date
    expires: 2027-01-31
  - id: CVE-TIME
    reason: a time
    expires: 2027-01-31T12:00:00+01:00
  - id: CVE-NEVER
    reason: no expiry
`)
	day := time.Date(2027, 1, 31, 0, 0, 0, 0, time.UTC)
	tokyo := time.FixedZone("JST", 9*3600)
	newYork := time.FixedZone("EST", -5*3600)
	tests := []struct {
		name string
		id   string
		now  time.Time
		want bool
	}{
		{"date: the day before", "CVE-DATE", day.Add(-time.Nanosecond), true},
		{"date: the day starts", "CVE-DATE", day, true},
		{"date: midday", "CVE-DATE", day.Add(12 * time.Hour), true},
		{"date: the last instant of the day", "CVE-DATE", day.Add(24*time.Hour - time.Nanosecond), true},
		{"date: the next day", "CVE-DATE", day.Add(24 * time.Hour), false},
		{"date: the next day, later", "CVE-DATE", day.AddDate(1, 0, 0), false},
		// The day is UTC's, whatever the zone of now.
		{"date: Feb 1 in Tokyo is still Jan 31 in UTC", "CVE-DATE", time.Date(2027, 2, 1, 8, 0, 0, 0, tokyo), true},
		{"date: Jan 31 in New York is Feb 1 in UTC", "CVE-DATE", time.Date(2027, 1, 31, 20, 0, 0, 0, newYork), false},
		{"time: the instant itself", "CVE-TIME", time.Date(2027, 1, 31, 11, 0, 0, 0, time.UTC), true},
		{"time: just after", "CVE-TIME", time.Date(2027, 1, 31, 11, 0, 0, 1, time.UTC), false},
		{"never", "CVE-NEVER", time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := l.MatchVulnerability(vuln("", []string{tt.id}), tt.now)
			if (got != nil) != tt.want {
				t.Fatalf("applies at %s: %v, want %v", tt.now, got != nil, tt.want)
			}
			expired := false
			for _, e := range l.Expired(tt.now) {
				if e.ID == tt.id {
					expired = true
				}
			}
			if expired == tt.want {
				t.Errorf("Expired(%s) lists %s: %v, want %v", tt.now, tt.id, expired, !tt.want)
			}
		})
	}
	if got, want := l.Entries[0].Expires, day.Add(24*time.Hour-time.Nanosecond); !got.Equal(want) || got.Location() != time.UTC {
		t.Errorf("Expires of a bare date = %s, want %s", got, want)
	}
	if !l.Entries[2].Expires.IsZero() {
		t.Errorf("Expires without expires: = %s, want zero", l.Entries[2].Expires)
	}
}

func TestExpiredReport(t *testing.T) {
	t.Parallel()
	l, err := ignore.Load(filepath.Join("testdata", "example.trawlignore.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	got := l.Expired(at)
	if len(got) != 1 || got[0].PURL != "pkg:npm/%40babel/core" || got[0].Line != 9 || got[0].Reason != "build-time only, never shipped" {
		t.Fatalf("Expired = %+v, want the babel entry at line 9", got)
	}
	if len(l.Expired(now)) != 0 {
		t.Fatalf("Expired(%s) = %+v, want none", now, l.Expired(now))
	}
}

func TestLoadExample(t *testing.T) {
	t.Parallel()
	l, err := ignore.Load(filepath.Join("testdata", "example.trawlignore.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if l.Source != filepath.Join("testdata", "example.trawlignore.yaml") {
		t.Errorf("Source = %q", l.Source)
	}
	type row struct {
		ID, PURL, Path string
		Line           int
	}
	var got []row
	for _, e := range l.Entries {
		if e.Reason == "" {
			t.Errorf("line %d: empty reason", e.Line)
		}
		got = append(got, row{e.ID, e.PURL, e.Path, e.Line})
	}
	want := []row{
		{"CVE-2023-0464", "", "", 4},
		{"", "pkg:npm/lodash@4.17.20", "", 7},
		{"", "pkg:npm/%40babel/core", "", 9},
		{"", "", "vendor/**", 12},
		{"private-key", "", "**/testdata/*.pem", 14},
		{"CVE-2024-1", "pkg:deb/debian/openssl?arch=amd64", "", 17},
	}
	if len(got) != len(want) {
		t.Fatalf("entries = %+v\nwant %+v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("entry %d = %+v, want %+v", i, got[i], want[i])
		}
	}
	wantExp := time.Date(2026, 6, 30, 16, 0, 0, 0, time.UTC)
	if !l.Entries[2].Expires.Equal(wantExp) {
		t.Errorf("Expires = %s, want %s", l.Entries[2].Expires, wantExp)
	}
}

func TestAnchors(t *testing.T) {
	t.Parallel()
	l, err := ignore.Load(filepath.Join("testdata", "anchors.trawlignore.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if len(l.Entries) != 3 || l.Entries[1].ID != "CVE-2023-0001" || l.Entries[2].Reason != "shared reason" {
		t.Fatalf("entries = %+v", l.Entries)
	}
}

func TestEmpty(t *testing.T) {
	t.Parallel()
	for _, src := range []string{"", "# nothing\n", "ignores:\n", "ignores: []\n", "---\n"} {
		l, err := ignore.Parse("e.yaml", []byte(src))
		if err != nil || l == nil || len(l.Entries) != 0 {
			t.Errorf("Parse(%q) = %+v, %v; want an empty list", src, l, err)
		}
	}
}

func TestLoadMissing(t *testing.T) {
	t.Parallel()
	_, err := ignore.Load(filepath.Join(t.TempDir(), ".trawlignore.yaml"))
	if !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("err = %v, want fs.ErrNotExist", err)
	}
}

func TestLoadTooLarge(t *testing.T) {
	t.Parallel()
	p := filepath.Join(t.TempDir(), "big.yaml")
	if err := os.WriteFile(p, []byte("# "+strings.Repeat("x", 5<<20)+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := ignore.Load(p)
	if err == nil || !strings.Contains(err.Error(), "larger than 4194304 bytes") {
		t.Fatalf("err = %v", err)
	}
}

func TestErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, src, want string
	}{
		{"unknown top-level key", "ignore:\n  - id: x\n    reason: y\n",
			`f.yaml:1: unknown key "ignore" (want ignores)`},
		{"not a mapping", "- id: x\n", `f.yaml:1: the file must be a mapping with an ignores list`},
		{"ignores not a list", "ignores:\n  id: x\n", `f.yaml:2: ignores must be a list`},
		{"entry not a mapping", "ignores:\n  - CVE-1\n", `f.yaml:2: an entry must be a mapping of id, purl, path, reason or expires`},
		{"unknown key", "ignores:\n  - id: x\n    reason: y\n    reasn: z\n",
			`f.yaml:4: unknown key "reasn" (want id, purl, path, reason or expires)`},
		{"no id, purl or path", "ignores:\n  - id: a\n    reason: ok\n  - reason: everything\n",
			`f.yaml:4: an entry needs an id, a purl or a path`},
		{"missing reason", "ignores:\n\n  - id: CVE-1\n    expires: 2027-01-01\n",
			`f.yaml:3: missing reason: say why the finding is accepted`},
		{"empty reason", "ignores:\n  - id: CVE-1\n    reason: '  '\n", `f.yaml:3: reason is empty`},
		{"null id", "ignores:\n  - id:\n    reason: r\n", `f.yaml:2: id is empty`},
		{"bad date", "ignores:\n  - id: CVE-1\n    reason: r\n    expires: 2027-02-30\n",
			`f.yaml:4: bad expires "2027-02-30": want a date (YYYY-MM-DD) or an RFC 3339 time`},
		{"bad date format", "ignores:\n  - id: CVE-1\n    reason: r\n    expires: 31/01/2027\n",
			`f.yaml:4: bad expires "31/01/2027": want a date (YYYY-MM-DD) or an RFC 3339 time`},
		{"bad purl", "ignores:\n  - purl: npm/lodash\n    reason: r\n",
			`f.yaml:2: bad purl "npm/lodash": purl scheme is not "pkg": "npm/lodash"`},
		{"bad purl type", "ignores:\n  - purl: pkg:n%20pm/lodash\n    reason: r\n",
			`f.yaml:2: bad purl "pkg:n%20pm/lodash": invalid type "n%20pm"`},
		{"bad glob", "ignores:\n  - path: 'vendor/[a-'\n    reason: r\n",
			`f.yaml:2: bad path glob "vendor/[a-": syntax error in pattern`},
		{"empty glob segment", "ignores:\n  - path: 'vendor//x'\n    reason: r\n",
			`f.yaml:2: bad path glob "vendor//x": empty path segment`},
		{"id not a string", "ignores:\n  - id: [a, b]\n    reason: r\n",
			`f.yaml:2: id must be a string`},
		{"duplicate key", "ignores:\n  - id: a\n    id: b\n    reason: r\n", `f.yaml:3: duplicate key "id"`},
		{"yaml syntax", "ignores:\n  - id: a\n    reason: r: s\n", `f.yaml:3: mapping values are not allowed in this context`},
		{"two documents", "ignores: []\n---\nignores: []\n", `f.yaml:2: only one YAML document is allowed`},
		{"several errors, all reported", "ignores:\n  - id: CVE-1\n  - purl: 'pkg:'\n    reason: r\n",
			"f.yaml:2: missing reason: say why the finding is accepted\n" +
				`f.yaml:3: bad purl "pkg:": purl is missing type or name`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			l, err := ignore.Parse("f.yaml", []byte(tt.src))
			if err == nil {
				t.Fatalf("Parse = %+v, want error %q", l, tt.want)
			}
			if err.Error() != tt.want {
				t.Fatalf("error:\n%s\nwant:\n%s", err, tt.want)
			}
			var e *ignore.Error
			if !errors.As(err, &e) || e.Source != "f.yaml" || e.Line == 0 {
				t.Errorf("error %#v is not an *ignore.Error with a line", err)
			}
		})
	}
}

func TestErrorsFile(t *testing.T) {
	t.Parallel()
	_, err := ignore.Load(filepath.Join("testdata", "errors.trawlignore.yaml"))
	src := filepath.Join("testdata", "errors.trawlignore.yaml")
	want := strings.Join([]string{
		src + ":2: missing reason: say why the finding is accepted",
		src + `:3: bad purl "pkg:": purl is missing type or name`,
		src + `:5: bad path glob "vendor/[a-": syntax error in pattern`,
		src + `:8: bad expires "2027-02-30": want a date (YYYY-MM-DD) or an RFC 3339 time`,
		src + ":7: an entry needs an id, a purl or a path",
		src + `:10: unknown key "reson" (want id, purl, path, reason or expires)`,
		src + ":9: missing reason: say why the finding is accepted",
	}, "\n")
	if err == nil || err.Error() != want {
		t.Fatalf("error:\n%v\nwant:\n%s", err, want)
	}
}

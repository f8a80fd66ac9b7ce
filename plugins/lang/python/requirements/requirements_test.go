package requirements

import (
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/trawlscan/trawl/plugins/lang/internal/langtest"
)

const path = "requirements.txt"

// parse renders a parse compactly: "name@version:line" for packages, with "+indirect", and
// the problems.
func parse(t *testing.T, in string) (pkgs, problems []string) {
	t.Helper()
	res, err := Parse(path, strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range res.Packages {
		s := fmt.Sprintf("%s@%s:%d", p.Name, p.Version, p.Locations[0].Line)
		if p.Indirect {
			s += "+indirect"
		}
		pkgs = append(pkgs, s)
	}
	for _, p := range res.Problems {
		problems = append(problems, strings.TrimPrefix(p.Error(), path+":"))
	}
	return pkgs, problems
}

func TestParse(t *testing.T) {
	for _, tt := range []struct {
		name     string
		in       string
		pkgs     []string
		problems []string
	}{
		{name: "empty"},
		{name: "pins", in: "a==1\nb === 2.0\nc[x,y]==3 ; python_version < '3.8'\nD (==4)\n",
			pkgs: []string{"a@1:1", "b@2.0:2", "c@3:3", "D@4:4"}},
		{name: "comments", in: "# c\na==1 # trailing\nb==2#not-a-comment\n  # indented\n",
			pkgs:     []string{"a@1:2"},
			problems: []string{`3: invalid requirement "b==2#not-a-comment": version "2#not-a-comment" has a character PEP 440 does not allow: '#'`}},
		{name: "continuations", in: "a==\\\n1.0\n\nb==2 \\\n  --hash=sha256:x \\\n  --hash=sha256:y\nc==3\n",
			pkgs: []string{"a@1.0:1", "b@2:4", "c@3:7"}},
		{name: "a comment line ends a continuation", in: "a==1 \\\n# comment \\\nb==2\n",
			pkgs: []string{"a@1:1", "b@2:3"}},
		{name: "continuation to the end", in: "a==1 \\", pkgs: []string{"a@1:1"}},
		{name: "CRLF and BOM", in: "\ufeffa==1\r\nb==2 \\\r\n --hash=sha256:x\r\n", pkgs: []string{"a@1:1", "b@2:2"}},
		{name: "unresolved", in: "a\nb>=1\nc==1.*\nd~=1.0\ne==1,==2\n",
			problems: []string{"1: unresolved: a (no version)", "2: unresolved: b>=1 (not pinned)",
				"3: unresolved: c==1.* (not pinned: wildcard)", "4: unresolved: d~=1.0 (not pinned)", "5: unresolved: e==1,==2 (pinned to two versions)"}},
		{name: "URLs and paths", in: "https://x/y.whl\ngit+https://u:tok@github.com/o/r.git#egg=r\n./lib\n../x.tar.gz\nfoo-1.0-py3-none-any.whl\nr @ https://x/r.zip\n/abs/path\n",
			problems: []string{"1: unresolved: https://x/y.whl (URL)", "2: unresolved: git+https://***@github.com/o/r.git#egg=r (URL)",
				"3: unresolved: ./lib (local path)", "4: unresolved: ../x.tar.gz (local path)",
				"5: unresolved: foo-1.0-py3-none-any.whl (local path)", "6: unresolved: r @ https://x/r.zip (direct URL reference)",
				"7: unresolved: /abs/path (local path)"}},
		{name: "environment variables", in: "a==${VERSION}\nb==1 # ${NOT_READ}\n",
			pkgs:     []string{"b@1:2"},
			problems: []string{"1: unresolved: a==${VERSION} (depends on the environment variable ${VERSION})"}},
		{name: "options", in: "-i https://pypi.org/simple\n--extra-index-url=https://x\n--no-index\n-f ./wheels\n--pre\n--trusted-host x\n--require-hashes\n-r base.txt\n--requirement=other.txt\n-rthird.txt\n-c constraints.txt\n-e .\n--editable git+https://x#egg=y\n--bogus\n--hash=sha256:x\n-r\n",
			problems: []string{
				"8: -r base.txt: included requirements file not followed (it is analyzed on its own when the selectors pick it)",
				"9: -r other.txt: included requirements file not followed (it is analyzed on its own when the selectors pick it)",
				"10: -r third.txt: included requirements file not followed (it is analyzed on its own when the selectors pick it)",
				"11: -c constraints.txt: constraints file not followed (constraints pin versions without asking for packages)",
				"12: unresolved: -e . (editable install)",
				"13: unresolved: -e git+https://x#egg=y (editable install)",
				"14: unknown option --bogus ignored",
				"15: option --hash without a requirement ignored",
				"16: option -r without a value ignored",
			}},
		{name: "per-requirement options", in: "a==1 --hash sha256:x -C k=v --global-option=x\nb==2 --index-url x\nc==3 --what\n",
			pkgs:     []string{"a@1:1", "b@2:2", "c@3:3"},
			problems: []string{"2: option --index-url is not allowed after a requirement, ignored", "3: unknown option --what ignored"}},
		{name: "invalid", in: "==1\na 1\na==\n",
			problems: []string{`1: invalid requirement "==1": no project name at "==1"`, `2: invalid requirement "a 1": unexpected "1" after the name`,
				`3: invalid requirement "a==": no version after "=="`}},
		{name: "duplicates are one package", in: "a==1\nA==1\na==2\n", pkgs: []string{"a@1:1", "a@2:3"}},
		{name: "pip-compile annotations", in: "a==1\n    # via -r requirements.in\nb==2\n    # via\n    #   a\n    #   -c constraints.txt\nc==3\n    # via\n    #   -c constraints.txt\nd==4\n    # via proj (pyproject.toml)\ne==5\n    # via a\n\n# via nothing\nf==6\ng==7  # via a, b\nh==8  # via -r requirements.in, a\n",
			pkgs: []string{"a@1:1", "b@2:3+indirect", "c@3:7", "d@4:10", "e@5:12+indirect", "f@6:16", "g@7:17+indirect", "h@8:18"}},
		{name: "annotations of a duplicate", in: "a==1\n    # via b\na==1\n    # via -r requirements.in\nc==1\n    # via d\nc==1\n    # via e\n",
			pkgs: []string{"a@1:1", "c@1:5+indirect"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			pkgs, problems := parse(t, tt.in)
			if strings.Join(pkgs, " ") != strings.Join(tt.pkgs, " ") {
				t.Errorf("packages:\n got %q\nwant %q", pkgs, tt.pkgs)
			}
			if strings.Join(problems, "\n") != strings.Join(tt.problems, "\n") {
				t.Errorf("problems:\n got %q\nwant %q", problems, tt.problems)
			}
		})
	}
}

func TestLongLines(t *testing.T) {
	// Lines longer than the read buffer but within maxLine are read whole.
	hashes := strings.Repeat(" --hash=sha256:"+strings.Repeat("0", 64), 100) // 8 KB
	if pkgs, problems := parse(t, "a==1"+hashes+"\nb==2"+hashes); strings.Join(pkgs, " ") != "a@1:1 b@2:2" || len(problems) > 0 {
		t.Errorf("lines with 100 hashes: %q, %q", pkgs, problems)
	}
	long := strings.Repeat("x", maxLine+10)
	pkgs, problems := parse(t, "a==1\n"+long+"\nb==2\n# "+long+"\nc==3 \\\n"+long+"\nd==4\n")
	if strings.Join(pkgs, " ") != "a@1:1 b@2:3 d@4:7" {
		t.Errorf("packages %q", pkgs)
	}
	want := []string{"2: line longer than 65536 bytes, skipped", "4: line longer than 65536 bytes, skipped", "6: line longer than 65536 bytes, skipped"}
	if strings.Join(problems, "\n") != strings.Join(want, "\n") {
		t.Errorf("problems:\n got %q\nwant %q", problems, want)
	}
	// Continued lines that add up to too much.
	part := strings.Repeat("y", maxLine/2) + " \\\n"
	pkgs, problems = parse(t, "a==1 \\\n"+part+part+part+"b==2\nc==3\n")
	if strings.Join(pkgs, " ") != "c@3:6" || len(problems) != 1 || problems[0] != "1: continued line longer than 65536 bytes, skipped" {
		t.Errorf("got %q, %q", pkgs, problems)
	}
}

func TestReadError(t *testing.T) {
	r := io.MultiReader(strings.NewReader("a==1\nb==2\n"), iotest.ErrReader(errors.New("disk on fire")))
	if _, err := Parse(path, r); err == nil || err.Error() != path+": line 3: disk on fire" {
		t.Errorf("got %v", err)
	}
}

func TestCorpus(t *testing.T) {
	for _, f := range langtest.Corpus(t, 0, "osv-scanner-v1-pip", "scalibr-requirements") {
		t.Run(f.Name, func(t *testing.T) { langtest.Check(t, Parse, path, "pypi", f.Data) })
	}
}

func FuzzRequirements(f *testing.F) {
	langtest.Seed(f, langtest.Corpus(f, 64<<10, "osv-scanner-v1-pip", "scalibr-requirements"))
	f.Add([]byte("a==1 \\\n\\\n  # via b\n-r\n-e\n--hash\n${X}\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		langtest.Check(t, Parse, path, "pypi", data)
	})
}

// BenchmarkParse measures the corpus fixtures, small files as most are.
func BenchmarkParse(b *testing.B) {
	langtest.Bench(b, Parse, langtest.Corpus(b, 0, "osv-scanner-v1-pip", "scalibr-requirements"))
}

// BenchmarkParseLarge measures a pip-compile output with hashes for 1,000 packages (about
// 400 KB), the size of a large application's lock.
func BenchmarkParseLarge(b *testing.B) {
	var sb strings.Builder
	sb.WriteString("#\n# This file is autogenerated by pip-compile\n#\n")
	for i := range 1000 {
		fmt.Fprintf(&sb, "package-%d==%d.%d.%d \\\n", i, i%7, i%13, i)
		for j := range 3 {
			fmt.Fprintf(&sb, "    --hash=sha256:%064x", i*3+j)
			if j < 2 {
				sb.WriteString(" \\")
			}
			sb.WriteString("\n")
		}
		fmt.Fprintf(&sb, "    # via\n    #   package-%d\n    #   -r requirements.in\n", i/2)
	}
	langtest.Bench(b, Parse, []langtest.Fixture{{Name: path, Data: []byte(sb.String())}})
}

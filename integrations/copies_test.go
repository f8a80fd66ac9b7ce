package integrations

import (
	"os"
	"regexp"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// Where the integrations carry scripts/trawl-ci.sh: copies (a Jenkins library and an
// Azure task are packaged from their own directories), and the templates that embed it
// in a heredoc (a GitLab or Azure template included from another repository cannot read
// this one's files).
var (
	scriptCopies = []string{
		"jenkins/resources/io/trawlscan/trawl/trawl-ci.sh",
		"azure/task/trawl-ci.sh",
	}
	scriptEmbeds = []string{gitlabTemplate, azureTemplate}
)

const heredocEnd = "TRAWL_CI_SH_EOF"

var heredocStart = regexp.MustCompile(`(?m)^( *)cat >"\$TRAWL_CI_SH" <<'` + heredocEnd + `'\n`)

// embedded returns the script embedded in a template's YAML text, with the YAML
// indentation taken off, and the byte range of its lines.
func embedded(t testing.TB, text string) (script string, start, end int, indent string) {
	t.Helper()
	m := heredocStart.FindAllStringSubmatchIndex(text, -1)
	if len(m) != 1 {
		t.Fatalf("%d heredocs of trawl-ci.sh, want 1", len(m))
	}
	indent = text[m[0][2]:m[0][3]]
	start = m[0][1]
	end = -1
	for i := start; i < len(text); {
		n := strings.IndexByte(text[i:], '\n')
		if n < 0 {
			break
		}
		if text[i:i+n] == indent+heredocEnd {
			end = i
			break
		}
		i += n + 1
	}
	if end < 0 {
		t.Fatalf("no %s line after the heredoc's start", heredocEnd)
	}
	var b strings.Builder
	for _, line := range strings.SplitAfter(text[start:end], "\n") {
		if line == "" {
			continue
		}
		if line != "\n" && !strings.HasPrefix(line, indent) {
			t.Fatalf("embedded line not indented as the heredoc: %q", line)
		}
		b.WriteString(strings.TrimPrefix(line, indent))
	}
	return b.String(), start, end, indent
}

// embed returns text with the heredoc's body replaced by script.
func embed(t testing.TB, text, script string) string {
	t.Helper()
	_, start, end, indent := embedded(t, text)
	var b strings.Builder
	for _, line := range strings.SplitAfter(script, "\n") {
		switch line {
		case "":
		case "\n":
			b.WriteString("\n")
		default:
			b.WriteString(indent + line)
		}
	}
	return text[:start] + b.String() + text[end:]
}

// heredocIn returns the body of the heredoc in a script item as the YAML parser gives it
// to GitLab or Azure: what the shell will write to the file.
func heredocIn(t testing.TB, item string) string {
	t.Helper()
	i := strings.Index(item, "<<'"+heredocEnd+"'\n")
	if i < 0 {
		t.Fatalf("no heredoc in %q", item)
	}
	body := item[i+len("<<'"+heredocEnd+"'\n"):]
	j := strings.Index(body, "\n"+heredocEnd+"\n")
	if j < 0 {
		t.Fatal("the heredoc does not end")
	}
	return body[:j+1]
}

// TestCopies: every copy and embedding of trawl-ci.sh is the script, byte for byte, as
// the platforms read them. `go test -update ./integrations/` rewrites them.
func TestCopies(t *testing.T) {
	want := string(readFile(t, scriptPath))
	if !strings.HasSuffix(want, "\n") || strings.Contains(want, "\r") {
		t.Fatal("trawl-ci.sh must end with a newline and hold no carriage return")
	}
	for _, line := range strings.Split(want, "\n") {
		if line == heredocEnd || strings.HasSuffix(line, " ") || strings.Contains(line, "\t") {
			t.Fatalf("trawl-ci.sh line %q: no %s line, trailing blanks or tabs (it is embedded in YAML)", line, heredocEnd)
		}
	}
	for _, p := range scriptCopies {
		got, _ := os.ReadFile(p)
		if string(got) == want {
			continue
		}
		if *update {
			if err := os.WriteFile(p, []byte(want), 0o755); err != nil {
				t.Fatal(err)
			}
			continue
		}
		t.Errorf("%s differs from %s: run go test -update ./integrations/", p, scriptPath)
	}
	for _, p := range scriptEmbeds {
		text := string(readFile(t, p))
		if got, _, _, _ := embedded(t, text); got != want {
			if *update {
				text = embed(t, text, want)
				if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
					t.Fatal(err)
				}
			} else {
				t.Errorf("%s embeds another trawl-ci.sh: run go test -update ./integrations/", p)
				continue
			}
		}
		// What the platform reads: the script items of the parsed YAML.
		var doc any
		if err := yaml.Unmarshal([]byte(text), &doc); err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		n := 0
		walkStrings(doc, func(s string) {
			if strings.Contains(s, "<<'"+heredocEnd+"'") {
				n++
				if got := heredocIn(t, s); got != want {
					t.Errorf("%s: the parsed heredoc differs from trawl-ci.sh", p)
				}
			}
		})
		if n == 0 {
			t.Errorf("%s: no script item holds the heredoc", p)
		}
	}
}

// walkStrings calls fn on every string in a decoded YAML document.
func walkStrings(v any, fn func(string)) {
	switch v := v.(type) {
	case string:
		fn(v)
	case []any:
		for _, x := range v {
			walkStrings(x, fn)
		}
	case map[string]any:
		for _, x := range v {
			walkStrings(x, fn)
		}
	}
}

package tomltree

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

// dump renders a tree compactly, with lines, to compare trees in tests.
func dump(v *Value) string {
	switch v.Kind {
	case Table:
		parts := make([]string, len(v.Keys))
		for i, k := range v.Keys {
			parts[i] = k + "=" + dump(v.Vals[i])
		}
		return fmt.Sprintf("{%s}@%d", strings.Join(parts, " "), v.Line)
	case Array:
		parts := make([]string, len(v.Items))
		for i, it := range v.Items {
			parts[i] = dump(it)
		}
		return fmt.Sprintf("[%s]@%d", strings.Join(parts, " "), v.Line)
	case String:
		return fmt.Sprintf("%q@%d", v.Str, v.Line)
	}
	return fmt.Sprintf("%s:%s@%d", v.Kind, v.Str, v.Line)
}

func TestParse(t *testing.T) {
	for _, tt := range []struct {
		name, in, want string
	}{
		{"empty", "", "{}@1"},
		{"comments only", "# a\n\n  # b\n", "{}@1"},
		{"scalars", "s = \"a\\tb\"\nl = 'c:\\d'\ni = 0x1F\nf = 1e3\nb = true\nd = 1979-05-27T07:32:00Z\n",
			`{s="a\tb"@1 l="c:\\d"@2 i=integer:0x1F@3 f=float:1e3@4 b=boolean:true@5 d=date-time:1979-05-27T07:32:00Z@6}@1`},
		{"multi-line string keeps later lines right", "a = \"\"\"\nx\ny = 1\n\"\"\"\nb = 2\n",
			`{a="x\ny = 1\n"@1 b=integer:2@5}@1`},
		{"array of tables and their subtables", "[[p]]\nn = \"a\"\n[p.s]\nk = 1\n\n[[p]]\nn = \"b\"\n[[p.w]]\nu = 1\n[[p.w]]\nu = 2\n",
			`{p=[{n="a"@2 s={k=integer:1@4}@3}@1 {n="b"@7 w=[{u=integer:1@9}@8 {u=integer:2@11}@10]@8}@6]@1}@1`},
		{"implicit table defined later", "[a.b]\nx = 1\n[a]\ny = 2\n",
			`{a={b={x=integer:1@2}@1 y=integer:2@4}@3}@1`},
		{"dotted keys", "a.b = 1\na.c = 2\n[t]\nd.e.f = 3\n",
			`{a={b=integer:1@1 c=integer:2@2}@1 t={d={e={f=integer:3@4}@4}@4}@3}@1`},
		{"inline tables and arrays", "src = { git = \"u\", sub.k = 1 }\ndeps = [\n  { name = \"x\" },\n  { name = \"y\", extra = [\"e\"] },\n]\n",
			`{src={git="u"@1 sub={k=integer:1@1}@1}@1 deps=[{name="x"@3}@3 {name="y"@4 extra=["e"@4]@4}@4]@2}@1`},
		{"quoted keys", "\"a.b\" = 1\n'c' = 2\n", `{a.b=integer:1@1 c=integer:2@2}@1`},
		{"CRLF", "[a]\r\nx = 1\r\ny = 2\r\n", `{a={x=integer:1@2 y=integer:2@3}@1}@1`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			v, err := Parse([]byte(tt.in), Options{})
			if err != nil {
				t.Fatal(err)
			}
			if got := dump(v); got != tt.want {
				t.Errorf("got  %s\nwant %s", got, tt.want)
			}
		})
	}
}

func TestParseErrors(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"this is not toml", "line 1: expected '=' after key"},
		{"a = 1\nb = \n", "line 2: "},
		{"a = 1\na = 2\n", "line 2: key a is defined twice (first on line 1)"},
		{"[a]\n[a]\n", "line 2: table [a] is defined twice"},
		{"a = 1\n[a]\n", "line 2: [a]: key is already defined as an integer"},
		{"a = 1\n[a.b]\n", "line 2: key a is already defined as an integer"},
		{"a = [1]\n[[a]]\n", "line 2: [[a]]: key is already defined as an array"},
		{"[[a]]\n[a]\n", "line 2: [a]: key is already defined as an array of tables"},
		{"a = {x = 1}\n[a.b]\n", "line 2: key a is already defined as an inline table"},
		{"a = {x = 1, x = 2}\n", "line 1: key x is defined twice (first on line 1)"},
		{"a.b = 1\n[a]\n", "line 2: table [a] is defined twice"},
		{"[\"a b\".c]\nx = 1\nx = 2\n", "line 3: key x is defined twice (first on line 2)"},
		{"s = \"unterminated\n", "line 1: "},
		{"a = [1, 2", "line 1: "},
		{"a = 1 b = 2\n", "line 1: "},
	} {
		_, err := Parse([]byte(tt.in), Options{})
		if err == nil || !strings.HasPrefix(err.Error(), tt.want) {
			t.Errorf("Parse(%q) = %v, want an error starting %q", tt.in, err, tt.want)
		}
	}
}

func TestSkip(t *testing.T) {
	in := "top = 1\n[[package]]\nname = \"a\"\nwheels = [{ url = \"x\" }]\n[package.metadata]\nreq = 1\n[package.metadata.dev]\nx = 1\n[[package]]\nname = \"b\"\n[[package.wheels]]\nurl = \"y\"\n"
	var asked []string
	v, err := Parse([]byte(in), Options{Skip: func(p []string) bool {
		asked = append(asked, strings.Join(p, "."))
		return len(p) >= 2 && p[0] == "package" && (p[1] == "wheels" || p[1] == "metadata")
	}})
	if err != nil {
		t.Fatal(err)
	}
	want := `{top=integer:1@1 package=[{name="a"@3}@2 {name="b"@10}@9]@2}@1`
	if got := dump(v); got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
	// Top-level keys are never asked about.
	wantAsked := "package.name package.wheels package.metadata package.metadata.dev package.name package.wheels"
	if got := strings.Join(asked, " "); got != wantAsked {
		t.Errorf("asked %s\n want %s", got, wantAsked)
	}
}

func TestAccessors(t *testing.T) {
	v, err := Parse([]byte("s = \"x\"\ni = 1\nl = [\"a\", 1, \"b\"]\nt = [{a = 1}, 2, {b = 2}]\n"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if s, ok := v.String("s"); !ok || s != "x" {
		t.Errorf("String(s) = %q, %v", s, ok)
	}
	if _, ok := v.String("i"); ok {
		t.Error("String(i) is ok")
	}
	if _, ok := v.String("missing"); ok {
		t.Error("String(missing) is ok")
	}
	if got := v.Strings("l"); strings.Join(got, ",") != "a,b" {
		t.Errorf("Strings(l) = %q", got)
	}
	if got := v.Tables("t"); len(got) != 2 {
		t.Errorf("Tables(t) = %d tables", len(got))
	}
	if v.Get("s").Get("x") != nil || (*Value)(nil).Get("x") != nil || v.Strings("s") != nil || v.Tables("s") != nil {
		t.Error("accessors on non-tables must give nothing")
	}
}

// TestManyKeys covers tables past indexFrom keys, where lookups go through a map.
func TestManyKeys(t *testing.T) {
	var b strings.Builder
	for i := range 100 {
		fmt.Fprintf(&b, "k%d = %d\n", i, i)
	}
	v, err := Parse([]byte(b.String()), Options{})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 100 {
		if got := v.Get(fmt.Sprintf("k%d", i)); got == nil || got.Str != fmt.Sprint(i) || got.Line != i+1 {
			t.Fatalf("k%d = %+v", i, got)
		}
	}
	if _, err := Parse([]byte(b.String()+"k42 = 1\n"), Options{}); err == nil || !strings.Contains(err.Error(), "k42 is defined twice (first on line 43)") {
		t.Errorf("duplicate among many keys: %v", err)
	}
}

func TestParseFile(t *testing.T) {
	if _, err := ParseFile("x.lock", "a x.lock", []byte("\n# only a comment\n"), Options{}); err == nil || err.Error() != "x.lock: empty file, not a x.lock" {
		t.Errorf("got %v", err)
	}
	if _, err := ParseFile("x.lock", "a x.lock", []byte("a = 1\n\n= 2\n"), Options{}); err == nil || !strings.HasPrefix(err.Error(), "x.lock:3: not a x.lock: invalid TOML: ") {
		t.Errorf("got %v", err)
	}
	if _, err := ParseFile("x.lock", "a x.lock", []byte("a = 1\n"), Options{}); err != nil {
		t.Error(err)
	}
}

func TestDeepNesting(t *testing.T) {
	// Nesting is bounded by the parser (10,000 levels), so that a hostile file cannot
	// exhaust the stack; just below the bound the tree is built.
	in := "a = " + strings.Repeat("[", 20000) + strings.Repeat("]", 20000) + "\n"
	if _, err := Parse([]byte(in), Options{}); err == nil {
		t.Error("20,000 nested arrays: no error")
	}
	in = "a = " + strings.Repeat("[", 5000) + strings.Repeat("]", 5000) + "\n"
	if _, err := Parse([]byte(in), Options{}); err != nil {
		t.Error(err)
	}
}

// FuzzTOML feeds the tree builder arbitrary documents: it must not panic, and every value
// it keeps must carry a line of the document.
func FuzzTOML(f *testing.F) {
	for _, s := range []string{
		"[[p]]\nn = \"a\"\n[p.s]\nk = 1\n[[p.w]]\nu = 1\n",
		"a.b = 1\n[a.c]\nx = [1, {y = 2}]\n",
		"s = \"\"\"\nx\n\"\"\"\n[t]\n'q' = 2024-01-01T00:00:00Z\n",
		"[a.b]\n[a]\n[[c]]\n[c.d]\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		v, err := Parse(data, Options{Skip: func(p []string) bool { return p[len(p)-1] == "skip" }})
		if err != nil {
			var te *Error
			if !errors.As(err, &te) {
				t.Fatalf("error of type %T", err)
			}
			return
		}
		lines := strings.Count(string(data), "\n") + 1
		var walk func(*Value)
		walk = func(v *Value) {
			if v.Line < 1 || v.Line > lines {
				t.Fatalf("value %s on line %d of %d", v.Kind, v.Line, lines)
			}
			for _, it := range v.Items {
				walk(it)
			}
			for i, k := range v.Keys {
				if v.Get(k) != v.Vals[i] {
					t.Fatalf("Get(%q) is not the value of the key", k)
				}
				walk(v.Vals[i])
			}
		}
		walk(v)
	})
}

func TestCountNL(t *testing.T) {
	for n := 0; n < 40; n++ {
		for seed := 0; seed < 50; seed++ {
			b := make([]byte, n)
			for i := range b {
				// Bytes near '\n' and high bytes trip naive word tricks.
				b[i] = []byte{'\n', 0x0b, 0x09, 0x8a, 0x00, 0xff, 'x', 0x7f}[(i*7+seed*3+i*i*seed)%8]
			}
			if got, want := countNL(b), strings.Count(string(b), "\n"); got != want {
				t.Fatalf("countNL(%q) = %d, want %d", b, got, want)
			}
		}
	}
}

package jsonindent

import (
	"bytes"
	"encoding/json"
	"math/rand/v2"
	"strings"
	"testing"
)

// encode writes v with an Encoder, indented by encoding/json or through a Writer fed in
// chunks of the given size.
func encode(t testing.TB, v any, prefix, indent string, chunk int) (want, got []byte) {
	t.Helper()
	var w bytes.Buffer
	enc := json.NewEncoder(&w)
	enc.SetEscapeHTML(false)
	enc.SetIndent(prefix, indent)
	if err := enc.Encode(v); err != nil {
		t.Fatal(err)
	}
	var compact bytes.Buffer
	cenc := json.NewEncoder(&compact)
	cenc.SetEscapeHTML(false)
	if err := cenc.Encode(v); err != nil {
		t.Fatal(err)
	}
	var g bytes.Buffer
	x := NewWriter(&g, prefix, indent)
	b := compact.Bytes()
	for len(b) > 0 {
		n := min(chunk, len(b))
		if _, err := x.Write(b[:n]); err != nil {
			t.Fatal(err)
		}
		b = b[n:]
	}
	return w.Bytes(), g.Bytes()
}

func random(r *rand.Rand, depth int) any {
	switch k := r.IntN(8); {
	case depth > 4 || k == 0:
		return []string{"", "plain", `q"uote`, `back\slash`, "{[,:]}", "tab\t", "é\u2028", "<&>"}[r.IntN(8)]
	case k == 1:
		return r.Float64() * 1e6
	case k == 2:
		return r.IntN(2) == 0
	case k == 3:
		return nil
	case k < 6:
		m := map[string]any{}
		for i := range r.IntN(4) {
			m[strings.Repeat("k", i+1)+`"{`] = random(r, depth+1)
		}
		return m
	default:
		var a []any
		for range r.IntN(4) {
			a = append(a, random(r, depth+1))
		}
		if a == nil && r.IntN(2) == 0 {
			return []any{}
		}
		return a
	}
}

func TestEqualsEncodingJSON(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for i := range 3000 {
		v := random(r, 0)
		prefix, indent := []string{"", "", ">"}[i%3], []string{"  ", "\t", " "}[i%3]
		want, got := encode(t, v, prefix, indent, 1+r.IntN(40))
		if !bytes.Equal(want, got) {
			t.Fatalf("value %#v:\nwant %q\n got %q", v, want, got)
		}
	}
}

func TestSeveralValues(t *testing.T) {
	var g bytes.Buffer
	enc := json.NewEncoder(NewWriter(&g, "", "  "))
	for _, v := range []any{map[string]int{"a": 1}, []int{}, "x"} {
		if err := enc.Encode(v); err != nil {
			t.Fatal(err)
		}
	}
	if want := "{\n  \"a\": 1\n}\n[]\n\"x\"\n"; g.String() != want {
		t.Errorf("got %q, want %q", g.String(), want)
	}
}

func FuzzIndent(f *testing.F) {
	f.Add(`{"a":[1,{"b":"c\"}"},[]],"d":{}}`)
	f.Add(`[]`)
	f.Fuzz(func(t *testing.T, s string) {
		var v any
		if json.Unmarshal([]byte(s), &v) != nil {
			return
		}
		want, got := encode(t, v, "", "  ", 7)
		if !bytes.Equal(want, got) {
			t.Fatalf("want %q\n got %q", want, got)
		}
	})
}

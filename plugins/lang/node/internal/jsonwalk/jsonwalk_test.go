package jsonwalk

import (
	"encoding/json"
	"testing"
)

func TestStripJSONC(t *testing.T) {
	for in, want := range map[string]string{
		`[1,]`:            `[1 ]`,
		`{"a":1 , }`:      `{"a":1   }`,
		"[1, // x\n]":     "[1      \n]",
		`"a,]" /**/`:      `"a,]"     `,
		`"\\" // c`:       `"\\"     `,
		`/* unterminated`: `               `,
		`/`:               `/`,
		`[1, /* c */ 2]`:  `[1,         2]`,
		"/* a\r\nb */ {}": "    \r\n     {}",
		`{"a": "//"}, //`: `{"a": "//"},   `,
	} {
		data := []byte(in)
		StripJSONC(data)
		if string(data) != want {
			t.Errorf("StripJSONC(%q) = %q, want %q", in, data, want)
		}
	}
}

func TestMembers(t *testing.T) {
	ms, ok := Members([]byte(` { "a" : 1, "b\u00e9": {"x": [1, "}"]}, "c\"": "s\\", "d": null } `))
	if !ok || len(ms) != 4 {
		t.Fatalf("%v %+v", ok, ms)
	}
	want := []Member{{"a", []byte("1"), 3, 9}, {"bé", []byte(`{"x": [1, "}"]}`), 12, 23}, {`c"`, []byte(`"s\\"`), 40, 47}, {"d", []byte("null"), 54, 59}}
	for i, m := range ms {
		if m.Key != want[i].Key || string(m.Value) != string(want[i].Value) || m.Offset != want[i].Offset || m.ValueOffset != want[i].ValueOffset {
			t.Errorf("member %d: %q %q", i, m.Key, m.Value)
		}
	}
	if _, ok := Members([]byte(`[1]`)); ok {
		t.Error("array taken for an object")
	}
	el, ok := Elements([]byte(`["a@1", "", {"dependencies": {"b": "1"}}, 5, [], "x"]`))
	if !ok || len(el) != 6 || string(el[2]) != `{"dependencies": {"b": "1"}}` || string(el[5]) != `"x"` {
		t.Errorf("%v %q", ok, el)
	}
	if s, ok := String([]byte(`"a\nb"`)); !ok || s != "a\nb" {
		t.Errorf("%q %v", s, ok)
	}
	if _, ok := String([]byte(`1`)); ok {
		t.Error("number taken for a string")
	}
}

// FuzzScan checks that the byte scanners never go out of bounds whatever they are given,
// and that on valid JSON Members and Elements see what encoding/json decodes.
func FuzzScan(f *testing.F) {
	for _, s := range []string{`{"a": [1, {"b": "}"}], "c": "\"", "d": -1.5e3}`, `["x", {}, [], null, true]`, `{"a":1,}`, "\"\\", "{\"a\" // c\n: 1}"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		ms, isObj := Members(data)
		el, isArr := Elements(data)
		String(data)
		w := New("f", "test", data)
		w.Validate()
		w.LineAt(len(data) / 2)
		StripJSONC(append([]byte(nil), data...))
		var v any
		if json.Unmarshal(data, &v) != nil {
			return
		}
		switch v := v.(type) {
		case map[string]any:
			if !isObj {
				t.Fatal("object not seen")
			}
			seen := map[string]bool{}
			for _, m := range ms {
				seen[m.Key] = true
				var x any
				if err := json.Unmarshal(m.Value, &x); err != nil {
					t.Fatalf("member %q: value %q: %v", m.Key, m.Value, err)
				}
			}
			for k := range v {
				if !seen[k] {
					t.Fatalf("key %q missed", k)
				}
			}
			if len(seen) != len(v) {
				t.Fatalf("%d keys, want %d", len(seen), len(v))
			}
		case []any:
			if !isArr || len(el) != len(v) {
				t.Fatalf("%d elements, want %d", len(el), len(v))
			}
		default:
			if isObj || isArr {
				t.Fatal("scalar taken for a container")
			}
		}
	})
}

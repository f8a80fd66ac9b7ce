package reportjson

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/trawlscan/trawl/sdk"
)

// differ decodes data with json.Unmarshal and with Decode and fails t unless both fail or
// both give the same report. It returns whether they succeeded.
func differ(t testing.TB, data []byte) bool {
	t.Helper()
	var want, got sdk.Report
	errU := json.Unmarshal(data, &want)
	errD := Decode(data, &got)
	switch {
	case errU == nil && errD != nil:
		t.Fatalf("json.Unmarshal succeeds, Decode fails: %v\ninput: %s", errD, clip(data))
	case errU != nil && errD == nil:
		t.Fatalf("Decode succeeds, json.Unmarshal fails: %v\ninput: %s", errU, clip(data))
	case errU == nil:
		if d := diff(reflect.ValueOf(want), reflect.ValueOf(got), "Report"); d != "" {
			t.Fatalf("Decode differs from json.Unmarshal: %s\ninput: %s", d, clip(data))
		}
	}
	if errD != nil {
		var e *Error
		if !errors.As(errD, &e) || !strings.Contains(errD.Error(), "offset") {
			t.Fatalf("Decode error %q is not an *Error with an offset", errD)
		}
		if e.Offset < 0 || e.Offset > len(data) {
			t.Fatalf("Decode error %q: offset out of the input (%d bytes)", errD, len(data))
		}
	}
	return errU == nil
}

func clip(b []byte) string {
	if len(b) > 2000 {
		return fmt.Sprintf("%q... (%d bytes)", b[:2000], len(b))
	}
	return fmt.Sprintf("%q", b)
}

// diff describes the first difference between a and b, or returns "" if they are
// reflect.DeepEqual.
func diff(a, b reflect.Value, path string) string {
	if reflect.DeepEqual(a.Interface(), b.Interface()) {
		return ""
	}
	switch a.Kind() {
	case reflect.Struct:
		if a.Type() != timeType {
			for i := 0; i < a.NumField(); i++ {
				if a.Type().Field(i).IsExported() {
					if d := diff(a.Field(i), b.Field(i), path+"."+a.Type().Field(i).Name); d != "" {
						return d
					}
				}
			}
		}
	case reflect.Pointer:
		if !a.IsNil() && !b.IsNil() {
			return diff(a.Elem(), b.Elem(), path)
		}
	case reflect.Slice:
		if a.IsNil() == b.IsNil() && a.Len() == b.Len() {
			for i := 0; i < a.Len(); i++ {
				if d := diff(a.Index(i), b.Index(i), fmt.Sprintf("%s[%d]", path, i)); d != "" {
					return d
				}
			}
		}
		return fmt.Sprintf("%s: json.Unmarshal %#v (nil %v), Decode %#v (nil %v)", path, a.Interface(), a.IsNil(), b.Interface(), b.IsNil())
	}
	return fmt.Sprintf("%s: json.Unmarshal %#v, Decode %#v", path, a.Interface(), b.Interface())
}

// tables maps each struct type the decoder knows to the names in its table.
var tables = map[reflect.Type][]string{
	reflect.TypeFor[sdk.Report]():         names(reportType.fields),
	reflect.TypeFor[sdk.Tool]():           names(toolType.fields),
	reflect.TypeFor[sdk.Artifact]():       names(artifactType.fields),
	reflect.TypeFor[sdk.Layer]():          names(layerType.fields),
	reflect.TypeFor[sdk.OS]():             names(osType.fields),
	reflect.TypeFor[sdk.Package]():        names(packageType.fields),
	reflect.TypeFor[sdk.Location]():       names(locationType.fields),
	reflect.TypeFor[sdk.Vulnerability]():  names(vulnerabilityType.fields),
	reflect.TypeFor[sdk.PackageRef]():     names(packageRefType.fields),
	reflect.TypeFor[sdk.DBInfo]():         names(dbInfoType.fields),
	reflect.TypeFor[sdk.Secret]():         names(secretType.fields),
	reflect.TypeFor[sdk.PluginStatus]():   names(pluginStatusType.fields),
	reflect.TypeFor[sdk.FileError]():      names(fileErrorType.fields),
	reflect.TypeFor[sdk.Decision]():       names(decisionType.fields),
	reflect.TypeFor[sdk.Suppression]():    names(suppressionType.fields),
	reflect.TypeFor[sdk.Suppressed]():     names(suppressedType.fields),
	reflect.TypeFor[sdk.Thresholds]():     names(thresholdsType.fields),
	reflect.TypeFor[sdk.SeverityCounts](): names(severityCountsType.fields),
	reflect.TypeFor[sdk.PolicyInfo]():     names(policyInfoType.fields),
	reflect.TypeFor[sdk.ExpiredIgnore]():  names(expiredIgnoreType.fields),
	reflect.TypeFor[sdk.Verdict]():        names(verdictType.fields),
}

func names[T any](fs []field[T]) []string {
	var n []string
	for _, f := range fs {
		n = append(n, f.name)
	}
	return n
}

// TestFieldTables walks the types reachable from sdk.Report and checks that each struct
// type has a table in decode.go naming exactly its JSON fields. (That each field decodes
// into the right Go field is TestRandomFull's.)
func TestFieldTables(t *testing.T) {
	seen := map[reflect.Type]bool{}
	var walk func(typ reflect.Type, path string)
	walk = func(typ reflect.Type, path string) {
		for typ.Kind() == reflect.Pointer || typ.Kind() == reflect.Slice || typ.Kind() == reflect.Map {
			typ = typ.Elem()
		}
		if typ.Kind() != reflect.Struct || typ == timeType || seen[typ] {
			return
		}
		seen[typ] = true
		var want []string
		for i := 0; i < typ.NumField(); i++ {
			f := typ.Field(i)
			if f.Anonymous {
				t.Errorf("%s: embedded field %s: the decoder has no support for embedding", path, f.Name)
				continue
			}
			if !f.IsExported() {
				continue
			}
			name, opts, _ := strings.Cut(f.Tag.Get("json"), ",")
			if name == "-" && opts == "" {
				continue
			}
			if strings.Contains(opts, "string") {
				t.Errorf("%s.%s: the ,string option is not supported by the decoder", path, f.Name)
			}
			if name == "" {
				name = f.Name
			}
			want = append(want, name)
			walk(f.Type, path+"."+f.Name)
		}
		got, ok := tables[typ]
		if !ok {
			t.Errorf("%s: struct type %s has no table in decode.go (and none in this test's tables)", path, typ)
			return
		}
		for _, n := range want {
			if !slices.Contains(got, n) {
				t.Errorf("%s: JSON field %q of %s is not decoded: add it to its table in decode.go", path, n, typ)
			}
		}
		for _, n := range got {
			if !slices.Contains(want, n) {
				t.Errorf("%s: the table of %s in decode.go has %q, which %s does not have", path, typ, n, typ)
			}
		}
	}
	walk(reflect.TypeFor[sdk.Report](), "Report")
	for typ := range tables {
		if !seen[typ] {
			t.Errorf("%s has a table but is not reachable from sdk.Report", typ)
		}
	}
}

// allSet fails t for each field under v that is zero: after decoding a report whose
// every field was set, a zero field is one the decoder missed.
func allSet(t testing.TB, v reflect.Value, path string) {
	t.Helper()
	if v.IsZero() {
		t.Errorf("%s is zero after decoding a report that sets it: does decode.go decode it?", path)
		return
	}
	switch v.Kind() {
	case reflect.Struct:
		if v.Type() == timeType {
			return
		}
		for i := 0; i < v.NumField(); i++ {
			if f := v.Type().Field(i); f.IsExported() && f.Tag.Get("json") != "-" {
				allSet(t, v.Field(i), path+"."+f.Name)
			}
		}
	case reflect.Pointer:
		allSet(t, v.Elem(), path)
	case reflect.Slice:
		for i := 0; i < v.Len(); i++ {
			allSet(t, v.Index(i), fmt.Sprintf("%s[%d]", path, i))
		}
	case reflect.Map:
		for it := v.MapRange(); it.Next(); {
			allSet(t, it.Value(), fmt.Sprintf("%s[%q]", path, it.Key()))
		}
	}
}

// TestRandomFull decodes reports whose every field is set to random values.
func TestRandomFull(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for i := 0; i < 300; i++ {
		r := randomReport(t, rng, true)
		data, err := json.Marshal(r)
		if err != nil {
			t.Fatal(err)
		}
		if !differ(t, data) {
			t.Fatalf("json.Unmarshal fails on json.Marshal's output: %s", clip(data))
		}
		var got sdk.Report
		if err := Decode(data, &got); err != nil {
			t.Fatal(err)
		}
		allSet(t, reflect.ValueOf(got), "Report")
		if t.Failed() {
			return
		}
	}
}

// TestRandomRewritten decodes random reports written back with random escapes, key
// case, unknown members, duplicate keys, nulls and white space.
func TestRandomRewritten(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	n := 1500
	if testing.Short() {
		n = 200
	}
	ok := 0
	for i := 0; i < n; i++ {
		r := randomReport(t, rng, i%3 == 0)
		data, err := json.Marshal(r)
		if err != nil {
			t.Fatal(err)
		}
		p := []float64{0.01, 0.03, 0.1}[i%3]
		if differ(t, rewrite(t, rng, data, p)) {
			ok++
		}
	}
	// Most must decode, or the comparison tests little.
	if ok < n/3 {
		t.Errorf("only %d of %d rewritten reports decode", ok, n)
	}
	t.Logf("%d of %d rewritten reports decode", ok, n)
}

// TestTestdata decodes every report document in the repository's test data.
func TestTestdata(t *testing.T) {
	files := reportFiles(t)
	if len(files) < 5 {
		t.Fatalf("found only %d report files: %v", len(files), files)
	}
	for _, path := range files {
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		t.Run(path, func(t *testing.T) { differ(t, data) })
	}
}

// reportFiles lists the JSON files of the repository that hold "schema_version".
func reportFiles(t testing.TB) []string {
	var files []string
	root := filepath.Join("..", "..")
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			switch d.Name() {
			case ".git", ".cache", "bin", "node_modules":
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".json") {
			return nil
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		if bytes.Contains(data, []byte(`"schema_version"`)) {
			files = append(files, path)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

// edgeCase is an input whose decoding TestEdgeCases checks against json.Unmarshal's, and
// a seed of FuzzDecode.
type edgeCase struct {
	name, in string
	fail     bool                  // both must fail
	check    func(*sdk.Report) any // if set, what it returns must equal want
	want     any
}

func edgeCases() []edgeCase {
	deep := func(n int) string {
		return `{"x":` + strings.Repeat("[", n) + strings.Repeat("]", n) + `}`
	}
	deepObj := func(n int) string {
		return `{"x":` + strings.Repeat(`{"a":`, n) + "1" + strings.Repeat("}", n) + `}`
	}
	return []edgeCase{
		// Strings.
		{name: "short escapes", in: `{"schema_version":"a\"b\\c\/d\be\ff\ng\rh\ti"}`,
			check: sv, want: "a\"b\\c/d\be\ff\ng\rh\ti"},
		{name: "u escapes", in: `{"schema_version":"\u00e9\u20AC\u0000\u001f"}`, check: sv, want: "é€\x00\x1f"},
		{name: "surrogate pair", in: `{"schema_version":"\ud83d\ude00"}`, check: sv, want: "😀"},
		{name: "lone high surrogate", in: `{"schema_version":"a\ud83db"}`, check: sv, want: "a\ufffdb"},
		{name: "high then non-low", in: `{"schema_version":"\ud83d\u0041"}`, check: sv, want: "\ufffdA"},
		{name: "lone low surrogate", in: `{"schema_version":"\ude00"}`, check: sv, want: "\ufffd"},
		{name: "high high low", in: `{"schema_version":"\ud83d\ud83d\ude00"}`, check: sv, want: "\ufffd😀"},
		{name: "high then short escape", in: `{"schema_version":"\ud83d\n"}`, check: sv, want: "\ufffd\n"},
		{name: "high at end", in: `{"schema_version":"\udbff"}`, check: sv, want: "\ufffd"},
		{name: "invalid utf8 byte", in: "{\"schema_version\":\"a\xffb\"}", check: sv, want: "a\ufffdb"},
		{name: "truncated utf8", in: "{\"schema_version\":\"\xe2\x82\"}", check: sv, want: "\ufffd\ufffd"},
		{name: "utf8 surrogate", in: "{\"schema_version\":\"\xed\xa0\x80\"}", check: sv, want: "\ufffd\ufffd\ufffd"},
		{name: "overlong utf8", in: "{\"schema_version\":\"\xc0\xaf\"}", check: sv, want: "\ufffd\ufffd"},
		{name: "utf8 replacement char", in: "{\"schema_version\":\"\xef\xbf\xbd\"}", check: sv, want: "\ufffd"},
		{name: "invalid utf8 and escape", in: "{\"schema_version\":\"\xff\\n\xfe\"}", check: sv, want: "\ufffd\n\ufffd"},
		{name: "invalid utf8 in key", in: "{\"schema_version\xff\":\"a\"}", check: sv, want: ""},
		{name: "utf8 in unknown", in: "{\"x\":\"\xff\xfe\",\"schema_version\":\"é\"}", check: sv, want: "é"},
		{name: "control char", in: "{\"schema_version\":\"a\x01\"}", fail: true},
		{name: "control char in unknown", in: "{\"x\":\"a\x1f\"}", fail: true},
		{name: "DEL is fine", in: "{\"schema_version\":\"\x7f\"}", check: sv, want: "\x7f"},
		{name: "bad escape", in: `{"schema_version":"\x"}`, fail: true},
		{name: "single quote escape", in: `{"schema_version":"\'"}`, fail: true},
		{name: "bad u escape", in: `{"schema_version":"\u12G4"}`, fail: true},
		{name: "bad u escape in unknown", in: `{"x":"\u12"}`, fail: true},
		{name: "bad second u escape", in: `{"schema_version":"\ud83d\uZZZZ"}`, fail: true},
		{name: "escaped newline in key", in: `{"schema_versio\n":"a"}`, check: sv, want: ""},

		// Nulls.
		{name: "nulls everywhere", in: `{"schema_version":null,"tool":null,"created_at":null,"artifact":null,"os":null,"packages":null,"vulnerabilities":null,"database":null,"secrets":null,"plugins":null,"errors":null}`},
		{name: "null keeps string", in: `{"schema_version":"a","schema_version":null}`, check: sv, want: "a"},
		{name: "null keeps struct", in: `{"tool":{"name":"a"},"tool":null}`, check: func(r *sdk.Report) any { return r.Tool.Name }, want: "a"},
		{name: "null keeps time", in: `{"created_at":"2024-01-02T03:04:05Z","created_at":null}`,
			check: func(r *sdk.Report) any { return r.CreatedAt.Year() }, want: 2024},
		{name: "null clears pointer", in: `{"os":{"family":"a"},"os":null}`, check: func(r *sdk.Report) any { return r.OS == nil }, want: true},
		{name: "null clears slice", in: `{"plugins":[{}],"plugins":null}`, check: func(r *sdk.Report) any { return r.Plugins == nil }, want: true},
		{name: "empty array is not nil", in: `{"plugins":[]}`, check: func(r *sdk.Report) any { return r.Plugins != nil && len(r.Plugins) == 0 }, want: true},
		{name: "null elements", in: `{"packages":[null,{"licenses":["a",null],"dev":null,"locations":[{"line":null}]}],"vulnerabilities":[{"published":null,"cvss_score":null}]}`},
		{name: "null time pointer", in: `{"vulnerabilities":[{"published":"2024-01-02T03:04:05Z","published":null}]}`,
			check: func(r *sdk.Report) any { return r.Vulnerabilities[0].Published == nil }, want: true},
		{name: "top-level null", in: ` null `},

		// Duplicates: encoding/json decodes again into the same field.
		{name: "duplicate pointer merges", in: `{"os":{"family":"a"},"os":{"name":"b"}}`,
			check: func(r *sdk.Report) any { return *r.OS }, want: sdk.OS{Family: "a", Name: "b"}},
		{name: "duplicate slice reuses elements", in: `{"packages":[{"name":"a","version":"1"},{"name":"b","version":"2"}],"packages":[{"name":"c"}],"packages":[{},{}]}`,
			check: func(r *sdk.Report) any { return r.Packages },
			want:  []sdk.Package{{Name: "c", Version: "1"}, {Name: "b", Version: "2"}}},
		{name: "duplicate empty slice resets", in: `{"errors":[{"path":"a"}],"errors":[],"errors":[{}]}`,
			check: func(r *sdk.Report) any { return r.Errors }, want: []sdk.FileError{{}}},
		{name: "duplicate string slice", in: `{"packages":[{"licenses":["a","b","c"]}],"packages":[{"licenses":["x"]}],"packages":[{"licenses":["y",null,null]}]}`,
			check: func(r *sdk.Report) any { return r.Packages[0].Licenses }, want: []string{"y", "b", "c"}},
		{name: "duplicate key exact and folded", in: `{"schema_version":"a","SCHEMA_VERSION":"b"}`, check: sv, want: "b"},

		// Maps.
		{name: "map", in: `{"verdict":{"actions":{"ALLOW":1,"deny":2,"":3,"\u00e9":4}}}`,
			check: func(r *sdk.Report) any { return r.Verdict.Actions }, want: map[string]int{"ALLOW": 1, "deny": 2, "": 3, "é": 4}},
		{name: "map null value is zero", in: `{"verdict":{"actions":{"a":1,"a":null,"b":2}}}`,
			check: func(r *sdk.Report) any { return r.Verdict.Actions }, want: map[string]int{"a": 0, "b": 2}},
		{name: "map duplicate merges", in: `{"verdict":{"actions":{"a":1},"actions":{"b":2}}}`,
			check: func(r *sdk.Report) any { return r.Verdict.Actions }, want: map[string]int{"a": 1, "b": 2}},
		{name: "map empty", in: `{"verdict":{"actions":{}}}`,
			check: func(r *sdk.Report) any { return r.Verdict.Actions != nil && len(r.Verdict.Actions) == 0 }, want: true},
		{name: "map null", in: `{"verdict":{"actions":{"a":1},"actions":null}}`,
			check: func(r *sdk.Report) any { return r.Verdict.Actions == nil }, want: true},
		{name: "map keys are exact", in: `{"verdict":{"actions":{"a":1,"A":2}}}`,
			check: func(r *sdk.Report) any { return len(r.Verdict.Actions) }, want: 2},
		{name: "map bad value", in: `{"verdict":{"actions":{"a":"1"}}}`, fail: true},
		{name: "map float value", in: `{"verdict":{"actions":{"a":1.5}}}`, fail: true},
		{name: "array into map", in: `{"verdict":{"actions":[]}}`, fail: true},
		{name: "map trailing comma", in: `{"verdict":{"actions":{"a":1,}}}`, fail: true},

		// Keys.
		{name: "unknown nested", in: `{"x":{"a":[1,{"b":null},-2.5e3,true,false,"s"],"c":"\u0041"},"tool":{"y":[[],{}],"name":"t"},"z":[]}`,
			check: func(r *sdk.Report) any { return r.Tool.Name }, want: "t"},
		{name: "case-insensitive keys", in: `{"SCHEMA_VERSION":"1","Tool":{"NaMe":"x"},"PLUGINS":[{"KIND":"k"}]}`,
			check: func(r *sdk.Report) any { return sv(r).(string) + r.Tool.Name + r.Plugins[0].Kind }, want: "1xk"},
		{name: "long s folds to s", in: `{"ſchema_verſion":"1"}`, check: sv, want: "1"},
		{name: "Kelvin sign folds to k", in: `{"plugins":[{"\u212aind":"x"}]}`, check: func(r *sdk.Report) any { return r.Plugins[0].Kind }, want: "x"},
		{name: "escaped key", in: `{"schema\u005fversion":"1"}`, check: sv, want: "1"},
		{name: "dotless i does not fold", in: `{"plugıns":[{}]}`, check: func(r *sdk.Report) any { return r.Plugins == nil }, want: true},
		{name: "empty key", in: `{"":1}`},

		// Numbers.
		{name: "float exponents", in: `{"vulnerabilities":[{"cvss_score":1e1},{"cvss_score":1E+1},{"cvss_score":-0.5e-3},{"cvss_score":-0},{"cvss_score":0.0}]}`,
			check: func(r *sdk.Report) any {
				var f []float64
				for _, v := range r.Vulnerabilities {
					f = append(f, v.CVSSScore)
				}
				return f
			}, want: []float64{10, 10, -0.0005, 0, 0}},
		{name: "float underflow", in: `{"vulnerabilities":[{"cvss_score":1e-400}]}`},
		{name: "float overflow", in: `{"vulnerabilities":[{"cvss_score":1e400}]}`, fail: true},
		{name: "int max", in: `{"artifact":{"layers":[{"size":9223372036854775807},{"size":-9223372036854775808}]}}`,
			check: func(r *sdk.Report) any { return r.Artifact.Layers[1].Size }, want: int64(-9223372036854775808)},
		{name: "int overflow", in: `{"artifact":{"layers":[{"size":9223372036854775808}]}}`, fail: true},
		{name: "int underflow", in: `{"database":{"advisories":-9223372036854775809}}`, fail: true},
		{name: "int with exponent", in: `{"secrets":[{"end_line":1e2}]}`, fail: true},
		{name: "int with fraction", in: `{"plugins":[{"files":1.0}]}`, fail: true},
		{name: "int minus zero", in: `{"plugins":[{"files":-0}]}`},
		{name: "int leading zeros", in: `{"plugins":[{"files":0000000000000000000000001}]}`, fail: true},
		{name: "int 000", in: `{"plugins":[{"files":000}]}`, fail: true},
		{name: "int 19 digits", in: `{"plugins":[{"files":1000000000000000000}]}`,
			check: func(r *sdk.Report) any { return r.Plugins[0].Files }, want: 1000000000000000000},
		{name: "number syntax", in: `{"x":-}`, fail: true},
		{name: "number dot", in: `{"x":1.}`, fail: true},
		{name: "number leading dot", in: `{"x":.5}`, fail: true},
		{name: "number plus", in: `{"x":+1}`, fail: true},
		{name: "number exponent", in: `{"x":1e}`, fail: true},
		{name: "number leading zero", in: `{"x":01}`, fail: true},
		{name: "NaN", in: `{"vulnerabilities":[{"cvss_score":NaN}]}`, fail: true},
		{name: "number in unknown", in: `{"x":[-0.0e+0,1E-9,123456789012345678901234567890]}`},

		// Types.
		{name: "string into struct", in: `{"tool":"x"}`, fail: true},
		{name: "array into struct", in: `{"tool":[]}`, fail: true},
		{name: "object into slice", in: `{"packages":{}}`, fail: true},
		{name: "number into string", in: `{"schema_version":1}`, fail: true},
		{name: "bool into string", in: `{"schema_version":true}`, fail: true},
		{name: "string into int", in: `{"plugins":[{"files":"1"}]}`, fail: true},
		{name: "string into bool", in: `{"packages":[{"dev":"true"}]}`, fail: true},
		{name: "string into pointer", in: `{"os":"x"}`, fail: true},
		{name: "number into time", in: `{"created_at":1}`, fail: true},
		{name: "object into time", in: `{"created_at":{}}`, fail: true},
		{name: "bad time", in: `{"created_at":"2024-13-01T00:00:00Z"}`, fail: true},
		{name: "escaped time", in: `{"created_at":"\u0032024-01-01T00:00:00Z"}`, fail: true},
		{name: "time with offset", in: `{"created_at":"2024-01-02T03:04:05.123456789+05:30","database":{"built_at":"2024-01-02T03:04:05-00:00"}}`},
		{name: "time lowercase", in: `{"created_at":"2024-01-02t03:04:05z"}`, fail: true},
		{name: "array top-level", in: `[]`, fail: true},
		{name: "string top-level", in: `"x"`, fail: true},
		{name: "bool top-level", in: `true`, fail: true},

		// Syntax.
		{name: "white space", in: " \t\r\n{ \"tool\" : { \"name\" : \"a\" } , \"x\" : [ 1 , 2 ] }\n\t "},
		{name: "empty", in: ``, fail: true},
		{name: "only space", in: "  \n", fail: true},
		{name: "trailing garbage", in: `{} x`, fail: true},
		{name: "two values", in: `{}{}`, fail: true},
		{name: "trailing comma", in: `{},`, fail: true},
		{name: "trailing comma in object", in: `{"a":1,}`, fail: true},
		{name: "trailing comma in array", in: `{"a":[1,]}`, fail: true},
		{name: "trailing comma in known array", in: `{"plugins":[{},]}`, fail: true},
		{name: "missing comma", in: `{"a":1 "b":2}`, fail: true},
		{name: "missing colon", in: `{"a" 1}`, fail: true},
		{name: "single quotes", in: `{'a':1}`, fail: true},
		{name: "unquoted key", in: `{a:1}`, fail: true},
		{name: "BOM", in: "\ufeff{}", fail: true},
		{name: "NUL", in: "{}\x00", fail: true},
		{name: "bad literal", in: `{"x":nul}`, fail: true},
		{name: "bad literal in known", in: `{"packages":[{"dev":tru}]}`, fail: true},
		{name: "literal with tail", in: `{"x":truex}`, fail: true},
		{name: "known field then syntax error", in: `{"schema_version":"a",}`, fail: true},
		{name: "truncated object", in: `{"tool":{"name":"a"`, fail: true},
		{name: "truncated string", in: `{"schema_version":"ab`, fail: true},
		{name: "truncated escape", in: `{"schema_version":"ab\`, fail: true},
		{name: "truncated u escape", in: `{"schema_version":"\u00`, fail: true},
		{name: "truncated array", in: `{"packages":[`, fail: true},
		{name: "truncated key", in: `{"cvss`, fail: true},
		{name: "truncated literal", in: `{"x":tr`, fail: true},
		{name: "truncated number", in: `{"x":1`, fail: true},
		{name: "truncated after colon", in: `{"x":`, fail: true},

		// Depth: the report object is depth 1, as in encoding/json.
		{name: "depth 10000", in: deep(9999)},
		{name: "depth 10001", in: deep(10000), fail: true},
		{name: "objects depth 10000", in: deepObj(9999)},
		{name: "objects depth 10001", in: deepObj(10000), fail: true},
		{name: "depth 1000000", in: `{"x":` + strings.Repeat("[", 1000000), fail: true},
		{name: "deep in a type error", in: `{"tool":` + strings.Repeat("[", 100000), fail: true},
		{name: "deep in a time", in: `{"created_at":` + strings.Repeat("[", 100000), fail: true},
	}
}

func TestEdgeCases(t *testing.T) {
	for _, c := range edgeCases() {
		t.Run(c.name, func(t *testing.T) {
			ok := differ(t, []byte(c.in))
			if ok == c.fail {
				t.Fatalf("json.Unmarshal and Decode succeed: %v; want %v", ok, !c.fail)
			}
			if c.check != nil {
				var r sdk.Report
				if err := Decode([]byte(c.in), &r); err != nil {
					t.Fatal(err)
				}
				if got := c.check(&r); !reflect.DeepEqual(got, c.want) {
					t.Fatalf("got %#v, want %#v", got, c.want)
				}
			}
		})
	}
}

func sv(r *sdk.Report) any { return r.SchemaVersion }

// TestDecodeInto checks that Decode, as json.Unmarshal, decodes into a report that
// already holds values.
func TestDecodeInto(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for i := 0; i < 100; i++ {
		first, err := json.Marshal(randomReport(t, rng, false))
		if err != nil {
			t.Fatal(err)
		}
		second, err := json.Marshal(randomReport(t, rng, false))
		if err != nil {
			t.Fatal(err)
		}
		second = rewrite(t, rng, second, 0.05)
		var want, got sdk.Report
		if err := json.Unmarshal(first, &want); err != nil {
			t.Fatal(err)
		}
		if err := Decode(first, &got); err != nil {
			t.Fatal(err)
		}
		errU := json.Unmarshal(second, &want)
		errD := Decode(second, &got)
		if (errU == nil) != (errD == nil) {
			t.Fatalf("json.Unmarshal: %v, Decode: %v", errU, errD)
		}
		if errU == nil {
			if d := diff(reflect.ValueOf(want), reflect.ValueOf(got), "Report"); d != "" {
				t.Fatal(d)
			}
		}
	}
}

func TestDecodeNil(t *testing.T) {
	if err := Decode([]byte(`{}`), nil); err == nil {
		t.Fatal("Decode into nil: no error")
	}
}

// benchReport is shaped as the format benchmark's report (internal/tools/bench): n OS
// and language packages and v findings.
func benchReport(n, v int) []byte {
	layer := "sha256:" + strings.Repeat("ab", 32)
	r := &sdk.Report{
		SchemaVersion: sdk.SchemaVersion,
		Tool:          sdk.Tool{Name: "trawl", Version: "bench"},
		CreatedAt:     time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC),
		Artifact:      sdk.Artifact{Name: "registry.example.com/big/app:1.0", Type: sdk.ArtifactImage, Layers: []sdk.Layer{{DiffID: layer, CreatedBy: "ADD rootfs /"}}},
		OS:            &sdk.OS{Family: "debian", Name: "Debian GNU/Linux", Version: "12"},
		Database:      &sdk.DBInfo{SchemaVersion: 2},
	}
	for i := range n {
		p := sdk.Package{Name: fmt.Sprintf("pkg-%d", i), Version: fmt.Sprintf("1.%d.%d", i%50, i%7), Type: "deb", Ecosystem: "Debian:12",
			Licenses: []string{"MIT"}, Locations: []sdk.Location{{Path: "var/lib/dpkg/status", LayerDiffID: layer}}}
		if i%2 == 1 {
			p.Type, p.Ecosystem = "npm", "npm"
			p.Locations = []sdk.Location{{Path: fmt.Sprintf("srv/app%d/package-lock.json", i%40), Line: 10 + i%1000, LayerDiffID: layer}}
		}
		p.PURL = fmt.Sprintf("pkg:%s/%s@%s", p.Type, p.Name, p.Version)
		r.Packages = append(r.Packages, p)
	}
	sev := []string{sdk.SeverityCritical, sdk.SeverityHigh, sdk.SeverityMedium, sdk.SeverityLow}
	for i := range v {
		p := r.Packages[(i*7)%n]
		id := fmt.Sprintf("CVE-2026-%05d", i)
		ghsa := fmt.Sprintf("GHSA-%04x-%04x-%04x", i, i*3%65536, i*7%65536)
		r.Vulnerabilities = append(r.Vulnerabilities, sdk.Vulnerability{
			ID: id, IDs: []string{id, ghsa}, Advisories: []string{ghsa},
			Package:  sdk.PackageRef{Name: p.Name, Version: p.Version, Type: p.Type, Ecosystem: p.Ecosystem, PURL: p.PURL},
			Summary:  "A flaw in " + p.Name + " lets a remote attacker do harm",
			Details:  strings.Repeat("Details of the flaw and of what it allows. ", 8),
			Severity: sev[i%4], SeveritySource: "CVSS_V3", CVSSScore: 9.8 - float64(i%4)*2,
			CVSSVector:    "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
			Status:        "fixed",
			FixedVersions: []string{p.Version + "-fix1", "2.0.0"},
			References:    []string{"https://nvd.nist.gov/vuln/detail/" + id},
			Locations:     p.Locations,
		})
	}
	data, err := json.Marshal(r)
	if err != nil {
		panic(err)
	}
	return data
}

func TestBenchReport(t *testing.T) { differ(t, benchReport(200, 100)) }

// BenchmarkDecode compares Decode with json.Unmarshal on a report of 2,000 packages and
// 1,000 findings (1.6 MB).
func BenchmarkDecode(b *testing.B) {
	data := benchReport(2000, 1000)
	b.Run("reportjson", func(b *testing.B) {
		b.SetBytes(int64(len(data)))
		b.ReportAllocs()
		for b.Loop() {
			var r sdk.Report
			if err := Decode(data, &r); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("encoding-json", func(b *testing.B) {
		b.SetBytes(int64(len(data)))
		b.ReportAllocs()
		for b.Loop() {
			var r sdk.Report
			if err := json.Unmarshal(data, &r); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// TestWords checks the eight-bytes-at-a-time helpers against the byte tables they stand
// for.
func TestWords(t *testing.T) {
	first := func(x uint64, table *[256]bool) int {
		for j := 0; j < 8; j++ {
			if !table[byte(x>>(8*j))] {
				return j
			}
		}
		return 8
	}
	lowest := func(m uint64) int {
		if m == 0 {
			return 8
		}
		for j := 0; ; j++ {
			if m&(0x80<<(8*j)) != 0 {
				return j
			}
		}
	}
	check := func(x uint64) {
		if got, want := lowest(strSpecial(x)), first(x, &strPlain); got != want {
			t.Fatalf("strSpecial(%#016x): first byte %d, want %d", x, got, want)
		}
		if got, want := lowest(skipSpecial(x)), first(x, &skipPlain); got != want {
			t.Fatalf("skipSpecial(%#016x): first byte %d, want %d", x, got, want)
		}
	}
	// Every byte value at every position, among plain bytes and after a hit.
	for _, fill := range []byte{'a', ' ', '~', '!', 0x80, 0xff, '"', 0x1f} {
		for pos := 0; pos < 8; pos++ {
			for b := 0; b < 256; b++ {
				var x uint64
				for j := 0; j < 8; j++ {
					c := fill
					if j == pos {
						c = byte(b)
					}
					x |= uint64(c) << (8 * j)
				}
				check(x)
			}
		}
	}
	rng := rand.New(rand.NewPCG(9, 10))
	for i := 0; i < 1_000_000; i++ {
		x := rng.Uint64()
		if i%2 == 0 {
			x &= 0x7f7f7f7f7f7f7f7f // mostly ASCII
		}
		check(x)
	}
	if load8("0123456789", 1) != 0x3837363534333231 {
		t.Fatalf("load8 is not little-endian: %#x", load8("0123456789", 1))
	}

	// keyPattern.at, against strings.HasPrefix, at each length and near the end of the
	// input.
	for n := 0; n <= 30; n++ {
		name := strings.Repeat("abcdefghij", 3)[:n]
		k := newKeyPattern(name)
		for _, s := range []string{name + `"`, name + `"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxx`, name + `x"`, name[:max(n-1, 0)] + `"`, "x" + name + `"`, name} {
			for pre := 0; pre < 3; pre++ {
				in := strings.Repeat(" ", pre) + s
				if got, want := k.at(in, pre), strings.HasPrefix(in[pre:], name+`"`); got != want {
					t.Fatalf("newKeyPattern(%q).at(%q, %d) = %v, want %v", name, in, pre, got, want)
				}
			}
		}
	}
}

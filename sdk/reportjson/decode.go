// Package reportjson decodes an sdk.Report from JSON with the result of encoding/json's
// Unmarshal, without its scanner.
//
// encoding/json's scanner makes an indirect call for every byte of input, which costs
// dearly in a WebAssembly guest: a formatter plugin spent seconds decoding a large report
// before writing a byte. This decoder reads the input with direct loops, eight bytes at a
// time inside strings (token.go), and maps it onto the sdk types with a table of fields
// per struct type (below); it uses no reflection. In wasm it is about 6 times as fast as
// json.Unmarshal, 7 to 10 times in a trawl plugin (whose host makes every loop iteration
// dearer: see decode), natively 3 times or more.
//
// For every input, Decode(data, r) fails if and only if json.Unmarshal(data, r) does, and
// when it succeeds it leaves r as json.Unmarshal would (reflect.DeepEqual), including
// encoding/json's less obvious rules, which this file follows one by one:
//
//   - Keys match field names exactly or else case-insensitively with Unicode simple
//     folding (strings.EqualFold, as encoding/json's foldName: "ſchema_version" and
//     "\u212Aind" with a Kelvin sign match too). Unknown keys are skipped, whatever their
//     value; a duplicate key decodes again into the same field.
//   - null leaves a string, number, bool, struct or time.Time as it was, and sets a slice
//     or pointer to nil.
//   - An object decodes into the struct as it is (a duplicate key merges into it; a nil
//     pointer gets a new struct); an array decodes into the slice's existing elements and
//     backing array, then truncates it; [] gives an empty, non-nil slice. An object
//     decodes into a map[string]V as it is (made if nil), each member into a zero V (so
//     null stores a zero), the last of duplicate keys winning; map keys match exactly.
//   - Strings are unescaped, an unpaired surrogate escape gives U+FFFD, and each byte of
//     invalid UTF-8 is replaced by U+FFFD.
//   - An int takes only an integer literal in range (strconv.ParseInt); a float64 any
//     number in range (strconv.ParseFloat); a time.Time is given the raw JSON value to its
//     UnmarshalJSON, as encoding/json does.
//   - Nesting deeper than 10000 arrays and objects is an error, as in encoding/json.
//
// Errors are *Error, with the byte offset; their messages differ from encoding/json's.
// On error r may hold part of the input (encoding/json too may fill part of its target
// before a type error).
//
// Unlike json.Unmarshal, the decoded strings share one copy of the input: a string
// without escapes is a substring of it. The report therefore keeps the whole input alive,
// unknown members included, as long as any of its strings is reachable.
//
// When a field is added to a type reachable from sdk.Report, it must be added to the
// type's table here: the tests walk the sdk types by reflection and fail until it is.
package reportjson

import (
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/trawlscan/trawl/sdk"
)

// Decode decodes the JSON report in data into r, as json.Unmarshal(data, r) does.
func Decode(data []byte, r *sdk.Report) error {
	if r == nil {
		return errors.New("reportjson: Decode into a nil *sdk.Report")
	}
	d := &decoder{s: string(data)}
	if err := reportType.decode(d, r); err != nil {
		return err
	}
	d.ws()
	if d.pos < len(d.s) {
		return d.unexpected("after top-level value")
	}
	return nil
}

// ---- The sdk types: one table per struct type, one entry per JSON field. ----

var reportType = newStruct("sdk.Report", []field[sdk.Report]{
	{"schema_version", func(d *decoder, r *sdk.Report) error { return d.stringValue(&r.SchemaVersion) }},
	{"tool", func(d *decoder, r *sdk.Report) error { return toolType.decode(d, &r.Tool) }},
	{"created_at", func(d *decoder, r *sdk.Report) error { return d.timeValue(&r.CreatedAt) }},
	{"artifact", func(d *decoder, r *sdk.Report) error { return artifactType.decode(d, &r.Artifact) }},
	{"os", func(d *decoder, r *sdk.Report) error { return osType.decodePtr(d, &r.OS) }},
	{"packages", func(d *decoder, r *sdk.Report) error {
		return decodeSlice(d, &r.Packages, packageType.decode, "[]sdk.Package")
	}},
	{"vulnerabilities", func(d *decoder, r *sdk.Report) error {
		return decodeSlice(d, &r.Vulnerabilities, vulnerabilityType.decode, "[]sdk.Vulnerability")
	}},
	{"database", func(d *decoder, r *sdk.Report) error { return dbInfoType.decodePtr(d, &r.Database) }},
	{"secrets", func(d *decoder, r *sdk.Report) error {
		return decodeSlice(d, &r.Secrets, secretType.decode, "[]sdk.Secret")
	}},
	{"plugins", func(d *decoder, r *sdk.Report) error {
		return decodeSlice(d, &r.Plugins, pluginStatusType.decode, "[]sdk.PluginStatus")
	}},
	{"errors", func(d *decoder, r *sdk.Report) error {
		return decodeSlice(d, &r.Errors, fileErrorType.decode, "[]sdk.FileError")
	}},
	{"suppressed", func(d *decoder, r *sdk.Report) error { return suppressedType.decodePtr(d, &r.Suppressed) }},
	{"verdict", func(d *decoder, r *sdk.Report) error { return verdictType.decodePtr(d, &r.Verdict) }},
})

var toolType = newStruct("sdk.Tool", []field[sdk.Tool]{
	{"name", func(d *decoder, t *sdk.Tool) error { return d.stringValue(&t.Name) }},
	{"version", func(d *decoder, t *sdk.Tool) error { return d.stringValue(&t.Version) }},
})

var artifactType = newStruct("sdk.Artifact", []field[sdk.Artifact]{
	{"name", func(d *decoder, a *sdk.Artifact) error { return d.stringValue(&a.Name) }},
	{"type", func(d *decoder, a *sdk.Artifact) error { return d.stringValue(&a.Type) }},
	{"digest", func(d *decoder, a *sdk.Artifact) error { return d.stringValue(&a.Digest) }},
	{"image_id", func(d *decoder, a *sdk.Artifact) error { return d.stringValue(&a.ImageID) }},
	{"platform", func(d *decoder, a *sdk.Artifact) error { return d.stringValue(&a.Platform) }},
	{"layers", func(d *decoder, a *sdk.Artifact) error {
		return decodeSlice(d, &a.Layers, layerType.decode, "[]sdk.Layer")
	}},
})

var layerType = newStruct("sdk.Layer", []field[sdk.Layer]{
	{"diff_id", func(d *decoder, l *sdk.Layer) error { return d.stringValue(&l.DiffID) }},
	{"digest", func(d *decoder, l *sdk.Layer) error { return d.stringValue(&l.Digest) }},
	{"size", func(d *decoder, l *sdk.Layer) error { return d.int64Value(&l.Size) }},
	{"created_by", func(d *decoder, l *sdk.Layer) error { return d.stringValue(&l.CreatedBy) }},
})

var osType = newStruct("sdk.OS", []field[sdk.OS]{
	{"family", func(d *decoder, o *sdk.OS) error { return d.stringValue(&o.Family) }},
	{"name", func(d *decoder, o *sdk.OS) error { return d.stringValue(&o.Name) }},
	{"version", func(d *decoder, o *sdk.OS) error { return d.stringValue(&o.Version) }},
	{"pretty_name", func(d *decoder, o *sdk.OS) error { return d.stringValue(&o.PrettyName) }},
	{"codename", func(d *decoder, o *sdk.OS) error { return d.stringValue(&o.Codename) }},
	{"source", func(d *decoder, o *sdk.OS) error { return d.stringValue(&o.Source) }},
})

var packageType = newStruct("sdk.Package", []field[sdk.Package]{
	{"name", func(d *decoder, p *sdk.Package) error { return d.stringValue(&p.Name) }},
	{"version", func(d *decoder, p *sdk.Package) error { return d.stringValue(&p.Version) }},
	{"type", func(d *decoder, p *sdk.Package) error { return d.stringValue(&p.Type) }},
	{"ecosystem", func(d *decoder, p *sdk.Package) error { return d.stringValue(&p.Ecosystem) }},
	{"purl", func(d *decoder, p *sdk.Package) error { return d.stringValue(&p.PURL) }},
	{"arch", func(d *decoder, p *sdk.Package) error { return d.stringValue(&p.Arch) }},
	{"source_name", func(d *decoder, p *sdk.Package) error { return d.stringValue(&p.SourceName) }},
	{"source_version", func(d *decoder, p *sdk.Package) error { return d.stringValue(&p.SourceVersion) }},
	{"licenses", func(d *decoder, p *sdk.Package) error { return d.strings(&p.Licenses) }},
	{"vendor", func(d *decoder, p *sdk.Package) error { return d.stringValue(&p.Vendor) }},
	{"modularity_label", func(d *decoder, p *sdk.Package) error { return d.stringValue(&p.ModularityLabel) }},
	{"indirect", func(d *decoder, p *sdk.Package) error { return d.boolValue(&p.Indirect) }},
	{"dev", func(d *decoder, p *sdk.Package) error { return d.boolValue(&p.Dev) }},
	{"analyzer", func(d *decoder, p *sdk.Package) error { return d.stringValue(&p.Analyzer) }},
	{"locations", func(d *decoder, p *sdk.Package) error { return d.locations(&p.Locations) }},
})

var locationType = newStruct("sdk.Location", []field[sdk.Location]{
	{"path", func(d *decoder, l *sdk.Location) error { return d.stringValue(&l.Path) }},
	{"line", func(d *decoder, l *sdk.Location) error { return d.intValue(&l.Line) }},
	{"layer_diff_id", func(d *decoder, l *sdk.Location) error { return d.stringValue(&l.LayerDiffID) }},
})

var vulnerabilityType = newStruct("sdk.Vulnerability", []field[sdk.Vulnerability]{
	{"id", func(d *decoder, v *sdk.Vulnerability) error { return d.stringValue(&v.ID) }},
	{"ids", func(d *decoder, v *sdk.Vulnerability) error { return d.strings(&v.IDs) }},
	{"advisories", func(d *decoder, v *sdk.Vulnerability) error { return d.strings(&v.Advisories) }},
	{"package", func(d *decoder, v *sdk.Vulnerability) error { return packageRefType.decode(d, &v.Package) }},
	{"locations", func(d *decoder, v *sdk.Vulnerability) error { return d.locations(&v.Locations) }},
	{"summary", func(d *decoder, v *sdk.Vulnerability) error { return d.stringValue(&v.Summary) }},
	{"details", func(d *decoder, v *sdk.Vulnerability) error { return d.stringValue(&v.Details) }},
	{"severity", func(d *decoder, v *sdk.Vulnerability) error { return d.stringValue(&v.Severity) }},
	{"severity_source", func(d *decoder, v *sdk.Vulnerability) error { return d.stringValue(&v.SeveritySource) }},
	{"cvss_score", func(d *decoder, v *sdk.Vulnerability) error { return d.float64Value(&v.CVSSScore) }},
	{"cvss_vector", func(d *decoder, v *sdk.Vulnerability) error { return d.stringValue(&v.CVSSVector) }},
	{"status", func(d *decoder, v *sdk.Vulnerability) error { return d.stringValue(&v.Status) }},
	{"fixed_versions", func(d *decoder, v *sdk.Vulnerability) error { return d.strings(&v.FixedVersions) }},
	{"published", func(d *decoder, v *sdk.Vulnerability) error { return d.timePtr(&v.Published) }},
	{"modified", func(d *decoder, v *sdk.Vulnerability) error { return d.timePtr(&v.Modified) }},
	{"references", func(d *decoder, v *sdk.Vulnerability) error { return d.strings(&v.References) }},
	{"policy", func(d *decoder, v *sdk.Vulnerability) error { return decisionType.decodePtr(d, &v.Policy) }},
	{"suppression", func(d *decoder, v *sdk.Vulnerability) error { return suppressionType.decodePtr(d, &v.Suppression) }},
})

var packageRefType = newStruct("sdk.PackageRef", []field[sdk.PackageRef]{
	{"name", func(d *decoder, p *sdk.PackageRef) error { return d.stringValue(&p.Name) }},
	{"version", func(d *decoder, p *sdk.PackageRef) error { return d.stringValue(&p.Version) }},
	{"type", func(d *decoder, p *sdk.PackageRef) error { return d.stringValue(&p.Type) }},
	{"ecosystem", func(d *decoder, p *sdk.PackageRef) error { return d.stringValue(&p.Ecosystem) }},
	{"purl", func(d *decoder, p *sdk.PackageRef) error { return d.stringValue(&p.PURL) }},
	{"source_name", func(d *decoder, p *sdk.PackageRef) error { return d.stringValue(&p.SourceName) }},
})

var dbInfoType = newStruct("sdk.DBInfo", []field[sdk.DBInfo]{
	{"schema_version", func(d *decoder, i *sdk.DBInfo) error { return d.intValue(&i.SchemaVersion) }},
	{"built_at", func(d *decoder, i *sdk.DBInfo) error { return d.timeValue(&i.BuiltAt) }},
	{"advisories", func(d *decoder, i *sdk.DBInfo) error { return d.intValue(&i.Advisories) }},
	{"newest_advisory", func(d *decoder, i *sdk.DBInfo) error { return d.timeValue(&i.NewestAdvisory) }},
})

var secretType = newStruct("sdk.Secret", []field[sdk.Secret]{
	{"rule_id", func(d *decoder, s *sdk.Secret) error { return d.stringValue(&s.RuleID) }},
	{"fingerprint", func(d *decoder, s *sdk.Secret) error { return d.stringValue(&s.Fingerprint) }},
	{"category", func(d *decoder, s *sdk.Secret) error { return d.stringValue(&s.Category) }},
	{"title", func(d *decoder, s *sdk.Secret) error { return d.stringValue(&s.Title) }},
	{"severity", func(d *decoder, s *sdk.Secret) error { return d.stringValue(&s.Severity) }},
	{"match", func(d *decoder, s *sdk.Secret) error { return d.stringValue(&s.Match) }},
	{"location", func(d *decoder, s *sdk.Secret) error { return locationType.decode(d, &s.Location) }},
	{"end_line", func(d *decoder, s *sdk.Secret) error { return d.intValue(&s.EndLine) }},
	{"deleted", func(d *decoder, s *sdk.Secret) error { return d.boolValue(&s.Deleted) }},
	{"analyzer", func(d *decoder, s *sdk.Secret) error { return d.stringValue(&s.Analyzer) }},
	{"policy", func(d *decoder, s *sdk.Secret) error { return decisionType.decodePtr(d, &s.Policy) }},
	{"suppression", func(d *decoder, s *sdk.Secret) error { return suppressionType.decodePtr(d, &s.Suppression) }},
})

var pluginStatusType = newStruct("sdk.PluginStatus", []field[sdk.PluginStatus]{
	{"name", func(d *decoder, p *sdk.PluginStatus) error { return d.stringValue(&p.Name) }},
	{"version", func(d *decoder, p *sdk.PluginStatus) error { return d.stringValue(&p.Version) }},
	{"kind", func(d *decoder, p *sdk.PluginStatus) error { return d.stringValue(&p.Kind) }},
	{"status", func(d *decoder, p *sdk.PluginStatus) error { return d.stringValue(&p.Status) }},
	{"files", func(d *decoder, p *sdk.PluginStatus) error { return d.intValue(&p.Files) }},
	{"error", func(d *decoder, p *sdk.PluginStatus) error { return d.stringValue(&p.Error) }},
})

var fileErrorType = newStruct("sdk.FileError", []field[sdk.FileError]{
	{"analyzer", func(d *decoder, e *sdk.FileError) error { return d.stringValue(&e.Analyzer) }},
	{"path", func(d *decoder, e *sdk.FileError) error { return d.stringValue(&e.Path) }},
	{"message", func(d *decoder, e *sdk.FileError) error { return d.stringValue(&e.Message) }},
})

var decisionType = newStruct("sdk.Decision", []field[sdk.Decision]{
	{"action", func(d *decoder, x *sdk.Decision) error { return d.stringValue(&x.Action) }},
	{"rule", func(d *decoder, x *sdk.Decision) error { return d.stringValue(&x.Rule) }},
	{"description", func(d *decoder, x *sdk.Decision) error { return d.stringValue(&x.Description) }},
	{"error", func(d *decoder, x *sdk.Decision) error { return d.stringValue(&x.Error) }},
})

var suppressionType = newStruct("sdk.Suppression", []field[sdk.Suppression]{
	{"kind", func(d *decoder, x *sdk.Suppression) error { return d.stringValue(&x.Kind) }},
	{"source", func(d *decoder, x *sdk.Suppression) error { return d.stringValue(&x.Source) }},
	{"reason", func(d *decoder, x *sdk.Suppression) error { return d.stringValue(&x.Reason) }},
	{"status", func(d *decoder, x *sdk.Suppression) error { return d.stringValue(&x.Status) }},
	{"expires", func(d *decoder, x *sdk.Suppression) error { return d.timePtr(&x.Expires) }},
})

var suppressedType = newStruct("sdk.Suppressed", []field[sdk.Suppressed]{
	{"vulnerabilities", func(d *decoder, x *sdk.Suppressed) error {
		return decodeSlice(d, &x.Vulnerabilities, vulnerabilityType.decode, "[]sdk.Vulnerability")
	}},
	{"secrets", func(d *decoder, x *sdk.Suppressed) error {
		return decodeSlice(d, &x.Secrets, secretType.decode, "[]sdk.Secret")
	}},
})

var thresholdsType = newStruct("sdk.Thresholds", []field[sdk.Thresholds]{
	{"max_critical", func(d *decoder, x *sdk.Thresholds) error { return d.intValue(&x.MaxCritical) }},
	{"max_high", func(d *decoder, x *sdk.Thresholds) error { return d.intValue(&x.MaxHigh) }},
	{"max_medium", func(d *decoder, x *sdk.Thresholds) error { return d.intValue(&x.MaxMedium) }},
	{"max_low", func(d *decoder, x *sdk.Thresholds) error { return d.intValue(&x.MaxLow) }},
})

var severityCountsType = newStruct("sdk.SeverityCounts", []field[sdk.SeverityCounts]{
	{"critical", func(d *decoder, x *sdk.SeverityCounts) error { return d.intValue(&x.Critical) }},
	{"high", func(d *decoder, x *sdk.SeverityCounts) error { return d.intValue(&x.High) }},
	{"medium", func(d *decoder, x *sdk.SeverityCounts) error { return d.intValue(&x.Medium) }},
	{"low", func(d *decoder, x *sdk.SeverityCounts) error { return d.intValue(&x.Low) }},
	{"negligible", func(d *decoder, x *sdk.SeverityCounts) error { return d.intValue(&x.Negligible) }},
	{"unknown", func(d *decoder, x *sdk.SeverityCounts) error { return d.intValue(&x.Unknown) }},
})

var policyInfoType = newStruct("sdk.PolicyInfo", []field[sdk.PolicyInfo]{
	{"name", func(d *decoder, x *sdk.PolicyInfo) error { return d.stringValue(&x.Name) }},
	{"source", func(d *decoder, x *sdk.PolicyInfo) error { return d.stringValue(&x.Source) }},
	{"digest", func(d *decoder, x *sdk.PolicyInfo) error { return d.stringValue(&x.Digest) }},
	{"resolved", func(d *decoder, x *sdk.PolicyInfo) error { return d.stringValue(&x.Resolved) }},
})

var expiredIgnoreType = newStruct("sdk.ExpiredIgnore", []field[sdk.ExpiredIgnore]{
	{"id", func(d *decoder, x *sdk.ExpiredIgnore) error { return d.stringValue(&x.ID) }},
	{"purl", func(d *decoder, x *sdk.ExpiredIgnore) error { return d.stringValue(&x.PURL) }},
	{"path", func(d *decoder, x *sdk.ExpiredIgnore) error { return d.stringValue(&x.Path) }},
	{"reason", func(d *decoder, x *sdk.ExpiredIgnore) error { return d.stringValue(&x.Reason) }},
	{"expires", func(d *decoder, x *sdk.ExpiredIgnore) error { return d.timeValue(&x.Expires) }},
	{"source", func(d *decoder, x *sdk.ExpiredIgnore) error { return d.stringValue(&x.Source) }},
})

var verdictType = newStruct("sdk.Verdict", []field[sdk.Verdict]{
	{"mode", func(d *decoder, x *sdk.Verdict) error { return d.stringValue(&x.Mode) }},
	{"result", func(d *decoder, x *sdk.Verdict) error { return d.stringValue(&x.Result) }},
	{"enforced", func(d *decoder, x *sdk.Verdict) error { return d.boolValue(&x.Enforced) }},
	{"reasons", func(d *decoder, x *sdk.Verdict) error { return d.strings(&x.Reasons) }},
	{"counted", func(d *decoder, x *sdk.Verdict) error { return severityCountsType.decode(d, &x.Counted) }},
	{"thresholds", func(d *decoder, x *sdk.Verdict) error { return thresholdsType.decode(d, &x.Thresholds) }},
	{"policy", func(d *decoder, x *sdk.Verdict) error { return policyInfoType.decodePtr(d, &x.Policy) }},
	{"actions", func(d *decoder, x *sdk.Verdict) error {
		return decodeMap(d, &x.Actions, (*decoder).intValue, "map[string]int")
	}},
	{"suppressed", func(d *decoder, x *sdk.Verdict) error { return d.intValue(&x.Suppressed) }},
	{"expired_ignores", func(d *decoder, x *sdk.Verdict) error {
		return decodeSlice(d, &x.ExpiredIgnores, expiredIgnoreType.decode, "[]sdk.ExpiredIgnore")
	}},
	{"ignore_file", func(d *decoder, x *sdk.Verdict) error { return d.stringValue(&x.IgnoreFile) }},
	{"vex", func(d *decoder, x *sdk.Verdict) error { return d.strings(&x.VEX) }},
})

func (d *decoder) strings(p *[]string) error {
	return decodeSlice(d, p, (*decoder).stringValue, "[]string")
}

func (d *decoder) locations(p *[]sdk.Location) error {
	return decodeSlice(d, p, locationType.decode, "[]sdk.Location")
}

// ---- Structs, pointers and slices. ----

// structType describes how a struct type T decodes: its JSON fields.
type structType[T any] struct {
	name   string
	fields []field[T]
	keys   []keyPattern // keys[i] matches fields[i].name as written without escapes
}

// field is one JSON field of T: its name (the json tag's) and how to decode its value
// into a *T.
type field[T any] struct {
	name string
	dec  func(d *decoder, v *T) error
}

func newStruct[T any](name string, fields []field[T]) *structType[T] {
	st := &structType[T]{name: name, fields: fields}
	for _, f := range fields {
		st.keys = append(st.keys, newKeyPattern(f.name))
	}
	return st
}

// decode decodes an object into v, member by member; null leaves v as it is.
func (st *structType[T]) decode(d *decoder, v *T) error {
	switch d.next() {
	case '{':
	case 'n':
		return d.literal("null")
	default:
		return d.typeError(st.name)
	}
	if err := d.open(); err != nil {
		return err
	}
	// member, colon and keyPattern.at are inlined by hand here in the usual cases, since
	// this loop runs for every member of the report and in wasm every call and taken
	// branch is dear: Go's wasm code takes each through its function's dispatch loop, and
	// wazero run with WithCloseOnContextDone, as the trawl host runs plugins, calls out of
	// the machine code to check for cancellation at every loop iteration.
	hint, n := 0, 0 // the field after the last one decoded; the members read
	s := d.s
	for {
		d.ws()
		if d.pos < len(s) && s[d.pos] == '}' {
			d.pos++
			d.depth--
			return nil
		}
		switch {
		case n == 0 && d.pos < len(s) && s[d.pos] == '"':
			n++
		case n > 0 && d.pos+1 < len(s) && s[d.pos] == ',' && s[d.pos+1] == '"':
			d.pos++
			n++
		default: // white space, or an error
			if more, err := d.member(&n); !more {
				return err
			}
		}
		// Members usually come in the order of the fields, their keys written as they are:
		// the key is matched on the input's bytes against the fields from the hint on (a
		// field skipped was omitted), else decoded and looked up.
		i := -1
		if p := d.pos + 1; p+24 <= len(s) {
			w0, w1, w2 := load8(s, p), load8(s, p+8), load8(s, p+16)
			for j := hint; j < len(st.keys); j++ {
				k := &st.keys[j]
				if (w0^k.words[0])&k.masks[0]|(w1^k.words[1])&k.masks[1]|(w2^k.words[2])&k.masks[2] == 0 && len(k.pat) <= 24 {
					i = j
					d.pos = p + len(k.pat)
					break
				}
			}
		} else if hint < len(st.keys) && st.keys[hint].at(s, p) {
			i = hint
			d.pos = p + len(st.keys[hint].pat)
		}
		if i < 0 {
			key, err := d.str()
			if err != nil {
				return err
			}
			i = st.lookup(key)
		}
		if d.pos < len(s) && s[d.pos] == ':' {
			d.pos++
		} else if err := d.colon(); err != nil {
			return err
		}
		var err error
		if i < 0 {
			err = d.skip()
		} else {
			err = st.fields[i].dec(d, v)
			hint = i + 1
		}
		if err != nil {
			return err
		}
	}
}

// lookup returns the index of the field that key names, or -1: the field of that exact
// name, or else the first whose name equals key under Unicode case folding (what
// encoding/json's foldName comparison amounts to).
func (st *structType[T]) lookup(key string) int {
	for i := range st.fields {
		if st.fields[i].name == key {
			return i
		}
	}
	for i := range st.fields {
		if strings.EqualFold(st.fields[i].name, key) {
			return i
		}
	}
	return -1
}

// decodePtr decodes into *p, allocating it if nil; null sets it to nil.
func (st *structType[T]) decodePtr(d *decoder, p **T) error {
	switch d.next() {
	case 'n':
		*p = nil
		return d.literal("null")
	case '{':
		if *p == nil {
			*p = new(T)
		}
		return st.decode(d, *p)
	}
	return d.typeError("*" + st.name)
}

// decodeSlice decodes an array into *p as encoding/json does: into the elements already
// there and then into the backing array's spare capacity (without zeroing it), growing it
// when full, and finally truncating; [] gives an empty non-nil slice, null a nil one.
func decodeSlice[T any](d *decoder, p *[]T, elem func(*decoder, *T) error, name string) error {
	switch d.next() {
	case '[':
	case 'n':
		*p = nil
		return d.literal("null")
	default:
		return d.typeError(name)
	}
	if err := d.open(); err != nil {
		return err
	}
	s, in := *p, d.s
	n := 0
	for {
		d.ws()
		if d.pos < len(in) && in[d.pos] == ']' {
			d.pos++
			d.depth--
			break
		}
		if n > 0 {
			if d.pos >= len(in) || in[d.pos] != ',' {
				*p = s
				return d.unexpected("after array element")
			}
			d.pos++
		}
		n++
		i := n - 1
		switch {
		case i < len(s):
		case i < cap(s):
			s = s[:i+1]
		default:
			var zero T
			s = append(s, zero)
		}
		if err := elem(d, &s[i]); err != nil {
			*p = s
			return err
		}
	}
	if n == 0 {
		*p = []T{}
		return nil
	}
	*p = s[:n]
	return nil
}

// decodeMap decodes an object into *p as encoding/json does: into the map there (made if
// nil), each member's value decoded into a zero V and then stored, the last of duplicate
// keys winning; null sets it to nil.
func decodeMap[V any](d *decoder, p *map[string]V, elem func(*decoder, *V) error, name string) error {
	switch d.next() {
	case '{':
	case 'n':
		*p = nil
		return d.literal("null")
	default:
		return d.typeError(name)
	}
	if err := d.open(); err != nil {
		return err
	}
	if *p == nil {
		*p = map[string]V{}
	}
	n := 0
	for {
		more, err := d.member(&n)
		if !more {
			return err
		}
		key, err := d.str()
		if err != nil {
			return err
		}
		if err := d.colon(); err != nil {
			return err
		}
		var v V
		if err := elem(d, &v); err != nil {
			return err
		}
		(*p)[key] = v
	}
}

// ---- Scalars. null leaves each as it is. ----

// typeError reports that the value at pos cannot decode into a want, or a syntax error
// if no value starts there.
func (d *decoder) typeError(want string) error {
	var kind string
	switch c := d.next(); c {
	case '{':
		kind = "object"
	case '[':
		kind = "array"
	case '"':
		kind = "string"
	case 't', 'f':
		kind = "bool"
	case 'n':
		kind = "null"
	default:
		if c != '-' && (c < '0' || c > '9') {
			return d.unexpected("looking for beginning of value")
		}
		kind = "number"
	}
	return d.errorf("cannot decode JSON %s into %s", kind, want)
}

func (d *decoder) stringValue(p *string) error {
	if d.pos < len(d.s) && d.s[d.pos] == '"' { // the usual case, inlined
		s, err := d.str()
		*p = s
		return err
	}
	return d.stringOther(p)
}

func (d *decoder) stringOther(p *string) error {
	switch d.next() {
	case '"':
		s, err := d.str()
		*p = s
		return err
	case 'n':
		return d.literal("null")
	}
	return d.typeError("string")
}

func (d *decoder) boolValue(p *bool) error {
	switch d.next() {
	case 't':
		if err := d.literal("true"); err != nil {
			return err
		}
		*p = true
		return nil
	case 'f':
		if err := d.literal("false"); err != nil {
			return err
		}
		*p = false
		return nil
	case 'n':
		return d.literal("null")
	}
	return d.typeError("bool")
}

// numberValue returns the number at pos, with isNull true (and the null consumed) for
// null.
func (d *decoder) numberValue(want string) (num string, isNull bool, err error) {
	switch c := d.next(); {
	case c == '-' || '0' <= c && c <= '9':
		num, err = d.number()
		return num, false, err
	case c == 'n':
		return "", true, d.literal("null")
	}
	return "", false, d.typeError(want)
}

func (d *decoder) int64Value(p *int64) error {
	num, isNull, err := d.numberValue("int64")
	if err != nil || isNull {
		return err
	}
	n, ok := parseInt(num)
	if !ok {
		return d.rangeError(num, "int64")
	}
	*p = n
	return nil
}

func (d *decoder) intValue(p *int) error {
	num, isNull, err := d.numberValue("int")
	if err != nil || isNull {
		return err
	}
	n, ok := parseInt(num)
	if !ok || int64(int(n)) != n {
		return d.rangeError(num, "int")
	}
	*p = int(n)
	return nil
}

func (d *decoder) float64Value(p *float64) error {
	num, isNull, err := d.numberValue("float64")
	if err != nil || isNull {
		return err
	}
	f, err := strconv.ParseFloat(num, 64)
	if err != nil {
		return d.rangeError(num, "float64")
	}
	*p = f
	return nil
}

// rangeError reports that the number just read, num, does not fit a want.
func (d *decoder) rangeError(num, want string) error {
	return &Error{Offset: d.pos - len(num), Msg: "cannot decode JSON number " + num + " into " + want}
}

// parseInt parses a JSON number as strconv.ParseInt(num, 10, 64) does, ok false where it
// fails (a fraction, an exponent, out of range).
func parseInt(num string) (int64, bool) {
	digits := num
	if len(digits) > 0 && digits[0] == '-' {
		digits = digits[1:]
	}
	if len(digits) == 0 || len(digits) > 18 {
		n, err := strconv.ParseInt(num, 10, 64)
		return n, err == nil
	}
	var n int64
	for i := 0; i < len(digits); i++ {
		c := digits[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int64(c-'0')
	}
	if len(digits) < len(num) {
		n = -n
	}
	return n, true
}

// timeValue hands the raw JSON value, whatever it is, to time.Time's UnmarshalJSON, as
// encoding/json does: null leaves t as it is, a string must be RFC 3339 as written (its
// escapes are not decoded), anything else is an error.
func (d *decoder) timeValue(t *time.Time) error {
	d.ws()
	start := d.pos
	if err := d.skip(); err != nil {
		return err
	}
	if err := t.UnmarshalJSON([]byte(d.s[start:d.pos])); err != nil {
		return &Error{Offset: start, Msg: "cannot decode time", Err: err}
	}
	return nil
}

// timePtr decodes into *p, allocating it if nil; null sets it to nil.
func (d *decoder) timePtr(p **time.Time) error {
	if d.next() == 'n' {
		*p = nil
		return d.literal("null")
	}
	if *p == nil {
		*p = new(time.Time)
	}
	return d.timeValue(*p)
}

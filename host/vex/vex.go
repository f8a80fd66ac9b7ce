// Package vex reads OpenVEX documents (https://github.com/openvex/spec, version 0.2.0), in
// which a software supplier or a security team states whether a vulnerability affects a
// product, so that trawl can suppress the findings their authors have ruled out (not
// affected, or fixed) and show the statement as the reason.
//
// Parse validates what the specification requires and what matching relies on: the
// document's required fields, the status and justification labels, a justification or
// impact statement for not_affected, an action statement for affected, RFC 3339
// timestamps and well-formed purls. A document that fails is refused whole, with its
// source and the statement's index in the message: a statement trawl cannot read must not
// be half-applied. Fields the schema does not define are ignored rather than refused, so
// that a document from a newer revision of the specification still loads.
//
// An Index answers, for one finding, which statement applies; see Index.Match.
package vex

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"reflect"
	"strings"
	"time"

	packageurl "github.com/package-url/packageurl-go"
)

// MaxSize bounds a VEX document. Real documents are kilobytes; a bound keeps a wrong path
// or a hostile file from exhausting memory, as JSON is decoded whole.
const MaxSize = 16 << 20

// Context is the @context of OpenVEX 0.2.0 documents. Parse accepts any context under
// https://openvex.dev/ns, which earlier documents use unversioned.
const Context = "https://openvex.dev/ns/v0.2.0"

const contextPrefix = "https://openvex.dev/ns"

// Status is a statement's impact status.
type Status string

// The statuses of OpenVEX.
const (
	StatusNotAffected        Status = "not_affected"
	StatusAffected           Status = "affected"
	StatusFixed              Status = "fixed"
	StatusUnderInvestigation Status = "under_investigation"
)

// Justification says why a product is not affected.
type Justification string

// The justifications of OpenVEX, from the VEX working group's list.
const (
	ComponentNotPresent                         Justification = "component_not_present"
	VulnerableCodeNotPresent                    Justification = "vulnerable_code_not_present"
	VulnerableCodeNotInExecutePath              Justification = "vulnerable_code_not_in_execute_path"
	VulnerableCodeCannotBeControlledByAdversary Justification = "vulnerable_code_cannot_be_controlled_by_adversary"
	InlineMitigationsAlreadyExist               Justification = "inline_mitigations_already_exist"
)

var statuses = []Status{StatusNotAffected, StatusAffected, StatusFixed, StatusUnderInvestigation}

var justifications = []Justification{
	ComponentNotPresent, VulnerableCodeNotPresent, VulnerableCodeNotInExecutePath,
	VulnerableCodeCannotBeControlledByAdversary, InlineMitigationsAlreadyExist,
}

// Document is a parsed OpenVEX document.
type Document struct {
	// Source is where the document was read from, as given to Load or Parse.
	Source      string
	Context     string
	ID          string
	Author      string
	Role        string
	Timestamp   time.Time
	LastUpdated time.Time // zero when absent
	Version     int
	Tooling     string
	Statements  []Statement
}

// Vulnerability identifies the vulnerability of a statement.
type Vulnerability struct {
	ID          string // @id, an IRI
	Name        string
	Description string
	Aliases     []string
}

// Identifiers are a component's software identifiers.
type Identifiers struct {
	PURL  string
	CPE22 string
	CPE23 string
}

// Component is a product or a subcomponent.
type Component struct {
	ID          string // @id, an IRI: often a purl
	Identifiers Identifiers
	Hashes      map[string]string

	// purls are the parsed purls of ID and Identifiers.PURL.
	purls []packageurl.PackageURL
}

// Product is what a statement is about; Subcomponents are the parts of it (the packages
// of an image) where the vulnerability lies.
type Product struct {
	Component
	Subcomponents []Component
}

// Statement is one statement of a document.
type Statement struct {
	ID            string // @id
	Version       int    // 0 when absent
	Vulnerability Vulnerability
	Products      []Product
	Status        Status
	Justification Justification
	// ImpactStatement says why a product is not affected, in prose.
	ImpactStatement string
	// ActionStatement says what to do about an affected product.
	ActionStatement          string
	ActionStatementTimestamp time.Time
	StatusNotes              string
	Supplier                 string
	// Timestamp is when the statement was known to be true: its own timestamp or, when it
	// has none, its document's, as the specification's inheritance rule says.
	Timestamp   time.Time
	LastUpdated time.Time // zero when absent
	// Source and DocumentID name the document the statement comes from; Index is its
	// position in the document's statements.
	Source     string
	DocumentID string
	Index      int
}

// Suppresses reports whether the statement rules the finding out: the product is not
// affected, or carries the fix. affected and under_investigation leave it reported.
func (s Statement) Suppresses() bool {
	return s.Status == StatusNotAffected || s.Status == StatusFixed
}

// Load reads and parses the OpenVEX document at path.
func Load(path string) (*Document, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, MaxSize+1))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return Parse(path, data)
}

// The wire forms keep timestamps as strings so that a bad one is reported with its field,
// and use pointers where absence and a zero value differ.
type wireDoc struct {
	Context     string            `json:"@context"`
	ID          string            `json:"@id"`
	Author      string            `json:"author"`
	Role        string            `json:"role"`
	Timestamp   *string           `json:"timestamp"`
	LastUpdated *string           `json:"last_updated"`
	Version     *int              `json:"version"`
	Tooling     string            `json:"tooling"`
	Statements  []json.RawMessage `json:"statements"`
}

type wireStatement struct {
	ID                       string        `json:"@id"`
	Version                  *int          `json:"version"`
	Vulnerability            *wireVuln     `json:"vulnerability"`
	Timestamp                *string       `json:"timestamp"`
	LastUpdated              *string       `json:"last_updated"`
	Products                 []wireProduct `json:"products"`
	Status                   *string       `json:"status"`
	Supplier                 string        `json:"supplier"`
	StatusNotes              string        `json:"status_notes"`
	Justification            *string       `json:"justification"`
	ImpactStatement          string        `json:"impact_statement"`
	ActionStatement          string        `json:"action_statement"`
	ActionStatementTimestamp *string       `json:"action_statement_timestamp"`
}

type wireVuln struct {
	ID          string   `json:"@id"`
	Name        string   `json:"name"`
	Description string   `json:"description"`
	Aliases     []string `json:"aliases"`
}

type wireComponent struct {
	ID          string            `json:"@id"`
	Identifiers *wireIdentifiers  `json:"identifiers"`
	Hashes      map[string]string `json:"hashes"`
}

type wireIdentifiers struct {
	PURL  string `json:"purl"`
	CPE22 string `json:"cpe22"`
	CPE23 string `json:"cpe23"`
}

type wireProduct struct {
	wireComponent
	Subcomponents []wireComponent `json:"subcomponents"`
}

// Parse parses and validates an OpenVEX document; source names it in errors and in the
// statements' Source. Errors read "source: field: problem", or "source: statements[i]:
// field: problem" for the i-th statement (from 0); all of a document's problems are
// returned together, joined with errors.Join.
func Parse(source string, data []byte) (*Document, error) {
	if len(data) > MaxSize {
		return nil, fmt.Errorf("%s: larger than %d bytes: not a VEX document", source, MaxSize)
	}
	var w wireDoc
	if err := json.Unmarshal(data, &w); err != nil {
		return nil, fmt.Errorf("%s: %s", source, jsonError(data, "", err))
	}
	v := validator{}
	d := &Document{
		Source: source, Context: w.Context, ID: w.ID, Author: w.Author, Role: w.Role,
		Tooling: w.Tooling,
	}
	switch {
	case w.Context == "":
		v.errorf("@context: missing")
	case !strings.HasPrefix(w.Context, contextPrefix):
		v.errorf("@context: %q is not an OpenVEX context (want %s)", w.Context, Context)
	}
	if w.ID == "" {
		v.errorf("@id: missing")
	}
	if w.Author == "" {
		v.errorf("author: missing")
	}
	if w.Timestamp == nil {
		v.errorf("timestamp: missing")
	} else {
		d.Timestamp = v.time("timestamp", *w.Timestamp)
	}
	if w.LastUpdated != nil {
		d.LastUpdated = v.time("last_updated", *w.LastUpdated)
	}
	switch {
	case w.Version == nil:
		v.errorf("version: missing")
	case *w.Version < 1:
		v.errorf("version: %d, want 1 or more", *w.Version)
	default:
		d.Version = *w.Version
	}
	if len(w.Statements) == 0 {
		v.errorf("statements: missing or empty")
	}
	for i, raw := range w.Statements {
		s := v.statement(data, fmt.Sprintf("statements[%d]", i), raw)
		if s == nil {
			continue
		}
		s.Source, s.DocumentID, s.Index = source, d.ID, i
		if s.Timestamp.IsZero() {
			s.Timestamp = d.Timestamp
		}
		d.Statements = append(d.Statements, *s)
	}
	if len(v.errs) > 0 {
		for i, e := range v.errs {
			v.errs[i] = fmt.Errorf("%s: %w", source, e)
		}
		return nil, errors.Join(v.errs...)
	}
	return d, nil
}

type validator struct {
	errs []error
}

func (v *validator) errorf(format string, args ...any) {
	v.errs = append(v.errs, fmt.Errorf(format, args...))
}

func (v *validator) time(field, s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		v.errorf("%s: %q is not an RFC 3339 time", field, s)
	}
	return t
}

func (v *validator) statement(doc []byte, at string, raw json.RawMessage) *Statement {
	var w wireStatement
	if err := json.Unmarshal(raw, &w); err != nil {
		v.errorf("%s", jsonError(doc, at, err))
		return nil
	}
	// Every problem of the statement names it first: "statements[3]: status: ...".
	sv := &validator{}
	defer func() {
		for _, e := range sv.errs {
			v.errs = append(v.errs, fmt.Errorf("%s: %w", at, e))
		}
	}()
	s := &Statement{
		ID: w.ID, Supplier: w.Supplier, StatusNotes: w.StatusNotes,
		ImpactStatement: w.ImpactStatement, ActionStatement: w.ActionStatement,
	}
	if w.Version != nil {
		if *w.Version < 1 {
			sv.errorf("version: %d, want 1 or more", *w.Version)
		}
		s.Version = *w.Version
	}
	switch {
	case w.Vulnerability == nil:
		sv.errorf("vulnerability: missing")
	case w.Vulnerability.Name == "":
		sv.errorf("vulnerability.name: missing")
	default:
		s.Vulnerability = Vulnerability(*w.Vulnerability)
	}
	if w.Timestamp != nil {
		s.Timestamp = sv.time("timestamp", *w.Timestamp)
	}
	if w.LastUpdated != nil {
		s.LastUpdated = sv.time("last_updated", *w.LastUpdated)
	}
	if w.ActionStatementTimestamp != nil {
		s.ActionStatementTimestamp = sv.time("action_statement_timestamp", *w.ActionStatementTimestamp)
	}
	if w.Status == nil {
		sv.errorf("status: missing")
	} else {
		s.Status = Status(*w.Status)
		if !oneOf(s.Status, statuses) {
			sv.errorf("status: unknown value %q (want %s)", *w.Status, list(statuses))
		}
	}
	if w.Justification != nil {
		s.Justification = Justification(*w.Justification)
		if !oneOf(s.Justification, justifications) {
			sv.errorf("justification: unknown value %q (want %s)", *w.Justification, list(justifications))
		}
	}
	switch s.Status {
	case StatusNotAffected:
		// The specification's one condition for a not_affected statement to count: a
		// suppression must always say why.
		if w.Justification == nil && w.ImpactStatement == "" {
			sv.errorf("status not_affected needs a justification or an impact_statement")
		}
	case StatusAffected:
		if w.ActionStatement == "" {
			sv.errorf("status affected needs an action_statement")
		}
	}
	for j, wp := range w.Products {
		pat := fmt.Sprintf("products[%d]", j)
		p := Product{Component: sv.component(pat, wp.wireComponent)}
		for k, wc := range wp.Subcomponents {
			p.Subcomponents = append(p.Subcomponents, sv.component(fmt.Sprintf("%s.subcomponents[%d]", pat, k), wc))
		}
		s.Products = append(s.Products, p)
	}
	return s
}

func (v *validator) component(at string, w wireComponent) Component {
	c := Component{ID: w.ID, Hashes: w.Hashes}
	if w.ID == "" && w.Identifiers == nil {
		v.errorf("%s: needs an @id or identifiers", at)
	}
	// An @id is any IRI, but one that claims to be a purl must be one, or the statement
	// would silently match nothing.
	if strings.HasPrefix(w.ID, "pkg:") {
		if p, err := packageurl.FromString(w.ID); err != nil {
			v.errorf("%s.@id: invalid purl %q: %v", at, w.ID, err)
		} else {
			c.purls = append(c.purls, p)
		}
	}
	if w.Identifiers != nil {
		c.Identifiers = Identifiers(*w.Identifiers)
		if w.Identifiers.PURL == "" && w.Identifiers.CPE22 == "" && w.Identifiers.CPE23 == "" {
			v.errorf("%s.identifiers: needs a purl, cpe22 or cpe23", at)
		}
		if w.Identifiers.PURL != "" {
			if p, err := packageurl.FromString(w.Identifiers.PURL); err != nil {
				v.errorf("%s.identifiers.purl: invalid purl %q: %v", at, w.Identifiers.PURL, err)
			} else {
				c.purls = append(c.purls, p)
			}
		}
	}
	return c
}

func oneOf[T comparable](x T, set []T) bool {
	for _, y := range set {
		if x == y {
			return true
		}
	}
	return false
}

func list[T ~string](set []T) string {
	var b strings.Builder
	for i, s := range set {
		switch {
		case i == len(set)-1:
			b.WriteString(" or ")
		case i > 0:
			b.WriteString(", ")
		}
		b.WriteString(string(s))
	}
	return b.String()
}

// jsonError rewords encoding/json's errors: a syntax error gets its line and column, a type
// error the field it is in, relative to at.
func jsonError(doc []byte, at string, err error) string {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		line, col := position(doc, syn.Offset)
		return fmt.Sprintf("invalid JSON at line %d, column %d: %v", line, col, syn)
	case errors.As(err, &typ):
		field := typ.Field
		if field == "" {
			field = "the document"
			if at != "" {
				field = "the statement"
			}
		}
		if at != "" {
			field = at + ": " + field
		}
		return fmt.Sprintf("%s: want %s, got a JSON %s", field, kind(typ.Type), typ.Value)
	}
	return "invalid JSON: " + err.Error()
}

func kind(t reflect.Type) string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Int, reflect.Int64:
		return "an integer"
	case reflect.Slice:
		return "an array"
	case reflect.Struct, reflect.Map:
		return "an object"
	}
	return t.String()
}

// position turns a json.SyntaxError's offset, the number of bytes read when the error
// was found, into the 1-based line and column of the offending byte.
func position(doc []byte, offset int64) (line, col int) {
	i := int(min(max(offset-1, 0), int64(len(doc))))
	if offset >= int64(len(doc)) {
		i = len(doc) // the input ended early: point just past it
	}
	before := doc[:i]
	return bytes.Count(before, []byte("\n")) + 1, i - bytes.LastIndexByte(before, '\n')
}

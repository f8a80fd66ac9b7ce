package db

import (
	"archive/zip"
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"sigs.k8s.io/yaml"

	"github.com/trawlscan/trawl/host/osv"
)

// Input kinds, as recorded in Source.Kinds.
const (
	KindOSV           = "osv"
	KindOSVYAML       = "osv-yaml"
	KindOSVZip        = "osv-zip"
	KindAlpineSecdb   = "alpine-secdb"
	KindDebianTracker = "debian-tracker"
)

// maxAdvisoryBytes bounds one OSV document; the largest real ones are a few MB.
const maxAdvisoryBytes = 64 << 20

// readInput feeds one input (file, directory or zip) to s.
func readInput(ctx context.Context, path string, s sink) error {
	info, err := os.Stat(path)
	if err != nil {
		return err
	}
	if !info.IsDir() {
		return readFile(ctx, path, s)
	}
	// WalkDir visits in lexical order, so imports are reproducible.
	return filepath.WalkDir(path, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		if d.IsDir() || !isAdvisoryFile(p) {
			return nil
		}
		return readFile(ctx, p, s)
	})
}

func isAdvisoryFile(p string) bool {
	switch strings.ToLower(filepath.Ext(p)) {
	case ".json", ".yaml", ".yml", ".zip":
		return true
	}
	return false
}

func readFile(ctx context.Context, path string, s sink) error {
	switch strings.ToLower(filepath.Ext(path)) {
	case ".zip":
		s.kind(KindOSVZip)
		return readZip(ctx, path, s)
	case ".yaml", ".yml":
		raw, err := readBounded(path)
		if err != nil {
			return err
		}
		if isAlpineSecdb(raw) {
			s.kind(KindAlpineSecdb)
			return readAlpineSecdb(path, raw, s)
		}
		s.kind(KindOSVYAML)
		js, err := yaml.YAMLToJSON(raw)
		if err != nil {
			s.reject(path, "", ReasonParse, err.Error())
			return nil
		}
		return readOSV(path, js, s)
	default:
		f, err := os.Open(path)
		if err != nil {
			return err
		}
		defer f.Close()
		br := bufio.NewReaderSize(f, 64<<10)
		switch sniffJSON(br) {
		case KindDebianTracker:
			s.kind(KindDebianTracker)
			return readDebianTracker(ctx, path, br, s)
		case KindAlpineSecdb:
			s.kind(KindAlpineSecdb)
			raw, err := io.ReadAll(io.LimitReader(br, maxAdvisoryBytes+1))
			if err != nil {
				return err
			}
			return readAlpineSecdb(path, raw, s)
		}
		s.kind(KindOSV)
		raw, err := io.ReadAll(io.LimitReader(br, maxAdvisoryBytes+1))
		if err != nil {
			return err
		}
		if len(raw) > maxAdvisoryBytes {
			s.reject(path, "", ReasonParse, fmt.Sprintf("larger than %d bytes", maxAdvisoryBytes))
			return nil
		}
		return readOSV(path, raw, s)
	}
}

func readBounded(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	raw, err := io.ReadAll(io.LimitReader(f, maxAdvisoryBytes+1))
	if err != nil {
		return nil, err
	}
	if len(raw) > maxAdvisoryBytes {
		return nil, fmt.Errorf("larger than %d bytes", maxAdvisoryBytes)
	}
	return raw, nil
}

// readOSV validates one OSV document against the OSV schema and stores it.
func readOSV(file string, raw []byte, s sink) error {
	id := peekID(raw)
	if err := validateOSV(raw); err != nil {
		s.reject(file, id, ReasonSchema, err.Error())
		return nil
	}
	var v osv.Vulnerability
	if err := json.Unmarshal(raw, &v); err != nil {
		s.reject(file, id, ReasonParse, err.Error())
		return nil
	}
	return s.advisory(file, &v, false)
}

// peekID finds the id of a document that may not decode as a whole, for error reports.
func peekID(raw []byte) string {
	var doc struct {
		ID string `json:"id"`
	}
	json.Unmarshal(raw, &doc)
	return doc.ID
}

// readZip reads every .json member of a zip archive (osv.dev's <ecosystem>/all.zip).
func readZip(ctx context.Context, path string, s sink) error {
	zr, err := zip.OpenReader(path)
	if err != nil {
		return fmt.Errorf("not a zip archive: %w", err)
	}
	defer zr.Close()
	for _, f := range zr.File {
		if err := ctx.Err(); err != nil {
			return err
		}
		if f.FileInfo().IsDir() || !strings.EqualFold(filepath.Ext(f.Name), ".json") {
			continue
		}
		member := path + "!" + f.Name
		if f.UncompressedSize64 > maxAdvisoryBytes {
			s.reject(member, "", ReasonParse, fmt.Sprintf("larger than %d bytes", maxAdvisoryBytes))
			continue
		}
		rc, err := f.Open()
		if err != nil {
			s.reject(member, "", ReasonParse, err.Error())
			continue
		}
		raw, err := io.ReadAll(io.LimitReader(rc, maxAdvisoryBytes+1))
		rc.Close()
		if err != nil || len(raw) > maxAdvisoryBytes {
			detail := fmt.Sprintf("larger than %d bytes", maxAdvisoryBytes)
			if err != nil {
				detail = err.Error()
			}
			s.reject(member, "", ReasonParse, detail)
			continue
		}
		if err := readOSV(member, raw, s); err != nil {
			return err
		}
	}
	return nil
}

// osvFields are the top-level fields of an OSV document; the Debian tracker's top-level keys
// are source package names instead.
var osvFields = map[string]bool{
	"schema_version": true, "id": true, "modified": true, "published": true, "withdrawn": true,
	"aliases": true, "upstream": true, "related": true, "summary": true, "details": true,
	"severity": true, "affected": true, "references": true, "credits": true, "database_specific": true,
}

// sniffJSON tells an OSV document from the Debian tracker and Alpine secdb by the first
// key of the top-level object, without consuming the reader: an OSV field, a secdb field, or
// (for the tracker) a source package name. Anything unclear goes the OSV way, which reports
// parse errors.
func sniffJSON(br *bufio.Reader) string {
	head, _ := br.Peek(4096)
	dec := json.NewDecoder(bytes.NewReader(head))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return KindOSV
	}
	tok, err := dec.Token()
	key, ok := tok.(string)
	switch {
	case err != nil || !ok || osvFields[key]:
		return KindOSV
	case secdbFields[key]:
		return KindAlpineSecdb
	}
	return KindDebianTracker
}

func jsonMarshal(v any) ([]byte, error) { return json.Marshal(v) }

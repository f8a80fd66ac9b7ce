// Package db is trawl's vulnerability database: OSV advisories (and distribution feeds
// converted to OSV) in one bbolt file, indexed by ecosystem and package name.
//
// Layout, schema version 2:
//
//	meta        "meta"                 -> JSON Meta
//	advisories  ID                     -> zstd(JSON osv.Vulnerability)
//	packages    ecosystem \x00 name    -> IDs, newline-separated, sorted
//
// Ecosystems are indexed in the form ecosystem.MatchKey gives (version 2: Red Hat
// advisories under their stream, without the repository), names in the form
// ecosystem.NormalizeName gives. A DB is built whole by
// Import into a new file and swapped in by rename, so readers never see a half-built one.
package db

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/klauspost/compress/zstd"
	bolt "go.etcd.io/bbolt"

	"github.com/trawlscan/trawl/host/ecosystem"
	"github.com/trawlscan/trawl/host/osv"
)

// SchemaVersion is the version of the file layout. A DB of another version is refused.
const SchemaVersion = 2

var (
	bucketMeta       = []byte("meta")
	bucketAdvisories = []byte("advisories")
	bucketPackages   = []byte("packages")
	keyMeta          = []byte("meta")
)

// Meta describes a DB: when it was built and from what.
type Meta struct {
	SchemaVersion int       `json:"schema_version"`
	BuiltAt       time.Time `json:"built_at"`
	Advisories    int       `json:"advisories"`
	Sources       []Source  `json:"sources"`
}

// Source is one input of an import and what it gave.
type Source struct {
	// Name is the path (or URL) given to the import.
	Name string `json:"name"`
	// Kind is the input format: osv, osv-yaml, osv-zip, alpine-secdb, debian-tracker.
	Kinds []string `json:"kinds"`
	// Imported counts advisories stored; Rejected counts those refused, by reason.
	Imported int            `json:"imported"`
	Rejected map[string]int `json:"rejected,omitempty"`
	// SkippedGitRanges counts GIT ranges, which name commits rather than versions and are
	// not matched.
	SkippedGitRanges int `json:"skipped_git_ranges,omitempty"`
	// Newest is the newest `modified` (or `published`) date among its advisories.
	Newest time.Time `json:"newest,omitzero"`
	// Ecosystems counts the affected-package entries per ecosystem.
	Ecosystems map[string]int `json:"ecosystems,omitempty"`
}

// DB is an open database, read-only and safe for concurrent use.
type DB struct {
	bolt *bolt.DB
	meta Meta
	path string
}

// ErrNotFound is returned by Open for a missing file.
var ErrNotFound = errors.New("vulnerability database not found")

// Open opens the DB at path read-only.
func Open(path string) (*DB, error) {
	if _, err := os.Stat(path); err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("%s: %w (build one with `trawl db import` or `trawl db update`)", path, ErrNotFound)
		}
		return nil, err
	}
	b, err := bolt.Open(path, 0o644, &bolt.Options{ReadOnly: true, Timeout: 5 * time.Second})
	if err != nil {
		return nil, fmt.Errorf("opening vulnerability database %s: %w", path, err)
	}
	d := &DB{bolt: b, path: path}
	if err := b.View(func(tx *bolt.Tx) error {
		mb := tx.Bucket(bucketMeta)
		if mb == nil || tx.Bucket(bucketAdvisories) == nil || tx.Bucket(bucketPackages) == nil {
			return errors.New("not a trawl vulnerability database")
		}
		raw := mb.Get(keyMeta)
		if raw == nil {
			return errors.New("no metadata")
		}
		return json.Unmarshal(raw, &d.meta)
	}); err != nil {
		b.Close()
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if d.meta.SchemaVersion != SchemaVersion {
		b.Close()
		return nil, fmt.Errorf("%s: database schema version %d, this trawl reads version %d: update the database", path, d.meta.SchemaVersion, SchemaVersion)
	}
	return d, nil
}

// Close closes the DB.
func (d *DB) Close() error { return d.bolt.Close() }

// Meta returns the DB's metadata.
func (d *DB) Meta() Meta { return d.meta }

// Path returns the file the DB was opened from.
func (d *DB) Path() string { return d.path }

func packageKey(eco, name string) []byte {
	return []byte(eco + "\x00" + ecosystem.NormalizeName(eco, name))
}

// Advisories returns the advisories that name the package in the ecosystem, in ID order.
func (d *DB) Advisories(eco, name string) ([]*osv.Vulnerability, error) {
	var out []*osv.Vulnerability
	err := d.bolt.View(func(tx *bolt.Tx) error {
		ids := tx.Bucket(bucketPackages).Get(packageKey(eco, name))
		if ids == nil {
			return nil
		}
		adv := tx.Bucket(bucketAdvisories)
		for _, id := range strings.Split(string(ids), "\n") {
			v, err := decodeAdvisory(adv.Get([]byte(id)))
			if err != nil {
				return fmt.Errorf("advisory %s: %w", id, err)
			}
			out = append(out, v)
		}
		return nil
	})
	return out, err
}

// Advisory returns one advisory by ID, or nil.
func (d *DB) Advisory(id string) (*osv.Vulnerability, error) {
	var out *osv.Vulnerability
	err := d.bolt.View(func(tx *bolt.Tx) error {
		raw := tx.Bucket(bucketAdvisories).Get([]byte(id))
		if raw == nil {
			return nil
		}
		var err error
		out, err = decodeAdvisory(raw)
		return err
	})
	return out, err
}

var (
	encoderOnce sync.Once
	encoder     *zstd.Encoder
	decoder     *zstd.Decoder
)

func codecs() {
	encoderOnce.Do(func() {
		encoder, _ = zstd.NewWriter(nil, zstd.WithEncoderLevel(zstd.SpeedDefault), zstd.WithEncoderConcurrency(1))
		decoder, _ = zstd.NewReader(nil, zstd.WithDecoderConcurrency(0))
	})
}

func encodeAdvisory(v *osv.Vulnerability) ([]byte, error) {
	codecs()
	raw, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	return encoder.EncodeAll(raw, nil), nil
}

func decodeAdvisory(b []byte) (*osv.Vulnerability, error) {
	if b == nil {
		return nil, errors.New("missing from the database")
	}
	codecs()
	raw, err := decoder.DecodeAll(b, nil)
	if err != nil {
		return nil, err
	}
	var v osv.Vulnerability
	if err := json.Unmarshal(raw, &v); err != nil {
		return nil, err
	}
	return &v, nil
}

// addID adds id to a newline-separated sorted list.
func addID(list []byte, id string) []byte {
	ids := splitIDs(list)
	i := sort.SearchStrings(ids, id)
	if i < len(ids) && ids[i] == id {
		return list
	}
	ids = append(ids, "")
	copy(ids[i+1:], ids[i:])
	ids[i] = id
	return []byte(strings.Join(ids, "\n"))
}

// removeID removes id from a list; it returns nil when the list becomes empty.
func removeID(list []byte, id string) []byte {
	ids := splitIDs(list)
	out := ids[:0]
	for _, x := range ids {
		if x != id {
			out = append(out, x)
		}
	}
	if len(out) == 0 {
		return nil
	}
	return []byte(strings.Join(out, "\n"))
}

func splitIDs(list []byte) []string {
	if len(bytes.TrimSpace(list)) == 0 {
		return nil
	}
	return strings.Split(string(list), "\n")
}

// Packages calls fn with each indexed (ecosystem, name), in key order, until fn returns
// false. Names are in their indexed (normalised) form.
func (d *DB) Packages(fn func(ecosystem, name string) bool) error {
	return d.bolt.View(func(tx *bolt.Tx) error {
		c := tx.Bucket(bucketPackages).Cursor()
		for k, _ := c.First(); k != nil; k, _ = c.Next() {
			eco, name, _ := strings.Cut(string(k), "\x00")
			if !fn(eco, name) {
				return nil
			}
		}
		return nil
	})
}

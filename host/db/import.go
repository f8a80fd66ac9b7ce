package db

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/trawlscan/trawl/host/ecosystem"
	"github.com/trawlscan/trawl/host/osv"
)

// Rejection is one advisory an import refused, and why.
type Rejection struct {
	Source string
	// File is the file (or zip member) the advisory came from.
	File   string
	ID     string
	Reason string
	Detail string
}

// Summary is what an import did: the new DB's metadata and every rejection.
type Summary struct {
	Meta       Meta
	Rejections []Rejection
}

// Rejection reasons: the keys of Source.Rejected.
const (
	ReasonSchema      = "does not match the OSV schema"
	ReasonParse       = "cannot be parsed"
	ReasonWithdrawn   = "withdrawn"
	ReasonNoPackage   = "names no affected package"
	ReasonDuplicate   = "duplicate id: an equal or newer copy was already imported"
	ReasonNotAffected = "marked not affected by the distribution"
	ReasonTemporaryID = "temporary id without a CVE"
)

type importConfig struct {
	names     map[string]string
	now       func() time.Time
	logger    *slog.Logger
	batchSize int
}

// ImportOption configures Import.
type ImportOption func(*importConfig)

// WithClock sets the clock that stamps the DB's build time. Default: time.Now.
func WithClock(now func() time.Time) ImportOption { return func(c *importConfig) { c.now = now } }

// WithImportLogger logs each rejection at debug level. Default: discard.
func WithImportLogger(l *slog.Logger) ImportOption { return func(c *importConfig) { c.logger = l } }

// WithSourceNames gives inputs the names the DB records for them, such as the URL a file
// was downloaded from. Default: the input path.
func WithSourceNames(names map[string]string) ImportOption {
	return func(c *importConfig) { c.names = names }
}

// WithBatchSize sets how many advisories one write transaction holds. Default: 1000.
func WithBatchSize(n int) ImportOption { return func(c *importConfig) { c.batchSize = max(n, 1) } }

// Import builds a new DB at dst from the inputs: OSV JSON or YAML files, directories of
// them, zip archives as osv.dev publishes them, Alpine secdb files and the Debian security
// tracker's JSON. Advisories stream from the inputs into the DB in batches, so memory does
// not grow with their number. dst is replaced only when the import succeeds.
func Import(ctx context.Context, dst string, inputs []string, opts ...ImportOption) (*Summary, error) {
	cfg := importConfig{now: time.Now, logger: slog.New(slog.DiscardHandler), batchSize: 1000}
	for _, o := range opts {
		o(&cfg)
	}
	if len(inputs) == 0 {
		return nil, errors.New("no inputs to import")
	}
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return nil, err
	}
	tmp, err := os.CreateTemp(filepath.Dir(dst), "."+filepath.Base(dst)+".*.tmp")
	if err != nil {
		return nil, err
	}
	tmpPath := tmp.Name()
	tmp.Close()
	defer os.Remove(tmpPath)

	b, err := bolt.Open(tmpPath, 0o644, &bolt.Options{NoSync: true, NoFreelistSync: true})
	if err != nil {
		return nil, err
	}
	w := &writer{bolt: b, cfg: cfg}
	sum := &Summary{}
	err = func() error {
		if err := b.Update(func(tx *bolt.Tx) error {
			for _, name := range [][]byte{bucketMeta, bucketAdvisories, bucketPackages} {
				if _, err := tx.CreateBucket(name); err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
			return err
		}
		for _, in := range inputs {
			name := in
			if n, ok := cfg.names[in]; ok {
				name = n
			}
			src := &Source{Name: name, Rejected: map[string]int{}, Ecosystems: map[string]int{}}
			w.src = src
			if err := readInput(ctx, in, w); err != nil {
				return fmt.Errorf("%s: %w", in, err)
			}
			if err := w.flush(); err != nil {
				return err
			}
			sort.Strings(src.Kinds)
			if len(src.Rejected) == 0 {
				src.Rejected = nil
			}
			sum.Meta.Sources = append(sum.Meta.Sources, *src)
		}
		return nil
	}()
	if err != nil {
		w.abort()
		b.Close()
		return nil, err
	}
	sum.Rejections = w.rejections
	sum.Meta.SchemaVersion = SchemaVersion
	sum.Meta.BuiltAt = cfg.now().UTC().Truncate(time.Second)
	if err := b.Update(func(tx *bolt.Tx) error {
		sum.Meta.Advisories = tx.Bucket(bucketAdvisories).Stats().KeyN
		raw, err := jsonMarshal(sum.Meta)
		if err != nil {
			return err
		}
		return tx.Bucket(bucketMeta).Put(keyMeta, raw)
	}); err != nil {
		b.Close()
		return nil, err
	}
	// The build leaves pages half full and a grown file; a compacted copy is what ships.
	compacted := tmpPath + ".compact"
	defer os.Remove(compacted)
	out, err := bolt.Open(compacted, 0o644, &bolt.Options{NoSync: true, NoFreelistSync: true})
	if err != nil {
		b.Close()
		return nil, err
	}
	if err := bolt.Compact(out, b, 64<<20); err != nil {
		out.Close()
		b.Close()
		return nil, fmt.Errorf("compacting: %w", err)
	}
	b.Close()
	if err := out.Sync(); err != nil {
		out.Close()
		return nil, err
	}
	if err := out.Close(); err != nil {
		return nil, err
	}
	tmpPath = compacted
	// CreateTemp made it private; a database holds public data.
	if err := os.Chmod(tmpPath, 0o644); err != nil {
		return nil, err
	}
	if err := os.Rename(tmpPath, dst); err != nil {
		return nil, err
	}
	return sum, nil
}

// sink receives what the input readers produce.
type sink interface {
	// kind records the format of what the current source holds.
	kind(k string)
	// advisory stores v. merge is set for advisories converted from distribution feeds,
	// whose records of one ID arrive in parts (one per package and release) and are joined.
	advisory(file string, v *osv.Vulnerability, merge bool) error
	// reject counts an advisory that is not stored.
	reject(file, id, reason, detail string)
}

// writer stores advisories in write transactions of cfg.batchSize.
type writer struct {
	bolt       *bolt.DB
	cfg        importConfig
	src        *Source
	tx         *bolt.Tx
	pending    int
	rejections []Rejection
}

func (w *writer) kind(k string) {
	for _, x := range w.src.Kinds {
		if x == k {
			return
		}
	}
	w.src.Kinds = append(w.src.Kinds, k)
}

func (w *writer) reject(file, id, reason, detail string) {
	w.src.Rejected[reason]++
	w.rejections = append(w.rejections, Rejection{Source: w.src.Name, File: file, ID: id, Reason: reason, Detail: detail})
	w.cfg.logger.Debug("advisory rejected", "file", file, "id", id, "reason", reason, "detail", detail)
}

func (w *writer) advisory(file string, v *osv.Vulnerability, merge bool) error {
	if v.Withdrawn != nil && !v.Withdrawn.IsZero() {
		w.reject(file, v.ID, ReasonWithdrawn, v.Withdrawn.Format(time.RFC3339))
		return nil
	}
	indexed := false
	for _, a := range v.Affected {
		if a.Package.Name != "" && a.Package.Ecosystem != "" {
			indexed = true
		}
	}
	if !indexed {
		w.reject(file, v.ID, ReasonNoPackage, "")
		return nil
	}
	if w.tx == nil {
		tx, err := w.bolt.Begin(true)
		if err != nil {
			return err
		}
		w.tx = tx
	}
	outcome, err := w.put(v, merge)
	if err != nil {
		return err
	}
	switch outcome {
	case duplicate:
		w.reject(file, v.ID, ReasonDuplicate, "")
		return nil
	case stored:
		w.src.Imported++
	}
	// Some databases (Go's) publish every record with a zero modified date; the published
	// date then says how new the data is.
	newest := v.Modified
	if v.Published != nil && v.Published.After(newest) {
		newest = *v.Published
	}
	if newest.After(w.src.Newest) {
		w.src.Newest = newest.UTC()
	}
	for _, a := range v.Affected {
		if a.Package.Ecosystem != "" {
			w.src.Ecosystems[a.Package.Ecosystem]++
		}
		for _, r := range a.Ranges {
			if r.Type == osv.RangeGit {
				w.src.SkippedGitRanges++
			}
		}
	}
	w.pending++
	if w.pending >= w.cfg.batchSize {
		return w.flush()
	}
	return nil
}

type putOutcome int

const (
	stored    putOutcome = iota // a new advisory, or a newer copy of one
	merged                      // a part joined to an advisory converted earlier
	duplicate                   // an older or equal copy, dropped
)

// put stores v and indexes it.
func (w *writer) put(v *osv.Vulnerability, merge bool) (putOutcome, error) {
	outcome := stored
	adv := w.tx.Bucket(bucketAdvisories)
	pkgs := w.tx.Bucket(bucketPackages)
	if raw := adv.Get([]byte(v.ID)); raw != nil {
		old, err := decodeAdvisory(raw)
		if err != nil {
			return duplicate, fmt.Errorf("advisory %s: %w", v.ID, err)
		}
		switch {
		case merge && isConverted(old):
			v = mergeConverted(old, v)
			outcome = merged
		case !v.Modified.After(old.Modified):
			return duplicate, nil
		default:
			for _, a := range old.Affected {
				key := packageKey(ecosystem.MatchKey(a.Package.Ecosystem), a.Package.Name)
				if list := removeID(pkgs.Get(key), v.ID); list == nil {
					if err := pkgs.Delete(key); err != nil {
						return duplicate, err
					}
				} else if err := pkgs.Put(key, list); err != nil {
					return duplicate, err
				}
			}
		}
	}
	enc, err := encodeAdvisory(v)
	if err != nil {
		return duplicate, err
	}
	if err := adv.Put([]byte(v.ID), enc); err != nil {
		return duplicate, err
	}
	for _, a := range v.Affected {
		if a.Package.Name == "" || a.Package.Ecosystem == "" {
			continue
		}
		key := packageKey(ecosystem.MatchKey(a.Package.Ecosystem), a.Package.Name)
		if err := pkgs.Put(key, addID(pkgs.Get(key), v.ID)); err != nil {
			return duplicate, err
		}
	}
	return outcome, nil
}

func (w *writer) flush() error {
	if w.tx == nil {
		return nil
	}
	err := w.tx.Commit()
	w.tx, w.pending = nil, 0
	return err
}

func (w *writer) abort() {
	if w.tx != nil {
		w.tx.Rollback()
		w.tx = nil
	}
}

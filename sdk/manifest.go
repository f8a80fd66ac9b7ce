package sdk

import (
	"encoding/hex"
	"errors"
	"fmt"
	"path"
	"strings"
)

// Plugin kinds.
const (
	KindAnalyzer  = "analyzer"
	KindFormatter = "formatter"
)

// Manifest describes a plugin module. It travels inside the module as the custom section
// named ManifestSection, so the host can read it without compiling the module.
type Manifest struct {
	// ABI is the plugin ABI version the module speaks, "major.minor".
	ABI     string `json:"abi"`
	Name    string `json:"name"`
	Version string `json:"version"`
	Kind    string `json:"kind"`
	// Description is one line for `trawl plugin list`.
	Description string `json:"description,omitempty"`
	// Analyzers are the analyzers a module of kind analyzer provides, each with the files it
	// wants. The host routes a file to the module when any analyzer selects it.
	Analyzers []AnalyzerSpec `json:"analyzers,omitempty"`
	// Formats are the format names a module of kind formatter writes.
	Formats []string `json:"formats,omitempty"`
	// Limits are what the plugin asks for; the host caps them.
	Limits Limits `json:"limits,omitempty"`
}

// AnalyzerSpec is one analyzer inside a module and the files it selects.
type AnalyzerSpec struct {
	Name  string     `json:"name"`
	Files []Selector `json:"files,omitempty"`
	// SecretRules make the analyzer a secrets analyzer, which selects no files: the host
	// runs the rules natively over every regular text file of the scan (and over an image's
	// config) and hands the plugin only the matches, to confirm when Confirm is set.
	SecretRules []SecretRule `json:"secret_rules,omitempty"`
	// Confirm says that the module exports trawl_confirm_secrets, which the host calls with
	// the candidate matches of the analyzer's rules in each file (ABI 1.1).
	Confirm bool `json:"confirm,omitempty"`
}

// Selector selects files by exact path, base name or glob. Exactly one of Path, Base, Glob
// is set. Paths are slash-separated and relative to the root, without a leading slash.
type Selector struct {
	Path string `json:"path,omitempty"`
	Base string `json:"base,omitempty"`
	// Glob is a path pattern where "*" matches within one path element and "**" matches any
	// number of elements ("**/package.json", "usr/lib/*/METADATA").
	Glob string `json:"glob,omitempty"`
	// MaxSize skips larger files; 0 means the host default.
	MaxSize int64 `json:"max_size,omitempty"`
	// Executable narrows the selector to files with an execute permission bit: binaries
	// have no fixed names, and a glob of "**" alone would send the plugin every file.
	Executable bool `json:"executable,omitempty"`
	// Seek, hex-encoded (1 to MaxSeek bytes), narrows the selector to files that contain
	// these bytes, and the plugin receives each such file from their first occurrence on
	// (FileRequest.Offset says where that is). The host finds them natively while the file
	// streams past, so a plugin that reads one structure of a large file (the build
	// information a Go binary carries after "\xff Go buildinf:") is never sent the rest,
	// and files without the bytes cost the plugin nothing.
	Seek string `json:"seek,omitempty"`
	// Section narrows the selector to executables (ELF, PE or Mach-O) that have a section of
	// this name, and the plugin receives only that section's bytes (FileRequest.Section,
	// Offset and Length say which). The host keeps the file as it streams past and reads the
	// section headers at its end, so a plugin that reads one section of a binary (the
	// dependency list cargo-auditable writes to ".dep-v0") is sent nothing else. It excludes
	// Seek.
	Section string `json:"section,omitempty"`
	// Batch sends the files the selector picks in one layer (or one source tree) together,
	// once the layer has been walked, in one call whose content is a tar stream of them
	// (FileRequest.Batch): for formats whose files refer to one another, such as a Maven
	// module and its parent POM. The host bounds a batch (MaxBatchBytes, MaxBatchFiles) and
	// sends more than one when a layer holds more. It excludes Seek, Section and Executable.
	Batch bool `json:"batch,omitempty"`
}

// Bounds of one batch (Selector.Batch): the host holds a batch in memory until it is sent.
const (
	MaxBatchBytes = 64 << 20
	MaxBatchFiles = 10000
)

// MaxSectionName is the longest section name a selector may ask for.
const MaxSectionName = 64

// MaxSeek is the longest byte string a selector may seek.
const MaxSeek = 64

// SeekBytes returns the bytes a selector seeks, nil for none.
func (s Selector) SeekBytes() ([]byte, error) {
	if s.Seek == "" {
		return nil, nil
	}
	b, err := hex.DecodeString(s.Seek)
	if err != nil {
		return nil, fmt.Errorf("seek %q is not hex: %w", s.Seek, err)
	}
	if len(b) > MaxSeek {
		return nil, fmt.Errorf("seek of %d bytes, more than %d", len(b), MaxSeek)
	}
	return b, nil
}

// Limits are the resources a plugin asks for. Zero means the host default.
type Limits struct {
	MemoryMiB   int   `json:"memory_mib,omitempty"`
	TimeoutMS   int64 `json:"timeout_ms,omitempty"`
	OutputBytes int64 `json:"output_bytes,omitempty"`
}

// ManifestSection is the name of the wasm custom section that holds the manifest JSON.
const ManifestSection = "trawl.manifest"

// validName reports whether s is a plugin or analyzer name: 1 to 64 of [a-z0-9._-], not
// starting with a punctuation mark. (Checked by hand: package regexp would add 400 KB to every
// plugin module, since every module links this package.)
func validName(s string) bool {
	if len(s) == 0 || len(s) > 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z', c >= '0' && c <= '9':
		case (c == '.' || c == '_' || c == '-') && i > 0:
		default:
			return false
		}
	}
	return true
}

// ParseABI splits an "major.minor" ABI version.
func ParseABI(v string) (major, minor int, err error) {
	if _, err := fmt.Sscanf(v, "%d.%d", &major, &minor); err != nil || fmt.Sprintf("%d.%d", major, minor) != v {
		return 0, 0, fmt.Errorf("abi version %q is not major.minor", v)
	}
	return major, minor, nil
}

// Validate reports the first problem that makes the manifest unusable.
func (m *Manifest) Validate() error {
	if _, _, err := ParseABI(m.ABI); err != nil {
		return err
	}
	if !validName(m.Name) {
		return fmt.Errorf("plugin name %q: want lower-case letters, digits, '.', '_' or '-', at most 64", m.Name)
	}
	if m.Version == "" {
		return errors.New("plugin version is empty")
	}
	switch m.Kind {
	case KindAnalyzer:
		if len(m.Analyzers) == 0 {
			return errors.New("analyzer plugin declares no analyzers")
		}
		for _, a := range m.Analyzers {
			if !validName(a.Name) {
				return fmt.Errorf("analyzer name %q is not valid", a.Name)
			}
			switch {
			case len(a.Files) == 0 && len(a.SecretRules) == 0:
				return fmt.Errorf("analyzer %s selects no files and has no secret rules", a.Name)
			case len(a.Files) > 0 && len(a.SecretRules) > 0:
				return fmt.Errorf("analyzer %s both selects files and has secret rules: a secrets analyzer is handed every file", a.Name)
			case a.Confirm && len(a.SecretRules) == 0:
				return fmt.Errorf("analyzer %s confirms secrets but has no secret rules", a.Name)
			}
			for _, r := range a.SecretRules {
				if r.Confirm && !a.Confirm {
					return fmt.Errorf("analyzer %s: secret rule %s asks to be confirmed, but the analyzer does not confirm", a.Name, r.ID)
				}
			}
			for i := range a.SecretRules {
				if err := a.SecretRules[i].Validate(); err != nil {
					return fmt.Errorf("analyzer %s: %w", a.Name, err)
				}
			}
			for _, s := range a.Files {
				if err := s.validate(); err != nil {
					return fmt.Errorf("analyzer %s: %w", a.Name, err)
				}
			}
		}
	case KindFormatter:
		if len(m.Formats) == 0 {
			return errors.New("formatter plugin declares no formats")
		}
	default:
		return fmt.Errorf("plugin kind %q: want %q or %q", m.Kind, KindAnalyzer, KindFormatter)
	}
	if m.Limits.MemoryMiB < 0 || m.Limits.TimeoutMS < 0 || m.Limits.OutputBytes < 0 {
		return errors.New("negative limit")
	}
	return nil
}

func (s Selector) validate() error {
	n := 0
	for _, v := range []string{s.Path, s.Base, s.Glob} {
		if v != "" {
			n++
		}
	}
	if n != 1 {
		return errors.New("a selector sets exactly one of path, base and glob")
	}
	if strings.HasPrefix(s.Path, "/") || strings.HasPrefix(s.Glob, "/") {
		return errors.New("selector paths are relative, without a leading slash")
	}
	if s.Glob != "" {
		doubleStars := 0
		for _, el := range strings.Split(s.Glob, "/") {
			if el == "**" {
				doubleStars++
				continue
			}
			if _, err := path.Match(el, ""); err != nil {
				return fmt.Errorf("glob %q: %w", s.Glob, err)
			}
		}
		// Each "**" multiplies the matching work by the depth of the path.
		if doubleStars > 2 {
			return fmt.Errorf("glob %q has more than two ** elements", s.Glob)
		}
	}
	if strings.Contains(s.Base, "/") {
		return fmt.Errorf("base name %q contains a slash", s.Base)
	}
	if s.MaxSize < 0 {
		return errors.New("negative max_size")
	}
	if _, err := s.SeekBytes(); err != nil {
		return err
	}
	if s.Section != "" && s.Seek != "" {
		return errors.New("a selector sets seek or section, not both")
	}
	if s.Batch && (s.Seek != "" || s.Section != "" || s.Executable) {
		return errors.New("a batch selector sets none of seek, section and executable")
	}
	if len(s.Section) > MaxSectionName || strings.ContainsFunc(s.Section, func(r rune) bool { return r <= ' ' || r >= 0x7f }) {
		return fmt.Errorf("section name %q: at most %d printable ASCII characters", s.Section, MaxSectionName)
	}
	return nil
}

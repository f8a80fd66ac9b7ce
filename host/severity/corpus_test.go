package severity

import (
	"bytes"
	"encoding/json"
	"errors"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/trawlscan/trawl/internal/corpustest"
)

// corpusDir returns the shared test corpus's advisories, ../shared/corpus/advisories from
// the repository root (the directory holding go.mod). It lives outside the repository, so
// tests skip without it.
func corpusDir(t testing.TB) string {
	t.Helper()
	return corpustest.Path(t, "advisories")
}

// corpusVector is one CVSS vector found in a corpus file.
type corpusVector struct {
	file, field, vector string
}

var (
	// OSV's severity[].score (and any other "score" or "cvss" field) in JSON: RustSec's
	// advisories also carry the vector in database_specific.cvss.
	jsonVector = regexp.MustCompile(`"(score|cvss)":\s*"((?:CVSS:|\(?AV:)[^"]*)"`)
	// The same in YAML, quoted or not.
	yamlVector = regexp.MustCompile(`(?m)^\s*(?:-\s+)?(score|cvss):\s*["']?((?:CVSS:|\(?AV:)[^"'\s]*)`)
	// Any CVSS v3 or v4 prefix at all, whatever field or text it is in: used to check that
	// the two patterns above found every vector.
	anyPrefix = regexp.MustCompile(`CVSS:\d\.\d/`)
)

var corpusCache struct {
	sync.Mutex
	done     bool
	vectors  []corpusVector
	prefixes int
}

// corpusVectors returns every CVSS vector in the corpus's advisory files, and how many
// CVSS prefixes the files contain in all. The corpus is read once per test binary: the
// fuzz target seeds from it too.
func corpusVectors(t testing.TB) (vectors []corpusVector, prefixes int) {
	t.Helper()
	root := corpusDir(t)
	corpusCache.Lock()
	defer corpusCache.Unlock()
	if corpusCache.done {
		return corpusCache.vectors, corpusCache.prefixes
	}
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		var re *regexp.Regexp
		switch filepath.Ext(path) {
		case ".json":
			re = jsonVector
		case ".yaml", ".yml":
			re = yamlVector
		default:
			return nil
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		// Most advisories (all of Go's) have no CVSS at all: skip the regular expressions.
		if !bytes.Contains(b, []byte("CVSS:")) && !bytes.Contains(b, []byte("AV:")) {
			return nil
		}
		prefixes += len(anyPrefix.FindAll(b, -1))
		rel, _ := filepath.Rel(root, path)
		for _, m := range re.FindAllSubmatch(b, -1) {
			vectors = append(vectors, corpusVector{file: rel, field: string(m[1]), vector: string(m[2])})
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	corpusCache.done, corpusCache.vectors, corpusCache.prefixes = true, vectors, prefixes
	return vectors, prefixes
}

// checkConsistent checks what must hold of any result of FromCVSS: an error is a
// *VectorError that says what is wrong and comes with no rating; a rating has a score in
// [0, 10] with one decimal, the level of that score in its version's table, the source of
// its version and the vector as given.
func checkConsistent(t *testing.T, input string, r Rating, err error) {
	t.Helper()
	if err != nil {
		var ve *VectorError
		if !errors.As(err, &ve) || ve.Problem == "" {
			t.Errorf("%q: error %v is not a *VectorError with a problem", input, err)
		}
		if r != (Rating{}) {
			t.Errorf("%q: rating %+v with error %v", input, r, err)
		}
		return
	}
	if !(r.Score >= 0 && r.Score <= 10) || math.Round(r.Score*10) != r.Score*10 {
		t.Errorf("%q: score %v", input, r.Score)
	}
	if r.Vector != strings.TrimSpace(input) {
		t.Errorf("%q: Vector %q", input, r.Vector)
	}
	var want Level
	switch {
	case strings.HasPrefix(r.Vector, "CVSS:4.0/"):
		if r.Source != SourceCVSSv4 {
			t.Errorf("%q: source %q", input, r.Source)
		}
		want = levelV3V4(r.Score)
	case strings.HasPrefix(r.Vector, "CVSS:3."):
		if r.Source != SourceCVSSv3 {
			t.Errorf("%q: source %q", input, r.Source)
		}
		want = levelV3V4(r.Score)
	default:
		if r.Source != SourceCVSSv2 {
			t.Errorf("%q: source %q", input, r.Source)
		}
		switch {
		case r.Score >= 7:
			want = High
		case r.Score >= 4:
			want = Medium
		default:
			want = Low
		}
	}
	if r.Level != want {
		t.Errorf("%q: level %v for score %.1f, want %v", input, r.Level, r.Score, want)
	}
}

// TestCorpusVectors scores every CVSS vector of the advisory corpus: each must parse and
// score consistently.
func TestCorpusVectors(t *testing.T) {
	vectors, prefixes := corpusVectors(t)
	if len(vectors) == 0 {
		t.Fatal("no CVSS vectors found in the corpus")
	}
	// Every CVSS prefix in the corpus is in a vector the patterns found.
	withPrefix := 0
	for _, v := range vectors {
		if strings.HasPrefix(v.vector, "CVSS:") {
			withPrefix++
		}
	}
	if withPrefix != prefixes {
		t.Errorf("found %d prefixed vectors, but the files have %d CVSS prefixes", withPrefix, prefixes)
	}
	byField, byVersion, unique := map[string]int{}, map[string]int{}, map[string]bool{}
	for _, v := range vectors {
		r, err := FromCVSS(v.vector)
		if err != nil {
			t.Errorf("%s (%s): %v", v.file, v.field, err)
			continue
		}
		checkConsistent(t, v.vector, r, nil)
		kind := "json "
		if strings.HasSuffix(v.file, ".yaml") || strings.HasSuffix(v.file, ".yml") {
			kind = "yaml "
		}
		byField[kind+v.field]++
		version, _, _ := strings.Cut(r.Vector, "/")
		byVersion[version]++
		unique[v.vector] = true
	}
	t.Logf("%d CVSS vectors (%d distinct) in the corpus; by field %v; by version %v", len(vectors), len(unique), byField, byVersion)
}

// NVD's published v3.1 base scores of CVEs whose advisories are in the corpus, for the CVEs
// where the score is well known. The corpus advisory's own vector must give NVD's score.
var nvdScores = []struct {
	advisory, cve string
	score         float64
}{
	{"RUSTSEC-2020-0015", "CVE-2020-1967", 7.5},  // OpenSSL SSL_check_chain NULL dereference
	{"RUSTSEC-2021-0055", "CVE-2021-3449", 5.9},  // OpenSSL renegotiation NULL dereference
	{"RUSTSEC-2021-0056", "CVE-2021-3450", 7.4},  // OpenSSL X509_V_FLAG_X509_STRICT bypass
	{"RUSTSEC-2021-0057", "CVE-2021-23840", 7.5}, // OpenSSL EVP_CipherUpdate overflow
	{"RUSTSEC-2021-0058", "CVE-2021-23841", 5.9}, // OpenSSL X509_issuer_and_serial_hash
	{"RUSTSEC-2021-0097", "CVE-2021-3711", 9.8},  // OpenSSL SM2 decryption overflow
	{"RUSTSEC-2021-0098", "CVE-2021-3712", 7.4},  // OpenSSL ASN.1 string read overrun
	{"RUSTSEC-2022-0025", "CVE-2022-1473", 7.5},  // OpenSSL OPENSSL_LH_flush memory reuse
	{"RUSTSEC-2022-0026", "CVE-2022-1434", 5.9},  // OpenSSL RC4-MD5 integrity
	{"RUSTSEC-2022-0027", "CVE-2022-1343", 5.3},  // OpenSSL OCSP_NOCHECKS
	{"RUSTSEC-2022-0013", "CVE-2022-24713", 7.5}, // regex crate denial of service
	{"RUSTSEC-2021-0003", "CVE-2021-25900", 9.8}, // smallvec insert_many overflow
	{"RUSTSEC-2019-0014", "CVE-2019-16138", 9.8}, // image crate HDR decoder
	{"RUSTSEC-2021-0079", "CVE-2021-32714", 9.1}, // hyper chunked transfer overflow
	{"RUSTSEC-2021-0078", "CVE-2021-32715", 5.3}, // hyper lenient Content-Length
}

func TestCorpusNVDScores(t *testing.T) {
	dir := filepath.Join(corpusDir(t), "osv", "crates.io")
	for _, n := range nvdScores {
		b, err := os.ReadFile(filepath.Join(dir, n.advisory+".json"))
		if err != nil {
			t.Errorf("%s: %v", n.advisory, err)
			continue
		}
		var adv struct {
			Aliases  []string
			Severity []struct{ Type, Score string }
		}
		if err := json.Unmarshal(b, &adv); err != nil {
			t.Fatalf("%s: %v", n.advisory, err)
		}
		if !strings.Contains(strings.Join(adv.Aliases, " "), n.cve) || len(adv.Severity) != 1 {
			t.Fatalf("%s: aliases %v, severity %v", n.advisory, adv.Aliases, adv.Severity)
		}
		r, err := FromOSV(adv.Severity[0].Type, adv.Severity[0].Score)
		if err != nil || r.Score != n.score {
			t.Errorf("%s (%s) %s: %+v, %v; NVD says %.1f", n.advisory, n.cve, adv.Severity[0].Score, r, err, n.score)
		}
	}
}

// TestCorpusAdvisories rates every OSV JSON advisory of the corpus that has severity data
// as a scanner would: each severity entry, top-level or per affected package (CVSS or a
// source's word such as Ubuntu's), and GitHub's database_specific.severity must be
// understood, and Best must pick a CVSS rating whenever the advisory has one. (Ubuntu's
// USN advisories also nest per-CVE severities in ecosystem_specific, which OSV does not
// define; TestCorpusVectors covers their vectors.)
func TestCorpusAdvisories(t *testing.T) {
	root := corpusDir(t)
	type severity struct{ Type, Score string }
	advisories, sources := 0, map[string]int{}
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || filepath.Ext(path) != ".json" {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		// Most advisories (all of Go's) carry no severity: skip decoding them.
		if !bytes.Contains(b, []byte(`"severity"`)) {
			return nil
		}
		var adv struct {
			ID       string
			Severity []severity
			Affected []struct {
				Severity []severity
			}
			DatabaseSpecific map[string]any `json:"database_specific"`
		}
		if json.Unmarshal(b, &adv) != nil || adv.ID == "" {
			return nil // not an OSV advisory
		}
		advisories++
		entries := adv.Severity
		for _, a := range adv.Affected {
			entries = append(entries, a.Severity...)
		}
		var ratings []Rating
		hasCVSS := false
		for _, s := range entries {
			r, err := FromOSV(s.Type, s.Score)
			if err != nil {
				t.Errorf("%s: %s %q: %v", adv.ID, s.Type, s.Score, err)
				continue
			}
			hasCVSS = hasCVSS || strings.HasPrefix(s.Type, "CVSS_")
			ratings = append(ratings, r)
		}
		if word, ok := adv.DatabaseSpecific["severity"].(string); ok {
			r, err := FromSource("GHSA", word)
			if err != nil {
				t.Errorf("%s: database_specific.severity: %v", adv.ID, err)
			}
			ratings = append(ratings, r)
		}
		for _, r := range ratings {
			sources[r.Source]++
		}
		best := Best(ratings)
		if hasCVSS && !strings.HasPrefix(best.Source, "CVSS_") {
			t.Errorf("%s: best of %+v is %+v", adv.ID, ratings, best)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%d OSV JSON advisories with severity data; ratings by source: %v", advisories, sources)
}

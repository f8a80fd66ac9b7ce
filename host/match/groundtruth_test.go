package match_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"sigs.k8s.io/yaml"

	"github.com/trawlscan/trawl/host/db"
	"github.com/trawlscan/trawl/host/ecosystem"
	"github.com/trawlscan/trawl/host/match"
	"github.com/trawlscan/trawl/internal/corpustest"
	"github.com/trawlscan/trawl/sdk"
)

// corpus returns ../shared/corpus from the repository root, skipping when it is absent.
func corpus(t testing.TB) string {
	t.Helper()
	return corpustest.Dir(t)
}

var (
	corpusDBOnce sync.Once
	corpusDB     *db.DB
	corpusDBErr  error
)

// openCorpusDB builds, once per test binary, a DB of the corpus's Go, PyPI and crates.io
// advisories.
func openCorpusDB(t testing.TB) *db.DB {
	t.Helper()
	root := corpus(t)
	corpusDBOnce.Do(func() {
		dir, err := os.MkdirTemp("", "trawl-match-test")
		if err != nil {
			corpusDBErr = err
			return
		}
		path := filepath.Join(dir, "corpus.db")
		_, corpusDBErr = db.Import(context.Background(), path, []string{
			filepath.Join(root, "advisories/osv/go"),
			filepath.Join(root, "advisories/osv/crates.io"),
			filepath.Join(root, "advisories/osv-yaml/pypi"),
		})
		if corpusDBErr == nil {
			corpusDB, corpusDBErr = db.Open(path)
		}
	})
	if corpusDBErr != nil {
		t.Fatal(corpusDBErr)
	}
	return corpusDB
}

type query struct{ ecosystem, name, version string }

// answer is what osv.dev said to one query, and the newest modification date among all the
// advisories of that recording: a lower bound of when it was made.
type answer struct {
	ids        []string
	recordedBy time.Time
}

// recordedAnswers reads osv-scanner's go-vcr cassettes: each querybatch request and osv.dev's
// answer, package@version -> advisory IDs, at the time of recording.
func recordedAnswers(t *testing.T, root string) map[query]*answer {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(root, "expected/osv-scanner/*/*/testdata/cassettes/*.yaml"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no cassettes: %v", err)
	}
	out := map[query]*answer{}
	for _, f := range files {
		var newest time.Time
		var fileQueries []query
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var cassette struct {
			Interactions []struct {
				Request  struct{ URL, Body string } `json:"request"`
				Response struct{ Body string }      `json:"response"`
			} `json:"interactions"`
		}
		if err := yaml.Unmarshal(raw, &cassette); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		for _, it := range cassette.Interactions {
			if !strings.HasSuffix(it.Request.URL, "/v1/querybatch") {
				continue
			}
			var req struct {
				Queries []struct {
					Package struct{ Ecosystem, Name string } `json:"package"`
					Version string                           `json:"version"`
				} `json:"queries"`
			}
			var resp struct {
				Results []struct {
					Vulns []struct {
						ID       string    `json:"id"`
						Modified time.Time `json:"modified"`
					} `json:"vulns"`
				} `json:"results"`
			}
			if json.Unmarshal([]byte(it.Request.Body), &req) != nil || json.Unmarshal([]byte(it.Response.Body), &resp) != nil {
				continue
			}
			for i, q := range req.Queries {
				switch q.Package.Ecosystem {
				case "Go", "PyPI", "crates.io":
				default:
					continue
				}
				if i >= len(resp.Results) {
					break
				}
				k := query{q.Package.Ecosystem, q.Package.Name, q.Version}
				a := out[k]
				if a == nil {
					a = &answer{ids: []string{}}
					out[k] = a
				}
				for _, v := range resp.Results[i].Vulns {
					a.ids = append(a.ids, v.ID)
				}
				a.ids = dedupeSorted(a.ids)
				fileQueries = append(fileQueries, k)
			}
			for _, r := range resp.Results {
				for _, v := range r.Vulns {
					if v.Modified.After(newest) {
						newest = v.Modified
					}
				}
			}
		}
		for _, k := range fileQueries {
			if newest.After(out[k].recordedBy) {
				out[k].recordedBy = newest
			}
		}
	}
	return out
}

func dedupeSorted(ids []string) []string {
	sort.Strings(ids)
	out := ids[:0]
	for i, id := range ids {
		if i == 0 || id != ids[i-1] {
			out = append(out, id)
		}
	}
	return out
}

// corpusPrefixes are the databases the corpus holds. osv.dev also answers with GitHub's
// GHSA records, which the corpus does not have; those are left out of the comparison.
var corpusPrefixes = []string{"GO-", "PYSEC-", "RUSTSEC-"}

func inCorpus(id string) bool {
	for _, p := range corpusPrefixes {
		if strings.HasPrefix(id, p) {
			return true
		}
	}
	return false
}

// Reasons a recorded answer and trawl's may differ. Each is checked, not taken on trust.
type reason int

const (
	// notInCorpus: osv.dev answered an advisory the corpus does not hold; it was published
	// after the corpus snapshot was taken.
	notInCorpus reason = iota + 1
	// newerThanRecording: trawl answered an advisory published after the recording was
	// made (after the newest modification date osv.dev showed in it).
	newerThanRecording
	// unpublished: trawl answered a Go advisory that the corpus (a snapshot of the Go
	// vulnerability database's repository) holds before its release: its published date is
	// still zero, and osv.dev serves it only once released. trawl reports it: the flaw is
	// real, and a scanner should not wait for a date to be set.
	unpublished
	// staleRange: the corpus's copy of the advisory is older than the recording and affects
	// more versions than the copy osv.dev served then. PYSEC-2021-108 (CVE-2021-33503): the
	// corpus copy, modified 2021-07-02, says every urllib3 below 1.26.5; the recording for
	// 1.24.3 has neither it nor its GHSA alias, so the served range no longer included 1.24.3.
	staleRange
)

type difference struct {
	missing, extra []string
	// extraWhy is why trawl answered the extra IDs.
	extraWhy reason
}

func ids(s string) []string { return strings.Fields(s) }

// knownDifferences lists every disagreement between the recordings and trawl on the
// corpus: osv.dev answered "missing", trawl answered "extra". Missing IDs are all
// notInCorpus; extra IDs are explained by extraWhy.
var knownDifferences = map[query]difference{
	{"Go", "golang.org/x/image", "0.4.0"}: {
		extraWhy: unpublished,
		extra:    ids("GO-2026-6222"),
	},
	{"Go", "stdlib", "1.18.1"}: {
		extraWhy: unpublished,
		extra:    ids("GO-2026-5026 GO-2026-5972 GO-2026-6088 GO-2026-6089 GO-2026-6090 GO-2026-6091 GO-2026-6218"),
	},
	{"Go", "stdlib", "1.19"}: {
		extraWhy: unpublished,
		extra:    ids("GO-2026-5026 GO-2026-5972 GO-2026-6088 GO-2026-6089 GO-2026-6090 GO-2026-6091 GO-2026-6218"),
	},
	{"Go", "stdlib", "1.22.4"}: {
		extraWhy: unpublished,
		extra:    ids("GO-2026-5026 GO-2026-5972 GO-2026-6088 GO-2026-6089 GO-2026-6090 GO-2026-6091 GO-2026-6218"),
	},
	{"Go", "stdlib", "1.24.4"}: {
		extraWhy: unpublished,
		extra:    ids("GO-2026-5026 GO-2026-5972 GO-2026-6088 GO-2026-6089 GO-2026-6090 GO-2026-6091 GO-2026-6218"),
	},
	{"Go", "stdlib", "1.26.0"}: {
		extraWhy: unpublished,
		extra:    ids("GO-2026-5026 GO-2026-5942 GO-2026-5972 GO-2026-6088 GO-2026-6089 GO-2026-6090 GO-2026-6091 GO-2026-6218"),
	},
	{"Go", "toolchain", "1.24.4"}: {
		extraWhy: unpublished,
		extra:    ids("GO-2026-6179 GO-2026-6180"),
	},
	{"PyPI", "black", "25.1.0"}: {
		missing: ids("PYSEC-2026-2120 PYSEC-2026-2121"),
	},
	{"PyPI", "click", "8.1.8"}: {
		missing: ids("PYSEC-2026-2132"),
	},
	{"PyPI", "django", "1.11.29"}: {
		missing: ids("PYSEC-2026-1297"),
	},
	{"PyPI", "django", "2.2.24"}: {
		missing: ids("PYSEC-2026-1297"),
	},
	{"PyPI", "flask-cors", "1.0.0"}: {
		missing: ids("PYSEC-2024-271 PYSEC-2026-1383 PYSEC-2026-1384 PYSEC-2026-1385"),
	},
	{"PyPI", "flask", "0.12.2"}: {
		missing: ids("PYSEC-2026-2151"),
	},
	{"PyPI", "flask", "1.0"}: {
		missing: ids("PYSEC-2026-2151"),
	},
	{"PyPI", "flask", "1.0.0"}: {
		missing: ids("PYSEC-2026-2151"),
	},
	{"PyPI", "idna", "2.7"}: {
		missing: ids("PYSEC-2026-215"),
	},
	{"PyPI", "idna", "2.7.0"}: {
		missing: ids("PYSEC-2026-215"),
	},
	{"PyPI", "pip", "23.0.1"}: {
		missing: ids("PYSEC-2026-1795 PYSEC-2026-1796 PYSEC-2026-196 PYSEC-2026-2875 PYSEC-2026-2876"),
	},
	{"PyPI", "protobuf", "4.25.5"}: {
		missing: ids("PYSEC-2026-1805 PYSEC-2026-1806"),
	},
	{"PyPI", "requests", "2.20.0"}: {
		missing: ids("PYSEC-2026-1872 PYSEC-2026-1873 PYSEC-2026-2275"),
	},
	{"PyPI", "setuptools", "58.1.0"}: {
		missing: ids("PYSEC-2025-49 PYSEC-2026-1918 PYSEC-2026-3447"),
	},
	{"PyPI", "urllib3", "1.24.3"}: {
		extraWhy: staleRange,
		missing:  ids("PYSEC-2026-141 PYSEC-2026-1994 PYSEC-2026-1995 PYSEC-2026-1996 PYSEC-2026-1998 PYSEC-2026-1999"),
		extra:    ids("PYSEC-2021-108"),
	},
	{"PyPI", "werkzeug", "3.1.4"}: {
		missing: ids("PYSEC-2026-2044 PYSEC-2026-2320"),
	},
	{"PyPI", "wheel", "0.40.0"}: {
		missing: ids("PYSEC-2026-2047"),
	},
}

func TestMatchesRecordedOSVAnswers(t *testing.T) {
	if raceEnabled {
		t.Skip("imports the corpus: 5 s plainly, 45 s under the race detector; the plain run covers it")
	}
	root := corpus(t)
	d := openCorpusDB(t)
	m := match.NewMatcher(d)
	answers := recordedAnswers(t, root)
	if len(answers) < 50 {
		t.Fatalf("only %d recorded Go, PyPI and crates.io answers", len(answers))
	}
	keys := make([]query, 0, len(answers))
	for k := range answers {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		a, b := keys[i], keys[j]
		return a.ecosystem+a.name+a.version < b.ecosystem+b.name+b.version
	})
	agreed := 0
	for _, k := range keys {
		var want []string
		for _, id := range answers[k].ids {
			if inCorpus(id) {
				want = append(want, id)
			}
		}
		pkg := sdk.Package{Name: k.name, Version: k.version, Type: typeOf(k.ecosystem), Ecosystem: k.ecosystem}
		vulns, problems, err := m.Match([]sdk.Package{pkg})
		if err != nil {
			t.Fatalf("%v: %v", k, err)
		}
		var got []string
		for _, v := range vulns {
			got = append(got, v.Advisories...)
		}
		got = dedupeSorted(got)
		missing, extra := diff(want, got)
		known := knownDifferences[k]
		if strings.Join(missing, " ") != strings.Join(known.missing, " ") || strings.Join(extra, " ") != strings.Join(known.extra, " ") {
			t.Errorf("%s %s@%s: osv.dev answered and trawl did not: %v; trawl answered and osv.dev did not: %v; the table lists %v and %v (problems: %v)",
				k.ecosystem, k.name, k.version, missing, extra, known.missing, known.extra, problems)
			continue
		}
		checkReasons(t, d, k, answers[k], known)
		if len(missing)+len(extra) == 0 {
			agreed++
		}
	}
	t.Logf("%d of %d recorded answers agree exactly on the corpus's advisories; the others differ only as the table explains", agreed, len(keys))
	for k := range knownDifferences {
		if answers[k] == nil {
			t.Errorf("the table lists %v, which no recording asks", k)
		}
	}
}

// checkReasons verifies the reason given for each listed difference.
func checkReasons(t *testing.T, d *db.DB, k query, a *answer, known difference) {
	t.Helper()
	for _, id := range known.missing {
		if adv, _ := d.Advisory(id); adv != nil {
			t.Errorf("%v: %s is in the corpus, so its absence is not data age", k, id)
		}
	}
	for _, id := range known.extra {
		adv, err := d.Advisory(id)
		if err != nil || adv == nil {
			t.Fatalf("%v: %s: %v", k, id, err)
		}
		switch known.extraWhy {
		case unpublished:
			if adv.Published != nil && !adv.Published.IsZero() {
				t.Errorf("%v: %s was published %v", k, id, adv.Published)
			}
		case staleRange:
			if !adv.Modified.Before(a.recordedBy) {
				t.Errorf("%v: %s was modified %v, not before the recording %v", k, id, adv.Modified, a.recordedBy)
			}
		case newerThanRecording:
			if adv.Published == nil || !adv.Published.After(a.recordedBy) {
				t.Errorf("%v: %s was published %v, not after the recording (newest advisory in it modified %s)", k, id, adv.Published, a.recordedBy)
			}
		}
	}
}

func typeOf(eco string) string {
	switch ecosystem.Base(eco) {
	case "Go":
		return "golang"
	case "PyPI":
		return "pypi"
	case "crates.io":
		return "cargo"
	}
	return ""
}

// diff returns what want has that got lacks, and the reverse; both sorted.
func diff(want, got []string) (missing, extra []string) {
	in := func(ss []string, s string) bool {
		i := sort.SearchStrings(ss, s)
		return i < len(ss) && ss[i] == s
	}
	for _, w := range want {
		if !in(got, w) {
			missing = append(missing, w)
		}
	}
	for _, g := range got {
		if !in(want, g) {
			extra = append(extra, g)
		}
	}
	return missing, extra
}

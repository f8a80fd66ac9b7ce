package javatest

import (
	"os"
	"testing"

	"github.com/trawlscan/trawl/internal/corpustest"
)

// readDirs are the corpus directories of lockfiles/maven and the package whose golden
// test reads them.
var readDirs = map[string]string{
	"osv-scanner-v1-maven":                        "pomxml",
	"scalibr-pomxml":                              "pomxml",
	"osv-scanner-v1-gradle":                       "gradlelock",
	"scalibr-gradlelockfile":                      "gradlelock",
	"osv-scanner-v1-gradle-verification-metadata": "gradleverification",
	"scalibr-gradleverificationmetadataxml":       "gradleverification",
}

// skippedDirs are the corpus directories of formats no Java analyzer reads, and why.
var skippedDirs = map[string]string{
	// gradle/libs.versions.toml is a table of aliases for the build scripts: an entry need
	// not be used by any build, its version is a declaration that Gradle's conflict
	// resolution may raise (or a rich constraint: require, prefer, strictly, a range),
	// and what the build resolved is in gradle.lockfile and verification-metadata.xml.
	"scalibr-gradleversioncatalog": "Gradle version catalogs declare versions, not resolved ones",
}

// TestCorpusCovered fails when a directory appears in lockfiles/maven that no test reads
// and no entry above skips.
func TestCorpusCovered(t *testing.T) {
	entries, err := os.ReadDir(corpustest.Path(t, "lockfiles", "maven"))
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, e := range entries {
		seen[e.Name()] = true
		if readDirs[e.Name()] == "" && skippedDirs[e.Name()] == "" {
			t.Errorf("corpus directory lockfiles/maven/%s is neither read nor skipped by the tests", e.Name())
		}
	}
	for d := range readDirs {
		if !seen[d] {
			t.Errorf("lockfiles/maven/%s is gone", d)
		}
	}
}

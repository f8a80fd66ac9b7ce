// Command lang is trawl's first-party language analyzer plugin: it lists the packages that
// language package managers declare in lock files and manifests, and those installed in an
// image. Language analyzers share one module, since each WebAssembly module carries its own
// Go runtime and costs seconds to compile (../../../shared/DESIGN.md).
//
// Analyzers, one per file format (manifest.json says which files each one selects; the
// parsers are plain Go packages, one per format, tested natively):
//   - Python (python/): pip-requirements, pipfile-lock, poetry-lock, uv-lock, pdm-lock,
//     pylock, and python-dist for the METADATA / PKG-INFO of installed distributions.
//   - Node.js (node/): npm-lock (package-lock.json, npm-shrinkwrap.json), yarn-lock,
//     pnpm-lock, bun-lock, and npm-installed for node_modules/**/package.json.
//   - Java (java/): pom-xml (the POMs of a layer or tree arrive together, a selector with
//     "batch", so that parents and BOMs among them resolve versions), gradle-lockfile,
//     gradle-verification-metadata, and
//     java-archive for JAR, WAR and EAR files, nested archives included, streamed.
//   - Go (golang/): go-mod, go-vendor-modules, and go-binary, which the host hands only
//     executables holding the build-information magic, from the magic on (a selector with
//     "seek"), so the module never sees the rest of a binary.
//   - Rust (rust/): cargo-lock, and cargo-auditable, which the host hands only the
//     ".dep-v0" section of executables that have one (a selector with "section").
//   - PHP (php/) composer-lock; Ruby (ruby/) gemfile-lock and
//     gemspec for installed specifications; .NET (dotnet/) nuget-packages-lock,
//     nuget-packages-config, dotnet-deps-json, nuget-project-assets, msbuild-project and
//     paket-lock.
//
// What a file says that gives no package comes back in the result's errors next to the
// packages, one entry per problem, with the file and the line: a requirement that is not
// pinned ("unresolved: flask>=2.0 (not pinned)"), an include that is not followed, an
// entry that cannot be read. A package never has an empty or guessed version. A file that
// is not of its format at all fails as a whole.
//
// Size limits (manifest.json, checked against the parsers' MaxSize by the tests): the
// JSON, TOML, YAML and XML files are read whole, so their limit (8 to 32 MiB) bounds memory,
// several times the largest real lock files; line formats stream through a fixed buffer and
// archives and binaries are streamed, so their limit bounds only what the host reads.
//
// TOML is parsed with the expression parser of github.com/pelletier/go-toml/v2 (package
// unstable) under a small tree builder (internal/tomltree) rather than with a decoder: it
// gives every key its line, which no decoder exposes, and it is the smallest correct
// choice for the module. Measured on wasip1 builds of a minimal analyzer, the parser adds
// 0.20 MB, where github.com/BurntSushi/toml's decoder adds 0.43 MB and go-toml's own
// reflection decoder 0.71 MB; a smaller module also compiles faster at a cold start.
//
// Build it with
//
//	GOOS=wasip1 GOARCH=wasm go build -buildmode=c-shared -o lang.wasm ./plugins/lang
//	go run github.com/trawlscan/trawl/sdk/cmd/trawl-pack -manifest plugins/lang/manifest.json lang.wasm
package main

import (
	"archive/tar"
	"errors"
	"fmt"
	"io"

	"github.com/trawlscan/trawl/plugins/lang/dotnet/depsjson"
	"github.com/trawlscan/trawl/plugins/lang/dotnet/msbuild"
	"github.com/trawlscan/trawl/plugins/lang/dotnet/packagesconfig"
	"github.com/trawlscan/trawl/plugins/lang/dotnet/packageslock"
	"github.com/trawlscan/trawl/plugins/lang/dotnet/paketlock"
	"github.com/trawlscan/trawl/plugins/lang/dotnet/projectassets"
	"github.com/trawlscan/trawl/plugins/lang/golang/gobinary"
	"github.com/trawlscan/trawl/plugins/lang/golang/gomod"
	"github.com/trawlscan/trawl/plugins/lang/golang/vendormodules"
	"github.com/trawlscan/trawl/plugins/lang/internal/collect"
	"github.com/trawlscan/trawl/plugins/lang/java/gradlelock"
	"github.com/trawlscan/trawl/plugins/lang/java/gradleverification"
	"github.com/trawlscan/trawl/plugins/lang/java/jar"
	"github.com/trawlscan/trawl/plugins/lang/java/pomxml"
	"github.com/trawlscan/trawl/plugins/lang/node/bunlock"
	"github.com/trawlscan/trawl/plugins/lang/node/installed"
	"github.com/trawlscan/trawl/plugins/lang/node/packagelock"
	"github.com/trawlscan/trawl/plugins/lang/node/pnpmlock"
	"github.com/trawlscan/trawl/plugins/lang/node/yarnlock"
	"github.com/trawlscan/trawl/plugins/lang/php/composerlock"
	"github.com/trawlscan/trawl/plugins/lang/python/metadata"
	"github.com/trawlscan/trawl/plugins/lang/python/pdmlock"
	"github.com/trawlscan/trawl/plugins/lang/python/pipfilelock"
	"github.com/trawlscan/trawl/plugins/lang/python/poetrylock"
	"github.com/trawlscan/trawl/plugins/lang/python/pylock"
	"github.com/trawlscan/trawl/plugins/lang/python/requirements"
	"github.com/trawlscan/trawl/plugins/lang/python/uvlock"
	"github.com/trawlscan/trawl/plugins/lang/ruby/gemfilelock"
	"github.com/trawlscan/trawl/plugins/lang/ruby/gemspec"
	"github.com/trawlscan/trawl/plugins/lang/rust/auditable"
	"github.com/trawlscan/trawl/plugins/lang/rust/cargolock"
	"github.com/trawlscan/trawl/sdk"
	"github.com/trawlscan/trawl/sdk/plugin"
)

// Analyzer names, as in manifest.json.
const (
	analyzerRequirements = "pip-requirements"
	analyzerPipfileLock  = "pipfile-lock"
	analyzerPoetryLock   = "poetry-lock"
	analyzerUVLock       = "uv-lock"
	analyzerPDMLock      = "pdm-lock"
	analyzerPylock       = "pylock"
	analyzerPythonDist   = "python-dist"

	analyzerGoMod        = "go-mod"
	analyzerGoVendor     = "go-vendor-modules"
	analyzerGoBinary     = "go-binary"
	analyzerCargoLock    = "cargo-lock"
	analyzerCargoAudit   = "cargo-auditable"
	analyzerComposerLock = "composer-lock"

	analyzerGemfileLock    = "gemfile-lock"
	analyzerGemspec        = "gemspec"
	analyzerNuGetLock      = "nuget-packages-lock"
	analyzerPackagesConfig = "nuget-packages-config"
	analyzerDepsJSON       = "dotnet-deps-json"
	analyzerProjectAssets  = "nuget-project-assets"
	analyzerMSBuild        = "msbuild-project"
	analyzerPaketLock      = "paket-lock"

	analyzerPomXML             = "pom-xml"
	analyzerGradleLock         = "gradle-lockfile"
	analyzerGradleVerification = "gradle-verification-metadata"
	analyzerJavaArchive        = "java-archive"

	analyzerNpmLock      = "npm-lock"
	analyzerBunLock      = "bun-lock"
	analyzerNpmInstalled = "npm-installed"
	analyzerPnpmLock     = "pnpm-lock"
	analyzerYarnLock     = "yarn-lock"
)

// parser reads one file format. MaxSize is the manifest's max_size for its files.
type parser struct {
	parse   func(path string, r io.Reader) (*collect.Result, error)
	maxSize int64
}

var parsers = map[string]parser{
	analyzerRequirements: {requirements.Parse, requirements.MaxSize},
	analyzerPipfileLock:  {pipfilelock.Parse, pipfilelock.MaxSize},
	analyzerPoetryLock:   {poetrylock.Parse, poetrylock.MaxSize},
	analyzerUVLock:       {uvlock.Parse, uvlock.MaxSize},
	analyzerPDMLock:      {pdmlock.Parse, pdmlock.MaxSize},
	analyzerPylock:       {pylock.Parse, pylock.MaxSize},
	analyzerPythonDist:   {metadata.Parse, metadata.MaxSize},

	analyzerGoMod:        {gomod.Parse, gomod.MaxSize},
	analyzerGoVendor:     {vendormodules.Parse, vendormodules.MaxSize},
	analyzerGoBinary:     {gobinary.Parse, gobinary.MaxSize},
	analyzerCargoLock:    {cargolock.Parse, cargolock.MaxSize},
	analyzerCargoAudit:   {auditable.Parse, auditable.MaxBinary},
	analyzerComposerLock: {composerlock.Parse, composerlock.MaxSize},

	analyzerGemfileLock:    {gemfilelock.Parse, gemfilelock.MaxSize},
	analyzerGemspec:        {gemspec.Parse, gemspec.MaxSize},
	analyzerNuGetLock:      {packageslock.Parse, packageslock.MaxSize},
	analyzerPackagesConfig: {packagesconfig.Parse, packagesconfig.MaxSize},
	analyzerDepsJSON:       {depsjson.Parse, depsjson.MaxSize},
	analyzerProjectAssets:  {projectassets.Parse, projectassets.MaxSize},
	analyzerMSBuild:        {msbuild.Parse, msbuild.MaxSize},
	analyzerPaketLock:      {paketlock.Parse, paketlock.MaxSize},

	analyzerPomXML:             {pomxml.Parse, pomxml.MaxSize},
	analyzerGradleLock:         {gradlelock.Parse, gradlelock.MaxSize},
	analyzerGradleVerification: {gradleverification.Parse, gradleverification.MaxSize},
	analyzerJavaArchive:        {jar.Parse, jar.MaxSize},

	analyzerNpmLock:      {packagelock.Parse, packagelock.MaxSize},
	analyzerBunLock:      {bunlock.Parse, bunlock.MaxSize},
	analyzerNpmInstalled: {installed.Parse, installed.MaxSize},
	analyzerPnpmLock:     {pnpmlock.Parse, pnpmlock.MaxSize},
	analyzerYarnLock:     {yarnlock.Parse, yarnlock.MaxSize},
}

func init() { plugin.RegisterAnalyzer(analyzer{}) }

// main is never run: the module is a reactor, driven through its exports.
func main() {}

type analyzer struct{}

// Analyze parses one file with the analyzer that selected it. A file that is not of its
// format fails (the SDK records the error for the host); problems inside a readable file
// come back as errors in the result, next to the packages.
func (analyzer) Analyze(req sdk.FileRequest, content io.Reader) (*sdk.AnalysisResult, error) {
	// The manifest's selectors do not overlap, so each file has exactly one analyzer; the
	// content can be read only once, so two would need buffering that nothing needs.
	if len(req.Analyzers) != 1 {
		return nil, fmt.Errorf("%s: want exactly one analyzer, got %q", req.Path, req.Analyzers)
	}
	name := req.Analyzers[0]
	if req.Batch > 0 {
		return analyzeBatch(req, content)
	}
	p, ok := parsers[name]
	if !ok {
		return nil, fmt.Errorf("%s: unknown analyzer %q", req.Path, name)
	}
	res, err := p.parse(req.Path, content)
	if err != nil {
		return nil, err
	}
	out := &sdk.AnalysisResult{Packages: res.Packages}
	for _, pr := range res.Problems {
		out.Errors = append(out.Errors, sdk.FileError{Analyzer: name, Path: req.Path, Message: pr.Error()})
	}
	return out, nil
}

// analyzeBatch reads the POMs of a layer or tree, sent together (a selector with "batch"),
// so that each is resolved with its parents and imported BOMs found among them.
func analyzeBatch(req sdk.FileRequest, content io.Reader) (*sdk.AnalysisResult, error) {
	name := req.Analyzers[0]
	if name != analyzerPomXML {
		return nil, fmt.Errorf("%s: analyzer %q reads no batches", req.Path, name)
	}
	var files []pomxml.File
	tr := tar.NewReader(content)
	for {
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("batch from %s: %w", req.Path, err)
		}
		data, err := collect.ReadAll(hdr.Name, tr, pomxml.MaxSize)
		if err != nil {
			return nil, err
		}
		files = append(files, pomxml.File{Path: hdr.Name, Data: data})
	}
	out := &sdk.AnalysisResult{}
	for _, a := range pomxml.ParseProject(files) {
		if a.Err != nil {
			out.Errors = append(out.Errors, sdk.FileError{Analyzer: name, Path: a.Path, Message: a.Err.Error()})
			continue
		}
		out.Packages = append(out.Packages, a.Result.Packages...)
		for _, pr := range a.Result.Problems {
			out.Errors = append(out.Errors, sdk.FileError{Analyzer: name, Path: a.Path, Message: pr.Error()})
		}
	}
	return out, nil
}

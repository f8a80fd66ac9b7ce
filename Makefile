# trawl: build, test and measure. `make demo` and `make test` are the two set-up commands.

GO       ?= go
VERSION  ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
BIN      := bin/trawl
PACK     := bin/trawl-pack
WASM_DIR := plugins/builtin/wasm
# First-party plugin modules: each is plugins/<name> with a manifest.json.
PLUGINS  := os lang secrets formatters
MODULES  := $(PLUGINS:%=$(WASM_DIR)/%.wasm)
# The other Go modules, which the root's ./... does not reach: the plugin SDK (plugin authors
# depend on it alone) and its example plugins, each its own module.
SDK_MODULES := sdk $(patsubst %/go.mod,%,$(sort $(wildcard sdk/examples/*/go.mod)))
# in_sdk_modules runs a command in each of SDK_MODULES, stopping at the first failure.
in_sdk_modules = set -e; for m in $(SDK_MODULES); do echo "($$m) $(1)"; (cd $$m && $(1)); done
# Each fuzz target's run in `make test` (the seed corpora also run in test-unit); with 60
# targets, 3 s each keeps `make test` well inside CI's budget.
FUZZTIME ?= 3s
# The wasm compilation cache the tests share across runs (see host/wasm/wasmtest).
export TRAWL_TEST_CACHE ?= $(CURDIR)/.cache/test-wasm

.PHONY: all build plugins test test-unit test-race fuzz-short fuzz bench demo lint clean FORCE

all: build

build: plugins
	$(GO) run ./internal/tools/precompile -out plugins/builtin/precompiled
	$(GO) build -trimpath -ldflags "-s -w -X main.version=$(VERSION)" -o $(BIN) ./cmd/trawl

$(PACK): FORCE
	$(GO) build -o $@ github.com/trawlscan/trawl/sdk/cmd/trawl-pack

plugins: $(MODULES)

# go build is incremental, so the modules are rebuilt every time and cost nothing when
# nothing changed; the pack step then rewrites the manifest section.
$(WASM_DIR)/%.wasm: $(PACK) FORCE
	GOOS=wasip1 GOARCH=wasm $(GO) build -buildmode=c-shared -trimpath -ldflags "-s -w" -o $@.tmp ./plugins/$*
	$(PACK) -manifest plugins/$*/manifest.json -o $@ $@.tmp
	@rm -f $@.tmp

# The demo DB is built from the advisories shipped in testdata/advisories (Alpine's secdb
# for 3.10 and the PyPA advisories of the demo app's packages), so the demo is offline and
# its findings are real.
demo: build
	$(BIN) db import --db .cache/demo.db testdata/advisories/alpine-secdb testdata/advisories/pypi
	$(BIN) image --input testdata/images/alpine-3.10-demo.tar --db .cache/demo.db

test: plugins lint lint-integrations test-unit test-race fuzz-short

test-unit:
	$(GO) test -count=1 ./...
	@$(call in_sdk_modules,$(GO) test -count=1 ./...)

test-race:
	$(GO) test -count=1 -race ./...
	@$(call in_sdk_modules,$(GO) test -count=1 -race ./...)

# Each fuzz target for FUZZTIME (short in `make test`, long in `make fuzz`).
fuzz-short:
	@./scripts/fuzz.sh $(FUZZTIME)

fuzz:
	@./scripts/fuzz.sh 5m

bench: build
	$(GO) test -run="^$$" -bench='BenchmarkBuiltinModules/.*/(compile|instantiate)' -benchtime=3x ./host/wasm/
	$(GO) test -run="^$$" -bench='BenchmarkBuiltinModules/.*/empty-call' ./host/wasm/
	$(GO) test -run="^$$" -bench='BenchmarkWasmVsNative' ./plugins/os/ ./plugins/lang/
	$(GO) run ./internal/tools/bench -trawl $(BIN)
	$(GO) run ./internal/tools/secretsbench -trawl $(BIN)

lint:
	@out=$$(gofmt -l $$(git ls-files '*.go' | grep -v '/testdata/')); \
	if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...
	GOOS=wasip1 GOARCH=wasm $(GO) vet $(PLUGINS:%=./plugins/%/...)
	@$(call in_sdk_modules,$(GO) vet ./...)
	@$(call in_sdk_modules,GOOS=wasip1 GOARCH=wasm $(GO) vet ./...)

# The CI/CD integrations (action.yml, .github/, integrations/): actionlint on the workflows
# (it reads action.yml through `uses: ./`), shellcheck on the shared script, and the
# integrations package's checks, which run both on every script the integrations run
# (the action's steps as a workflow, the GitLab jobs, the Azure steps, the Jenkins sh) and
# check the templates, task.json and the copies of the script; TRAWL_REQUIRE_LINTERS makes a
# missing linter fail them rather than skip.
.PHONY: lint-integrations
lint-integrations:
	@command -v shellcheck >/dev/null || { echo "lint-integrations: shellcheck is not installed (apt-get install -y shellcheck; .ci/run does)"; exit 1; }
	GOBIN=$(CURDIR)/bin $(GO) install github.com/rhysd/actionlint/cmd/actionlint@v1.7.12
	bin/actionlint .github/workflows/*.yml integrations/github/examples/*.yml
	shellcheck integrations/scripts/*.sh
	TRAWL_REQUIRE_LINTERS=1 $(GO) test -count=1 -run '^(TestLint|TestCopies)' ./integrations/

clean:
	rm -rf bin .cache $(WASM_DIR)/*.wasm plugins/builtin/precompiled/*/

FORCE:

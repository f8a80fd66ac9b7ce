# trawl: build, test and measure. `make demo` and `make test` are the two set-up commands.

GO       ?= go
VERSION  ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
BIN      := bin/trawl
PACK     := bin/trawl-pack
WASM_DIR := plugins/builtin/wasm
# First-party plugin modules: each is plugins/<name> with a manifest.json.
PLUGINS  := os lang secrets formatters
MODULES  := $(PLUGINS:%=$(WASM_DIR)/%.wasm)
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
	$(GO) build -o $@ ./sdk/cmd/trawl-pack

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

test: plugins lint test-unit test-race fuzz-short

test-unit:
	$(GO) test -count=1 ./...

test-race:
	$(GO) test -count=1 -race ./...

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
	GOOS=wasip1 GOARCH=wasm $(GO) vet ./sdk/... $(PLUGINS:%=./plugins/%/...)

clean:
	rm -rf bin .cache $(WASM_DIR)/*.wasm plugins/builtin/precompiled/*/

FORCE:

# kiln — the two commands a fresh machine needs:
#   make run    set up, build everything, answer the add call, compare the three artifacts
#   make test   set up, build everything, run every test and the linters
CARGO ?= cargo
KILN := target/release/kiln
ADD_CALL := benches/calls/add.json

.PHONY: run test setup build artifacts test-rust test-js lint soak soak-http serve bench bench-http clean

run: artifacts
	@echo "== kiln run $(ADD_CALL) (snapshot artifact)"
	$(KILN) run $(ADD_CALL)
	@echo "== per-call time in-process, snapshot vs bytecode vs plain (kiln bench --quick)"
	$(KILN) bench --quick --calls 100

# The test suite builds its own artifacts (once per run, into target/kiln-test/all).
test: build test-js test-rust lint

setup:
	./scripts/setup.sh

# One release build serves the binary, the tests and the benches: wasmtime compiles once
# (--all-targets, so the tests' dev-dependencies do not change features and force a rebuild).
build: setup
	$(CARGO) build --release --locked --workspace --all-targets

artifacts: build
	$(KILN) build

test-rust: build
	$(CARGO) test --release --locked --workspace

test-js: setup
	npm test --silent

lint: setup
	$(CARGO) fmt --all --check
	cd guest && $(CARGO) fmt --check
	$(CARGO) clippy --release --locked --workspace --all-targets -- -D warnings
	cd guest && $(CARGO) clippy --release --locked --target wasm32-wasip1 --target-dir ../target/guest -- -D warnings

# Differential fuzzing of the three artifacts for FUZZ_SECONDS (default 10 minutes).
FUZZ_SECONDS ?= 600
.PHONY: fuzz
fuzz: build
	KILN_FUZZ_SECONDS=$(FUZZ_SECONDS) $(CARGO) test --release --locked --test all -- fuzz::generated_requests --exact

# A long mixed stream through `kiln run --jsonl --jobs 2`: answers, order, flat memory.
SOAK_CALLS ?= 10000
soak: build
	KILN_SOAK_CALLS=$(SOAK_CALLS) $(CARGO) test --release --locked --test all -- soak::long_mixed_stream --exact

# The same over HTTP: `kiln serve` and 64 keep-alive connections, mixed normal and hostile.
SOAK_HTTP_CALLS ?= 10000
soak-http: build
	KILN_SOAK_HTTP_CALLS=$(SOAK_HTTP_CALLS) $(CARGO) test --release --locked --test all -- http::soak --exact

# The function-evaluator HTTP service on port 6927 (metrics on 9102), until Ctrl-C.
serve: artifacts
	$(KILN) serve --metrics-port 9102

bench: artifacts
	$(KILN) bench

# `kiln serve` under load: wrk (installed here, not by `make test`) POSTs the add call over
# 1, 8 and 64 keep-alive connections; `kiln run --jsonl --jobs N` runs beside it; the server's
# /metrics must agree with wrk's count. Writes docs/bench/http.md and the README table.
# Options: BENCH_HTTP_ARGS="--duration 10 --connections 1,8,64 --threads 1 --calls 20000 --no-write"
BENCH_HTTP_ARGS ?=
bench-http: artifacts
	./scripts/setup.sh --bench
	node scripts/bench-http.mjs $(BENCH_HTTP_ARGS)

clean:
	rm -rf target/kiln target/kiln-test target/kiln-bench-http

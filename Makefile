# Parlor's single entry point. `make run` and `make test` are the two commands a newcomer
# needs; the other targets are their steps.

SHELL := /bin/bash
JOBS ?= 2
# Tests wait on servers and browsers more than on the CPU: twice the cores.
TEST_JOBS ?= 4
# `make run` and `make bench`: the release build.
BUILD_DIR := server/build
PARLOR := $(BUILD_DIR)/parlor
# `make test`: the suites and the server they test, built to be checked (not optimised,
# assertions on, warnings are errors; see CMAKE_BUILD_TYPE Check in server/CMakeLists.txt).
TEST_BUILD_DIR := server/build-test
# `make test-sanitize`: the same under ASan + UBSan, and under TSan.
ASAN_BUILD_DIR := server/build-asan
TSAN_BUILD_DIR := server/build-tsan
CXX_SOURCES = $(shell git ls-files -co --exclude-standard -- 'server/*.cpp' 'server/*.hpp')

.PHONY: run test deps configure configure-test server web build test-server test-web test-e2e \
	test-sanitize fuzz soak format format-check clean bench

## run: install what is missing, build, and serve Parlor at http://localhost:8080
run: build
	@echo "==> Parlor on http://localhost:8080 (data in ./data; Ctrl-C stops)"
	@# Parlor refuses a data directory others can read; one made before that rule was 0755.
	@if [ -d data ]; then chmod 700 data; fi
	$(PARLOR) --host 127.0.0.1 --port 8080 --data-dir ./data --static-dir ./web/dist

## test: install what is missing, build, and run every suite
test: deps format-check test-server test-web test-e2e
	@echo "==> all test suites passed"

deps:
	@scripts/install-deps.sh

configure: deps
	@cmake -S server -B $(BUILD_DIR) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DPARLOR_BUILD_TESTS=ON >/dev/null

configure-test: deps
	@cmake -S server -B $(TEST_BUILD_DIR) -G Ninja -DCMAKE_BUILD_TYPE=Check \
		-DPARLOR_BUILD_TESTS=ON -DPARLOR_WERROR=ON >/dev/null

server: configure
	@echo "==> building the server"
	@ninja -C $(BUILD_DIR) -j$(JOBS) parlor

web: deps
	@echo "==> building the web client"
	@cd web && npm run --silent build

build: server web

# Unit and integration tests, the realtime suites again against four-thread servers, and
# the fuzz corpus replayed.
test-server: configure-test
	@echo "==> building the server and its tests"
	@ninja -C $(TEST_BUILD_DIR) -j$(JOBS)
	@echo "==> running the server's unit, integration and fuzz-corpus tests"
	@cd $(TEST_BUILD_DIR) && ctest --output-on-failure -j$(TEST_JOBS)

test-web: deps
	@echo "==> web client unit tests"
	@cd web && npm test --silent

# Against the server that test-server built.
test-e2e: test-server web
	@echo "==> building the web client for the browser tests (with the test hooks)"
	@cd web && npm run --silent build:e2e
	@echo "==> browser end-to-end tests (Chromium, loopback-only network namespace)"
	@PARLOR_BIN=$(CURDIR)/$(TEST_BUILD_DIR)/parlor scripts/e2e.sh

## test-sanitize: the server's suites under ASan + UBSan, then the realtime ones under TSan (four-thread servers)
test-sanitize: deps
	@scripts/test-sanitize.sh $(ASAN_BUILD_DIR) $(TSAN_BUILD_DIR)

## fuzz: the libFuzzer targets (clang, ASan + UBSan), FUZZ_SECONDS each (default 60)
fuzz:
	@scripts/fuzz.sh

## soak: 1,000 clients for 10 minutes, every kind of operation; errors, lost and duplicated events, server RSS and descriptors over time (SOAK_ARGS="--clients 200 --duration 60")
soak: server
	@bench/soak.sh $(SOAK_ARGS)

## bench: Parlor against a Node.js (Hono + ws) baseline, nginx for files, 6 to 8 minutes; writes bench/results/
bench: server
	@bench/run.sh

format:
	@clang-format -i $(CXX_SOURCES)

format-check: deps
	@echo "==> checking C++ formatting (clang-format)"
	@clang-format --dry-run --Werror $(CXX_SOURCES)

clean:
	rm -rf $(BUILD_DIR) $(TEST_BUILD_DIR) $(ASAN_BUILD_DIR) $(TSAN_BUILD_DIR) server/build-fuzz web/dist web/dist-e2e

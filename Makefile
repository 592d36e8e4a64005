# Parlor's single entry point. `make run` and `make test` are the two commands a newcomer
# needs; the other targets are their steps.

SHELL := /bin/bash
JOBS ?= 2
BUILD_DIR := server/build
PARLOR := $(BUILD_DIR)/parlor
CXX_SOURCES = $(shell git ls-files -co --exclude-standard -- 'server/*.cpp' 'server/*.hpp')

.PHONY: run test deps configure server web build test-server test-web test-e2e format format-check clean bench

## run: install what is missing, build, and serve Parlor at http://localhost:8080
run: build
	@echo "==> Parlor on http://localhost:8080 (data in ./data; Ctrl-C stops)"
	@# Parlor refuses a data directory others can read; one made before that rule was 0755.
	@if [ -d data ]; then chmod 700 data; fi
	$(PARLOR) --host 127.0.0.1 --port 8080 --data-dir ./data --static-dir ./web/dist

## test: install what is missing, build, and run every suite
test: deps format-check build test-server test-web test-e2e
	@echo "==> all test suites passed"

deps:
	@scripts/install-deps.sh

configure: deps
	@cmake -S server -B $(BUILD_DIR) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DPARLOR_BUILD_TESTS=ON >/dev/null

server: configure
	@echo "==> building the server"
	@ninja -C $(BUILD_DIR) -j$(JOBS) parlor

web: deps
	@echo "==> building the web client"
	@cd web && npm run --silent build

build: server web

test-server: configure
	@echo "==> building and running the server's unit and integration tests"
	@ninja -C $(BUILD_DIR) -j$(JOBS)
	@cd $(BUILD_DIR) && ctest --output-on-failure -j$(JOBS)

test-web: deps
	@echo "==> web client unit tests"
	@cd web && npm test --silent

test-e2e: server web
	@echo "==> browser end-to-end tests (Chromium, loopback-only network namespace)"
	@scripts/e2e.sh

## bench: Parlor against a Node.js (Hono + ws) baseline, nginx for files, 6 to 8 minutes; writes bench/results/
bench: server
	@bench/run.sh

format:
	@clang-format -i $(CXX_SOURCES)

format-check: deps
	@echo "==> checking C++ formatting (clang-format)"
	@clang-format --dry-run --Werror $(CXX_SOURCES)

clean:
	rm -rf $(BUILD_DIR) web/dist

# The subsidised vocational-training platform: four Swift gRPC services over OpenSSL mutual TLS.
# `make help` lists the targets. Everything here is a thin wrapper around scripts you can run alone.

SWIFT             ?= swift
SWIFT_BUILD_FLAGS ?=
# Release builds (make build-release, make run) link as Deploy/release-flags says.
RELEASE_FLAGS     := $(shell sed 's/\#.*//' Deploy/release-flags)
PYTHON_VENV       ?= $(CURDIR)/.venv
PY                := $(PYTHON_VENV)/bin/python
CERT_DIR          ?= $(CURDIR)/Deploy/certs/out
ECHO_PORT         ?= 50051
PYTEST_FLAGS      ?= -q

export SKILLS_VENV := $(PYTHON_VENV)

.DEFAULT_GOAL := help
# Targets build on each other's side effects (certificates, generated code, the venv): run in order.
.NOTPARALLEL:
.PHONY: help deps proto proto-check packages-check format format-check size-check certs build build-release test test-swift test-interop run bench bench-rpc bench-schema clean distclean

help: ## list the targets
	@echo "make <target>   (SWIFT=$(SWIFT))"
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed -E 's/^([a-z-]+):.*## (.*)/  \1\t\2/' | expand -t 18

deps: ## install missing Debian packages (as root; else print the apt-get line) and the Python venv
	@bash Tools/ensure-system-packages.sh
	@bash Tools/python-env.sh >/dev/null

proto: ## regenerate Shared/SchemaC and Shared/Schema from Protos/
	bash Tools/schemagen/generate.sh

proto-check: ## fail when the committed generated code is stale
	bash Tools/schemagen/generate.sh --check

format: ## format every hand-written Swift file as .swift-format says (120 columns)
	bash Tools/format-check.sh --fix

format-check: ## fail when a hand-written Swift file is not formatted as .swift-format says
	bash Tools/format-check.sh

size-check: ## fail when a hand-written Swift file in Services/ or Shared/ is over 400 lines or a function over 80
	bash Tools/size-check.sh

packages-check: ## fail when the build reads a file from a Debian package Tools/system-packages.txt does not cover
	bash Tools/check-system-packages.sh

certs: ## make the dev CA and certificates in Deploy/certs/out (idempotent)
	@bash Deploy/certs/make-dev-certs.sh "$(CERT_DIR)"

build: ## debug build
	$(SWIFT) build $(SWIFT_BUILD_FLAGS)

build-release: ## release build (with Deploy/release-flags)
	$(SWIFT) build -c release $(RELEASE_FLAGS) $(SWIFT_BUILD_FLAGS)

test: deps certs proto-check format-check size-check test-swift packages-check test-interop ## the whole suite (what .ci/run runs)
	@echo "make test: all passed"

test-swift: ## build everything (tests included) and run the Swift tests
	$(SWIFT) build --build-tests $(SWIFT_BUILD_FLAGS)
	$(SWIFT) test $(SWIFT_BUILD_FLAGS)

test-interop: certs ## Python grpcio <-> Swift gRPC interop tests (needs the debug build)
	@test -x "$(PY)" || bash Tools/python-env.sh >/dev/null
	SKILLS_ECHO_BIN="$$($(SWIFT) build --show-bin-path $(SWIFT_BUILD_FLAGS))/skills-echo" \
	SKILLS_CERT_DIR="$(CERT_DIR)" \
		"$(PY)" -m pytest Tests/Interop $(PYTEST_FLAGS)

run: deps certs ## build (release, skillsctl included), start the services on loopback with SQLite in ./data, run the five-order demo; Ctrl-C stops them
	bash Tools/run-local.sh --check
	$(SWIFT) build -c release $(RELEASE_FLAGS) $(SWIFT_BUILD_FLAGS)
	CERT_DIR="$(CERT_DIR)" bash Tools/run-local.sh

bench: bench-rpc bench-schema ## all benchmarks (see Benchmarks/README.md)

bench-rpc: certs ## RPC benchmark: ours vs grpc-swift-2 (+ h2load); writes Benchmarks/results/rpc-DATE.md
	bash Benchmarks/run-rpc-bench.sh

bench-schema: ## Schema encode/decode: ours (protobuf-c) vs swift-protobuf; writes Benchmarks/results/schema-DATE.md
	bash Benchmarks/run-schema-bench.sh

clean: ## remove build products, dev certificates and Python caches (keeps .venv)
	$(SWIFT) package clean
	rm -rf "$(CERT_DIR)"
	find Tests -name __pycache__ -type d -prune -exec rm -rf {} +

distclean: clean ## also remove .build entirely and the Python venv
	rm -rf .build "$(PYTHON_VENV)"

# Makefile: a thin wrapper over CMake. Every target installs missing build dependencies first.
#   make            build (Release) into build/
#   make test       build and run the whole suite through ctest
#   make scan       build and scan this repository's working tree with the built-in rules
#   make bench      build, make the benchmark corpora (a text tree, a 5,000-commit repository) and run the
#                   benchmarks (they print, never assert)
#   make fuzz       build the libFuzzer targets with clang (ASan+UBSan) into build-fuzz/ and run each for
#                   FUZZ_SECONDS (default 60) over its seeds; prints exec/s, coverage and CPU time per target
#                   (FUZZ_TARGETS="scan redact" runs only those; FUZZ_BUDGET=cpu counts CPU time, not wall time)
#   make memcheck   build into build-memcheck/ (RelWithDebInfo) and run the CLI tests with every hush process under
#                   valgrind memcheck; fails on any leak, invalid access or uninitialised value
#                   (MEMCHECK_TESTS=REGEX picks the ctest tests, default all of cli/)
#   make hygiene    build (Release) and run the CLI tests with every hush process behind tests/tools/hygiene-hush:
#                   fails when a fixture secret is in hush's output, a report, the audit log or a leftover temp
#                   file, or when hush dumped core (HYGIENE_TESTS=REGEX picks the ctest tests, default all of cli/)
#   SANITIZE=1      build with ASan+UBSan into build-asan/
#   WERROR=1        treat warnings as errors (CI sets it)

SANITIZE ?=
WERROR ?=
FUZZ_SECONDS ?= 60
FUZZ_TARGETS ?=
FUZZ_BUDGET ?= wall
MEMCHECK_TESTS ?= cli/
HYGIENE_TESTS ?= cli/
MAKEFLAGS += --no-print-directory
JOBS ?= $(shell nproc 2>/dev/null || echo 2)

ifeq ($(SANITIZE),1)
BUILD_DIR ?= build-asan
CMAKE_FLAGS += -DCMAKE_BUILD_TYPE=RelWithDebInfo -DHUSH_SANITIZE=address,undefined
else
BUILD_DIR ?= build
CMAKE_FLAGS += -DCMAKE_BUILD_TYPE=Release
endif
ifeq ($(WERROR),1)
CMAKE_FLAGS += -DHUSH_WERROR=ON
endif

.PHONY: all deps configure build test scan bench fuzz memcheck hygiene clean

all: build

deps:
	@sh scripts/install-deps.sh

configure: deps
	@cmake -S . -B $(BUILD_DIR) $(CMAKE_FLAGS) >/dev/null

build: configure
	@cmake --build $(BUILD_DIR) -j $(JOBS)

test: build
	@cd $(BUILD_DIR) && ctest --output-on-failure -j $(JOBS)

scan: build
	@./$(BUILD_DIR)/hush scan .

bench: build
	@sh bench/corpus.sh
	@sh bench/scan.sh
	@sh bench/history.sh

fuzz: deps
	@cmake -S . -B build-fuzz -DCMAKE_C_COMPILER=clang -DCMAKE_BUILD_TYPE=RelWithDebInfo -DHUSH_FUZZ=ON \
		-DBUILD_TESTING=OFF -DHUSH_WERROR=$(if $(filter 1,$(WERROR)),ON,OFF) >/dev/null
	@cmake --build build-fuzz -j $(JOBS)
	@FUZZ_BUDGET=$(FUZZ_BUDGET) sh scripts/fuzz.sh $(FUZZ_SECONDS) $(FUZZ_TARGETS)

memcheck: deps
	@cmake -S . -B build-memcheck -DCMAKE_BUILD_TYPE=RelWithDebInfo -DHUSH_TEST_TIMEOUT=14400 \
		-DHUSH_MEMCHECK_NOJIT=ON >/dev/null
	@cmake --build build-memcheck -j $(JOBS)
	@JOBS=$(JOBS) sh scripts/memcheck.sh build-memcheck '$(MEMCHECK_TESTS)'

hygiene: build
	@JOBS=$(JOBS) sh scripts/hygiene.sh $(BUILD_DIR) '$(HYGIENE_TESTS)'

clean:
	rm -rf build build-asan build-fuzz build-memcheck

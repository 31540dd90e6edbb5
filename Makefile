# Makefile: a thin wrapper over CMake. Every target installs missing build dependencies first.
#   make            build (Release) into build/
#   make test       build and run the whole suite through ctest
#   make scan       build and scan this repository's working tree with the built-in rules
#   make bench      build, make the benchmark corpora (a text tree, a 5,000-commit repository) and run the
#                   benchmarks (they print, never assert)
#   SANITIZE=1      build with ASan+UBSan into build-asan/
#   WERROR=1        treat warnings as errors (CI sets it)

SANITIZE ?=
WERROR ?=
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

.PHONY: all deps configure build test scan bench clean

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

clean:
	rm -rf build build-asan

#!/bin/sh
# install-deps.sh: install the Debian/Ubuntu packages hush needs to build, test, fuzz and benchmark, and the SARIF
# validator the tests use (npm's @microsoft/sarif-multitool, into .tools/ at the top of the tree).
# Idempotent: only missing packages are installed, 'apt-get update' runs only when something is missing, and npm
# is asked only when the pinned validator is not installed yet (so later runs work offline).
set -eu

ROOT=$(cd "$(dirname "$0")/.." && pwd)
SARIF_MULTITOOL_VERSION=5.7.0

# openssl: the CLI makes the test CA and certificates of the remote Vault tests (tests/cli/lib-remote.sh).
# libicu-dev pulls in the versioned ICU runtime (libicu72, libicu74, ...), which the validator's bundled .NET
# runtime loads; it also needs libssl (through libcurl4-openssl-dev), zlib and libstdc++.
# clang and llvm (llvm-symbolizer) build and symbolise the fuzzers (make fuzz); valgrind runs make memcheck.
PKGS="build-essential cmake pkg-config git
libvectorscan-dev libpcre2-dev libgit2-dev libsodium-dev libcurl4-openssl-dev
libjansson-dev libyaml-dev libcmocka-dev ripgrep time python3 python3-yaml libicu-dev openssl
clang llvm valgrind"
# libFuzzer and the sanitizer runtimes come with clang on Ubuntu, and in libclang-rt-dev on Debian 12 and later
if command -v apt-cache >/dev/null 2>&1 && apt-cache show libclang-rt-dev >/dev/null 2>&1; then
	PKGS="$PKGS libclang-rt-dev"
fi

missing=""
for p in $PKGS; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
		missing="$missing $p"
	fi
done
# node and npm may come from elsewhere (NodeSource ships npm inside its nodejs, which conflicts with Debian's npm)
if ! command -v npm >/dev/null 2>&1; then
	missing="$missing nodejs npm"
fi

# The SARIF validator: installed once into $ROOT/.tools; a failure only warns (the SARIF tests then say what to do).
install_sarif_multitool() {
	dir="$ROOT/.tools/node_modules/@microsoft"
	bin="$dir/sarif-multitool-linux/Sarif.Multitool"
	if [ -x "$bin" ] && grep -q "\"version\": *\"$SARIF_MULTITOOL_VERSION\"" "$dir/sarif-multitool/package.json" 2>/dev/null; then
		return 0
	fi
	if [ "$(uname -s)-$(uname -m)" != "Linux-x86_64" ]; then
		echo "install-deps: the SARIF validator ships for Linux x86-64 only; the SARIF validation test will fail" >&2
		return 0
	fi
	echo "install-deps: installing @microsoft/sarif-multitool@$SARIF_MULTITOOL_VERSION into .tools/" >&2
	mkdir -p "$ROOT/.tools"
	if npm install --prefix "$ROOT/.tools" --save-exact --no-audit --no-fund --loglevel=error \
		"@microsoft/sarif-multitool@$SARIF_MULTITOOL_VERSION" >&2 && [ -f "$bin" ]; then
		chmod u+x "$bin" # its postinstall script does this, but newer npm skips install scripts
	else
		echo "install-deps: could not install the SARIF validator; the SARIF validation test will fail" >&2
	fi
}

if [ -z "$missing" ]; then
	install_sarif_multitool
	exit 0
fi

if ! command -v apt-get >/dev/null 2>&1; then
	echo "install-deps: missing packages:$missing" >&2
	echo "install-deps: this script supports Debian and Ubuntu (apt-get); install them by hand" >&2
	exit 1
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
	if command -v sudo >/dev/null 2>&1; then
		SUDO="sudo"
	else
		echo "install-deps: need root (or sudo) to install:$missing" >&2
		exit 1
	fi
fi

echo "install-deps: installing:$missing" >&2
$SUDO apt-get update -qq
# shellcheck disable=SC2086
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
install_sarif_multitool

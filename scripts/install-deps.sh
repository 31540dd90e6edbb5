#!/bin/sh
# install-deps.sh: install the Debian/Ubuntu packages hush needs to build, test and benchmark.
# Idempotent: only missing packages are installed, and 'apt-get update' runs only when something is missing.
set -eu

PKGS="build-essential cmake pkg-config git
libvectorscan-dev libpcre2-dev libgit2-dev libsodium-dev libcurl4-openssl-dev
libjansson-dev libyaml-dev libcmocka-dev ripgrep time python3 python3-yaml"

missing=""
for p in $PKGS; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
		missing="$missing $p"
	fi
done

if [ -z "$missing" ]; then
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

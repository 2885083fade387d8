#!/usr/bin/env bash
# Install Debian's Chromium for the browser tests (pytest -m browser), only if it is missing.
# Needs apt-get and root (or sudo); does nothing when /usr/bin/chromium exists.
# Where it cannot install: under CI (CI=true) it fails, since CI must run the browser tests;
# elsewhere it says what to do and exits 0, and pytest skips the browser tests, naming them.
set -euo pipefail

CHROMIUM=/usr/bin/chromium
if [ -x "$CHROMIUM" ]; then
    exit 0
fi

cannot() {
    cat >&2 <<MSG

*** The browser tests need Chromium at $CHROMIUM, and it cannot be installed here: $1.
*** Install Chromium yourself so that $CHROMIUM runs it (Debian/Ubuntu:
***     sudo apt-get install chromium
*** elsewhere your package manager's chromium, linked to $CHROMIUM),
*** or run 'make test-fast', which needs no browser (nor Dask, notebooks or the slow tests).
MSG
    if [ "${CI:-}" = "true" ]; then
        echo "*** CI=true: the browser tests must run, so this is an error." >&2
        exit 1
    fi
    echo "*** Going on without it: pytest will skip the browser tests." >&2
    echo >&2
    exit 0
}

command -v apt-get >/dev/null 2>&1 || cannot "apt-get is missing (not a Debian-like system)"

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null 2>&1 || cannot "not root and sudo is missing"
    SUDO="sudo"
fi

echo "Installing Chromium with apt-get (the browser tests need it; a few minutes)..." >&2
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update || cannot "apt-get update failed${SUDO:+ (through sudo)}"
$SUDO apt-get install -y --no-install-recommends chromium fonts-dejavu-core \
    || cannot "apt-get install chromium failed${SUDO:+ (through sudo)}"
"$CHROMIUM" --version

#!/usr/bin/env bash
# Install the small tools the targets need when they are missing. Nothing heavy; never a toolchain download
# that a fresh machine could not repeat.
#
# Usage: scripts/ensure-tools.sh [runtime] [test]
#   runtime  espeak-ng (the keyless default Hebrew TTS voice). Best effort: warns, never fails.
#   test     runtime + chromium (web browser test) + pdftotext (PDF tests) + rustfmt and clippy (rustup components) + cargo-nextest (cargo install, slow).
#   whisper  what building whisper.cpp (speech-svc's `whisper` feature) needs: cmake, clang, libclang-dev. Fails when it cannot.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=scripts/lib.sh
source "$ROOT/scripts/lib.sh"

warn() { echo "warning: $*" >&2; }

ensure_espeak() {
    command -v espeak-ng >/dev/null 2>&1 && return 0
    if ! command -v apt-get >/dev/null 2>&1; then
        warn "espeak-ng is missing and apt-get is unavailable: the default Hebrew TTS voice will not work (install espeak-ng by hand)"
        return 0
    fi
    if ! can_root; then
        warn "espeak-ng is missing and installing it needs root (sudo asks for a password): run 'sudo apt-get install espeak-ng'"
        return 0
    fi
    echo "tools: installing espeak-ng (default Hebrew TTS voice) via apt-get..."
    if apt_install espeak-ng; then
        echo "tools: espeak-ng installed"
    else
        warn "could not install espeak-ng; the default Hebrew TTS voice will not work"
    fi
}

# Debian's Chromium for the web app's browser test (playwright-core drives it; no browser download).
# Best effort: without it that test fails and says how to install it.
ensure_chromium() {
    command -v chromium >/dev/null 2>&1 && return 0
    if ! command -v apt-get >/dev/null 2>&1; then
        warn "chromium is missing and apt-get is unavailable: the web browser test will fail (install Chromium by hand, or set CHROMIUM_PATH)"
        return 0
    fi
    if ! can_root; then
        warn "chromium is missing and installing it needs root (sudo asks for a password): run 'sudo apt-get install chromium'"
        return 0
    fi
    echo "tools: installing chromium (web app browser test) via apt-get..."
    if apt_install chromium; then
        echo "tools: chromium installed"
    else
        warn "could not install chromium; the web browser test will fail"
    fi
}

ensure_rust_components() {
    local comp missing=()
    cargo fmt --version >/dev/null 2>&1 || missing+=(rustfmt)
    cargo clippy --version >/dev/null 2>&1 || missing+=(clippy)
    ((${#missing[@]} == 0)) && return 0
    if command -v rustup >/dev/null 2>&1; then
        echo "tools: adding rustup component(s): ${missing[*]}"
        for comp in "${missing[@]}"; do
            rustup component add "$comp" || { echo "error: could not add the rustup component $comp" >&2; return 1; }
        done
    else
        echo "error: missing ${missing[*]} and no rustup to add them" >&2
        return 1
    fi
}

# whisper-rs compiles whisper.cpp with cmake and generates its bindings with libclang.
ensure_whisper_build() {
    local missing=()
    command -v cmake >/dev/null 2>&1 || missing+=(cmake)
    command -v clang >/dev/null 2>&1 || missing+=(clang)
    ls /usr/lib/llvm-*/lib/libclang*.so* >/dev/null 2>&1 || ls /usr/lib/x86_64-linux-gnu/libclang*.so* >/dev/null 2>&1 || missing+=(libclang-dev)
    ((${#missing[@]} == 0)) && return 0
    if ! can_root; then
        echo "error: building whisper.cpp needs ${missing[*]}; installing them needs root: run 'sudo apt-get install ${missing[*]}'" >&2
        return 1
    fi
    echo "tools: installing ${missing[*]} (whisper.cpp build) via apt-get..."
    apt_install "${missing[@]}"
}

# The PDF tests read the rendered documents back with pdftotext (poppler-utils).
ensure_pdftotext() {
    command -v pdftotext >/dev/null 2>&1 && return 0
    if ! can_root; then
        echo "error: the PDF tests need pdftotext; installing it needs root: run 'sudo apt-get install poppler-utils'" >&2
        return 1
    fi
    echo "tools: installing poppler-utils (pdftotext, for the PDF tests) via apt-get..."
    apt_install poppler-utils
}

ensure_nextest() {
    cargo nextest --version >/dev/null 2>&1 && return 0
    warn "cargo-nextest is missing: building it with 'cargo install cargo-nextest --locked' (this takes a while, ~5-10 min on 2 cores)"
    cargo install cargo-nextest --locked
}

modes=("$@")
((${#modes[@]} > 0)) || modes=(runtime)
for mode in "${modes[@]}"; do
    case $mode in
        runtime) ensure_espeak ;;
        test)
            ensure_espeak
            ensure_chromium
            ensure_pdftotext
            ensure_rust_components
            ensure_nextest
            ;;
        whisper) ensure_whisper_build ;;
        *) echo "unknown mode: $mode (runtime|test|whisper)" >&2; exit 2 ;;
    esac
done

#!/usr/bin/env bash
# `make up`: the whole product on one machine — `agentlocator up` (every Rust service in one process) and,
# when Node.js 20+ is available, the WhatsApp sidecar next to it, sharing one WA_BRIDGE_SECRET. Ctrl-C or
# SIGTERM stops both.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BIN=${BIN:-$ROOT/target/release/agentlocator}
cd "$ROOT"

# .env first, as the services read it, so DATA_DIR and WA_BRIDGE_SECRET agree with them.
if [[ -f .env ]]; then
    set -a
    # shellcheck disable=SC1091
    source .env
    set +a
fi
DATA_DIR=${DATA_DIR:-./data}

sidecar_pid=
stop() {
    [[ -n $sidecar_pid ]] && kill "$sidecar_pid" 2>/dev/null || true
}
trap stop EXIT

node_major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
if ((node_major >= 20)) && command -v npm >/dev/null; then
    if [[ -z ${WA_BRIDGE_SECRET:-} ]]; then
        # The same file the bridge generates on a local-only instance (common::Config).
        mkdir -p "$DATA_DIR"
        secret_file=$DATA_DIR/wa_bridge_secret
        if [[ ! -s $secret_file ]]; then
            (umask 077 && od -An -tx1 -N32 /dev/urandom | tr -d ' \n' >"$secret_file")
        fi
        WA_BRIDGE_SECRET=$(<"$secret_file")
        export WA_BRIDGE_SECRET
    fi
    echo "up: starting the WhatsApp sidecar (whatsapp-bridge/baileys)"
    (cd whatsapp-bridge/baileys && { [[ -d node_modules ]] || npm ci --no-audit --no-fund; } && exec npm start --silent) &
    sidecar_pid=$!
else
    echo "warning: Node.js 20+ and npm not found: running without the WhatsApp sidecar (pairing unavailable)" >&2
fi

"$BIN" up "$@"

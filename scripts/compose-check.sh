#!/usr/bin/env bash
# Validate docker-compose.yml with whichever Compose client is installed (no Docker engine needed).
# Skips, with a message, when there is none. SECRET_KEY must be set for the file to interpolate, so a
# placeholder is used unless the environment has one (only for this check; nothing is started).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

if docker compose version >/dev/null 2>&1; then
    compose=(docker compose)
elif command -v docker-compose >/dev/null 2>&1; then
    compose=(docker-compose)
else
    echo "compose: no docker compose client installed; skipping the docker-compose.yml check"
    exit 0
fi
SECRET_KEY=${SECRET_KEY:-compose-config-check-placeholder} WA_BRIDGE_SECRET=${WA_BRIDGE_SECRET:-compose-config-check-placeholder} "${compose[@]}" -f docker-compose.yml config -q
SECRET_KEY=${SECRET_KEY:-compose-config-check-placeholder} WA_BRIDGE_SECRET=${WA_BRIDGE_SECRET:-compose-config-check-placeholder} "${compose[@]}" -f docker-compose.yml --profile telemetry config -q
echo "compose: docker-compose.yml is valid (${compose[*]})"

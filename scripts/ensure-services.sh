#!/usr/bin/env bash
# Make sure the services the test suite talks to are up:
#   PostgreSQL at AL_TEST_POSTGRES_URL (default postgres://postgres@127.0.0.1:5432, password-less)
#   NATS with JetStream at AL_TEST_NATS_URL (default nats://127.0.0.1:4222)
# Idempotent: a service that already answers is left alone. A missing local one is installed from
# Debian's packages (apt-get; sudo only when not root), started, and waited for.
# Then drops the per-test databases (`al_t_<uuid>`) that earlier, interrupted runs left behind.
#
# Usage: scripts/ensure-services.sh [--keep-test-dbs]
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=scripts/lib.sh
source "$ROOT/scripts/lib.sh"
export PATH="$PATH:/usr/sbin:/sbin"

keep_test_dbs=false
for arg in "$@"; do
    case $arg in
        --keep-test-dbs) keep_test_dbs=true ;;
        -h | --help) sed -n '2,10p' "$0"; exit 0 ;;
        *) echo "unknown argument: $arg" >&2; exit 2 ;;
    esac
done

PG_URL=${AL_TEST_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432}
NATS_URL_T=${AL_TEST_NATS_URL:-nats://127.0.0.1:4222}

# url_host_port URL DEFAULT_PORT: prints "HOST PORT" of scheme://[user[:pw]@]host[:port][/path][?query].
url_host_port() {
    local rest=${1#*://} host port
    rest=${rest%%[/?]*}
    rest=${rest##*@}
    if [[ $rest == \[* ]]; then # [ipv6]:port
        host=${rest%%]*}
        host=${host#[}
        port=${rest#*]}
    else
        host=${rest%%:*}
        port=${rest#"$host"}
    fi
    port=${port#:}
    echo "${host:-127.0.0.1} ${port:-$2}"
}

is_local() { [[ $1 == 127.0.0.1 || $1 == localhost || $1 == ::1 ]]; }

# The same URL pointed at the `postgres` maintenance database (any path in the URL is replaced).
pg_admin_url() {
    if [[ $1 =~ ^(postgres(ql)?://[^/?]*)(/[^?]*)?(\?.*)?$ ]]; then
        echo "${BASH_REMATCH[1]}/postgres${BASH_REMATCH[4]}"
    else
        echo "error: AL_TEST_POSTGRES_URL is not a postgres:// URL: $1" >&2
        return 1
    fi
}

read -r PG_HOST PG_PORT < <(url_host_port "$PG_URL" 5432)
read -r NATS_HOST NATS_PORT < <(url_host_port "$NATS_URL_T" 4222)
[[ $PG_HOST == localhost ]] && PG_HOST=127.0.0.1
[[ $NATS_HOST == localhost ]] && NATS_HOST=127.0.0.1

# ---------------------------------------------------------------------------------------------
# PostgreSQL
# ---------------------------------------------------------------------------------------------
HBA_MARKER="# added by agentlocator scripts/ensure-services.sh: password-less local TCP for user postgres (tests)"

# pg_trust_local HBA_FILE: put trust rules for 127.0.0.1/32 and ::1/128 (user postgres) first.
pg_trust_local() {
    local hba=$1 tmp
    if as_root grep -qF "$HBA_MARKER" "$hba"; then
        return 1 # already there
    fi
    tmp=$(mktemp)
    {
        echo "$HBA_MARKER"
        echo "host    all    postgres    127.0.0.1/32    trust"
        echo "host    all    postgres    ::1/128         trust"
        as_root cat "$hba"
    } >"$tmp"
    as_root cp "$tmp" "$hba" # cp onto the existing file keeps its owner and mode
    rm -f "$tmp"
}

ensure_postgres() {
    if port_open "$PG_HOST" "$PG_PORT"; then
        echo "postgres: already running"
        return 0
    fi
    if ! is_local "$PG_HOST"; then
        echo "error: nothing answers at $PG_HOST:$PG_PORT (AL_TEST_POSTGRES_URL); only a local server is managed here" >&2
        return 1
    fi

    if ! command -v pg_ctlcluster >/dev/null 2>&1 || ! compgen -G '/usr/lib/postgresql/*/bin/postgres' >/dev/null; then
        echo "postgres: not installed; installing the Debian package 'postgresql' (apt-get)..."
        apt_install postgresql
    fi

    # A cluster configured for our port, else create one.
    local ver="" cluster="" status="" notes=()
    read -r ver cluster status < <(pg_lsclusters -h 2>/dev/null | awk -v p="$PG_PORT" '$3 == p { print $1, $2, $4; exit }') || true
    if [[ -z $ver ]]; then
        ver=$(find /usr/lib/postgresql -mindepth 1 -maxdepth 1 -printf '%f\n' | sort -V | tail -n1)
        cluster=main
        [[ -e /etc/postgresql/$ver/main ]] && cluster=agentlocator # `main` exists, on another port
        as_root pg_createcluster --port "$PG_PORT" "$ver" "$cluster" >/dev/null
        notes+=("created cluster $ver/$cluster")
    fi

    local hba=/etc/postgresql/$ver/$cluster/pg_hba.conf
    if pg_trust_local "$hba"; then
        notes+=("configured trust for user postgres from 127.0.0.1/32 and ::1/128 in $hba")
    fi

    if [[ $status == online ]]; then
        # Running but not answering on TCP (e.g. listen_addresses): a restart picks up the config.
        as_root pg_ctlcluster --skip-systemctl-redirect "$ver" "$cluster" restart
    else
        as_root pg_ctlcluster --skip-systemctl-redirect "$ver" "$cluster" start
    fi
    wait_for "postgres ($ver/$cluster on $PG_HOST:$PG_PORT)" 60 pg_isready -q -h "$PG_HOST" -p "$PG_PORT" || {
        as_root tail -n 20 "/var/log/postgresql/postgresql-$ver-$cluster.log" >&2 || true
        return 1
    }
    local detail=""
    if ((${#notes[@]} > 0)); then
        detail=" ($(printf '%s; ' "${notes[@]}"))"
        detail=${detail/%; )/)}
    fi
    echo "postgres: started$detail"
}

drop_leftover_test_dbs() {
    local admin dbs db dropped=0 busy=0
    admin=$(pg_admin_url "$PG_URL")
    if ! dbs=$(PGCONNECT_TIMEOUT=5 psql -X -q -A -t -v ON_ERROR_STOP=1 -d "$admin" \
        -c "SELECT datname FROM pg_database WHERE datname LIKE 'al\_t\_%' ORDER BY 1" 2>&1); then
        echo "error: cannot query postgres at $PG_URL: $dbs" >&2
        echo "       the tests need password-less access; fix pg_hba.conf or set AL_TEST_POSTGRES_URL" >&2
        return 1
    fi
    while IFS= read -r db; do
        [[ -n $db ]] || continue
        # No FORCE: a database still in use belongs to a test run in progress; leave it alone.
        if psql -X -q -v ON_ERROR_STOP=1 -d "$admin" -c "DROP DATABASE IF EXISTS \"${db//\"/\"\"}\"" >/dev/null 2>&1; then
            dropped=$((dropped + 1))
        else
            busy=$((busy + 1))
        fi
    done <<<"$dbs"
    if ((dropped > 0)); then
        echo "postgres: dropped $dropped leftover test database(s) al_t_*"
    fi
    if ((busy > 0)); then
        echo "postgres: kept $busy al_t_* database(s) still in use (a test run in progress?)"
    fi
}

# ---------------------------------------------------------------------------------------------
# NATS (JetStream)
# ---------------------------------------------------------------------------------------------
nats_info() { # the server's INFO line, sent as soon as a client connects
    timeout 3 bash -c "exec 3<>/dev/tcp/$NATS_HOST/$NATS_PORT && IFS= read -r -t 2 line <&3 && printf '%s\n' \"\$line\"" 2>/dev/null || true
}

ensure_nats() {
    if port_open "$NATS_HOST" "$NATS_PORT"; then
        echo "nats: already running"
    else
        if ! is_local "$NATS_HOST"; then
            echo "error: nothing answers at $NATS_HOST:$NATS_PORT (AL_TEST_NATS_URL); only a local server is managed here" >&2
            return 1
        fi
        local bin
        bin=$(command -v nats-server || true)
        if [[ -z $bin ]]; then
            echo "nats: not installed; installing the Debian package 'nats-server' (apt-get)..."
            apt_install nats-server
            bin=$(command -v nats-server)
        fi

        # JetStream store and log: the system locations when we may write there, else under the repo.
        # (A server on another port than 4222 gets its own store: two servers must never share one.)
        local state="$ROOT/.tmp" sfx="" store log
        [[ $NATS_PORT == 4222 ]] || sfx="-$NATS_PORT"
        store=/var/lib/nats-server${sfx:+/port$sfx} log=/var/log/nats-server$sfx.log
        mkdir -p "$state"
        if ! { mkdir -p "$store" 2>/dev/null && [[ -w $store ]]; }; then
            store="$state/nats$sfx"
        fi
        if ! { touch "$log" 2>/dev/null && [[ -w $log ]]; }; then
            log="$state/nats-server$sfx.log"
        fi
        mkdir -p "$store"

        local args=(-a "$NATS_HOST" -p "$NATS_PORT" -js -sd "$store" -l "$log")
        if command -v start-stop-daemon >/dev/null 2>&1; then
            # --pidfile makes the "already running?" check about this instance only, not any nats-server.
            start-stop-daemon --start --oknodo --background --make-pidfile \
                --pidfile "$state/nats-server-$NATS_PORT.pid" --exec "$bin" -- "${args[@]}"
        else
            setsid "$bin" "${args[@]}" </dev/null >/dev/null 2>&1 &
        fi
        wait_for "nats-server on $NATS_HOST:$NATS_PORT" 30 port_open "$NATS_HOST" "$NATS_PORT" || {
            tail -n 20 "$log" >&2 || true
            return 1
        }
        echo "nats: started (JetStream store $store, log $log)"
    fi
    local info
    info=$(nats_info)
    if [[ -n $info && $info != *'"jetstream":true'* ]]; then
        echo "nats: WARNING: the server on $NATS_HOST:$NATS_PORT runs without JetStream (-js); JetStream tests will fail" >&2
    fi
}

ensure_postgres
command -v psql >/dev/null 2>&1 || apt_install postgresql-client
$keep_test_dbs || drop_leftover_test_dbs
ensure_nats

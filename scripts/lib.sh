# shellcheck shell=bash
# Helpers shared by scripts/*.sh. Source it; do not run it.

# as_root CMD...: run CMD as root (directly when we are root, else through sudo).
as_root() {
    if [[ $(id -u) -eq 0 ]]; then
        "$@"
    elif command -v sudo >/dev/null 2>&1; then
        sudo "$@"
    else
        echo "error: need root (or sudo) to run: $*" >&2
        return 1
    fi
}

# can_root: true when as_root can work without asking anything (root, or password-less sudo).
can_root() {
    [[ $(id -u) -eq 0 ]] || { command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; }
}

# apt_install PKG...: install Debian packages non-interactively. Tries without
# `apt-get update` first (fast when the lists are fresh), then updates and retries.
apt_install() {
    command -v apt-get >/dev/null 2>&1 || { echo "error: apt-get not available; install $* by hand" >&2; return 1; }
    local apt=(env DEBIAN_FRONTEND=noninteractive apt-get -y -q -o Dpkg::Use-Pty=0 install --no-install-recommends "$@")
    if ! as_root "${apt[@]}" >/dev/null 2>&1; then
        as_root env DEBIAN_FRONTEND=noninteractive apt-get -q update >/dev/null
        as_root "${apt[@]}" >/dev/null
    fi
}

# port_open HOST PORT: true when something accepts a TCP connection there (bash /dev/tcp, no nc needed).
port_open() {
    timeout 2 bash -c ": >/dev/tcp/$1/$2" 2>/dev/null
}

# wait_for DESCRIPTION SECONDS CMD...: poll CMD every 0.5 s until it succeeds or time runs out.
wait_for() {
    local what=$1 secs=$2
    shift 2
    local i
    for ((i = 0; i < secs * 2; i++)); do
        "$@" && return 0
        sleep 0.5
    done
    echo "error: $what did not come up within ${secs}s" >&2
    return 1
}

#!/usr/bin/env bash
# Render every kustomize overlay under deploy/k8s/overlays and validate the result OFFLINE (no cluster):
#   - rendering: `kubectl kustomize` when kubectl is installed (else `kustomize build`), and always the
#     small built-in renderer of scripts/k8s_check.py too, which must produce the same objects; with
#     neither tool installed, the built-in renderer alone;
#   - every object against the Kubernetes JSON schemas (PyPI kubernetes-validate, strict: unknown
#     fields and unknown kinds fail), for each version in K8S_VERSIONS;
#   - references: selectors, ports, probes, HPA/PDB targets, Ingress backends, ConfigMap and Secret
#     keys (deploy/k8s/base/secret.example.yaml), non-root/read-only settings, resources;
#   - every variable of README's configuration table reaches a rendered Deployment.
# kubernetes-validate is installed into the repo-local venv .tmp/venv (gitignored) when missing.
#
# Environment: K8S_DIR (default deploy/k8s), K8S_VERSIONS (default 1.31.0,1.37.0: the oldest
# Kubernetes minor we support and the newest the package ships), K8S_RENDERER (auto | kubectl |
# kustomize | python).
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
# shellcheck source=scripts/lib.sh
source scripts/lib.sh

K8S_DIR=${K8S_DIR:-deploy/k8s}
K8S_VERSIONS=${K8S_VERSIONS:-1.31.0,1.37.0}
K8S_RENDERER=${K8S_RENDERER:-auto}
KUBERNETES_VALIDATE_VERSION=1.37.0
VENV=.tmp/venv
OUT=.tmp/k8s-check

# ---- python with kubernetes-validate (repo-local venv) ------------------------------------------
venv_ready() {
    [[ -x $VENV/bin/python ]] && "$VENV/bin/python" - "$KUBERNETES_VALIDATE_VERSION" <<'EOF' 2>/dev/null
import sys, yaml
from kubernetes_validate.version import __version__
sys.exit(0 if __version__ == sys.argv[1] else 1)
EOF
}
if ! venv_ready; then
    echo "k8s: installing kubernetes-validate==$KUBERNETES_VALIDATE_VERSION into $VENV"
    if [[ ! -x $VENV/bin/pip ]]; then
        rm -rf "$VENV"
        if ! python3 -m venv "$VENV" 2>/dev/null; then
            # Debian's python3 ships venv separately.
            if command -v apt-get >/dev/null 2>&1 && can_root; then
                apt_install python3-venv
            fi
            rm -rf "$VENV"
            python3 -m venv "$VENV" || { echo "k8s: error: cannot create a Python venv (install python3-venv)" >&2; exit 1; }
        fi
    fi
    "$VENV/bin/pip" install -q --disable-pip-version-check "kubernetes-validate==$KUBERNETES_VALIDATE_VERSION" pyyaml
    venv_ready || { echo "k8s: error: kubernetes-validate did not install into $VENV" >&2; exit 1; }
fi

# ---- render -------------------------------------------------------------------------------------
renderer=$K8S_RENDERER
if [[ $renderer == auto ]]; then
    if command -v kubectl >/dev/null 2>&1; then
        renderer=kubectl
    elif command -v kustomize >/dev/null 2>&1; then
        renderer=kustomize
    else
        renderer=python
    fi
fi

shopt -s nullglob
overlays=("$K8S_DIR"/overlays/*/)
((${#overlays[@]} > 0)) || { echo "k8s: error: no overlays under $K8S_DIR/overlays" >&2; exit 1; }

rm -rf "$OUT"
mkdir -p "$OUT"
args=()
for dir in "${overlays[@]}"; do
    dir=${dir%/}
    name=$(basename "$dir")
    case $renderer in
        kubectl)
            kubectl kustomize "$dir" >"$OUT/$name.yaml" || { echo "k8s: error: kubectl kustomize $dir failed" >&2; exit 1; }
            args+=("$name=$dir:$OUT/$name.yaml") ;;
        kustomize)
            kustomize build "$dir" >"$OUT/$name.yaml" || { echo "k8s: error: kustomize build $dir failed" >&2; exit 1; }
            args+=("$name=$dir:$OUT/$name.yaml") ;;
        python)
            args+=("$name=$dir") ;;
        *)
            echo "k8s: error: K8S_RENDERER must be auto, kubectl, kustomize or python" >&2
            exit 1 ;;
    esac
done

case $renderer in
    kubectl) label="kubectl kustomize, built-in renderer agrees" ;;
    kustomize) label="kustomize build, built-in renderer agrees" ;;
    python) label="built-in renderer" ;;
esac

# ---- validate -----------------------------------------------------------------------------------
exec "$VENV/bin/python" scripts/k8s_check.py check \
    --readme README.md \
    --secret-example "$K8S_DIR/base/secret.example.yaml" \
    --versions "$K8S_VERSIONS" \
    --renderer-label "$label" \
    "${args[@]}"

#!/usr/bin/env python3
"""Render and validate the Kubernetes manifests of deploy/k8s offline (driven by scripts/k8s-check.sh).

  k8s_check.py render OVERLAY_DIR
      Print the overlay rendered by the small built-in kustomize subset (no kubectl needed).

  k8s_check.py check --readme README.md --secret-example deploy/k8s/base/secret.example.yaml \
                     --versions 1.31.0,1.37.0 NAME=OVERLAY_DIR[:RENDERED_FILE] ...
      For each overlay: take RENDERED_FILE (`kubectl kustomize` output) when given and check that the
      built-in renderer produces the same objects, else render with the built-in renderer; validate
      every object against the Kubernetes JSON schemas of each version (kubernetes-validate, strict:
      unknown fields fail, unknown kinds fail); cross-check references (selectors, ports, ConfigMap
      and Secret keys, HPA targets, probes, security settings); check that every environment
      variable of README's configuration table reaches a Deployment. Exit 1 on any problem.

The renderer knows only what deploy/k8s uses: resources (files and directories), namespace, labels
(includeSelectors: false), images, replicas, patches (strategic-merge files or inline patches, JSON 6902
inline patches with a target). Any other kustomization field is an error, so an overlay cannot silently
render differently here than with kubectl.
"""

from __future__ import annotations

import argparse
import copy
import re
import sys
from pathlib import Path

import yaml

# --------------------------------------------------------------------------------------------------
# Rendering: a small, strict subset of kustomize
# --------------------------------------------------------------------------------------------------

KUSTOMIZATION_FILES = ("kustomization.yaml", "kustomization.yml", "Kustomization")
SUPPORTED_FIELDS = {"apiVersion", "kind", "resources", "namespace", "labels", "images", "replicas", "patches"}
CLUSTER_SCOPED = {
    "Namespace", "ClusterRole", "ClusterRoleBinding", "CustomResourceDefinition", "PersistentVolume",
    "StorageClass", "IngressClass", "PriorityClass", "ValidatingWebhookConfiguration",
    "MutatingWebhookConfiguration", "APIService", "RuntimeClass",
}
POD_TEMPLATE_KINDS = {"Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job", "ReplicationController"}
REPLICA_KINDS = {"Deployment", "StatefulSet", "ReplicaSet", "ReplicationController"}
# Strategic-merge keys of the lists an overlay may patch; other lists are replaced whole.
MERGE_KEYS = {
    "containers": "name", "initContainers": "name", "ephemeralContainers": "name", "env": "name",
    "volumes": "name", "volumeMounts": "mountPath", "imagePullSecrets": "name",
}
# Lists whose kustomize merge semantics this renderer does not reproduce: patching them is refused.
UNSUPPORTED_PATCH_LISTS = {"ports", "envFrom"}


class RenderError(Exception):
    pass


def load_docs(path: Path) -> list[dict]:
    try:
        with path.open() as f:
            docs = [d for d in yaml.safe_load_all(f) if d is not None]
    except (OSError, yaml.YAMLError) as e:
        raise RenderError(f"{path}: {e}") from e
    for d in docs:
        if not isinstance(d, dict):
            raise RenderError(f"{path}: a document is not a mapping")
    return docs


def kustomization_file(directory: Path) -> Path:
    for name in KUSTOMIZATION_FILES:
        if (directory / name).is_file():
            return directory / name
    raise RenderError(f"{directory}: no kustomization.yaml")


def build(directory: Path) -> list[dict]:
    kfile = kustomization_file(directory)
    docs = load_docs(kfile)
    if len(docs) != 1:
        raise RenderError(f"{kfile}: expected one document")
    k = docs[0]
    unknown = set(k) - SUPPORTED_FIELDS
    if unknown:
        raise RenderError(
            f"{kfile}: the fallback renderer does not support {sorted(unknown)}; keep the overlays to "
            f"{sorted(SUPPORTED_FIELDS - {'apiVersion', 'kind'})} (or extend scripts/k8s_check.py)"
        )
    resources: list[dict] = []
    for entry in k.get("resources") or []:
        p = (directory / entry).resolve()
        if p.is_dir():
            resources += build(p)
        elif p.is_file():
            resources += load_docs(p)
        else:
            raise RenderError(f"{kfile}: resource {entry!r} not found")
    # kustomize's order of built-in transformers: patches, namespace, labels, replicas, images.
    for patch in k.get("patches") or []:
        apply_patch(resources, patch, directory, kfile)
    if k.get("namespace"):
        for r in resources:
            if r.get("kind") not in CLUSTER_SCOPED:
                r.setdefault("metadata", {})["namespace"] = k["namespace"]
    for spec in k.get("labels") or []:
        apply_labels(resources, spec, kfile)
    for spec in k.get("replicas") or []:
        hits = [r for r in resources if r.get("kind") in REPLICA_KINDS and name_of(r) == spec["name"]]
        if not hits:
            raise RenderError(f"{kfile}: replicas: no workload named {spec['name']!r}")
        for r in hits:
            r.setdefault("spec", {})["replicas"] = int(spec["count"])
    for spec in k.get("images") or []:
        apply_image(resources, spec)
    return resources


def name_of(r: dict) -> str:
    return (r.get("metadata") or {}).get("name", "")


def apply_labels(resources: list[dict], spec: dict, kfile: Path) -> None:
    extra = set(spec) - {"pairs", "includeSelectors", "includeTemplates"}
    if extra or spec.get("includeSelectors"):
        raise RenderError(f"{kfile}: labels: only `pairs` and `includeTemplates` are supported "
                          f"(includeSelectors must stay false)")
    pairs = {str(a): str(b) for a, b in (spec.get("pairs") or {}).items()}
    for r in resources:
        md = r.setdefault("metadata", {})
        md["labels"] = {**(md.get("labels") or {}), **pairs}
        if spec.get("includeTemplates") and r.get("kind") in POD_TEMPLATE_KINDS:
            tmd = r.setdefault("spec", {}).setdefault("template", {}).setdefault("metadata", {})
            tmd["labels"] = {**(tmd.get("labels") or {}), **pairs}


def split_image(image: str) -> tuple[str, str]:
    """("repo/name", "tag-or-digest suffix including its separator")."""
    if "@" in image:
        name, digest = image.split("@", 1)
        return name, "@" + digest
    slash = image.rfind("/")
    colon = image.rfind(":")
    if colon > slash:
        return image[:colon], image[colon:]
    return image, ""


def apply_image(resources: list[dict], spec: dict) -> None:
    for r in resources:
        for pod in pod_specs(r):
            for c in (pod.get("containers") or []) + (pod.get("initContainers") or []):
                name, suffix = split_image(c.get("image", ""))
                if name != spec["name"]:
                    continue
                new_name = spec.get("newName", name)
                if "digest" in spec:
                    suffix = "@" + spec["digest"]
                elif "newTag" in spec:
                    suffix = ":" + str(spec["newTag"])
                c["image"] = new_name + suffix


def pod_specs(r: dict) -> list[dict]:
    if r.get("kind") in POD_TEMPLATE_KINDS:
        return [((r.get("spec") or {}).get("template") or {}).get("spec") or {}]
    if r.get("kind") == "CronJob":
        return [(((r.get("spec") or {}).get("jobTemplate") or {}).get("spec") or {}).get("template", {}).get("spec") or {}]
    if r.get("kind") == "Pod":
        return [r.get("spec") or {}]
    return []


def target_matches(r: dict, target: dict) -> bool:
    for key in target:
        if key not in {"kind", "name", "labelSelector", "group", "version", "namespace"}:
            raise RenderError(f"patch target field {key!r} is not supported")
    if "kind" in target and r.get("kind") != target["kind"]:
        return False
    if "name" in target and name_of(r) != target["name"]:
        return False
    if "namespace" in target and (r.get("metadata") or {}).get("namespace") != target["namespace"]:
        return False
    api = r.get("apiVersion", "")
    group, _, version = api.rpartition("/")
    if "group" in target and group != target["group"]:
        return False
    if "version" in target and version != target["version"]:
        return False
    if "labelSelector" in target:
        labels = (r.get("metadata") or {}).get("labels") or {}
        for term in str(target["labelSelector"]).split(","):
            term = term.strip()
            if "!=" in term or " in " in term or "(" in term:
                raise RenderError(f"labelSelector {target['labelSelector']!r}: only k=v terms are supported")
            if "=" in term:
                k, v = term.split("=", 1)
                if labels.get(k.strip().rstrip("=")) != v.strip():
                    return False
            elif term not in labels:
                return False
    return True


def apply_patch(resources: list[dict], entry: dict, directory: Path, kfile: Path) -> None:
    if set(entry) - {"path", "patch", "target"}:
        raise RenderError(f"{kfile}: patches: unsupported fields {sorted(set(entry) - {'path', 'patch', 'target'})}")
    if "path" in entry:
        bodies = load_docs(directory / entry["path"])
    elif "patch" in entry:
        bodies = [d for d in yaml.safe_load_all(entry["patch"]) if d is not None]
    else:
        raise RenderError(f"{kfile}: a patch needs `path` or `patch`")
    target = entry.get("target")
    for body in bodies:
        if isinstance(body, list):  # JSON 6902
            if not target:
                raise RenderError(f"{kfile}: a JSON 6902 patch needs a target")
            hits = [r for r in resources if target_matches(r, target)]
            if not hits:
                raise RenderError(f"{kfile}: patch target {target} matches nothing")
            for r in hits:
                json6902(r, body)
        elif isinstance(body, dict):  # strategic merge
            if target:
                hits = [r for r in resources if target_matches(r, target)]
            else:
                hits = [r for r in resources if r.get("kind") == body.get("kind") and name_of(r) == name_of(body)
                        and (not (body.get("metadata") or {}).get("namespace")
                             or (r.get("metadata") or {}).get("namespace") == body["metadata"]["namespace"])]
            if not hits:
                raise RenderError(f"{kfile}: patch for {body.get('kind')}/{name_of(body)} matches nothing")
            for r in hits:
                patch_body = copy.deepcopy(body)
                if target:  # kustomize keeps the target's identity
                    patch_body.pop("metadata", None)
                    patch_body.pop("kind", None)
                    patch_body.pop("apiVersion", None)
                smp(r, patch_body, ())
        else:
            raise RenderError(f"{kfile}: unreadable patch")


def smp(base: dict, patch: dict, path: tuple) -> None:
    for key, value in patch.items():
        if isinstance(key, str) and key.startswith("$"):
            raise RenderError(f"strategic-merge directive {key!r} at {'/'.join(path)} is not supported")
        if value is None:
            base.pop(key, None)
        elif isinstance(value, dict) and isinstance(base.get(key), dict):
            smp(base[key], value, path + (key,))
        elif isinstance(value, list) and isinstance(base.get(key), list) and key in MERGE_KEYS:
            mk = MERGE_KEYS[key]
            merged = base[key]
            new_items = []
            for item in value:
                if not isinstance(item, dict) or mk not in item:
                    raise RenderError(f"list {'/'.join(path + (key,))}: every item needs {mk!r}")
                existing = next((b for b in merged if isinstance(b, dict) and b.get(mk) == item[mk]), None)
                if existing is None:
                    new_items.append(copy.deepcopy(item))
                else:
                    smp(existing, item, path + (key, str(item[mk])))
            # kustomize puts list items that only the patch has in front of the existing ones.
            base[key] = new_items + merged
        elif isinstance(value, list) and key in UNSUPPORTED_PATCH_LISTS and key in base:
            raise RenderError(f"patching the list {'/'.join(path + (key,))} is not supported by the fallback renderer")
        else:
            base[key] = copy.deepcopy(value)


def pointer(path: str) -> list[str]:
    if not path.startswith("/"):
        raise RenderError(f"JSON pointer {path!r} must start with /")
    return [p.replace("~1", "/").replace("~0", "~") for p in path[1:].split("/")]


def json6902(doc: dict, ops: list) -> None:
    for op in ops:
        kind = op.get("op")
        parts = pointer(op["path"])
        parent = doc
        try:
            for p in parts[:-1]:
                parent = parent[int(p)] if isinstance(parent, list) else parent[p]
        except (KeyError, IndexError, ValueError, TypeError):
            raise RenderError(f"JSON 6902 {kind} {op['path']}: the parent does not exist") from None
        last = parts[-1]
        if kind in ("add", "replace"):
            value = copy.deepcopy(op["value"])
            if isinstance(parent, list):
                if last == "-":
                    parent.append(value)
                elif kind == "add":
                    parent.insert(int(last), value)
                else:
                    parent[int(last)] = value
            else:
                if kind == "replace" and last not in parent:
                    raise RenderError(f"replace {op['path']}: no such field")
                parent[last] = value
        elif kind == "remove":
            if isinstance(parent, list):
                del parent[int(last)]
            else:
                del parent[last]
        else:
            raise RenderError(f"JSON 6902 op {kind!r} is not supported")


# --------------------------------------------------------------------------------------------------
# Checks
# --------------------------------------------------------------------------------------------------

def ident(r: dict) -> tuple[str, str, str]:
    md = r.get("metadata") or {}
    return (r.get("kind", "?"), md.get("namespace", ""), md.get("name", "?"))


def show(r: dict) -> str:
    return f"{r.get('kind', '?')}/{name_of(r) or '?'}"


def first_difference(a, b, path="") -> str:
    if type(a) is not type(b):
        return f"{path or '/'}: {a!r} != {b!r}"
    if isinstance(a, dict):
        for k in sorted(set(a) | set(b), key=str):
            if k not in a or k not in b:
                return f"{path}/{k}: only in {'kubectl' if k in a else 'python'} output"
            d = first_difference(a[k], b[k], f"{path}/{k}")
            if d:
                return d
        return ""
    if isinstance(a, list):
        if len(a) != len(b):
            return f"{path}: list of {len(a)} vs {len(b)} items"
        for i, (x, y) in enumerate(zip(a, b)):
            d = first_difference(x, y, f"{path}/{i}")
            if d:
                return d
        return ""
    return "" if a == b else f"{path}: {a!r} != {b!r}"


def compare(kubectl_docs: list[dict], python_docs: list[dict]) -> list[str]:
    errors = []
    a = {ident(r): r for r in kubectl_docs}
    b = {ident(r): r for r in python_docs}
    for key in sorted(set(a) | set(b)):
        if key not in b:
            errors.append(f"renderer parity: {key[0]}/{key[2]} only in the kubectl output")
        elif key not in a:
            errors.append(f"renderer parity: {key[0]}/{key[2]} only in the python output")
        else:
            d = first_difference(a[key], b[key])
            if d:
                errors.append(f"renderer parity: {key[0]}/{key[2]} differs at {d}")
    return errors


def validate_schemas(docs: list[dict], versions: list[str]) -> list[str]:
    from kubernetes_validate import utils as kv

    errors = []
    for r in docs:
        for version in versions:
            try:
                kv.validate(r, version, strict=True)
            except kv.ValidationError as e:
                where = ".".join(str(p) for p in e.path) or "(top)"
                errors.append(f"schema {version}: {show(r)}: {where}: {e.message}")
            except kv.SchemaNotFoundError as e:
                errors.append(f"schema {version}: {show(r)}: {e.message}")
            except kv.VersionNotSupportedError:
                errors.append(f"schema: kubernetes-validate has no schemas for Kubernetes {version}")
                return errors
    return errors


def selector_matches(selector: dict, labels: dict) -> bool:
    if set(selector) - {"matchLabels"}:
        return False  # matchExpressions are not used here; treat as no match
    ml = selector.get("matchLabels") or {}
    return bool(ml) and all(labels.get(k) == v for k, v in ml.items())


def container_ports(pod: dict) -> tuple[set, set]:
    names, numbers = set(), set()
    for c in pod.get("containers") or []:
        for p in c.get("ports") or []:
            numbers.add(p.get("containerPort"))
            if p.get("name"):
                names.add(p["name"])
    return names, numbers


def cross_check(docs: list[dict], secret_name: str, secret_keys: set[str], used_secret_keys: set[str]) -> list[str]:
    errors = []
    seen = set()
    for r in docs:
        for field in ("apiVersion", "kind"):
            if not r.get(field):
                errors.append(f"{show(r)}: no {field}")
        if ident(r) in seen:
            errors.append(f"{show(r)}: defined twice")
        seen.add(ident(r))
        labels = (r.get("metadata") or {}).get("labels") or {}
        if labels.get("app.kubernetes.io/part-of") != "agentlocator":
            errors.append(f"{show(r)}: missing label app.kubernetes.io/part-of=agentlocator")

    by_kind: dict[str, list[dict]] = {}
    for r in docs:
        by_kind.setdefault(r.get("kind", ""), []).append(r)
    deployments = {name_of(d): d for d in by_kind.get("Deployment", [])}
    configmaps = {name_of(c): c for c in by_kind.get("ConfigMap", [])}
    services = {name_of(s): s for s in by_kind.get("Service", [])}
    rendered_secrets = {name_of(s): s for s in by_kind.get("Secret", [])}

    def template(d: dict) -> dict:
        return (d.get("spec") or {}).get("template") or {}

    def tlabels(d: dict) -> dict:
        return (template(d).get("metadata") or {}).get("labels") or {}

    def pods_selected(selector: dict) -> list[dict]:
        return [d for d in deployments.values() if selector_matches(selector, tlabels(d))]

    for name, d in deployments.items():
        spec = d.get("spec") or {}
        pod = template(d).get("spec") or {}
        if not selector_matches(spec.get("selector") or {}, tlabels(d)):
            errors.append(f"Deployment/{name}: selector does not match its pod template labels")
        if tlabels(d).get("app.kubernetes.io/part-of") != "agentlocator":
            errors.append(f"Deployment/{name}: pod template lacks app.kubernetes.io/part-of=agentlocator "
                          f"(the NATS/PostgreSQL policies admit pods by it)")
        psc = pod.get("securityContext") or {}
        if not psc.get("runAsNonRoot") or psc.get("runAsUser") != 10001:
            errors.append(f"Deployment/{name}: pod must run as non-root uid 10001")
        volumes = {v.get("name"): v for v in pod.get("volumes") or []}
        names, numbers = container_ports(pod)
        for c in pod.get("containers") or []:
            cn = f"Deployment/{name} container {c.get('name')}"
            image = c.get("image", "")
            if image in ("agentlocator:latest", "agentlocator"):
                errors.append(f"{cn}: image placeholder {image!r} not replaced by the overlay")
            sc = c.get("securityContext") or {}
            if sc.get("readOnlyRootFilesystem") is not True or sc.get("allowPrivilegeEscalation") is not False:
                errors.append(f"{cn}: needs readOnlyRootFilesystem: true and allowPrivilegeEscalation: false")
            res = c.get("resources") or {}
            for part in ("requests", "limits"):
                for what in ("cpu", "memory"):
                    if what not in (res.get(part) or {}):
                        errors.append(f"{cn}: no resources.{part}.{what}")
            for probe in ("readinessProbe", "livenessProbe"):
                if probe not in c:
                    errors.append(f"{cn}: no {probe}")
            for probe in ("readinessProbe", "livenessProbe", "startupProbe"):
                p = c.get(probe)
                if not p:
                    continue
                port = (p.get("httpGet") or p.get("tcpSocket") or p.get("grpc") or {}).get("port")
                if port is None:
                    errors.append(f"{cn}: {probe} has no port")
                elif port not in names and port not in numbers:
                    errors.append(f"{cn}: {probe} port {port!r} is not a port of the container")
            mounts = {m.get("mountPath") for m in c.get("volumeMounts") or []}
            if "/tmp" not in mounts:
                errors.append(f"{cn}: no writable /tmp (readOnlyRootFilesystem needs an emptyDir there)")
            for m in c.get("volumeMounts") or []:
                if m.get("name") not in volumes:
                    errors.append(f"{cn}: volumeMount {m.get('name')!r} has no volume")
            for ef in c.get("envFrom") or []:
                if "configMapRef" in ef and ef["configMapRef"].get("name") not in configmaps:
                    errors.append(f"{cn}: envFrom ConfigMap {ef['configMapRef'].get('name')!r} is not rendered")
                if "secretRef" in ef:
                    errors.append(f"{cn}: use secretKeyRef per key, not envFrom secretRef (keys must be visible)")
            for e in c.get("env") or []:
                vf = e.get("valueFrom") or {}
                if "secretKeyRef" in vf:
                    ref = vf["secretKeyRef"]
                    if ref.get("name") in rendered_secrets:
                        continue
                    if ref.get("name") != secret_name:
                        errors.append(f"{cn}: env {e.get('name')}: unknown Secret {ref.get('name')!r}")
                    elif ref.get("key") not in secret_keys:
                        errors.append(f"{cn}: env {e.get('name')}: key {ref.get('key')!r} is not in secret.example.yaml")
                    used_secret_keys.add(ref.get("key"))
                if "configMapKeyRef" in vf:
                    ref = vf["configMapKeyRef"]
                    cm = configmaps.get(ref.get("name"))
                    if cm is None or ref.get("key") not in (cm.get("data") or {}):
                        errors.append(f"{cn}: env {e.get('name')}: ConfigMap key {ref.get('name')}/{ref.get('key')} not rendered")
        for vname, v in volumes.items():
            if "secret" in v and v["secret"].get("secretName") == secret_name:
                for item in v["secret"].get("items") or []:
                    if item.get("key") not in secret_keys:
                        errors.append(f"Deployment/{name}: volume {vname}: key {item.get('key')!r} is not in secret.example.yaml")
                    used_secret_keys.add(item.get("key"))
            if "configMap" in v and v["configMap"].get("name") not in configmaps:
                errors.append(f"Deployment/{name}: volume {vname}: ConfigMap not rendered")

    for name, s in services.items():
        sel = (s.get("spec") or {}).get("selector") or {}
        targets = pods_selected({"matchLabels": sel})
        if not targets:
            errors.append(f"Service/{name}: selector {sel} matches no Deployment")
        for p in (s.get("spec") or {}).get("ports") or []:
            tp = p.get("targetPort", p.get("port"))
            for d in targets:
                names, numbers = container_ports(template(d).get("spec") or {})
                if tp not in names and tp not in numbers:
                    errors.append(f"Service/{name}: targetPort {tp!r} is not a port of Deployment/{name_of(d)}")

    for ing in by_kind.get("Ingress", []):
        for rule in (ing.get("spec") or {}).get("rules") or []:
            for path in ((rule.get("http") or {}).get("paths")) or []:
                svc = ((path.get("backend") or {}).get("service")) or {}
                s = services.get(svc.get("name"))
                if s is None:
                    errors.append(f"{show(ing)}: backend Service {svc.get('name')!r} is not rendered")
                    continue
                port = svc.get("port") or {}
                sports = (s.get("spec") or {}).get("ports") or []
                if "name" in port and port["name"] not in {p.get("name") for p in sports}:
                    errors.append(f"{show(ing)}: Service {svc.get('name')} has no port named {port['name']!r}")
                if "number" in port and port["number"] not in {p.get("port") for p in sports}:
                    errors.append(f"{show(ing)}: Service {svc.get('name')} has no port {port['number']}")

    for hpa in by_kind.get("HorizontalPodAutoscaler", []):
        spec = hpa.get("spec") or {}
        ref = spec.get("scaleTargetRef") or {}
        d = deployments.get(ref.get("name")) if ref.get("kind") == "Deployment" else None
        if d is None:
            errors.append(f"{show(hpa)}: scale target {ref.get('kind')}/{ref.get('name')} is not rendered")
        elif "replicas" in (d.get("spec") or {}):
            errors.append(f"{show(hpa)}: Deployment/{ref.get('name')} sets replicas, which every apply would "
                          f"reset under the autoscaler; leave it to the HPA")
        if spec.get("minReplicas", 1) > spec.get("maxReplicas", 0):
            errors.append(f"{show(hpa)}: minReplicas > maxReplicas")

    for pdb in by_kind.get("PodDisruptionBudget", []):
        if not pods_selected((pdb.get("spec") or {}).get("selector") or {}):
            errors.append(f"{show(pdb)}: selector matches no Deployment")

    own_apps = set(deployments)
    for np in by_kind.get("NetworkPolicy", []):
        spec = np.get("spec") or {}
        selected = pods_selected(spec.get("podSelector") or {})
        for rule in spec.get("ingress") or []:
            for peer in rule.get("from") or []:
                if "namespaceSelector" in peer or "podSelector" not in peer:
                    continue
                ml = (peer["podSelector"].get("matchLabels")) or {}
                app = ml.get("app.kubernetes.io/name")
                if app is not None and app not in {"nats", "postgresql"} and app not in own_apps:
                    errors.append(f"{show(np)}: peer app.kubernetes.io/name={app} matches no Deployment")
                if "app.kubernetes.io/part-of" in ml and not pods_selected(peer["podSelector"]):
                    errors.append(f"{show(np)}: peer {ml} matches no Deployment")
            for d in selected:
                names, numbers = container_ports(template(d).get("spec") or {})
                for p in rule.get("ports") or []:
                    if p.get("port") not in names and p.get("port") not in numbers:
                        errors.append(f"{show(np)}: port {p.get('port')} is not a port of Deployment/{name_of(d)}")
    return errors


def readme_env_vars(readme: Path) -> list[str]:
    """Variable names of the table under README's `## Configuration` heading."""
    text = readme.read_text()
    m = re.search(r"^## Configuration\s*$(.*?)(?=^## )", text, re.S | re.M)
    if not m:
        raise RenderError(f"{readme}: no '## Configuration' section")
    names: list[str] = []
    for line in m.group(1).splitlines():
        if not line.startswith("|") or re.match(r"^\|\s*-", line) or "Variable" in line.split("|")[1]:
            continue
        cells = line.split("|")[1:-1]
        first = cells[0] if cells else ""
        # A first cell like "`CRM_SVC_GRPC_ADDR` …" stands for a family spelled out in the row.
        scope = line if ("…" in first or "..." in first) else first
        for token in re.findall(r"`([A-Z][A-Z0-9_]*)`", scope):
            if "_" in token and token not in names:
                names.append(token)
    if len(names) < 10:
        raise RenderError(f"{readme}: found only {names} in the configuration table; has its format changed?")
    return names


def deployment_env_names(docs: list[dict]) -> set[str]:
    configmaps = {name_of(c): c for c in docs if c.get("kind") == "ConfigMap"}
    names: set[str] = set()
    for d in docs:
        if d.get("kind") != "Deployment":
            continue
        for pod in pod_specs(d):
            for c in (pod.get("containers") or []) + (pod.get("initContainers") or []):
                names |= {e.get("name") for e in c.get("env") or []}
                for ef in c.get("envFrom") or []:
                    cm = configmaps.get((ef.get("configMapRef") or {}).get("name"))
                    if cm:
                        names |= {ef.get("prefix", "") + k for k in (cm.get("data") or {})}
    return names


# --------------------------------------------------------------------------------------------------

def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    r = sub.add_parser("render")
    r.add_argument("overlay")
    c = sub.add_parser("check")
    c.add_argument("--readme", required=True)
    c.add_argument("--secret-example", required=True)
    c.add_argument("--versions", default="1.31.0,1.37.0")
    c.add_argument("--renderer-label", default="")
    c.add_argument("overlays", nargs="+", help="NAME=OVERLAY_DIR[:RENDERED_FILE]")
    args = ap.parse_args()

    if args.cmd == "render":
        try:
            docs = build(Path(args.overlay).resolve())
        except RenderError as e:
            print(f"k8s: render error: {e}", file=sys.stderr)
            return 1
        yaml.safe_dump_all(docs, sys.stdout, sort_keys=False)
        return 0

    versions = [v.strip() for v in args.versions.split(",") if v.strip()]
    errors: list[str] = []
    summary: list[str] = []
    try:
        example = load_docs(Path(args.secret_example))
        readme_vars = readme_env_vars(Path(args.readme))
    except RenderError as e:
        print(f"k8s: {e}", file=sys.stderr)
        return 1
    secret_doc = example[0] if example else {}
    secret_name = name_of(secret_doc)
    secret_keys = set((secret_doc.get("stringData") or {}).keys()) | set((secret_doc.get("data") or {}).keys())
    errors += [f"secret.example.yaml: {m}" for m in validate_schemas(example, versions)]
    for k, v in (secret_doc.get("stringData") or {}).items():
        if v not in ("", None):
            errors.append(f"secret.example.yaml: {k} has a value; the example must stay empty")

    used_secret_keys: set[str] = set()
    checked_all = True
    for spec in args.overlays:
        name, _, rest = spec.partition("=")
        overlay, _, rendered = rest.partition(":")
        prefix = f"{name}: "
        errors_before = len(errors)
        try:
            python_docs = build(Path(overlay).resolve())
        except RenderError as e:
            errors.append(prefix + f"python renderer: {e}")
            python_docs = None
            checked_all = checked_all and bool(rendered)
        if rendered:
            try:
                docs = load_docs(Path(rendered))
            except RenderError as e:
                errors.append(prefix + str(e))
                checked_all = False
                continue
            if python_docs is not None:
                errors += [prefix + m for m in compare(docs, python_docs)]
        elif python_docs is None:
            continue
        else:
            docs = python_docs
        errors += [prefix + m for m in validate_schemas(docs, versions)]
        errors += [prefix + m for m in cross_check(docs, secret_name, secret_keys, used_secret_keys)]
        env_names = deployment_env_names(docs)
        missing = [v for v in readme_vars if v not in env_names]
        if missing:
            errors.append(prefix + f"README configuration variables not referenced by any Deployment: {', '.join(missing)}")
        if len(errors) == errors_before:
            summary.append(f"{name} {len(docs)} manifests valid")

    unused = secret_keys - used_secret_keys
    if unused and checked_all:
        errors.append(f"secret.example.yaml: keys no Deployment uses: {', '.join(sorted(unused))}")

    if errors:
        for e in errors:
            print(f"k8s: ERROR {e}", file=sys.stderr)
        print(f"k8s: {len(errors)} problem(s) in deploy/k8s", file=sys.stderr)
        return 1
    detail = [args.renderer_label] if args.renderer_label else []
    detail.append("schemas " + ", ".join(".".join(v.split(".")[:2]) for v in versions) + " strict")
    detail.append(f"{len(readme_vars)} README env vars referenced")
    print(f"k8s: {', '.join(summary)} ({'; '.join(detail)})")
    return 0


if __name__ == "__main__":
    sys.exit(main())

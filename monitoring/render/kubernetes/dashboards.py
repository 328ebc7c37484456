"""Grafana dashboards as ConfigMaps for kube-prometheus-stack's Grafana sidecar.

The sidecar loads every ConfigMap carrying the dashboard label (grafana_dashboard: "1") and files it under the
folder its annotation names (grafana_folder, with the chart's sidecar.dashboards.folderAnnotation set to it).
"""

from __future__ import annotations

import json
import posixpath
from collections.abc import Mapping

from monitoring import conventions
from monitoring.errors import DefinitionError
from monitoring.model.kubernetes_output import KubernetesOutput
from monitoring.render.kubernetes.resource import Resource, make

# The API server refuses objects over 1 MiB; a ConfigMap's data must stay below that.
MAX_CONFIG_MAP_BYTES = 1024 * 1024 - 4096


def dashboard_config_map(output: KubernetesOutput, folder: str, uid: str, text: str, origin: str | None = None
                         ) -> Resource:
    """The ConfigMap of one dashboard's JSON; origin: what made it ("hand-written:dashboards/x.dashboard.py")."""
    name = conventions.dashboard_config_map(uid)
    size = len(text.encode())
    if size > MAX_CONFIG_MAP_BYTES:
        kind, _, source = (origin or "").partition(":")
        raise DefinitionError(f"{size} bytes of JSON, more than a ConfigMap holds ({MAX_CONFIG_MAP_BYTES}): split "
                              "its panels over several dashboards",
                              definition=source if kind == "dashboard" else f"dashboard {uid!r}",
                              where=source if kind == "hand-written" else None, field="panels")
    return make(output, "v1", "ConfigMap", name, labels={output.dashboard_label: output.dashboard_label_value},
                annotations={output.folder_annotation: folder}, data={f"{uid}.json": text})


def dashboard_config_maps(output: KubernetesOutput, files: dict[str, str],
                          origins: Mapping[str, str] | None = None) -> list[Resource]:
    """One ConfigMap per generated dashboard file (out/grafana/dashboards/<folder uid>/<uid>.json); origins, what
    made each file ("hand-written:dashboards/x.dashboard.py"), names both dashboards when two ConfigMaps meet.

    Stack.check() has refused the model's dashboards that would meet; a hand-written one is known only here."""
    folders = {f["uid"]: f["title"] for f in json.loads(files.get(conventions.GRAFANA_FOLDERS_FILE, "[]"))}
    maps: dict[str, tuple[str, Resource]] = {}
    for path in sorted(files):
        if not path.startswith(conventions.GRAFANA_DASHBOARDS_DIR + "/"):
            continue
        folder_uid = posixpath.basename(posixpath.dirname(path))
        uid = posixpath.basename(path).removesuffix(".json")
        resource = dashboard_config_map(output, folders.get(folder_uid, folder_uid), uid, files[path],
                                        (origins or {}).get(path))
        if resource.name in maps:
            first, _ = maps[resource.name]
            raise DefinitionError(f"dashboard uids {_uid_from(first, origins)} and {_uid_from(path, origins)} make "
                                  f"the same ConfigMap name {resource.name!r} (Kubernetes names are lower case, "
                                  "without '_'): give one a different uid", field="uid", value=uid)
        maps[resource.name] = path, resource.made_from((origins or {}).get(path))
    return [resource for _, resource in maps.values()]


def _uid_from(path: str, origins: Mapping[str, str] | None) -> str:
    """"'Shop' (from dashboards/shop.dashboard.py)": a dashboard file's uid and what made it, if known."""
    uid = posixpath.basename(path).removesuffix(".json")
    origin = (origins or {}).get(path)
    return f"{uid!r} (from {origin.partition(':')[2]})" if origin else repr(uid)

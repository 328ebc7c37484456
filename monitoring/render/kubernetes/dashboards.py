"""Grafana dashboards as ConfigMaps for kube-prometheus-stack's Grafana sidecar.

The sidecar loads every ConfigMap carrying the dashboard label (grafana_dashboard: "1") and files it under the
folder its annotation names (grafana_folder, with the chart's sidecar.dashboards.folderAnnotation set to it).
"""

from __future__ import annotations

import json
import posixpath

from monitoring import conventions
from monitoring.errors import DefinitionError
from monitoring.model.kubernetes_output import KubernetesOutput
from monitoring.render.kubernetes.resource import Resource, make

# The API server refuses objects over 1 MiB; a ConfigMap's data must stay below that.
MAX_CONFIG_MAP_BYTES = 1024 * 1024 - 4096


def dashboard_config_map(output: KubernetesOutput, folder: str, uid: str, text: str) -> Resource:
    name = conventions.dashboard_config_map(uid)
    if len(text.encode()) > MAX_CONFIG_MAP_BYTES:
        raise DefinitionError(f"dashboard {uid!r} is {len(text.encode())} bytes of JSON, more than a ConfigMap "
                              f"holds ({MAX_CONFIG_MAP_BYTES}): split it")
    return make(output, "v1", "ConfigMap", name, labels={output.dashboard_label: output.dashboard_label_value},
                annotations={output.folder_annotation: folder}, data={f"{uid}.json": text})


def dashboard_config_maps(output: KubernetesOutput, files: dict[str, str]) -> list[Resource]:
    """One ConfigMap per generated dashboard file (out/grafana/dashboards/<folder uid>/<uid>.json)."""
    folders = {f["uid"]: f["title"] for f in json.loads(files.get(conventions.GRAFANA_FOLDERS_FILE, "[]"))}
    maps: dict[str, Resource] = {}
    for path in sorted(files):
        if not path.startswith(conventions.GRAFANA_DASHBOARDS_DIR + "/"):
            continue
        folder_uid = posixpath.basename(posixpath.dirname(path))
        uid = posixpath.basename(path).removesuffix(".json")
        resource = dashboard_config_map(output, folders.get(folder_uid, folder_uid), uid, files[path])
        if resource.name in maps:
            raise DefinitionError(f"dashboards {uid!r} and another have the same ConfigMap name {resource.name!r} "
                                  "(Kubernetes names are lower case): give one a different uid")
        maps[resource.name] = resource
    return list(maps.values())

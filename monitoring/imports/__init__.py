"""`monitoring import`: existing Prometheus, Alertmanager and Grafana configuration to Python definitions.

Use it once, when a project starts from configuration written by hand:

    result = import_files([Path("rules/api.yml"), Path("alertmanager.yml")], package="imported")
    for path, text in result.files.items(): ...   # what `monitoring import` writes

Rules become `Alert`, `RecordingRule` or, when they do not follow the model's conventions, `VerbatimRule`;
the route tree a `Routing`; scrape jobs `ScrapeJob`s; dashboards a `Dashboard` or their JSON. Anything the
model cannot hold is named in `ImportResult.warnings` (or, with strict=True, raised as an InputFileError).
Inline secrets always raise an InputFileError that names the field and the *_file to use instead.
"""

from monitoring.imports.project import ImportResult, import_files

__all__ = ["ImportResult", "import_files"]

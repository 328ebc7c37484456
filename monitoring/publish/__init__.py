"""Publishing to Grafana over its HTTP API: read the live state, plan, show the diff, apply.

Layers: config (where and who), client (HTTP with retries), desired (out/grafana), live (reads), plan (pure
decisions and diffs), apply (writes), run (the gate and the run, returning a PublishReport). Nothing here
prints: the command line turns the report into text.

The package is also the library's `publish` verb (monitoring.api.publish): call it once out/ is generated and
valid, to put its dashboards into Grafana. It reads out/ alone and returns a PublishReport.

    report = monitoring.publish(Project.find(), PublishRequest(dry_run=True), env={"GRAFANA_URL": url, ...})
    print("no changes" if report.ok else f"{report.plan.writes if report.plan else '?'} changes")
"""

from __future__ import annotations

import sys
import types
from typing import Any


class _CallablePackage(types.ModuleType):
    # `monitoring.publish` names this package (Python sets the attribute when a submodule is imported) and the
    # verb alike: calling the package is calling monitoring.api.publish.
    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        from monitoring.api import publish

        return publish(*args, **kwargs)


sys.modules[__name__].__class__ = _CallablePackage

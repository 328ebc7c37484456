"""`monitoring ci`: generate --check, validate and the promtool tests as one gate, with machine-readable results.

    report = run_ci(Project.find())              # a CIReport: steps of test cases, and the exit status
    print(render(report, "junit"))               # or "text", "json" (schema: ci-report.schema.json), "github"
"""

from monitoring.ci.formats import FORMATS, render
from monitoring.ci.report import Case, CIReport, Step
from monitoring.ci.run import run_ci

__all__ = ["FORMATS", "CIReport", "Case", "Step", "render", "run_ci"]

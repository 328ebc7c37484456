"""`monitoring init`: a project of your own, ready to generate, validate and test.

    init_project(Path("my-monitoring"))   # what `monitoring init my-monitoring` writes

The project holds pyproject.toml with [tool.monitoring], a stack module with one service, one alert with its
test and one SLO, dashboards/, alerts/tests/, a Makefile, a CI workflow and a pre-commit configuration.
"""

from monitoring.scaffold.project import DISTRIBUTION, init_project, project_files

__all__ = ["DISTRIBUTION", "init_project", "project_files"]

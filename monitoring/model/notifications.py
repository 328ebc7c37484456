"""What a notification says: the Alertmanager templates for Slack and PagerDuty.

Every alert carries `summary` (a static sentence), `description`, `runbook_url` and, when the stack has a
`grafana_url`, `dashboard_url` (see `Stack.alert_annotations`). The templates put all of them in front of the
person on call: the summary as the headline, each alert's description, and links to the runbook and the
dashboard. They use Alertmanager's template data (`.Status`, `.CommonLabels`, `.CommonAnnotations`, `.Alerts`).
"""

from __future__ import annotations

SLACK_TITLE = ('[{{ .Status | toUpper }}{{ if eq .Status "firing" }}:{{ .Alerts.Firing | len }}{{ end }}] '
               "{{ .CommonLabels.alertname }}{{ with .CommonLabels.job }} on {{ . }}{{ end }}: "
               "{{ .CommonAnnotations.summary }}")
SLACK_TEXT = ("{{ range .Alerts }}{{ .Annotations.description }}\n"
              "{{ with .Annotations.runbook_url }}<{{ . }}|Runbook>{{ end }}"
              "{{ with .Annotations.dashboard_url }} · <{{ . }}|Dashboard>{{ end }}\n{{ end }}")

PAGERDUTY_DESCRIPTION = "{{ .CommonLabels.alertname }}: {{ .CommonAnnotations.summary }}"
PAGERDUTY_DETAILS = {
    "summary": "{{ .CommonAnnotations.summary }}",
    "description": "{{ range .Alerts.Firing }}{{ .Annotations.description }}\n{{ end }}",
    "runbook_url": "{{ .CommonAnnotations.runbook_url }}",
}
PAGERDUTY_DASHBOARD_DETAIL = {"dashboard_url": "{{ .CommonAnnotations.dashboard_url }}"}
RUNBOOK_LINK = {"href": "{{ .CommonAnnotations.runbook_url }}", "text": "Runbook"}
DASHBOARD_LINK = {"href": "{{ .CommonAnnotations.dashboard_url }}", "text": "Dashboard"}

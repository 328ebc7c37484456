"""Bad input files and arguments for import, init and ci: exit 2 and one line that names the file and line."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from monitoring.cli import main

RULES_OK = "groups:\n  - name: g\n    rules:\n      - record: job:x:sum\n        expr: sum(x)\n"
AM_HEAD = "route:\n  receiver: r\nreceivers:\n  - name: r\n"

# (case, file name, content, extra arguments, message after "monitoring: error: <dir>/")
CASES = [
    ("rule file that does not parse", "rules.yml", "groups:\n  - name: g\n    rules: [\n", [],
     r"rules\.yml:4: not valid YAML \(.*\)"),
    ("rule whose PromQL does not parse", "rules.yml",
     "groups:\n  - name: g\n    rules:\n      - alert: A\n        expr: sum(rate(x[5m])\n", [],
     r"rules\.yml:5: PromQL does not parse \(.*\): 'sum\(rate\(x\[5m\]\)'"),
    ("rule group without rules", "rules.yml", "groups:\n  - name: g\n", [],
     r"rules\.yml:2: a rule group needs a name and a list of rules"),
    ("rule with an unknown field", "rules.yml", RULES_OK + "        labelz: {a: b}\n", [],
     r"rules\.yml:6: rule 'job:x:sum': unknown field 'labelz'"),
    ("dashboard JSON that is not a dashboard", "board.json", '{"title": "x", "widgets": []}\n', [],
     r"board\.json:1: not a Grafana dashboard: expected an object with a title and a list of panels .*"),
    ("JSON that does not parse", "board.json", '{\n  "title": "x",\n  "panels": [\n}\n', [],
     r"board\.json:4: not valid JSON \(.*\)"),
    ("inline Slack webhook URL", "alertmanager.yml",
     AM_HEAD + "    slack_configs:\n      - channel: '#a'\n"
     "        api_url: https://hooks.slack.com/services/T/B/x\n", [],
     r"alertmanager\.yml:7: receivers\[0\]\.slack_configs\[0\]\.api_url is a secret written inline: put it in a "
     r"file and use api_url_file"),
    ("inline PagerDuty routing key", "alertmanager.yml",
     AM_HEAD + "    pagerduty_configs:\n      - routing_key: abc123\n", [],
     r"alertmanager\.yml:6: receivers\[0\]\.pagerduty_configs\[0\]\.routing_key is a secret written inline: .* "
     r"routing_key_file"),
    ("inline scrape password", "prometheus.yml",
     "scrape_configs:\n  - job_name: a\n    basic_auth:\n      username: u\n      password: hunter2\n"
     "    static_configs: [{targets: ['a:1']}]\n", [],
     r"prometheus\.yml:5: scrape job 'a': password is a secret written inline: put it in a file and use "
     r"password_file"),
    ("a file of no known kind", "misc.yml", "foo: 1\n", [],
     r"misc\.yml:1: not a rule file, prometheus\.yml, alertmanager\.yml or Grafana dashboard JSON"),
    ("match_re under --strict", "alertmanager.yml",
     "route:\n  receiver: r\n  routes:\n    - receiver: r\n      match_re: {team: a|b}\nreceivers:\n  - name: r\n",
     ["--strict"],
     r"alertmanager\.yml:\d+: route\.routes\[0\]: match_re is deprecated in Alertmanager 0\.25 \(unsupported; "
     r"without --strict it is converted to the equivalent matchers\)"),
]


@pytest.mark.parametrize(("case", "name", "content", "extra", "message"), CASES, ids=[c[0] for c in CASES])
def test_bad_import_input_is_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str], case: str, name: str,
                                      content: str, extra: list[str], message: str) -> None:
    source = tmp_path / "in" / name
    source.parent.mkdir()
    source.write_text(content, encoding="utf-8")
    project = tmp_path / "project"
    project.mkdir()
    assert main(["import", "--directory", str(project), *extra, str(source)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1, err
    assert re.fullmatch(rf"monitoring: error: {re.escape(str(source.parent))}/{message}\n", err), err
    assert "hunter2" not in err and "abc123" not in err and "/services/T/B/x" not in err  # never the secret
    assert list(project.iterdir()) == []  # nothing written


def test_import_of_a_missing_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["import", "--directory", str(tmp_path), str(tmp_path / "nope.yml")]) == 2
    assert re.fullmatch(rf"monitoring: error: {re.escape(str(tmp_path))}/nope\.yml:1: cannot read \(.*\)\n",
                        capsys.readouterr().err)


def test_import_does_not_overwrite_without_force(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = tmp_path / "rules.yml"
    source.write_text(RULES_OK, encoding="utf-8")
    (tmp_path / "imported").mkdir()
    (tmp_path / "imported" / "__init__.py").write_text("# mine\n", encoding="utf-8")
    assert main(["import", "--directory", str(tmp_path), str(source)]) == 2
    assert capsys.readouterr().err == (f"monitoring: error: {tmp_path}/imported/__init__.py:1: exists already: "
                                       "import into another --package, or pass --force\n")
    assert (tmp_path / "imported" / "__init__.py").read_text() == "# mine\n"


def test_import_package_must_be_a_module_name(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = tmp_path / "rules.yml"
    source.write_text(RULES_OK, encoding="utf-8")
    assert main(["import", "--package", "my-rules", "--directory", str(tmp_path), str(source)]) == 2
    assert capsys.readouterr().err == ("monitoring: error: --package 'my-rules': must be a Python module name "
                                       "such as 'imported'\n")


def test_init_into_a_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "file"
    target.write_text("x", encoding="utf-8")
    assert main(["init", str(target)]) == 2
    assert capsys.readouterr().err == f"monitoring: error: {target}:1: is a file, not a directory\n"


@pytest.mark.parametrize("argv", [["ci", "--format", "xml"], ["import"], ["init", "a", "b"]])
def test_bad_arguments_are_one_line(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and re.match(r"monitoring( \w+)?: error: ", err), err

"""validate reads out/ alone and fast: no model, no pydantic, no jsonschema unless something fails; the compiled
schema path gives the same answers as jsonschema; PromQL's one-call path parses what the bounded path parses."""

from __future__ import annotations

import copy
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from monitoring import cli, promql
from monitoring.checks import kubernetes as checks
from monitoring.checks.validate import validate
from monitoring.output.emitters import GenerateContext, render_files
from monitoring.output.manifest import MANIFEST
from monitoring.render.kubernetes.schemas import KINDS
from tests.out_edits import rehash
from tests.stacks.kubernetes import stack

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize(("go", "ecma"), [
    ("^(?i)(abort|warn)?$", "^([aA][bB][oO][rR][tT]|[wW][aA][rR][nN])?$"),
    ("^((?i)sun|mon)day$", "^([sS][uU][nN]|[mM][oO][nN])day$"),  # the flag ends with its group
    ("^((?i)may|1[0-2])$", "^([mM][aA][yY]|1[0-2])$"),  # classes without letters are kept
    (r"^(?i)a\.b$", r"^[aA]\.[bB]$"),
    ("^[a-z]+$", "^[a-z]+$"),  # no flag: unchanged
])
def test_gos_case_insensitive_groups_are_spelt_as_letter_classes(go: str, ecma: str) -> None:
    assert checks._ecma_pattern(go) == ecma


def test_a_case_insensitive_class_with_letters_is_left_to_jsonschema() -> None:
    with pytest.raises(ValueError, match="cannot rewrite"):
        checks._ecma_pattern("^(?i)[a-f]+$")


@pytest.mark.parametrize("text", ["abort", "ABORT", "Warn", "", "abortx", "x"])
def test_the_rewritten_pattern_matches_what_go_matches(text: str) -> None:
    rewritten = re.compile(checks._ecma_pattern("^(?i)(abort|warn)?$"))
    assert bool(rewritten.search(text)) == bool(re.search(r"^(?i:abort|warn)?$", text))


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_every_operator_kind_has_the_compiled_validator(kind: str) -> None:
    assert checks._fast_validator(kind) is not None


def _resources() -> list[dict]:
    files = render_files(stack, GenerateContext("tests.stacks.kubernetes:stack"))
    return [yaml.safe_load(text) for path, text in sorted(files.items())
            if path.startswith("kubernetes/") and not path.endswith("kustomization.yaml")]


def test_the_compiled_validator_agrees_with_jsonschema_on_valid_and_broken_resources() -> None:
    resources = [r for r in _resources() if r["kind"] in KINDS]
    broken = []
    for resource in resources:
        wrong = copy.deepcopy(resource)
        wrong["spec"]["unknownField"] = 1  # refused: the checks make the CRD schemas strict
        broken.append(wrong)
    assert resources and broken
    for resource in resources + broken:
        fast = checks._fast_validator(resource["kind"]).is_valid(resource)
        slow = not list(checks._validator(resource["kind"]).iter_errors(resource))
        assert fast == slow == (resource in resources), resource["metadata"]["name"]
    assert all(any("unknownField" in p for p in checks.schema_problems(r)) for r in broken)


@pytest.mark.parametrize("expr", [
    'sum by (job) (rate(x_total{code=~"5.."}[5m])) / sum by (job) (rate(x_total[5m]))',
    "  up == 0\n",
    "histogram_quantile(0.9, sum by (le) (rate(x_bucket[5m]))) > 1 and on (job) up",
    " or ".join(f'up{{job="{i}"}}' for i in range(300)),  # beyond MAX_OPERATORS: the bounded path splits it
])
def test_the_one_call_path_returns_what_the_bounded_path_returns(expr: str) -> None:
    fast = promql.parse.__wrapped__(expr)
    tokens = promql._tokens(expr)
    assert tokens is not None
    assert repr(fast) == repr(promql._parse_bounded(expr, tokens))


@pytest.mark.parametrize("expr", ["sum(", "up{job=}", "rate(x[5m]", "# only a comment"])
def test_errors_are_worded_as_before(expr: str) -> None:
    with pytest.raises(ValueError) as fast:
        promql.parse.__wrapped__(expr)
    tokens = promql._tokens(expr)
    with pytest.raises(ValueError) as bounded:
        promql._parse_bounded(expr, tokens) if tokens else promql._parse_native(expr)
    assert str(fast.value) == str(bounded.value)


def test_validate_imports_neither_the_model_nor_jsonschema_nor_pyyaml(tmp_path: Path, promtool, amtool) -> None:
    """The repository's own out/ (Kubernetes resources, dashboards, probes, an adapter) checked in a fresh
    process: everything passes, and nothing of the model, pydantic, jsonschema or PyYAML was imported."""
    code = (
        "import json, sys\n"
        "from pathlib import Path\n"
        "from monitoring.checks.validate import validate\n"
        "results = validate(Path(sys.argv[1]))\n"
        "loaded = sorted(m for m in sys.modules\n"
        "                if m.split('.')[0] in ('pydantic', 'jsonschema', 'grafanalib', 'yaml')\n"
        "                or m.startswith('monitoring.model'))\n"
        "print(json.dumps({'failed': [r.name for r in results if not r.ok], 'names': [r.name for r in results],\n"
        "                  'loaded': loaded}))\n"
    )
    done = subprocess.run([sys.executable, "-c", code, str(ROOT / "out")], capture_output=True, text=True,
                          check=True, cwd=tmp_path)
    report = json.loads(done.stdout)
    assert report["failed"] == []
    assert {"kubernetes resources", "blackbox exporter --config.check", "amtool config routes test"} \
        <= set(report["names"])
    assert report["loaded"] == []


@pytest.mark.parametrize(("file", "text", "message"), [
    ("kubernetes/probe-mcp-ready.yaml", "kind: Probe\nspec: [\n", "not YAML (did not find expected node content"),
    ("prometheus/rules/mcp-server.rules.yml", "- groups\n", "a YAML list, not a mapping"),
    ("prometheus/prometheus.yml", "global: {\n", "not YAML ("),
    ("prometheus/prometheus.yml", "\xff", "not UTF-8 text"),
    ("kubernetes/probe-mcp-ready.yaml", "\xff", "not UTF-8 text"),
])
def test_an_out_file_that_is_not_yaml_is_one_line_naming_it(tmp_path: Path, file: str, text: str, message: str,
                                                            promtool, amtool,
                                                            capsys: pytest.CaptureFixture[str]) -> None:
    """A file of out/ edited into something that is not YAML (or not the mapping it was), its hash in the manifest
    updated to match: exit status 2 and one line that names the file and says to generate again, never a
    traceback."""
    out = tmp_path / "out"
    shutil.copytree(ROOT / "out", out)
    _edit(out, file, text.encode("latin-1"))
    status = cli.main(["validate", "--out", str(out)])
    err = capsys.readouterr().err
    assert status == 2, err
    assert err.count("\n") == 1 and str(out / file) in err and "run `monitoring generate`" in err, err
    assert message in err, err


def test_an_out_resource_of_the_wrong_shape_fails_its_check(tmp_path: Path, promtool, amtool) -> None:
    out = tmp_path / "out"
    shutil.copytree(ROOT / "out", out)
    # Of the shape generate writes (else one line: see test_out_edited_with_its_hash), of a kind it never writes.
    _edit(out, "kubernetes/probe-mcp-ready.yaml", b"apiVersion: v1\nkind: Foo\nmetadata: {name: x}\n")
    results = {r.name: r for r in validate(out)}
    assert not results["kubernetes resources"].ok
    assert "probe-mcp-ready.yaml: kind 'Foo' is not one this tool generates" in results["kubernetes resources"].details
    assert results[f"out/ matches {MANIFEST}"].ok


@pytest.mark.parametrize("text", [
    "groups: 5\n",
    "groups:\n- 5\n",
    "groups:\n- name: x\n  rules: 7\n",
    "groups:\n- name: x\n  rules:\n  - alert: 5\n    expr: [1]\n",
])
def test_an_out_file_edited_into_another_shape_fails_the_manifest_check_alone(
        tmp_path: Path, text: str, promtool, amtool, capsys: pytest.CaptureFixture[str]) -> None:
    """YAML, but not in the shape generate writes (numbers and lists where the checks read mappings), its hash
    not updated: the manifest check fails, naming the file, and no other check reads it (exit status 1)."""
    out = tmp_path / "out"
    shutil.copytree(ROOT / "out", out)
    (out / "prometheus/rules/mcp-server.rules.yml").write_text(text)
    status = cli.main(["validate", "--out", str(out)])
    printed, err = capsys.readouterr()
    assert (status, err) == (1, ""), err
    assert printed == (f"FAIL out/ matches {MANIFEST}: {len(json.loads((out / MANIFEST).read_text())['files'])} "
                       "files, sha256\n    changed prometheus/rules/mcp-server.rules.yml\n"
                       "    run `monitoring generate` to write out/ again\nvalidation failed\n"), printed


def _edit(out: Path, path: str, data: bytes) -> None:
    """Write data to out/path, its hash updated: the checks, not the manifest's, then meet the edit."""
    (out / path).write_bytes(data)
    rehash(out, path)


def test_a_check_that_fails_on_out_as_generated_keeps_its_traceback(tmp_path: Path, promtool, amtool,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """Out/ exactly as generate wrote it: an exception in a check is a bug, not the user's to fix."""
    from monitoring.checks import validate as validate_module

    def broken(manifest: object, out_dir: Path) -> list[object]:
        raise TypeError("a bug")

    out = tmp_path / "out"
    shutil.copytree(ROOT / "out", out)
    monkeypatch.setattr(validate_module, "EXTRA_CHECKS", [broken])
    with pytest.raises(TypeError, match="a bug"):
        validate(out)


@pytest.mark.parametrize("text", ['{"format": 1, "files": 5}', '{"format": 1, "files": {"a": 1}}',
                                  '{"format": 1, "files": {}}', '{"format": 1, "stack": "s", "version": "1", '
                                  '"files": {}, "checks": [1]}'])
def test_a_manifest_edited_into_another_shape_is_one_line(tmp_path: Path, text: str,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "out"
    shutil.copytree(ROOT / "out", out)
    (out / MANIFEST).write_text(text)
    status = cli.main(["validate", "--out", str(out)])
    err = capsys.readouterr().err
    assert status == 2 and err.count("\n") == 1 and "not a manifest this tool wrote" in err, err

"""PromQL input is bounded before the native parser, long chains parse in linear cost, rules are instant."""

from __future__ import annotations

import pytest

from monitoring import promql


@pytest.fixture
def native_calls(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every text handed to the native parser."""
    calls: list[str] = []
    real = promql.promql_parser.parse

    def recording(text: str) -> object:
        calls.append(text)
        return real(text)

    monkeypatch.setattr(promql.promql_parser, "parse", recording)
    promql.parse.cache_clear()
    yield calls
    promql.parse.cache_clear()


def test_or_of_2000_selectors_reaches_the_parser_in_short_pieces(native_calls: list[str]) -> None:
    expr = " or ".join(f'app_requests_total{{job="j{i}", code=~"5.."}}' for i in range(2000))
    node = promql.parse(expr)
    assert isinstance(node, promql.Chain)
    assert promql.selected_metrics(expr) == {"app_requests_total"}
    selectors = [n for n in promql.nodes(node) if isinstance(n, promql.promql_parser.VectorSelector)]
    assert len(selectors) == 2000
    assert max(text.count(" or ") for text in native_calls) < promql.MAX_OPERATORS
    # Linear: every character goes to the parser about once (plus one tiny check per distinct operator).
    assert sum(len(text) for text in native_calls) <= len(expr) + 100


def test_chains_keep_modifiers_and_mixed_precedence(native_calls: list[str]) -> None:
    expr = " + ".join(f"sum by (job) (rate(a_{i}_total[5m]))" for i in range(300)) + " > bool 1 or on (job) up"
    node = promql.parse(expr)
    assert isinstance(node, promql.Chain)
    assert node.operators == ("or on (job)",)
    assert len(promql.selected_metrics(expr)) == 301
    assert promql.value_type(node) == "vector"


@pytest.mark.parametrize(("expr", "reason"), [
    ("(" * 20_000 + "up" + ")" * 20_000, "nests brackets more than 64 deep"),
    ("sum(" * 65 + "up" + ")" * 65, "nests brackets more than 64 deep"),
    ("x" * (promql.MAX_LENGTH + 1), "characters long; the limit is 200000"),
    ("sum(" + " or ".join(["up"] * 300) + ")", "299 binary operators inside one function call"),
])
def test_hostile_input_never_reaches_the_parser(native_calls: list[str], expr: str, reason: str) -> None:
    with pytest.raises(ValueError, match=reason):
        promql.parse(expr)
    assert all(len(text) < 100 for text in native_calls)


@pytest.mark.parametrize(("expr", "kind"), [
    ("up", "vector"), ("rate(x[5m])", "vector"), ("x[5m]", "matrix"), ("rate(x[5m])[10m:1m]", "matrix"),
    ("(x[5m])", "matrix"), ("1 + 2", "scalar"), ("scalar(up)", "scalar"), ("time() - up", "vector"),
    ('"text"', "string"), ("-up", "vector"), ("sum by (job) (up)", "vector"), ("vector(1)", "vector"),
])
def test_value_types(expr: str, kind: str) -> None:
    assert promql.value_type(promql.parse(expr)) == kind


@pytest.mark.parametrize("expr", ["x[5m]", "(rate(x[5m])[10m:1m])", '"a string"'])
def test_rule_expressions_must_be_instant(expr: str) -> None:
    with pytest.raises(ValueError, match=r"range vector|string"):
        promql.check_instant(expr)


def test_range_vector_operand_in_a_long_chain_is_refused() -> None:
    with pytest.raises(ValueError, match="only scalar and instant vector"):
        promql.parse(" or ".join(["up"] * 300 + ["x[5m]"]))


def test_walking_a_deep_tree_does_not_recurse() -> None:
    expr = " + ".join(["up"] * 150)  # one native parse: a left-deep tree 150 levels down
    assert sum(1 for _ in promql.nodes(promql.parse(expr))) == 299

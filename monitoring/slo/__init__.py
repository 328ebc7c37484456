"""Service level objectives, from definition to proof.

- `windows`: window policies as data (which long/short window pairs alert, at which burn rates), exact numbers;
- `rules`: an SLO -> its Prometheus rule group (SLI rates, metadata, burn-rate alerts) and inhibit rules;
- `simulation`: the exact replay of those rules over synthetic traffic, as Prometheus computes them;
- `promtool_tests`: the promtool test cases of an SLO, with expectations taken from the replay;
- `stand_ins`: texts of SLOs that differ only in their names (alerts, checks, dashboard rows), written once.

Kept free of imports so that `monitoring.model` can use `monitoring.slo.windows` without a cycle.
"""

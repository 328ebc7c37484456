"""Checks against a running Prometheus: `check` (does every selected series exist?) and `backtest` (how would
every alert have fired over a past range?). Both read what `generate` wrote to out/."""

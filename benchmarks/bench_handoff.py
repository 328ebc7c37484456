"""The hand-off's costs, each as a ratio measured in one run on this machine.

1. 1,000 SLOs: whole-process `monitoring generate` against `promtool check rules --lint=all --lint-fatal` on the
   same rule files; first run (out/ empty) and second run (nothing changed: out/ is left untouched), the three
   timed in turns and the best of each kept (--repeat). Targets: <= 0.5x and <= 0.2x.
2. `monitoring validate` against the promtool, amtool and blackbox exporter calls it makes. Target <= 1.3x.
   validate runs those calls several at once; the reference is their raw cost, each call alone: the same
   calls (same arguments, same checking copies) are timed one at a time and summed, in a run where each call
   is made and waited for before anything else goes on (no other call, no offline check competes with it for
   a core). Summing the calls of an unchanged concurrent run would count each call's wait for a core, and
   flatter the ratio.
3. `monitoring --help`. Target <= 0.12 s.
Run: .venv/bin/python benchmarks/bench_handoff.py [--slos N] [--only generate|validate|help] [--repeat N]
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def timed(argv: list[str], cwd: Path, env: dict[str, str] | None = None) -> float:
    started = time.perf_counter()
    proc = subprocess.run(argv, cwd=cwd, capture_output=True, text=True, check=False, env=env)
    elapsed = time.perf_counter() - started
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} failed:\n{proc.stdout[-2000:]}{proc.stderr[-2000:]}")
    return elapsed


def bench_generate(slos: int, tmp: Path, repeat: int = 3) -> tuple[float, float, float]:
    """The first whole-process generate (out/ removed), a second one with nothing changed, and promtool on the
    rule files; measured in turns (first, second, promtool, first, ...) so that the machine's load weighs on
    all three alike, the best of each kept. Python reads its modules' cached bytecode, as an installed package
    does (see bench_validate)."""
    import os

    (tmp / "pyproject.toml").write_text('[tool.monitoring]\nstack = "benchstack:stack"\n')
    (tmp / "benchstack.py").write_text(f"from bench_slo import synthetic_stack\n\nstack = synthetic_stack({slos})\n")
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPATH"] = str(ROOT / "benchmarks")
    firsts, seconds, promtools = [], [], []
    for _ in range(repeat):
        shutil.rmtree(tmp / "out", ignore_errors=True)
        firsts.append(timed([str(BIN / "monitoring"), "generate"], tmp, env))
        seconds.append(timed([str(BIN / "monitoring"), "generate"], tmp, env))
        rules = sorted(str(p) for p in (tmp / "out/prometheus/rules").glob("*.yml"))
        promtools.append(timed(["promtool", "check", "rules", "--lint=all", "--lint-fatal", *rules], tmp))
    return min(firsts), min(seconds), min(promtools)


def bench_validate(tmp: Path, repeat: int = 3) -> tuple[float, float, float]:
    """Whole-process validate of this repository's out/, the wall time of the binaries it runs, and the CPU
    time Python itself spends in `validate()` (its imports and offline checks; not the binaries').

    The two are measured in turns (whole, binaries, whole, ...) so that the machine's load weighs on both alike;
    the best of each is kept. Python reads its modules' cached bytecode, as an installed package does
    (PYTHONDONTWRITEBYTECODE would have it compile every module again in every run)."""
    import os

    out = tmp / "out"
    shutil.copytree(ROOT / "out", out)
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    # Every binary runs through tools.run_bounded (blackbox imports it by name). Its `--version` runs, which make
    # sure each program is the tool it should be, are validate's own overhead: not counted as the binaries' cost.
    code = (
        "import time, sys\n"
        "from pathlib import Path\n"
        "spent = [0.0]\n"
        "from monitoring.checks import blackbox, tools\n"
        "real = tools.run_bounded\n"
        "def run(argv, *a, **k):\n"
        "    t = time.perf_counter(); r = real(argv, *a, **k)\n"
        "    if '--version' not in argv: spent[0] += time.perf_counter() - t\n"
        "    return r\n"
        "tools.run_bounded = blackbox.run_bounded = run\n"
        "from monitoring.checks import background\n"
        "class Now:\n"  # each call made where it is started, and finished before the caller goes on
        "    def __init__(self, call, *args):\n"
        "        self.value = call(*args)\n"
        "    def wait(self):\n"
        "        pass\n"
        "    def result(self):\n"
        "        return self.value\n"
        "background.Started = Now\n"
        "background.map_at_most = lambda call, items, at_once: [call(item) for item in items]\n"
        "from monitoring.checks.validate import validate\n"
        "assert all(r.ok for r in validate(Path(sys.argv[1])))\n"
        "print(spent[0])\n"
    )
    # Python's own CPU time in a plain validate() (imports, offline checks, process handling; not the binaries').
    cpu_code = (
        "import sys, time\n"
        "from pathlib import Path\n"
        "cpu = time.process_time()\n"
        "from monitoring.checks.validate import validate\n"
        "assert all(r.ok for r in validate(Path(sys.argv[1])))\n"
        "print(time.process_time() - cpu)\n"
    )
    wholes, binaries, python = [], [], []
    for _ in range(repeat):
        wholes.append(timed([str(BIN / "monitoring"), "validate", "--out", str(out)], ROOT, env))
        for source, into in ((code, binaries), (cpu_code, python)):
            into.append(float(subprocess.run([sys.executable, "-c", source, str(out)], cwd=ROOT, capture_output=True,
                                             text=True, check=True, env=env).stdout))
    return min(wholes), min(binaries), min(python)


def bench_help() -> float:
    return statistics.median(timed([str(BIN / "monitoring"), "--help"], ROOT) for _ in range(7))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--slos", type=int, default=1000)
    parser.add_argument("--only", choices=("generate", "validate", "help"), help="run one of the three")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each side, the best kept")
    args = parser.parse_args()
    if args.only in (None, "generate"):
        with tempfile.TemporaryDirectory() as gen_tmp:
            first, second, promtool = bench_generate(args.slos, Path(gen_tmp), args.repeat)
        print(f"generate {args.slos} SLOs (whole process): first {first:.2f} s, unchanged {second:.2f} s; "
              f"promtool check rules --lint=all --lint-fatal on the same files: {promtool:.2f} s")
        print(f"  ratio first {first / promtool:.2f}x (target <= 0.5x), unchanged {second / promtool:.2f}x "
              "(target <= 0.2x)")
    if args.only in (None, "validate"):
        with tempfile.TemporaryDirectory() as val_tmp:
            whole, binaries, python = bench_validate(Path(val_tmp), args.repeat)
        print(f"validate (whole process) {whole:.2f} s; the binaries it runs, each alone {binaries:.2f} s: "
              f"ratio {whole / binaries:.2f}x (target <= 1.3x); Python's own CPU in validate() {python:.3f} s")
    if args.only in (None, "help"):
        print(f"monitoring --help: {bench_help():.3f} s (target <= 0.12 s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""The examples in docstrings, as a reader would paste them: found the way `_has_example` finds them, and run.

An example is a block of lines after a blank line, indented deeper than the docstring's text (whose margin the
closing quotes show); blank lines inside it belong to it. A block that starts with `>>>` is a doctest and must
print what it shows; any other block is run as it is. The blocks of one docstring run in order, in one
namespace that starts with PREAMBLE, so a later block may use what an earlier one made.
"""

from __future__ import annotations

import doctest
import itertools
import textwrap

PREAMBLE = "import os\nfrom pathlib import Path\nimport monitoring\nfrom monitoring import *\n"


def _margin(lines: list[str]) -> int:
    return len(lines[-1]) if not lines[-1].strip() else 0


def example_blocks(doc: str) -> list[str]:
    """The indented example blocks of a docstring, dedented, in order."""
    lines = doc.split("\n")
    margin = _margin(lines)
    blocks: list[list[str]] = []
    inside = False
    for before, line in itertools.pairwise(["", *lines]):
        deeper = bool(line.strip()) and len(line) - len(line.lstrip()) >= margin + 4
        if deeper and (inside or not before.strip()):
            if not inside:
                blocks.append([])
            blocks[-1].append(line)
            inside = True
        elif inside and not line.strip():
            blocks[-1].append("")
        else:
            inside = False
    return [textwrap.dedent("\n".join(block)).strip("\n") + "\n" for block in blocks]


def has_example(doc: str) -> bool:
    return bool(example_blocks(doc))


def run_examples(doc: str, where: str, module: str = "monitoring", *, doctests_only: bool = False) -> int:
    """Run every example block of doc, after PREAMBLE and `from <module> import *`, and say how many ran; a
    failing block raises (AssertionError for a doctest that prints something else than it shows). A module's
    docstring also indents what is not code (a diagram): `doctests_only` runs its doctests alone."""
    namespace: dict[str, object] = {}
    exec(f"{PREAMBLE}from {module} import *\n", namespace)
    ran = 0
    for number, block in enumerate(example_blocks(doc), 1):
        name = f"<{where}, example {number}>"
        doctest_block = block.lstrip().startswith(">>>")
        if doctests_only and not doctest_block:
            continue
        ran += 1
        if doctest_block:
            test = doctest.DocTestParser().get_doctest(block, namespace, name, None, 0)
            report: list[str] = []
            failed = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS).run(test, out=report.append).failed
            assert not failed, "".join(report)
        else:
            exec(compile(block, name, "exec"), namespace)
    return ran

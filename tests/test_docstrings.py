"""Docstrings read as written (monitoring.docs.docstrings): what Python 3.13's compiler does to them is undone."""

from __future__ import annotations

import importlib.util
import inspect
import os
import sys
import textwrap
from pathlib import Path
from types import ModuleType

import pytest

from monitoring.docs.docstrings import written_docstring
from tests.docstring_examples import example_blocks

SOURCE = textwrap.dedent('''\
    """A module.

        module_example()
    """

    import sys


    class Alone:
        """Its example is all there is after its first line.

            Alone()
        """

        def method(self):
            """A method.

                Alone().method()
            """


    if sys.version_info >= (3,):
        class Guarded:
            """Defined in an if block, still at module level.

                Guarded()
            """


    def outer():
        def inner():
            """Nested.

                outer()
            """
        return inner
    ''')


@pytest.fixture
def module(tmp_path: Path) -> ModuleType:
    path = tmp_path / "written_docs_module.py"
    path.write_text(SOURCE, encoding="utf-8")
    spec = importlib.util.spec_from_file_location("written_docs_module", path)
    assert spec is not None and spec.loader is not None
    loaded = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = loaded
    try:
        spec.loader.exec_module(loaded)
        yield loaded
    finally:
        del sys.modules[spec.name]


def _as_python_3_13_compiles_it(obj: object) -> None:
    """Python 3.13 keeps a docstring with the indentation common to its lines after the first taken away."""
    obj.__doc__ = inspect.cleandoc(obj.__doc__) + "\n"  # type: ignore[attr-defined]


def test_an_example_that_is_all_after_the_first_line_keeps_its_indentation(module: ModuleType) -> None:
    for obj, example in [(module.Alone, "Alone()"), (module.Alone.method, "Alone().method()"),
                         (module.Guarded, "Guarded()"), (module.outer(), "outer()"), (module, "module_example()")]:
        _as_python_3_13_compiles_it(obj)
        assert example_blocks(written_docstring(obj) or "") == [f"{example}\n"], obj
        assert inspect.cleandoc(written_docstring(obj) or "") == inspect.cleandoc(obj.__doc__)


def test_a_docstring_set_at_run_time_is_read_as_it_is(module: ModuleType) -> None:
    module.Alone.__doc__ = "Replaced.\n\n    Alone(replaced=True)\n"
    assert written_docstring(module.Alone) == module.Alone.__doc__


def test_a_class_without_its_own_docstring_has_none(module: ModuleType) -> None:
    sub = type("Sub", (module.Alone,), {"__module__": module.__name__})
    assert written_docstring(sub) is None


def test_without_a_source_file_the_docstring_is_read_as_it_is() -> None:
    assert written_docstring(len) == len.__doc__
    assert written_docstring(object()) == object.__doc__  # an instance: its class's docstring, as help() shows


def test_a_rewritten_file_is_read_again(module: ModuleType, tmp_path: Path) -> None:
    assert written_docstring(module.Alone).startswith("Its example")  # type: ignore[union-attr]
    path = Path(module.__file__)  # type: ignore[arg-type]
    path.write_text(SOURCE.replace("Its example is all", "Now its example is all"), encoding="utf-8")
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
    module.Alone.__doc__ = module.Alone.__doc__.replace("Its example", "Now its example")
    assert written_docstring(module.Alone).startswith("Now its example")  # type: ignore[union-attr]

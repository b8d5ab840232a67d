"""Runaway and unsafe templates beyond tests/integration/rendering/test_rendering_sandbox.py.

That suite covers nested loops, range, `*` repetition, padding, format widths, power, self-calling
macros and `__class__`. These are the ways around them: growth by `~`/`+`/filters inside a
namespace loop, recursive `loop()`, joins, widths taken from arguments, huge products, self
includes and more unsafe attributes. Each must stop quickly with `path:line` and a clear reason.
"""

from __future__ import annotations

import shutil
import sys
import time
from datetime import date
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "integration" / "rendering"))
from rendering_samples import TEMPLATES, make_context  # noqa: E402

from nurture.errors import TemplateProblem  # noqa: E402
from nurture.rendering.render import TemplateRenderer  # noqa: E402

DAY = date(2026, 6, 3)
DOUBLING = "{% set ns = namespace(v=START) %}{% for i in range(60) %}{% set ns.v = STEP %}{% endfor %}{{ ns.v|length }}"
CASES = {
    "doubling by ~": (
        "a\n" + DOUBLING.replace("START", "'x'").replace("STEP", "ns.v ~ ns.v") + "\n",
        2,
        "(~)",
    ),
    "doubling by +": (
        "a\n" + DOUBLING.replace("START", "'x'").replace("STEP", "ns.v + ns.v") + "\n",
        2,
        "added",
    ),
    "doubling a list": (
        "a\n" + DOUBLING.replace("START", "[1]").replace("STEP", "ns.v + ns.v") + "\n",
        2,
        "added",
    ),
    "doubling by |replace": (
        "a\nb\n" + DOUBLING.replace("START", "'x'").replace("STEP", "ns.v|replace('x', 'xx')") + "\n",
        3,
        "replaced",
    ),  # fmt: skip
    "squaring a number": (
        "a\n{% set ns = namespace(n=3) %}{% for i in range(60) %}{% set ns.n = ns.n * ns.n %}"
        "{% endfor %}{{ ns.n > 0 }}\n",
        2,
        "too large",
    ),  # fmt: skip
    "recursive loop()": (
        "a\n{% for x in range(10000) recursive %}{% if loop.depth < 4 %}{{ loop(range(10000)) }}"
        "{% endif %}{% endfor %}\n",
        2,
        "loops ran",
    ),  # fmt: skip
    "endless recursive loop()": ("a\n{% for x in [1] recursive %}{{ loop([1]) }}{% endfor %}\n", 2, "itself"),
    "huge |join separator": ("a\n{{ ('x' * 900000)|join('y' * 900000) }}\n", 2, "joined"),
    "huge str.join": ("a\n{{ ('x' * 900000).join(['a'] * 1000) }}\n", 2, "str.join"),
    "width from an argument": ("a\n{{ '{:{w}}'.format('x', w=999999999) }}\n", 2, "format widths"),
    "nested width by position": ("a\n{{ '{0:>{1}}'.format('x', 999999999) }}\n", 2, "format widths"),
    "self include": ("a\n{% include 'en/reconnect/1.txt.j2' %}\n", 2, "itself"),
    "mro of a type": ("a\n{{ dict.mro() }}\n", 2, "unsafe"),
    "format reaching __class__": ("a\n{{ '{0.__class__}'.format(contact) }}\n", 2, "unsafe"),
    "globals via cycler": ("a\n{{ cycler.__init__.__globals__ }}\n", 2, "unsafe"),
    "template internals": ("a\n{{ self.__dict__ }}\n", 2, "unsafe"),
    "mutating the context": ("a\n{{ contact.update({'first_name': 'x'}) }}\n", 2, "unsafe"),
    # Under the loop budget, but each turn rewrites a megabyte: only the clock stops it.
    "slow loop body": (
        "a\n{% for i in range(1000) %}{% for j in range(99) %}"
        "{% set y = ('x' * 999999)|replace('x', 'y')|length %}{% endfor %}{% endfor %}\n",
        2,
        "seconds",
    ),  # fmt: skip
}


@pytest.fixture(scope="module")
def results(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[TemplateProblem | None, float, str]]:
    """Each case rendered once: (problem, seconds, path of the wording)."""
    out = {}
    for name, (body, _, _) in CASES.items():
        root = tmp_path_factory.mktemp("templates") / "t"
        shutil.copytree(TEMPLATES, root)
        path = root / "en" / "reconnect" / "1.txt.j2"
        path.write_text(body, encoding="utf-8")
        started = time.monotonic()
        try:
            TemplateRenderer(root).render("en", "reconnect", make_context("en", "reconnect"), seed_key="x",
                                          occasion_date=DAY, variant="1")  # fmt: skip
            problem = None
        except TemplateProblem as exc:
            problem = exc
        out[name] = (problem, time.monotonic() - started, str(path))
    return out


@pytest.mark.parametrize("name", sorted(CASES))
def test_runaway_and_unsafe_templates_stop_with_path_and_line(results, name: str, reliability) -> None:
    body, line, words = CASES[name]
    problem, seconds, path = results[name]
    reliability(
        "templates",
        f"{name}: {body.strip()[:90]!r}",
        expected=f"stopped within 5 s at {Path(path).name}:{line} ({words or 'a limit'})",
        observed=f"{problem!s}"[-160:] + f" after {seconds:.2f} s"
        if problem
        else f"rendered after {seconds:.2f} s",
    )
    assert problem is not None, f"{name} rendered"
    assert seconds < 5
    assert (problem.problem.location.file, problem.problem.location.line) == (path, line)
    assert str(problem).startswith(f"{path}:{line}: ")
    assert words in problem.problem.message
    assert "not allowed in a template" in problem.problem.message or "itself" in problem.problem.message

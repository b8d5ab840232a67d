"""Broken or runaway templates fail with their file and line, quickly, instead of hanging or leaking."""

from __future__ import annotations

import shutil
import time
from datetime import date
from pathlib import Path

import pytest
from rendering_samples import TEMPLATES, make_context

from nurture.errors import TemplateProblem
from nurture.rendering.environment import MAX_OUTPUT, make_environment, render_template
from nurture.rendering.render import TemplateRenderer

DAY = date(2026, 6, 3)


@pytest.fixture
def templates(tmp_path: Path) -> Path:
    copy = tmp_path / "templates"
    shutil.copytree(TEMPLATES, copy)
    return copy


def write_wording(root: Path, body: str, *, part: str = "txt") -> Path:
    """Replace en/reconnect wording 1's `part` with `body`, returning its path."""
    path = root / "en" / "reconnect" / f"1.{part}.j2"
    path.write_text(body, encoding="utf-8")
    return path


def render_broken(root: Path) -> TemplateProblem:
    renderer = TemplateRenderer(root)
    ctx = make_context("en", "reconnect")
    with pytest.raises(TemplateProblem) as caught:
        renderer.render("en", "reconnect", ctx, seed_key="x", occasion_date=DAY, variant="1")
    return caught.value


def test_typo_in_a_variable_names_file_and_line(templates: Path) -> None:
    path = write_wording(templates, "{{ salutation }}\n\nHello {{ contact.frist_name }}!\n")
    problem = render_broken(templates).problem
    assert problem.location.file == str(path)
    assert problem.location.line == 3
    assert "frist_name" in problem.message
    assert str(render_broken(templates)).startswith(f"{path}:3: ")


def test_syntax_error_names_file_and_line(templates: Path) -> None:
    path = write_wording(templates, "{{ salutation }}\n\n{% if informal %}\nHi\n", part="html")
    problem = render_broken(templates).problem
    assert problem.location.file == str(path)
    assert problem.location.line == 4
    assert problem.message.startswith("syntax error")


def test_error_inside_the_footer_points_at_the_footer(templates: Path) -> None:
    footer = templates / "en" / "_footer.txt.j2"
    footer.write_text("-- \n{{ sender.organisation }}\n{{ sender.vat_id }}\n", encoding="utf-8")
    problem = render_broken(templates).problem
    assert (problem.location.file, problem.location.line) == (str(footer), 3)


@pytest.mark.parametrize(
    ("body", "line", "words"),
    [
        (
            "{{ salutation }}\n{% for i in range(10000) %}{% for j in range(10000) %}{% endfor %}{% endfor %}\n",
            2,
            "loops",
        ),
        ("a\nb\n{% for i in range(1000000000) %}x{% endfor %}\n", 3, "range"),
        ("a\n{{ 'x' * 100000000 }}\n", 2, "repeated"),
        ("a\n{{ [1, 2] * 100000000 }}\n", 2, "repeated"),
        ("a\n{% for i in range(10000) %}{{ 'abcdefghij' * 1000 }}{% endfor %}\n", 2, "output"),
        ("{% macro f() %}{{ f() }}{% endmacro %}\n{{ f() }}\n", 1, "calls itself"),
        ("a\n{{ 'x'.ljust(1000000000) }}\n", 2, "ljust"),
        ("a\n{{ '%0999999999d' % 1 }}\n", 2, "format"),
        ("a\n{{ '{:>999999999}'.format(1) }}\n", 2, "format"),
        ("a\n{{ 'x'|center(1000000000) }}\n", 2, "padding"),
        ("a\n{{ 2 ** 100000000 }}\n", 2, "power"),
        ("a\n{{ contact.__class__.__mro__ }}\n", 2, "unsafe"),
        ("a\n{{ contact.topics.append('x') }}\n", 2, "unsafe"),
    ],
)
def test_runaway_or_unsafe_templates_are_stopped(templates: Path, body: str, line: int, words: str) -> None:
    path = write_wording(templates, body)
    started = time.monotonic()
    problem = render_broken(templates).problem
    assert time.monotonic() - started < 5
    assert problem.location.file == str(path)
    assert problem.location.line == line
    assert words in problem.message


def test_limits_leave_ordinary_loops_alone(tmp_path: Path) -> None:
    (tmp_path / "ok.txt.j2").write_text(
        "{% for t in topics %}{{ loop.index }}. {{ t }}\n{% endfor %}{{ range(3)|list }}"
    )
    env = make_environment(tmp_path, html=False)
    assert render_template(env, "ok.txt.j2", {"topics": ["a", "b"]}) == "1. a\n2. b\n[0, 1, 2]"
    big = "y" * (MAX_OUTPUT // 2)
    (tmp_path / "big.txt.j2").write_text("{{ big }}")
    assert len(render_template(env, "big.txt.j2", {"big": big})) == MAX_OUTPUT // 2


def test_html_environment_escapes_and_text_environment_does_not(tmp_path: Path) -> None:
    (tmp_path / "x.j2").write_text("{{ v }}")
    value = {"v": "<b>&</b>"}
    assert render_template(make_environment(tmp_path, html=True), "x.j2", value) == "&lt;b&gt;&amp;&lt;/b&gt;"
    assert render_template(make_environment(tmp_path, html=False), "x.j2", value) == "<b>&</b>"


def test_unknown_occasion_language_and_bad_names(templates: Path) -> None:
    ctx = make_context("en", "reconnect")
    shutil.rmtree(templates / "en" / "reconnect")
    renderer = TemplateRenderer(templates)  # reads the folder as it is now
    with pytest.raises(TemplateProblem, match="no wording for reconnect"):
        renderer.render("en", "reconnect", ctx, seed_key="x", occasion_date=DAY)
    with pytest.raises(TemplateProblem, match="no wording"):
        renderer.render("fr", "birthday", ctx, seed_key="x", occasion_date=DAY)
    with pytest.raises(TemplateProblem, match="not a language or occasion"):
        renderer.render("../de", "birthday", ctx, seed_key="x", occasion_date=DAY)
    with pytest.raises(TemplateProblem, match="not a wording"):
        renderer.render("en", "birthday", ctx, seed_key="x", occasion_date=DAY, variant="../../x")
    with pytest.raises(TemplateProblem, match="does not exist"):
        renderer.render("en", "birthday", ctx, seed_key="x", occasion_date=DAY, variant="9")


def test_a_renderer_keeps_the_templates_it_was_made_with(templates: Path) -> None:
    """A daemon refused a broken edit, but went on to render the broken file from the folder."""
    renderer = TemplateRenderer(templates)
    ctx = make_context("en", "reconnect")
    before = renderer.render("en", "reconnect", ctx, seed_key="x", occasion_date=date(2026, 6, 3), variant="1")
    (templates / "en" / "reconnect" / "1.txt.j2").write_text("{{ salutation }}\n{{ broken\n", encoding="utf-8")
    (templates / "en" / "reconnect" / "9.txt.j2").write_text("new", encoding="utf-8")
    again = renderer.render("en", "reconnect", ctx, seed_key="x", occasion_date=date(2026, 6, 3), variant="1")
    assert again.text == before.text and "9" not in renderer.variants("en", "reconnect")
    # A worker process gets the same copies, not the folder's new state.
    import pickle

    copy = pickle.loads(pickle.dumps(renderer))
    assert copy.render("en", "reconnect", ctx, seed_key="x", occasion_date=date(2026, 6, 3), variant="1").text == before.text
    with pytest.raises(TemplateProblem, match="syntax error"):
        TemplateRenderer(templates).render("en", "reconnect", ctx, seed_key="x", occasion_date=date(2026, 6, 3),
                                           variant="1")  # fmt: skip

"""Odd user-edited templates: memory-hungry tricks stop with `path:line`, offers anywhere are found by `check`.

Every case edits a copy of the shipped templates folder and goes through the real renderer or
the real `nurture check`. The memory cases are sized to build tens of megabytes (enough to
exceed the limits, small enough not to hurt a machine without them).
"""

from __future__ import annotations

import shutil
import time
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner
from rendering_samples import TEMPLATES, make_context

from nurture.entrypoints.cli import cli
from nurture.errors import TemplateProblem
from nurture.rendering.render import TemplateRenderer

ROOT = Path(__file__).resolve().parents[3]
DAY = date(2026, 6, 3)
BIG = "{% set s = 'x' * 900000 %}"


@pytest.fixture
def templates(tmp_path: Path) -> Path:
    copy = tmp_path / "templates"
    shutil.copytree(TEMPLATES, copy)
    return copy


def render_wording(root: Path, body: str) -> tuple[str | None, TemplateProblem | None, Path]:
    """en/reconnect wording 1's text part replaced by `body`, rendered: (text, problem, path)."""
    path = root / "en" / "reconnect" / "1.txt.j2"
    path.write_text(body, encoding="utf-8")
    try:
        message = TemplateRenderer(root).render("en", "reconnect", make_context("en", "reconnect"), seed_key="x",
                                                occasion_date=DAY, variant="1")  # fmt: skip
    except TemplateProblem as exc:
        return None, exc, path
    return message.text, None, path


@pytest.mark.parametrize(
    ("line2", "words"),
    [
        (BIG + "{% set b %}{% for i in range(25) %}{{ s }}{% endfor %}{% endset %}{{ b|length }}", "in all"),
        (BIG + "{% macro m() %}{% for i in range(25) %}{{ s }}{% endfor %}{% endmacro %}{{ m()|length }}", "in all"),
        (BIG + "{% filter length %}{% for i in range(25) %}{{ s }}{% endfor %}{% endfilter %}", "in all"),
        (BIG + "{{ ([0] * 30)|map('default', s, true)|list|string|length }}", "in all"),
        (BIG + "{{ ([s] * 30)|string|length }}", "repeated"),
        (BIG + "{{ ('{0}' * 30).format(s)|length }}", "formatted"),
        (BIG + "{{ ('{a}' * 30).format_map({'a': s})|length }}", "formatted"),
        (BIG + "{{ (('%(a)s' * 30) % {'a': s})|length }}", "formatted"),
        (BIG + "{{ ('%(a)s' * 30)|format(a=s)|length }}", "formatted"),
        ("{{ (('%(a)9999s' * 300) % {'a': 1})|length }}", "formatted"),
        ("{{ ('\t' * 1000).expandtabs(9999)|length }}", "expandtabs"),
        ("{{ ('x\\n' * 1000)|indent(2000)|length }}", "indented"),
        ("{{ ('x ' * 1000)|wordwrap(1, wrapstring='y' * 2000)|length }}", "wrapped"),
        ("{{ range(2000)|list|tojson(indent=1000)|length }}", "tojson"),
        ("{% for x in range(3)|batch(20000, '-') %}{{ x|length }}{% endfor %}", "batch"),
    ],
)
def test_text_built_in_memory_is_limited_with_path_and_line(templates: Path, line2: str, words: str) -> None:
    """Each of these built megabytes the output limit never saw (a {% set %} block, a macro, a list's text)."""
    started = time.monotonic()
    text, problem, path = render_wording(templates, "{{ salutation }}\n" + line2 + "\n")
    assert time.monotonic() - started < 5
    assert problem is not None, f"rendered {len(text or '')} characters"
    assert (problem.problem.location.file, problem.problem.location.line) == (str(path), 2)
    assert problem.problem.message.startswith("not allowed in a template: ") and words in problem.problem.message


def test_ordinary_formatting_batching_and_json_keep_working(templates: Path) -> None:
    """A postal code inside a format string is not a field width; small batches and indents stay allowed."""
    body = (
        "{{ salutation }}\n"
        "{{ '%s, 12345 Musterstadt'|format('Weg 1') }}|{{ '{}, 80331 {}'.format('Hof 2', 'Ort') }}"
        "|{{ 'Tel. 0511123456 (%s)' % 'Büro' }}\n"
        "{% for row in ['a', 'b', 'c']|batch(2, '-') %}{{ row|join }};{% endfor %}\n"
        "{{ {'k': [1]}|tojson(indent=2)|length }}|{{ 'a\\tb'.expandtabs(4) }}|{{ 'a\\nb'|indent(2) }}\n"
    )
    text, problem, _ = render_wording(templates, body)
    assert problem is None, problem
    assert text is not None
    assert "Weg 1, 12345 Musterstadt|Hof 2, 80331 Ort|Tel. 0511123456 (Büro)\n" in text
    assert "ab;c-;22|a   b|a\n  b\n" in text


@pytest.mark.parametrize(
    ("line2", "message"),
    [
        ("{{ 1 / 0 }}", "a calculation divides by zero; check the numbers on this line"),
        ("{{ 2.0 ** 100000 }}", "a calculation gives a number too large to use; check the numbers on this line"),
        ("{{ (10 ** 4000) * (10 ** 4000) }}", "a calculation gives a number too large to use; check the numbers on this line"),
    ],
)  # fmt: skip
def test_failed_calculations_are_explained_plainly(templates: Path, line2: str, message: str) -> None:
    _, problem, path = render_wording(templates, "{{ salutation }}\n" + line2 + "\n")
    assert problem is not None
    assert str(problem.problem) == f"{path}:2: {message}"


def test_deeply_nested_expression_is_not_called_recursion(templates: Path) -> None:
    _, problem, path = render_wording(templates, "{{ salutation }}\n{{ " + "(" * 3000 + "1" + ")" * 3000 + " }}\n")
    assert problem is not None
    assert problem.problem.location.file == str(path)
    assert problem.problem.message.startswith("an expression is nested too deeply")
    assert "calls itself" not in problem.problem.message


def check(templates: Path, tmp_path: Path) -> list[str]:
    """`nurture check` over the shipped config with [paths] templates pointing at `templates`."""
    config = (ROOT / "config" / "nurture.toml").read_text(encoding="utf-8")
    config = config.replace('templates = "../templates"', f'templates = "{templates}"')
    config = config.replace('content = "content.toml"', f'content = "{ROOT / "config" / "content.toml"}"')
    path = tmp_path / "nurture.toml"
    path.write_text(config, encoding="utf-8")
    result = CliRunner().invoke(cli, ["--config", str(path), "check"], env={"NURTURE_CONFIG": "", "NURTURE_SECRET_KEY": "test-secret-key-0123456789abcdef"})
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert result.exit_code == 1, result.output
    return [line for line in result.stdout.splitlines() if line.strip()]


def test_offer_in_the_html_layout_is_reported_by_check(templates: Path, tmp_path: Path) -> None:
    """Every HTML message is sent inside the layout: an offer there blocked every message, unseen by check."""
    layout = templates / "_layout.html.j2"
    lines = layout.read_text(encoding="utf-8").splitlines()
    at = lines.index("{{ body }}") + 2
    lines.insert(at - 1, "<p>Nur diese Woche: 20 % Rabatt auf alle Seminare.</p>")
    layout.write_text("\n".join(lines) + "\n", encoding="utf-8")
    found = check(templates, tmp_path)
    assert f"{layout}:{at}: offer guard: 20 % Rabatt (discount); reword it, nurture never sends offers" in found
    assert all(line.startswith(f"{layout}:{at}: offer guard: ") for line in found), found


def test_offer_in_an_included_part_is_reported_at_that_part(templates: Path, tmp_path: Path) -> None:
    """An include or macro file is where the words are written, so that is where check points."""
    partial = templates / "de" / "_schluss.txt.j2"
    partial.write_text("{# Schlusssatz #}\n\nJetzt 20 % Rabatt sichern!\n", encoding="utf-8")
    macros = templates / "de" / "_bausteine.j2"
    macros.write_text("{% macro gruss() %}\nKaufen Sie jetzt!\n{% endmacro %}\n", encoding="utf-8")
    wording = templates / "de" / "birthday" / "1.txt.j2"
    source = wording.read_text(encoding="utf-8")
    wording.write_text('{% import "de/_bausteine.j2" as b %}' + source.replace(
        "{{ sender.name }}", '{% include "de/_schluss.txt.j2" %}\n{{ b.gruss() }}\n{{ sender.name }}'),
        encoding="utf-8")  # fmt: skip
    found = check(templates, tmp_path)
    assert f"{partial}:3: offer guard: 20 % Rabatt (discount); reword it, nurture never sends offers" in found
    assert any(line.startswith(f"{macros}:2: offer guard: ") for line in found), found
    assert not any(line.startswith(f"{wording}:") for line in found), found


def test_a_value_the_contact_lacks_is_never_written_as_none(templates: Path, tmp_path: Path) -> None:
    """`{{ note }}` (or `{{ contact.company }}`) wrote "None" into the mail for a message without one."""
    text, problem, path = render_wording(templates, "{{ salutation }}\n\nP.S. {{ note }}\n")
    assert text is None and problem is not None
    said = str(problem)
    assert said.startswith(f"{path}:3: ") and 'would read "None"' in said and "{% if" in said
    # With the guard the template asks for, the same contact gets a mail without the line.
    text, problem, _ = render_wording(
        templates, "{{ salutation }}\n\n{% if note %}P.S. {{ note }}{% endif %}\nBye\n")
    assert problem is None and "None" not in text
    # `nurture check` renders sample contacts without a company: it finds the line before any contact does.
    path.write_text("{{ salutation }}\n\nP.S. {{ note }}\n", encoding="utf-8")
    found = check(templates, tmp_path)
    assert any(line.startswith(f"{path}:3: ") and "None" in line for line in found), found


def test_a_template_not_saved_as_utf8_says_so(templates: Path) -> None:
    path = templates / "en" / "reconnect" / "1.txt.j2"
    path.write_bytes("{{ salutation }}\n\nGr\xfc\xdfe\n".encode("cp1252"))
    problem = None
    try:
        TemplateRenderer(templates).render("en", "reconnect", make_context("en", "reconnect"), seed_key="x",
                                           occasion_date=DAY, variant="1")  # fmt: skip
    except TemplateProblem as exc:
        problem = exc
    assert problem is not None and "save it as UTF-8" in str(problem) and str(path) in str(problem)

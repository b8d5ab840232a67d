"""`lint_templates`: clean on the shipped templates, precise on a broken copy."""

from __future__ import annotations

import importlib.util
import shutil
from pathlib import Path

import pytest
from rendering_samples import TEMPLATES, fake_scan

from nurture.rendering.lint import lint_templates


@pytest.fixture
def templates(tmp_path: Path) -> Path:
    copy = tmp_path / "templates"
    shutil.copytree(TEMPLATES, copy)
    return copy


def lines_of(problems) -> list[str]:
    return [str(p) for p in problems]


def test_shipped_templates_are_clean_with_a_regex_guard() -> None:
    assert lines_of(lint_templates(TEMPLATES, fake_scan)) == []


@pytest.mark.skipif(
    importlib.util.find_spec("nurture.domain.guard") is None, reason="the offer guard is not there"
)
def test_shipped_templates_pass_the_real_offer_guard() -> None:
    from nurture.domain.guard import scan

    assert lines_of(lint_templates(TEMPLATES, scan)) == []


def test_offending_text_is_reported_at_its_file_and_line(templates: Path) -> None:
    path = templates / "de" / "birthday" / "2.txt.j2"
    lines = path.read_text(encoding="utf-8").splitlines()
    # Insert a sales line as its own paragraph just before the sign-off block.
    at = lines.index("{% if note %}")
    lines[at:at] = ["Jetzt kaufen und 20 % sparen!", ""]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    problems = lint_templates(templates, fake_scan)
    assert problems, "the guard must fire"
    assert {p.location.file for p in problems} == {str(path)}
    assert {p.location.line for p in problems} == {at + 1}
    messages = {p.message for p in problems}
    assert any(m.startswith("offer guard: ") and "kaufen (call_to_buy)" in m for m in messages)
    assert any("%" in m for m in messages)
    assert all(str(p).startswith(f"{path}:{at + 1}: offer guard: ") for p in problems)
    # One line per phrase, however many sample contacts the template was rendered with.
    assert len(messages) == len(problems) == len({(p.location.line, p.message) for p in problems})
    assert "offer guard: kaufen (call_to_buy); reword it, nurture never sends offers" in messages


def test_offending_html_and_subject_are_reported(templates: Path) -> None:
    html = templates / "en" / "reconnect" / "3.html.j2"
    html.write_text(html.read_text(encoding="utf-8") + "<p>Buy now</p>\n", encoding="utf-8")
    subject = templates / "en" / "promotion" / "1.subject.j2"
    subject.write_text("Congratulations – buy now\n", encoding="utf-8")
    found = {(p.location.file, p.location.line) for p in lint_templates(templates, fake_scan)}
    html_line = len(html.read_text(encoding="utf-8").splitlines())
    assert found == {(str(html), html_line), (str(subject), 1)}


def test_broken_copy_reports_every_problem_with_path_and_line(templates: Path) -> None:
    typo = templates / "de" / "promotion" / "2.txt.j2"
    typo.write_text("{{ salutation }}\n\nHallo {{ contact.frist_name }}\n", encoding="utf-8")
    syntax = templates / "en" / "birthday" / "1.html.j2"
    syntax.write_text("<p>{{ salutation }}</p>\n{% if informal %}\n<p>Hi</p>\n", encoding="utf-8")
    (templates / "en" / "achievement" / "2.html.j2").unlink()
    shutil.rmtree(templates / "de" / "reconnect")
    footer = templates / "en" / "_footer.txt.j2"
    footer.write_text("-- \n{{ sender.organisation }}\n{{ sender.postal_address }}\n", encoding="utf-8")

    problems = lint_templates(templates, fake_scan)
    text = "\n".join(lines_of(problems))
    assert f"{typo}:3: unknown name:" in text and "frist_name" in text
    assert f"{syntax}:3: syntax error" in text
    assert f"{templates / 'en' / 'achievement' / '2.html.j2'}:1: wording 2 has no html template" in text
    assert f"{templates / 'de' / 'reconnect'}:1: no wording for reconnect in language 'de'" in text
    assert "lacks 'https://example.com/u/Xy12'" in text  # the English footer lost its opt-out link
    assert "lacks 'object'" in text  # and its objection notice
    assert all(p.location.line is not None for p in problems)
    # Untouched wordings stay quiet: nothing is reported for German birthdays.
    assert not any("/de/birthday/" in p.location.file for p in problems)


def test_missing_folder_and_empty_folder(tmp_path: Path) -> None:
    assert "does not exist" in str(lint_templates(tmp_path / "nope", fake_scan)[0])
    assert "no language folders" in str(lint_templates(tmp_path, fake_scan)[0])


def test_fake_reply_subject_is_refused(templates: Path) -> None:
    subject = templates / "en" / "reconnect" / "2.subject.j2"
    subject.write_text("Re: our chat\n", encoding="utf-8")
    problems = lint_templates(templates, fake_scan)
    assert [(p.location.file, p.message) for p in problems] == [
        (str(subject), "a subject must not fake a reply")
    ]

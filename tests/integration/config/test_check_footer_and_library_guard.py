"""`nurture check` finds what would otherwise surface only in the mail: an empty legal footer,
offer language in the content library, and a duration hint that is itself invalid TOML.

Each case edits a copy of the shipped config (its [paths] pointing at the shipped templates, or
at a copy of the content library) and runs the real command line.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from nurture.entrypoints.cli import cli
from nurture.settings import check_settings, load_settings, sending_problems

ROOT = Path(__file__).resolve().parents[3]
SHIPPED = ROOT / "config" / "nurture.toml"
LIBRARY = ROOT / "config" / "content.toml"
FOOTER = ("organisation", "postal_address", "legal_notice")


def config_copy(tmp_path: Path, *edits: tuple[str, str], library: Path = LIBRARY) -> Path:
    text = SHIPPED.read_text(encoding="utf-8")
    for old, new in edits:
        assert text.count(old) == 1, old
        text = text.replace(old, new)
    text = text.replace('templates = "../templates"', f'templates = "{ROOT / "templates"}"')
    text = text.replace('content = "content.toml"', f'content = "{library}"')
    path = tmp_path / "nurture.toml"
    path.write_text(text, encoding="utf-8")
    return path


def check(config: Path, **env: str) -> Result:
    return CliRunner().invoke(cli, ["--config", str(config), "check"],
                              env={"NURTURE_CONFIG": "", "NURTURE_NOW": "", "NURTURE_SECRET_KEY": "k" * 32, **env})  # fmt: skip


def line_of(path: Path, start: str) -> int:
    lines = path.read_text(encoding="utf-8").splitlines()
    return next(n for n, line in enumerate(lines, start=1) if line.startswith(start))


def test_the_shipped_config_and_library_pass_check() -> None:
    result = check(SHIPPED)
    assert result.exit_code == 0, result.output
    assert result.stdout == ""


def test_an_empty_legal_footer_is_reported_by_check_at_each_line(tmp_path: Path) -> None:
    """`organisation = ""` etc. passed as "everything is fine" and mails went out without an Impressum."""
    shipped = SHIPPED.read_text(encoding="utf-8")
    edits = []
    for key in FOOTER:
        line = next(line for line in shipped.splitlines() if line.startswith(f"{key} = "))
        edits.append((line, f'{key} = ""'))
    config = config_copy(tmp_path, *edits)
    result = check(config)
    assert result.exit_code == 1, result.output
    shown = [line for line in result.stdout.splitlines() if line.strip()]
    assert len(shown) == 3, shown
    for key, said in zip(FOOTER, shown, strict=True):
        assert said.startswith(f"{config}:{line_of(config, key + ' = ')}: [sender] {key} is empty; write "), said
        assert f'like {key} = "' in said and "Impressum" in said, said
    assert "everything is fine" not in result.stderr


def test_a_missing_footer_key_says_which_line_to_add(tmp_path: Path) -> None:
    config = config_copy(tmp_path, ('legal_notice = "Beispiel GmbH, Sitz Musterstadt, Amtsgericht Musterstadt HRB 12345, '
                                    'Geschäftsführerin Jana Beispiel"\n', ""))  # fmt: skip
    result = check(config)
    assert result.exit_code == 1, result.output
    [said] = [line for line in result.stdout.splitlines() if line.strip()]
    assert said.startswith(f"{config}:{line_of(config, '[sender]')}: [sender] legal_notice is missing; add the line "
                           'legal_notice = "'), said  # fmt: skip
    assert "below [sender]" in said


def test_a_footer_emptied_by_the_environment_is_reported_at_the_variable(tmp_path: Path) -> None:
    result = check(config_copy(tmp_path), NURTURE_SENDER__ORGANISATION="")
    assert result.exit_code == 1, result.output
    [said] = [line for line in result.stdout.splitlines() if line.strip()]
    assert said.startswith("NURTURE_SENDER__ORGANISATION: [sender] organisation is empty; set "), said


def test_send_refuses_an_empty_footer_too(tmp_path: Path) -> None:
    config = config_copy(tmp_path, ('organisation = "Beispiel GmbH"', 'organisation = ""'))
    settings = load_settings(config, environ={"NURTURE_SECRET_KEY": "k" * 32})
    shown = [str(p) for p in sending_problems(settings)]
    assert shown and all(s.startswith(f"{config}:{line_of(config, 'organisation = ')}: [sender] organisation is empty")
                         for s in shown), shown  # fmt: skip


def with_item(tmp_path: Path, title: str, summary: str, language: str = "de") -> tuple[Path, int]:
    """A copy of the shipped library with one more item; returns it and the line of its [[item]]."""
    text = LIBRARY.read_text(encoding="utf-8").rstrip("\n") + "\n\n"
    line = text.count("\n") + 1
    text += (f'[[item]]\nid = "webinar-angebot"\ntitle = "{title}"\nurl = "https://example.com/webinar"\n'
             f'kind = "video"\nlanguage = "{language}"\ntopics = ["sales"]\nsummary = "{summary}"\n')  # fmt: skip
    path = tmp_path / "content.toml"
    path.write_text(text, encoding="utf-8")
    assert tomllib.loads(text)["item"][-1]["id"] == "webinar-angebot"
    return path, line


def test_offer_language_in_a_library_item_is_reported_by_check(tmp_path: Path) -> None:
    """Such an item passed check and only blocked the messages once they were written."""
    library, line = with_item(tmp_path, "Webinar: jetzt kostenlos anmelden",
                              "Nur bis Freitag: Sichern Sie sich 20% Rabatt")  # fmt: skip
    result = check(config_copy(tmp_path, library=library))
    assert result.exit_code == 1, result.output
    [said] = [line for line in result.stdout.splitlines() if line.strip()]
    assert said.startswith(f'{library}:{line}: item "webinar-angebot": jetzt kostenlos anmelden (call_to_buy) in the title; '), said
    assert "20% Rabatt (discount) in the summary" in said, said
    assert "reword" in said and "allow_phrases" in said, said


def test_the_library_guard_uses_the_configs_guard_phrases_and_the_items_language(tmp_path: Path) -> None:
    library, line = with_item(tmp_path, "Guide: Hidden champions", "Ask for our Premium Paket today.", language="en")
    # "Premium Paket" is an extra phrase for English only: flagged; the German list does not apply.
    extra = ('extra_phrases = { de = [], en = [] }', 'extra_phrases = { de = ["Hidden champions"], en = ["Premium Paket"] }')
    result = check(config_copy(tmp_path, extra, library=library))
    assert result.exit_code == 1, result.output
    [said] = [line for line in result.stdout.splitlines() if line.strip()]
    assert said.startswith(f'{library}:{line}: item "webinar-angebot": Premium Paket (extra_phrase) in the summary'), said
    assert "Hidden champions" not in said
    allowed = ('allow_phrases = { de = [], en = [] }', 'allow_phrases = { de = [], en = ["Premium Paket"] }')
    result = check(config_copy(tmp_path, extra, allowed, library=library))
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize(("written", "words"), [("3 weeks", "is not a duration"), ("0d", "must be longer than nothing"),
                                                  ("99999w", "is longer than 100 years")])  # fmt: skip
def test_the_duration_hint_is_valid_toml_as_shown(tmp_path: Path, written: str, words: str) -> None:
    """The hint said `write it like 21d`; writing A = 21d is a TOML syntax error."""
    config = config_copy(tmp_path, ('A = "21d"', f'A = "{written}"'))
    settings, problems = check_settings(config, environ={})
    assert settings is None
    [problem] = [str(p) for p in problems]
    assert words in problem and problem.endswith('like "21d"'), problem
    hint = problem.rsplit("like ", 1)[1]
    assert tomllib.loads(f"A = {hint}") == {"A": "21d"}

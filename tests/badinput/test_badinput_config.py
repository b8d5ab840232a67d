"""Random values for every config key, unknown keys and broken TOML: a located problem, never a traceback.

tests/integration/config covers each known bad value with its exact message; this suite
throws generated values of every TOML type at every key of the shipped file and checks the
contract: each problem is `path:line: message` with a hint, located at the edited line, and
`nurture check` exits 1 printing them.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nurture.entrypoints.cli import cli
from nurture.settings import check_settings

from .conftest import CONFIG

SHIPPED = CONFIG.read_text(encoding="utf-8")
LINES = SHIPPED.splitlines()
KEY_LINE = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*) = ")
SECTION = re.compile(r"^\[([a-z_]+)\]")
HINT = re.compile(
    r"\b(like|write|check|did you mean|remove|move|save|give|set|copy|put|point)\b", re.IGNORECASE
)


def _keys() -> list[tuple[int, str, str]]:
    """(0-based line, section, key) of every `key = value` line of the shipped config."""
    found, section = [], ""
    for number, line in enumerate(LINES):
        if m := SECTION.match(line):
            section = m.group(1)
        elif m := KEY_LINE.match(line):
            found.append((number, section, m.group(1)))
    return found


KEYS = _keys()
SECTIONS = sorted({s for _, s, _ in KEYS})


def toml_string(text: str) -> str:
    """A TOML basic string; JSON's escapes are TOML's, except that TOML also wants DEL escaped."""
    return json.dumps(text, ensure_ascii=False).replace("\x7f", "\\u007f")


PLAUSIBLE = st.sampled_from(
    ["21d", "0d", "-5m", "1.5h", "99999999999999999999d", "999999999d", "5218w", "90 m", "", " ", "08:30", "24:00",
     "23:60", "8:30", "Europe/Berlin", "Europe/Berln", "../../etc/passwd", "UTC", "de", "EN", "fr", "DE", "XX",
     "formal", "none", "opt_in", "true", "false", "yes", "sqlite:///x.db", "postgresql+psycopg://u@h/db", "x@y",
     "jana@example.com\r\nBcc: x@evil.example", "127.0.0.1:99999", "[::1]:80", "١٢d", "٠٨:٣٠", "\u0000", "\u202e",
     "Europe/Berlin\x85", "de\u2028en"]
)  # fmt: skip
SCALAR = st.one_of(
    PLAUSIBLE.map(toml_string),
    st.text(alphabet=st.characters(blacklist_categories=["Cs"]), max_size=40).map(toml_string),
    st.integers(min_value=-(2**63), max_value=2**63 - 1).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(lambda f: repr(f).replace("inf", "inf").lower()),
    st.booleans().map(lambda b: "true" if b else "false"),
    st.sampled_from(
        ["1979-05-27", "07:32:00", "1979-05-27T07:32:00Z", "1979-05-27T07:32:00", "00:00:00.999999"]
    ),
)
VALUE = st.one_of(
    SCALAR,
    st.lists(SCALAR, max_size=4).map(lambda xs: "[" + ", ".join(xs) + "]"),
    st.dictionaries(st.sampled_from(["de", "en", "x", "A"]), SCALAR, max_size=3).map(
        lambda d: "{ " + ", ".join(f"{k} = {v}" for k, v in d.items()) + " }"
    ),
)
# Line-local syntax errors: tomllib reports them on the line they are written on.
BROKEN = st.sampled_from(['= "no key"', 'key = "unterminated', "[section", "key = ", "key = {", "a.b = 1 2",
                          'key = "\\x"', "[[", "key = 0x", "key == 1", "ključ = 1", "key = 'a\x01b'"])  # fmt: skip
# An array or multi-line string may run over many lines, so the error shows where TOML gives up.
SPANNING = st.sampled_from(["key = [1, 2", 'key = """unterminated', "key = '''open", "key = [[1, 2]"])
SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def check_contract(path: Path, edited: dict[int, str]) -> list:
    """Run the loader; every problem is located in the file with a hint. Returns the problems."""
    loaded, problems = check_settings(path, environ={})
    assert (loaded is None) == bool(problems)
    total = path.read_text(encoding="utf-8").count("\n") + 1
    for p in problems:
        assert p.location.file == str(path), p
        assert isinstance(p.location.line, int) and 1 <= p.location.line <= total + 1, p
        assert str(p).startswith(f"{path}:{p.location.line}: ") and p.message.strip(), p
        assert HINT.search(p.message), f"no hint in {p}"
        assert "Traceback" not in p.message
    return problems


def test_random_values_for_every_key_are_located_problems(tmp_path: Path, reliability) -> None:
    seen: Counter[str] = Counter()

    @SETTINGS
    @given(edits=st.lists(st.tuples(st.sampled_from(KEYS), VALUE), min_size=1, max_size=4,
                          unique_by=lambda e: e[0][0]))  # fmt: skip
    def run(edits: list[tuple[tuple[int, str, str], str]]) -> None:
        lines = list(LINES)
        for (number, _, key), value in edits:
            lines[number] = f"{key} = {value}"
        path = tmp_path / "nurture.toml"
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        problems = check_contract(path, {n + 1: v for (n, _, _), v in edits})
        seen.update(examples=1, edits=len(edits), problems=len(problems), accepted=not problems)
        seen["syntax"] += any("not valid TOML" in p.message for p in problems)
        if problems and not any("not valid TOML" in p.message for p in problems):
            # A value problem sits on an edited line, or (a rule over two keys, like start < end) on
            # its section's header or another key of an edited section.
            edited = {n + 1 for (n, _, _), _ in edits}
            sections = {s for (_, s, _), _ in edits}
            near = {n + 1 for n, s, _ in KEYS if s in sections}
            headers = {i + 1 for i, line in enumerate(lines) if SECTION.match(line)}
            assert all(p.location.line in edited | near | headers for p in problems), (problems, edited)
            seen["at_edited_line"] += sum(p.location.line in edited for p in problems)

    run()
    reliability(
        "config",
        f"random TOML values (strings, durations, times, zones, numbers, floats, booleans, dates, lists, tables) "
        f"for the {len(KEYS)} keys of config/nurture.toml",
        expected="valid ones load; every other is `path:line: message` with a hint at the edited line; no traceback",
        observed=f"{seen['examples']} files, {seen['edits']} edited keys, {seen['problems']} problems reported "
        f"({seen['at_edited_line']} on the edited line itself), "
        f"{seen['accepted']} files accepted, {seen['syntax']} TOML syntax errors, 0 tracebacks",
    )


def test_wrong_types_and_unknown_keys_are_named_at_their_line(tmp_path: Path, reliability) -> None:
    """A table where a key wants a scalar, and an unknown key, are always problems at their own line."""
    seen: Counter[str] = Counter()
    scalar_keys = [k for k in KEYS if k[1] != "guard"]

    @settings(SETTINGS, max_examples=150)
    @given(target=st.sampled_from(scalar_keys), section=st.sampled_from(SECTIONS),
           unknown=st.from_regex(r"[a-z][a-z0-9_]{0,20}", fullmatch=True), value=SCALAR)  # fmt: skip
    def run(target: tuple[int, str, str], section: str, unknown: str, value: str) -> None:
        lines = list(LINES)
        number, _, key = target
        lines[number] = f"{key} = {{ nested = {value} }}"
        known = {k for _, s, k in KEYS if s == section}
        header = next(i for i, line in enumerate(lines) if line == f"[{section}]")
        if unknown not in known and not (section == "sender" and unknown.startswith("dkim")):
            lines.insert(header + 1, f"{unknown} = {value}")
            unknown_line = header + 2
            number += number > header
        else:
            unknown_line = None
        path = tmp_path / "nurture.toml"
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        problems = check_contract(path, {})
        at = {p.location.line: p.message for p in problems}
        assert number + 1 in at, (target, problems)
        if unknown_line is not None:
            assert unknown_line in at and "unknown key" in at[unknown_line], (unknown, problems)
            seen["unknown"] += 1
        seen.update(examples=1, problems=len(problems))

    run()
    reliability(
        "config",
        "an inline table for each scalar key, plus an unknown key in a random section",
        expected="a problem at the key's line and one naming the unknown key at its line",
        observed=f"{seen['examples']} files, {seen['problems']} problems, {seen['unknown']} unknown keys named, "
        "0 tracebacks",
    )


def test_broken_toml_syntax_is_one_problem_at_its_line(tmp_path: Path, reliability) -> None:
    seen: Counter[str] = Counter()

    @settings(SETTINGS, max_examples=150)
    @given(where=st.integers(min_value=0, max_value=len(LINES)), broken=BROKEN)
    def run(where: int, broken: str) -> None:
        lines = list(LINES)
        lines.insert(where, broken)
        path = tmp_path / "nurture.toml"
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        problems = check_contract(path, {})
        assert len(problems) == 1 and "not valid TOML" in problems[0].message, problems
        assert problems[0].location.line == where + 1, (where + 1, broken, problems)
        seen.update(examples=1)
        seen[broken] += 1

    @settings(SETTINGS, max_examples=60)
    @given(where=st.integers(min_value=0, max_value=len(LINES)), broken=SPANNING)
    def spanning(where: int, broken: str) -> None:
        lines = list(LINES)
        lines.insert(where, broken)
        path = tmp_path / "nurture.toml"
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        problems = check_contract(path, {})
        assert len(problems) == 1 and "not valid TOML" in problems[0].message, problems
        assert problems[0].location.line >= where + 1, (where + 1, broken, problems)
        seen.update(spanning=1)

    run()
    spanning()
    reliability(
        "config",
        f"{len(BROKEN.elements)} kinds of broken TOML lines inserted anywhere in config/nurture.toml",  # type: ignore[attr-defined]
        expected="exactly one problem, at the inserted line, saying what to check",
        observed=f"{seen['examples']} files, {len(seen) - 2} kinds seen, each reported at its own line; "
        f"{seen['spanning']} files with an array or string left open, reported at or below it; 0 tracebacks",
    )


def test_nurture_check_exits_1_and_prints_path_line_message(tmp_path: Path, reliability) -> None:
    """The command itself, on a few bad files: exit 1, every problem as `path:line: message`."""
    cases = {
        "huge duration": ('A = "21d"', 'A = "99999999999999999999d"'),
        "wrong type": ('A = "21d"', "A = [1, 2]"),
        "broken syntax": ('A = "21d"', 'A = "21d'),
        "unknown key": ('A = "21d"', 'A = "21d"\nAA = "1d"'),
        "bad zone": ('timezone = "Europe/Berlin"', 'timezone = "Mars/Olympus"'),
        "header injection": (
            'email = "jana@example.com"',
            'email = "jana@example.com\\r\\nBcc: x@evil.example"',
        ),
    }
    printed = Counter()
    for name, (old, new) in cases.items():
        assert old in SHIPPED
        path = tmp_path / f"{name.replace(' ', '_')}.toml"
        path.write_text(SHIPPED.replace(old, new, 1), encoding="utf-8")
        result = CliRunner().invoke(cli, ["--config", str(path), "check"], env={"NURTURE_CONFIG": ""})
        assert result.exception is None or isinstance(result.exception, SystemExit), (name, result.exception)
        assert result.exit_code == 1, (name, result.output)
        lines = [line for line in result.stdout.splitlines() if line.strip()]
        assert lines and all(re.match(re.escape(str(path)) + r":\d+: \S", line) for line in lines), lines
        printed[name] = len(lines)
    reliability(
        "config",
        f"`nurture check` on files with: {', '.join(cases)}",
        expected="exit 1, each problem printed as `path:line: message`, no traceback",
        observed=f"problems printed per file: {dict(printed)}; all exit 1",
    )

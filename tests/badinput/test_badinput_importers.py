"""Bad files through the real `nurture import` into a real SQLite database.

The reader-level properties live in tests/integration/importers/test_importer_bad_input.py;
here the whole command runs: whatever the file holds there is no traceback, every bad row or
card is reported as `path:N: reason` with its own number, the good ones are in the database,
and the exit status is 1 exactly when something was rejected.
"""

from __future__ import annotations

import csv
import io
import json
import re
import tempfile
import unicodedata
from collections import Counter
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from .conftest import Nurture, fresh_nurture

SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
ENCODINGS = (
    "utf-8",
    "utf-8-sig",
    "utf-16",
    "utf-16-le-bom",
    "utf-16-be-bom",
    "cp1252",
    "latin-1",
    "mac_roman",
)
ASCII_NAME = st.text(alphabet=st.characters(min_codepoint=65, max_codepoint=90), min_size=2, max_size=12)
LATIN_NAME = st.text(alphabet="abcdefghijklmnoprstuvwzäöüßéèñçÄÖÜ", min_size=2, max_size=12)
# (kind, cells that make the row bad, the column the message must name)
BAD_ROWS = {
    "bad_email": ({"email": "not-an-address"}, "email"),
    "empty_email": ({"email": ""}, "email"),
    "nul_in_name": ({"first_name": "An\x00na"}, "first_name"),
    "line_break_in_name": ({"last_name": "Mül\nler"}, "last_name"),
    "huge_company": ({"company": "X" * 5000}, "company"),
    "huge_note": ({"note": "Y" * 20_000}, "note"),
    "bad_birthday": ({"birthday": "1980-02-31"}, "birthday"),
    "bad_gender": ({"gender": "sometimes"}, "gender"),
    "bad_timezone": ({"timezone": "Mars/Olympus"}, "timezone"),
}
HEADER = ["email", "first_name", "last_name", "gender", "birthday", "company", "timezone", "note"]


def encode(text: str, encoding: str) -> bytes:
    """The text in `encoding`; the BOM variants of UTF-16 name the byte order explicitly."""
    if encoding == "utf-16-le-bom":
        return b"\xff\xfe" + text.encode("utf-16-le")
    if encoding == "utf-16-be-bom":
        return b"\xfe\xff" + text.encode("utf-16-be")
    return text.encode(encoding)


def problems_in(stderr: str, path: Path) -> dict[int, str]:
    """`path:N: reason` lines (not notes) from stderr, by N."""
    found: dict[int, str] = {}
    for line in stderr.splitlines():
        m = re.match(re.escape(str(path)) + r":(\d+): (.*)", line)
        if m and not m.group(2).startswith("note:"):
            found[int(m.group(1))] = m.group(2)
    return found


def no_traceback(result) -> None:
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert "Traceback" not in result.output + result.stderr
    assert result.exit_code in (0, 1)


def stored_emails(n: Nurture) -> set[str]:
    return {c["email"] for c in n.json("contacts", "list")}


def test_bad_csv_rows_are_rejected_by_line_and_good_rows_imported(reliability) -> None:
    """Each row is good or broken one way; the command must tell them apart row by row."""
    seen: Counter[str] = Counter()

    @SETTINGS
    @given(
        rows=st.lists(st.one_of(st.none(), st.sampled_from(sorted(BAD_ROWS))), min_size=1, max_size=12),
        names=st.lists(st.tuples(LATIN_NAME, LATIN_NAME), min_size=12, max_size=12),
        encoding=st.sampled_from(ENCODINGS),
    )
    def run(rows: list[str | None], names: list[tuple[str, str]], encoding: str) -> None:
        with tempfile.TemporaryDirectory() as folder:
            n = fresh_nurture(Path(folder))
            text = io.StringIO()
            writer = csv.writer(text, lineterminator="\r\n")
            writer.writerow(HEADER)
            line, expected_bad, good = 2, {}, {}
            for i, kind in enumerate(rows):
                first, last = names[i]
                if encoding == "mac_roman":  # read back as Windows-1252: only ASCII survives unchanged
                    first = first.encode("ascii", "ignore").decode() or "Ann"
                    last = last.encode("ascii", "ignore").decode() or "Lee"
                cells = {
                    "email": f"p{i}@example.com",
                    "first_name": first,
                    "last_name": last,
                    "company": "Acme",
                }
                if kind is None:
                    good[f"p{i}@example.com"] = (first, last)
                else:
                    override, column = BAD_ROWS[kind]
                    cells.update(override)
                    expected_bad[line] = column
                row = [cells.get(h, "") for h in HEADER]
                writer.writerow(row)
                line += 1 + sum(cell.count("\n") for cell in row)
            path = Path(folder) / "contacts.csv"
            path.write_bytes(encode(text.getvalue(), encoding))

            result = n("import", str(path), ok=False)

            no_traceback(result)
            assert result.exit_code == (1 if expected_bad else 0), result.stderr
            problems = problems_in(result.stderr, path)
            assert sorted(problems) == sorted(expected_bad), result.stderr
            for number, column in expected_bad.items():
                assert f'column "{column}"' in problems[number], problems[number]
            listed = {c["email"]: (c["first_name"], c["last_name"]) for c in n.json("contacts", "list")}
            assert listed == {e: tuple(unicodedata.normalize("NFC", x) for x in v) for e, v in good.items()}
            assert (
                f"{len(good)} created" in result.stdout and f"{len(expected_bad)} rejected" in result.stdout
            )
            seen.update(examples=1, rows=len(rows), rejected=len(problems), imported=len(listed))
            seen[f"enc:{encoding}"] += 1

    run()
    encodings = sorted(k[4:] for k in seen if k.startswith("enc:"))
    reliability(
        "importers",
        f"CSV with good rows and broken ones ({', '.join(sorted(BAD_ROWS))}) via `nurture import`",
        expected="each bad row rejected with its line and column, good rows in the DB, exit 1 iff rejected",
        observed=f"{seen['examples']} files in {len(encodings)} encodings ({', '.join(encodings)}), "
        f"{seen['rows']} rows, {seen['rejected']} rejected by line, {seen['imported']} imported, 0 tracebacks",
    )


BAD_CARDS = {
    "broken_quoted_printable": b"N;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:M=C3=BCller=C3;Anna",
    "qp_soft_break_cut": b"N;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:M=C3=\r\n",
    "huge_name": b"N:" + b"X" * 5000 + b";Anna",
    "impossible_birthday": b"BDAY:1980-02-31",
    "bad_email": b"EMAIL:not-an-address",
    "nul_in_name": b"N:Doe;Jo\x00",
}
VERSIONS = (b"2.1", b"3.0", b"4.0")


def fold(line: bytes, cuts: list[int], tab: bool) -> bytes:
    """The line folded at every cut (RFC 6350 3.2), possibly inside a UTF-8 sequence."""
    pieces, last = [], 0
    for cut in sorted({c for c in cuts if 0 < c < len(line)}):
        pieces.append(line[last:cut])
        last = cut
    pieces.append(line[last:])
    return (b"\r\n" + (b"\t" if tab else b" ")).join(pieces)


def test_bad_vcards_are_rejected_by_card_number_and_good_cards_imported(reliability) -> None:
    """Good cards (deeply folded) and broken ones mixed; each broken card is named by its number."""
    seen: Counter[str] = Counter()

    @SETTINGS
    @given(
        cards=st.lists(st.one_of(st.none(), st.sampled_from(sorted(BAD_CARDS))), min_size=1, max_size=10),
        names=st.lists(st.tuples(LATIN_NAME, LATIN_NAME), min_size=10, max_size=10),
        cuts=st.lists(st.integers(min_value=1, max_value=60), max_size=40),
        version=st.sampled_from(VERSIONS),
        tab=st.booleans(),
    )
    def run(cards: list[str | None], names: list[tuple[str, str]], cuts: list[int], version: bytes,
            tab: bool) -> None:  # fmt: skip
        with tempfile.TemporaryDirectory() as folder:
            n = fresh_nurture(Path(folder))
            data, good, bad = b"", {}, set()
            for number, kind in enumerate(cards, start=1):
                first, last = names[number - 1]
                email = f"c{number}@example.com"
                n_line = fold(f"N:{last};{first}".encode(), cuts, tab)
                lines = [b"BEGIN:VCARD", b"VERSION:" + version, n_line, f"ORG:{last} GmbH".encode()]
                if kind is None:
                    good[email] = (unicodedata.normalize("NFC", first), unicodedata.normalize("NFC", last))
                elif BAD_CARDS[kind].startswith(b"N"):  # the broken name replaces the card's only N
                    bad.add(number)
                    lines[2] = BAD_CARDS[kind]
                else:
                    bad.add(number)
                    lines.append(BAD_CARDS[kind])
                if kind != "bad_email":  # a second, good address would make the card usable
                    lines.append(f"EMAIL:{email}".encode())
                lines.append(b"END:VCARD")
                data += b"\r\n".join(lines) + b"\r\n"
            path = Path(folder) / "cards.vcf"
            path.write_bytes(data)

            result = n("import", str(path), ok=False)

            no_traceback(result)
            assert result.exit_code == (1 if bad else 0), result.stderr
            problems = problems_in(result.stderr, path)
            assert set(problems) == bad, result.stderr
            listed = {c["email"]: (c["first_name"], c["last_name"]) for c in n.json("contacts", "list")}
            assert listed == good
            seen.update(examples=1, cards=len(cards), rejected=len(problems), imported=len(listed),
                        folds=len({c for c in cuts if c > 0}))  # fmt: skip

    run()
    reliability(
        "importers",
        f"vCard 2.1/3.0/4.0 files with folded N lines and broken cards ({', '.join(sorted(BAD_CARDS))})",
        expected="each broken card rejected with its card number, good cards in the DB, exit 1 iff rejected",
        observed=f"{seen['examples']} files, {seen['cards']} cards, {seen['rejected']} rejected by number, "
        f"{seen['imported']} imported, {seen['folds']} fold points in N lines, 0 tracebacks",
    )


def test_random_bytes_through_the_command_never_crash(tmp_path: Path, reliability) -> None:
    """Arbitrary bytes in any format: a summary that adds up, never a traceback."""
    n = fresh_nurture(tmp_path)
    seen: Counter[str] = Counter()
    head = st.sampled_from([b"", b"email,first_name\r\n", b"BEGIN:VCARD\r\nVERSION:2.1\r\n", b"\xff\xfe", b"\xef\xbb\xbf",
                            b"First Name,Last Name,URL,Email Address,Company,Position,Connected On\n"])  # fmt: skip

    @settings(SETTINGS, max_examples=150)
    @given(
        prefix=head, data=st.binary(max_size=2000), fmt=st.sampled_from(["auto", "csv", "linkedin", "vcard"])
    )
    def run(prefix: bytes, data: bytes, fmt: str) -> None:
        path = tmp_path / f"random{seen['examples']}.dat"
        path.write_bytes(prefix + data)
        result = n("import", str(path), "--format", fmt, "--json", ok=False)
        no_traceback(result)
        summary = json.loads(result.stdout)
        assert summary["rejected"] == len(summary["problems"])
        assert result.exit_code == (1 if summary["rejected"] else 0)
        for problem in summary["problems"] + summary["notices"]:
            assert re.match(re.escape(str(path)) + r":\d+: \S", problem), problem
        seen.update(examples=1, rejected=summary["rejected"], created=summary["created"])

    run()
    count = len(n.json("contacts", "list"))
    assert count == seen["created"]
    reliability(
        "importers",
        "random bytes (with CSV, LinkedIn, vCard and BOM openings) via `nurture import --format auto|csv|linkedin|vcard`",
        expected="no traceback; rejected = problems listed, each `path:N: reason`; exit 1 iff rejected",
        observed=f"{seen['examples']} files, {seen['rejected']} rejected rows, {count} contacts created, 0 tracebacks",
    )

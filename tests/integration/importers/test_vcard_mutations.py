"""Odd but real vCard files through the real `nurture import` into a real database.

A good address book is written the ways phones and desktop programs write it (CR, LF or
CRLF line ends, UTF-16 with or without a byte-order mark, lines folded anywhere, even
inside an umlaut): every variant must give the same contacts. Then single quirks seen in
exports: a QUOTED-PRINTABLE value that ends in `=`, names in BASE64, `TYPE="work,pref"`,
FN in sorted form or naming the company, and birthdays no living contact can have.
"""

from __future__ import annotations

import codecs
import json
import re
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from nurture.adapters.importers import ImportedContact, ImportNotice, RowProblem, read_contacts
from nurture.adapters.importers.values import birthday_out_of_range
from nurture.entrypoints.cli import cli

ROOT = Path(__file__).resolve().parents[3]
CONFIG = ROOT / "config" / "nurture.toml"
NOW = "2026-11-23T07:00:00+01:00"


class Nurture:
    """Runs `nurture …` in-process, as a user would, against one fresh database."""

    def __init__(self, db_url: str) -> None:
        self.env = {
            "NURTURE_DATABASE__URL": db_url,
            "NURTURE_SECRET_KEY": "test-secret-key-0123456789abcdef",
            "NURTURE_WEB_PASSWORD": "pw",
            "NURTURE_NOW": "",
            "NURTURE_CONFIG": "",
        }
        assert self("init").exit_code == 0

    def __call__(self, *args: str, now: str = NOW) -> Result:
        result = CliRunner().invoke(cli, ["--config", str(CONFIG), "--now", now, *args], env=self.env)
        assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
        assert "Traceback" not in result.output + result.stderr
        return result

    def imported(self, path: Path, now: str = NOW) -> dict[str, Any]:
        """The JSON summary of `nurture import PATH`; exit 1 exactly when a card was rejected."""
        result = self("import", str(path), "--json", now=now)
        summary = json.loads(result.stdout)
        assert summary["format"] == "vcard" or path.suffix == ".csv", summary
        assert result.exit_code == (1 if summary["rejected"] else 0), result.output
        return summary

    def contacts(self) -> dict[str | None, dict[str, Any]]:
        return {c["email"]: c for c in json.loads(self("contacts", "list", "--json").stdout)}


@pytest.fixture
def nurture(db_url: str) -> Nurture:
    return Nurture(db_url)


def by_row(messages: list[str], path: Path) -> dict[int, str]:
    """`path:N: message` lines keyed by N; every message must name the file."""
    found: dict[int, str] = {}
    for message in messages:
        m = re.match(re.escape(str(path)) + r":(\d+): (.*)", message)
        assert m, message
        found[int(m.group(1))] = m.group(2)
    return found


def card(*lines: str) -> list[str]:
    return ["BEGIN:VCARD", *lines, "END:VCARD"]


NAMES = ("email", "first_name", "last_name", "gender", "title", "birthday", "company", "position")


def people(n: Nurture) -> dict[str | None, tuple[Any, ...]]:
    return {email: tuple(c[k] for k in NAMES) for email, c in n.contacts().items()}


# ------------------------------------------------------------------ one address book, written many ways

BOOK = [
    *card("VERSION:2.1", "N;CHARSET=ISO-8859-1;ENCODING=QUOTED-PRINTABLE:Sch=E4fer;J=F6rg;;Herr Dr.;",
          "ORG;CHARSET=ISO-8859-1;ENCODING=QUOTED-PRINTABLE:Sch=E4fer & S=F6hne GmbH",
          "EMAIL;INTERNET;PREF:joerg@example.de", "BDAY:19850415"),
    *card("VERSION:3.0", "N:Krüger;Sabine;;;", "FN:Sabine Krüger", "ORG:Krüger Consulting\\, Berlin",
          "TITLE:Geschäftsführerin", "EMAIL;TYPE=INTERNET:sabine@example.de", "BDAY:--0229"),
    *card("VERSION:4.0", "N:Öztürk;Ayşe;;Prof. Dr.;", "GENDER:F", "EMAIL;PREF=1:ayse@example.de",
          "ROLE:Lehrstuhlinhaberin", "BDAY:1979-12-01"),
    *card("VERSION:3.0", "N:Weiß;Grüße;;Mag.;", "item1.EMAIL;type=INTERNET;type=pref:gruesse@example.at",
          "X-GENDER:Male", "BDAY;value=date:1604-03-15"),
]  # fmt: skip
EXPECTED_BOOK = {
    "joerg@example.de": ("joerg@example.de", "Jörg", "Schäfer", "male", "Dr.", "1985-04-15",
                         "Schäfer & Söhne GmbH", None),
    "sabine@example.de": ("sabine@example.de", "Sabine", "Krüger", None, None, "--02-29",
                          "Krüger Consulting, Berlin", "Geschäftsführerin"),
    "ayse@example.de": ("ayse@example.de", "Ayşe", "Öztürk", "female", "Prof. Dr.", "1979-12-01", None,
                        "Lehrstuhlinhaberin"),
    "gruesse@example.at": ("gruesse@example.at", "Grüße", "Weiß", "male", "Mag.", "--03-15", None, None),
}  # fmt: skip


def fold_everywhere(line: bytes, width: int, tab: bool) -> bytes:
    """The line folded every `width` bytes (RFC 6350 3.2), cutting UTF-8 sequences apart."""
    if line.startswith((b"BEGIN:", b"END:")):
        return line
    pieces = [line[i : i + width] for i in range(0, len(line), width)]
    return (b"\r\n" + (b"\t" if tab else b" ")).join(pieces)


def written(eol: str, encoding: str, width: int = 0, tab: bool = False) -> bytes:
    lines = [line.encode("utf-8") for line in BOOK]
    if width:
        lines = [fold_everywhere(line, width, tab) for line in lines]
    data = b"\r\n".join(lines) + b"\r\n"
    data = data.replace(b"\r\n", eol.encode())
    return data if encoding == "utf-8" else data.decode("utf-8").encode(encoding)


VARIANTS = [
    ("\r\n", "utf-8", 0, False),
    ("\n", "utf-8", 0, False),
    ("\r", "utf-8", 0, False),  # classic Mac: every line number was 1
    ("\r\r\n", "utf-8", 0, False),  # as some iPhone exports end their lines
    ("\r\n", "utf-8-sig", 0, False),
    ("\r\n", "utf-16", 0, False),  # with a byte-order mark
    ("\r\n", "utf-16-le", 0, False),  # without one, as Windows tools write it: "no vCard found"
    ("\n", "utf-16-be", 0, False),
    ("\r\n", "utf-8", 7, False),  # folded inside umlauts and property names
    ("\n", "utf-8", 5, True),
    ("\r", "utf-8", 9, False),
]


@pytest.mark.parametrize(("eol", "encoding", "width", "tab"), VARIANTS)
def test_the_same_address_book_written_any_way_gives_the_same_contacts(
    nurture: Nurture, tmp_path: Path, eol: str, encoding: str, width: int, tab: bool
) -> None:
    path = tmp_path / "book.vcf"
    path.write_bytes(written(eol, encoding, width, tab))
    summary = nurture.imported(path)
    assert (summary["created"], summary["rejected"], summary["problems"]) == (4, 0, []), summary
    assert people(nurture) == EXPECTED_BOOK
    again = nurture.imported(path)
    assert (again["created"], again["updated"], again["unchanged"]) == (0, 0, 4)


def test_a_bad_card_in_a_file_with_cr_line_ends_is_reported_at_its_own_line(
    nurture: Nurture, tmp_path: Path
) -> None:
    """Lines ending in CR alone were all counted as line 1, so every message pointed at the top."""
    lines = [*BOOK, *card("VERSION:3.0", "N:Falsch;Fritz", "EMAIL:fritz@example.de", "BDAY:2021-02-30")]
    path = tmp_path / "mac.vcf"
    path.write_bytes(("\r".join(lines) + "\r").encode())
    summary = nurture.imported(path)
    start = len(BOOK) + 1
    assert by_row(summary["problems"], path) == {
        5: f'card starting on line {start}: BDAY: "2021-02-30" is not a date that exists; '
        "write it like 1980-02-28 or --02-28"
    }
    assert set(nurture.contacts()) == set(EXPECTED_BOOK)


def test_a_cr_line_end_at_the_edge_of_a_read_does_not_join_two_properties(
    nurture: Nurture, tmp_path: Path
) -> None:
    """The file is read in 64 KiB pieces; a CR ending one piece glued the next line to the one before."""
    head = "BEGIN:VCARD\rVERSION:3.0\rN:Berg;Ola\rPHOTO;ENCODING=b;TYPE=JPEG:"
    tail = "\rEMAIL:ola@example.de\r"
    data = head + "A" * (65536 - len(head) - len(tail)) + tail + "ORG:Berg AG\rEND:VCARD\r"
    assert data.encode()[:65536].endswith(b"ola@example.de\r")
    path = tmp_path / "edge.vcf"
    path.write_bytes(data.encode())
    summary = nurture.imported(path)
    assert (summary["created"], summary["problems"]) == (1, [])
    assert people(nurture)["ola@example.de"][:3] == ("ola@example.de", "Ola", "Berg")
    assert nurture.contacts()["ola@example.de"]["company"] == "Berg AG"


# ------------------------------------------------------------------ single quirks


def test_a_quoted_printable_value_ending_in_equals_does_not_swallow_the_next_property(
    nurture: Nurture, tmp_path: Path
) -> None:
    """A last `=` read as a soft break took END:VCARD (card lost) or the EMAIL line (address lost)."""
    lines = [
        *card("VERSION:2.1", "N:Berg;Ola", "EMAIL:ola@example.de", "NOTE;ENCODING=QUOTED-PRINTABLE:Messe=",),
        *card("VERSION:2.1", "N;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:M=C3=BCller;J=C3=BCrgen;;;=",
              "EMAIL:juergen@example.de", "ORG;ENCODING=QUOTED-PRINTABLE:Hansa=", "TEL;WORK:+49 40 1234"),
        *card("VERSION:2.1", "N;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:Gr=C3=BC=", "n;Eva", "EMAIL:eva@example.de"),
    ]  # fmt: skip
    path = tmp_path / "qp.vcf"
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode())
    summary = nurture.imported(path)
    assert (summary["created"], summary["problems"]) == (3, []), summary
    found = people(nurture)
    assert found["ola@example.de"][:3] == ("ola@example.de", "Ola", "Berg")
    assert found["juergen@example.de"][:3] == ("juergen@example.de", "Jürgen", "Müller")
    assert found["juergen@example.de"][6] == "Hansa"
    assert found["eva@example.de"][:3] == ("eva@example.de", "Eva", "Grün")  # a real soft break still joins


def test_names_in_base64_are_decoded_not_stored_as_letters(nurture: Nurture, tmp_path: Path) -> None:
    """vCard 2.1 phones write a name with umlauts as BASE64; it was stored as "TcO8bGxlcjtKw7ZyZw==".

    A broken one rejects its card with the property named; the other cards are imported.
    """
    lines = [
        *card("VERSION:2.1", "N;CHARSET=UTF-8;ENCODING=BASE64:TcO8bGxlcjtKw7ZyZw==", "EMAIL:joerg@example.de"),
        *card("VERSION:3.0", "N;ENCODING=b;CHARSET=UTF-8:QsOkcjtBbm5h", "EMAIL:anna@example.de"),  # padding left off
        *card("VERSION:2.1", "N;ENCODING=BASE64:TcO8b!!!", "EMAIL:broken@example.de"),
        *card("VERSION:2.1", "N;CHARSET=ISO-8859-1;BASE64:", " R3Jv3w==", "", "EMAIL:gross@example.de"),
    ]  # fmt: skip
    path = tmp_path / "b64.vcf"
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode())
    summary = nurture.imported(path)
    assert by_row(summary["problems"], path) == {
        3: "card starting on line 11: N: the BASE64 text is broken; export the card again"
    }
    found = people(nurture)
    assert found["joerg@example.de"][1:3] == ("Jörg", "Müller")
    assert found["anna@example.de"][1:3] == ("Anna", "Bär")
    assert found["gross@example.de"][1:3] == (None, "Groß")
    assert "broken@example.de" not in found


def test_type_work_pref_in_quotes_picks_that_address(nurture: Nurture, tmp_path: Path) -> None:
    """RFC 6350 writes TYPE="work,pref"; read as one odd type, the home address was mailed instead."""
    lines = card("VERSION:4.0", "N:Berg;Ola", "EMAIL;TYPE=home:ola@home.example",
                 'EMAIL;TYPE="work,pref":ola@work.example')  # fmt: skip
    path = tmp_path / "pref.vcf"
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode())
    nurture.imported(path)
    assert set(nurture.contacts()) == {"ola@work.example"}


def test_fn_in_sorted_form_or_naming_the_company(nurture: Nurture, tmp_path: Path) -> None:
    """FN "Müller, Hans" became first name "Müller," and last name "Hans"; FN "Berg AG" a person named AG."""
    lines = [
        *card("VERSION:3.0", "FN:Müller\\, Hans", "EMAIL:hans@example.de"),
        *card("VERSION:2.1", "FN:Roth, Kim", "EMAIL:kim@example.de"),
        *card("VERSION:3.0", "N:;;;;", "FN:Berg AG", "ORG:Berg AG;Einkauf", "EMAIL:info@berg.example"),
        *card("VERSION:3.0", "FN:Hansa Logistik", "ORG:Hansa Logistik", "TEL:+49 40 1234"),
        *card("VERSION:3.0", "FN:Eva Lang", "ORG:Lang GmbH", "EMAIL:eva@lang.example"),
    ]  # fmt: skip
    path = tmp_path / "fn.vcf"
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode())
    summary = nurture.imported(path)
    found = nurture.contacts()
    assert (found["hans@example.de"]["first_name"], found["hans@example.de"]["last_name"]) == (
        "Hans",
        "Müller",
    )
    assert (found["kim@example.de"]["first_name"], found["kim@example.de"]["last_name"]) == ("Kim", "Roth")
    company = found["info@berg.example"]
    assert (company["first_name"], company["last_name"], company["company"]) == (None, None, "Berg AG")
    assert company["salutation"] is None and company["review_reason"]
    assert (found["eva@lang.example"]["first_name"], found["eva@lang.example"]["last_name"]) == (
        "Eva",
        "Lang",
    )
    notes = by_row(summary["notices"], path)
    assert 'the card is for the organisation "Berg AG", not for a person' in notes[3]
    assert by_row(summary["problems"], path) == {
        4: 'card starting on line 18: the card names only the organisation "Hansa Logistik", no person and no '
        "e-mail address; there is nothing to import"
    }


# ------------------------------------------------------------------ birthdays no living contact can have


def test_a_birthday_after_the_import_date_or_before_1900_is_left_out_and_the_contact_kept(
    nurture: Nurture, tmp_path: Path
) -> None:
    """2031 and 1899 were stored as birthdays; now each is named with its card and line, the rest imported."""
    lines = [
        *card("VERSION:3.0", "N:Berg;Ola", "ORG:Berg AG", "EMAIL:ola@example.de", "BDAY:2031-03-15"),
        *card("VERSION:2.1", "N:Alt;Anna", "EMAIL:anna@example.de", "BDAY:18990101"),
        *card("VERSION:4.0", "N:Jung;Jan", "EMAIL:jan@example.de", "BDAY:2026-11-23"),  # born today: fine
        *card("VERSION:4.0", "N:Ohne;Otto", "EMAIL:otto@example.de", "BDAY:--1124", "GENDER:M"),
        *card("VERSION:3.0", "N:Morgen;Mia", "EMAIL:mia@example.de", "BDAY:2026-11-24T00:00:00Z"),
    ]  # fmt: skip
    path = tmp_path / "bday.vcf"
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode())
    summary = nurture.imported(path)
    assert (summary["created"], summary["rejected"]) == (5, 0), summary
    found = nurture.contacts()
    assert {e: c["birthday"] for e, c in found.items()} == {
        "ola@example.de": None, "anna@example.de": None, "jan@example.de": "2026-11-23",
        "otto@example.de": "--11-24", "mia@example.de": None,
    }  # fmt: skip
    assert (found["ola@example.de"]["last_name"], found["ola@example.de"]["company"]) == ("Berg", "Berg AG")
    notes = by_row(summary["notices"], path)
    assert notes[1].startswith("card starting on line 1: BDAY on line 6: 2031-03-15 is after today (2026-11-23); "
                               "the birthday was left out, the rest imported;")  # fmt: skip
    assert notes[2].startswith("card starting on line 8: BDAY on line 12: 1899-01-01 is before 1900")
    assert "2026-11-24 is after today (2026-11-23)" in notes[5]
    assert set(notes) == {1, 2, 5}


def test_the_birthday_check_uses_the_commands_clock(nurture: Nurture, tmp_path: Path) -> None:
    """`--now` is the import date: the same file keeps its birthday when imported later."""
    path = tmp_path / "later.vcf"
    path.write_bytes(
        "\r\n".join(card("VERSION:3.0", "N:Berg;Ola", "EMAIL:ola@example.de", "BDAY:2027-05-01")).encode()
    )
    assert "after today (2026-11-23)" in nurture.imported(path)["notices"][0]
    assert nurture.contacts()["ola@example.de"]["birthday"] is None
    later = nurture.imported(path, now="2070-01-01T12:00:00+01:00")
    assert (later["updated"], later["notices"]) == (1, [])
    assert nurture.contacts()["ola@example.de"]["birthday"] == "2027-05-01"


def test_a_birthday_after_the_import_date_in_a_csv_row_is_left_out_and_the_row_kept(
    nurture: Nurture, tmp_path: Path
) -> None:
    """The CSV rows get the same check and the same words, at their own line; an existing birthday stays."""
    path = tmp_path / "bday.csv"
    path.write_text(
        "email,first_name,last_name,birthday,company\n"
        "ola@example.de,Ola,Berg,1980-05-17,Berg AG\n"
        "anna@example.de,Anna,Alt,1849-01-01,Alt KG\n"
        "jan@example.de,Jan,Jung,--02-29,\n",
        encoding="utf-8",
    )
    summary = nurture.imported(path)
    assert (summary["created"], summary["problems"]) == (3, [])
    assert set(by_row(summary["notices"], path)) == {3}
    later = tmp_path / "later.csv"
    later.write_text("email,first_name,last_name,birthday,company\nola@example.de,Ola,Berg,2031-05-17,Berg AG\n",
                     encoding="utf-8")  # fmt: skip
    again = nurture.imported(later)
    assert (again["rejected"], again["unchanged"]) == (0, 1), again
    assert by_row(again["notices"], later) == {
        2: 'column "birthday": 2031-05-17 is after today (2026-11-23); the birthday was left out, the rest '
        "imported; write the real one in the file and import again, or set it with "
        "`nurture contacts edit <contact> --birthday YYYY-MM-DD`"
    }
    found = nurture.contacts()
    assert found["ola@example.de"]["birthday"] == "1980-05-17"  # the stored one is not overwritten
    assert (found["anna@example.de"]["birthday"], found["anna@example.de"]["company"]) == (None, "Alt KG")
    assert found["jan@example.de"]["birthday"] == "--02-29"
    notes = by_row(summary["notices"], path)
    assert notes[3].startswith('column "birthday": 1849-01-01 is before 1900, too old for a living contact;')


@pytest.mark.parametrize(
    ("day", "has_year", "expected"),
    [
        (date(1900, 1, 1), True, None),
        (date(1899, 12, 31), True, "before 1900"),
        (date(2026, 11, 23), True, None),
        (date(2026, 11, 24), True, "after today"),
        (date(1904, 11, 24), False, None),  # no year known: nothing to check
    ],
)
def test_birthday_out_of_range(day: date, has_year: bool, expected: str | None) -> None:
    why = birthday_out_of_range(day, has_year, date(2026, 11, 23))
    assert (why is None) if expected is None else (why is not None and expected in why)


def test_without_a_date_the_reader_only_refuses_impossible_years(tmp_path: Path) -> None:
    path = tmp_path / "x.vcf"
    path.write_bytes(
        "\r\n".join(card("VERSION:3.0", "N:A;B", "EMAIL:a@example.de", "BDAY:2031-01-01")).encode()
    )
    items = list(read_contacts(path))
    assert [type(i) for i in items] == [ImportedContact] and items[0].birthday == date(2031, 1, 1)
    items = list(read_contacts(path, today=date(2026, 11, 23)))
    assert [type(i) for i in items] == [ImportNotice, ImportedContact] and items[1].birthday is None
    assert not any(isinstance(i, RowProblem) for i in items)


def test_utf16_detection_needs_no_byte_order_mark(tmp_path: Path) -> None:
    path = tmp_path / "u16.vcf"
    path.write_bytes(
        codecs.encode("\r\n".join(card("VERSION:3.0", "N:Öz;Ay", "EMAIL:a@example.de")), "utf-16-le")
    )
    reader = read_contacts(path)
    items = list(reader)
    assert reader.format == "vcard" and [(i.first_name, i.last_name) for i in items] == [("Ay", "Öz")]


def test_a_card_with_only_a_display_name_is_rejected_for_what_it_lacks(nurture, tmp_path) -> None:
    """It said "neither a name nor an e-mail address" for a card named "Müller", plus a note about editing it."""
    path = tmp_path / "one.vcf"
    path.write_bytes("BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Müller\r\nTEL:123\r\nEND:VCARD\r\n"
                     "BEGIN:VCARD\r\nVERSION:3.0\r\nN:Berg;Jan;;;\r\nFN:Jan Berg\r\nEMAIL:jan@example.de\r\n"
                     "END:VCARD\r\n".encode())  # fmt: skip
    result = nurture("import", str(path))
    assert result.exit_code == 1
    assert ('card starting on line 1: the card has only the display name "Müller", without first and last name '
            "(N) and without an e-mail address") in result.stderr, result.stderr
    assert "note:" not in result.stderr
    assert "1 created" in result.stdout

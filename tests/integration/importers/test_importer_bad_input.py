"""Bad input never crashes an importer: random bytes, random encodings, deep folding, huge fields.

Whatever the file holds, a reader yields only contacts, row problems and notices, and a
contact it yields carries a normalised address and single-line names.
"""

from __future__ import annotations

import csv
import io
import tempfile
import unicodedata
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nurture.adapters.importers import ImportedContact, ImportNotice, RowProblem, read_contacts
from nurture.domain.email_address import normalise_email

FORMATS = ("auto", "csv", "linkedin", "vcard")
SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
NAME = st.text(alphabet=st.characters(categories=["Lu", "Ll"]), min_size=1, max_size=20)
ENCODINGS = ("utf-8", "utf-8-sig", "cp1252", "utf-16")


def read(data: bytes, fmt: str, suffix: str = ".txt") -> list:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"input{suffix}"
        path.write_bytes(data)
        reader = read_contacts(path, fmt)
        items = list(reader)
        assert reader.bytes_read <= reader.bytes_total
    return items


def check_items(items: list) -> list[ImportedContact]:
    assert all(isinstance(i, ImportedContact | RowProblem | ImportNotice) for i in items)
    contacts = [i for i in items if isinstance(i, ImportedContact)]
    for c in contacts:
        assert c.email is None or normalise_email(c.email) == c.email
        for name in (c.first_name, c.last_name, c.title, c.company, c.position):
            assert name is None or ("\n" not in name and "\r" not in name and "\x00" not in name)
    for p in items:
        if isinstance(p, RowProblem | ImportNotice):
            assert p.message and isinstance(p.row, int)
    return contacts


@SETTINGS
@given(data=st.binary(max_size=3000), fmt=st.sampled_from(FORMATS))
def test_random_bytes_never_raise(data: bytes, fmt: str) -> None:
    check_items(read(data, fmt))


@SETTINGS
@given(
    body=st.lists(st.sampled_from([b"BEGIN:VCARD", b"END:VCARD", b"VERSION:2.1", b"N:A;B", b"EMAIL:a@example.com",
                                   b"N;ENCODING=QUOTED-PRINTABLE;CHARSET=UTF-8:=C3=", b"=", b" folded", b"\t",
                                   b"AGENT:", b"BDAY:--1399", b"ORG:\\;\\", b"FN:\xff\xfe", b"EMAIL;PREF=x:",
                                   b'TEL;TYPE="a:b":1', b"GENDER:Q", b"\r", b"", b"N;CHARSET=quopri:A;B",
                                   b"FN;CHARSET=base64:QQ==", b"N;CHARSET=rot13:A;B", b"N;CHARSET=no-such:A;B"]),
                  max_size=40),
    junk=st.binary(max_size=50),
)
def test_vcard_fragments_in_any_order_never_raise(body: list[bytes], junk: bytes) -> None:
    check_items(read(b"\r\n".join(body) + junk, "vcard", ".vcf"))


@SETTINGS
@given(
    rows=st.lists(st.tuples(NAME, NAME), min_size=1, max_size=8),
    encoding=st.sampled_from(ENCODINGS),
    with_latin=st.booleans(),
)
def test_text_survives_any_common_encoding(rows: list[tuple[str, str]], encoding: str, with_latin: bool) -> None:
    if with_latin:
        rows = [(first + "ä", last + "ß") for first, last in rows]
    rows = [(f, last) for f, last in rows if all(ch.encode(encoding, "ignore") for ch in f + last)]
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["email", "first_name", "last_name"])
    for i, (first, last) in enumerate(rows):
        writer.writerow([f"p{i}@example.com", first, last])
    try:
        data = buffer.getvalue().encode(encoding)
    except UnicodeEncodeError:
        return
    contacts = check_items(read(data, "csv", ".csv"))
    expected = [(unicodedata.normalize("NFC", f), unicodedata.normalize("NFC", last)) for f, last in rows]
    assert [(c.first_name, c.last_name) for c in contacts] == expected


@SETTINGS
@given(value=NAME, cuts=st.lists(st.integers(min_value=1, max_value=400), max_size=300), tab=st.booleans())
def test_deep_folding_unfolds_to_the_same_value(value: str, cuts: list[int], tab: bool) -> None:
    line = f"ORG:{value * 10}".encode()
    pieces, last = [], 0
    for cut in sorted(set(c for c in cuts if c < len(line))):
        pieces.append(line[last:cut])
        last = cut
    pieces.append(line[last:])
    # Folding may split a UTF-8 sequence between lines; unfolding must join the bytes first.
    folded = (b"\r\n" + (b"\t" if tab else b" ")).join(pieces)
    data = b"BEGIN:VCARD\r\nVERSION:3.0\r\nN:Doe;Jo\r\n" + folded + b"\r\nEMAIL:jo@example.com\r\nEND:VCARD\r\n"
    contacts = check_items(read(data, "vcard"))
    assert len(contacts) == 1 and contacts[0].company == unicodedata.normalize("NFC", value * 10)


@SETTINGS
@given(size=st.integers(min_value=201, max_value=300_000), where=st.sampled_from(["csv", "vcard", "linkedin"]))
def test_huge_fields_are_rejected_rows_not_crashes(size: int, where: str) -> None:
    big = "X" * size
    if where == "csv":
        data = f"email,last_name\nbig@example.com,{big}\nok@example.com,Ok\n".encode()
    elif where == "linkedin":
        data = f"First Name,Last Name,URL,Email Address,Company,Position,Connected On\n{big},B,,big@example.com,,,\nOk,Ok,,ok@example.com,,,\n".encode()
    else:
        data = f"BEGIN:VCARD\nN:{big};A\nEMAIL:big@example.com\nEND:VCARD\nBEGIN:VCARD\nN:Ok;Ok\nEMAIL:ok@example.com\nEND:VCARD\n".encode()
    items = read(data, where)
    contacts = check_items(items)
    assert [c.email for c in contacts] == ["ok@example.com"]
    assert len([i for i in items if isinstance(i, RowProblem)]) == 1


@SETTINGS
@given(formula=st.sampled_from(['=HYPERLINK("http://x.example","y")', "+1+1", "-2+3", "@SUM(A1)", "=cmd|' /C calc'!A0"]),
       tail=NAME)
def test_formula_like_cells_are_kept_as_text(formula: str, tail: str) -> None:
    buffer = io.StringIO()
    csv.writer(buffer).writerows([["email", "company"], ["f@example.com", formula + tail]])
    contacts = check_items(read(buffer.getvalue().encode(), "csv"))
    assert contacts[0].company == unicodedata.normalize("NFC", formula + tail)


def test_a_bytes_codec_named_as_charset_is_read_as_utf8() -> None:
    """CHARSET=quopri (a codec Python has, but for bytes, not text) stopped the whole import with a LookupError."""
    card = b"BEGIN:VCARD\r\nVERSION:2.1\r\nN;CHARSET=quopri:M\xc3\xbcller;Anna\r\nEMAIL:anna@example.com\r\nEND:VCARD\r\n"
    contacts = check_items(read(card, "vcard", ".vcf"))
    assert [(c.first_name, c.last_name) for c in contacts] == [("Anna", "Müller")]

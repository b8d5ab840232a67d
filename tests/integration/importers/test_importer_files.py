"""The importers against the hand-written files in tests/data and small files written per test."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from nurture.adapters.importers import ImportedContact, ImportNotice, RowProblem, detect_format, read_contacts

DATA = Path(__file__).resolve().parents[2] / "data"


def split(items: list) -> tuple[dict[str, ImportedContact], list[RowProblem], list[ImportNotice]]:
    contacts = {c.email or f"row{c.row}": c for c in items if isinstance(c, ImportedContact)}
    problems = [p for p in items if isinstance(p, RowProblem)]
    notices = [n for n in items if isinstance(n, ImportNotice)]
    return contacts, problems, notices


def write(tmp_path: Path, name: str, data: bytes | str, encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(data if isinstance(data, bytes) else data.encode(encoding))
    return path


# ------------------------------------------------------------------ canonical CSV


def test_canonical_csv_reads_every_contact_with_its_fields() -> None:
    reader = read_contacts(DATA / "contacts.csv")
    items = list(reader)
    contacts, problems, notices = split(items)
    assert reader.format == "csv"
    assert problems == [] and notices == []
    assert len(contacts) == 30
    anna = contacts["anna.mueller@example.de"]
    assert (anna.row, anna.first_name, anna.last_name, anna.gender, anna.title) == (2, "Anna", "Müller", "female", "Dr.")
    assert (anna.language, anna.country, anna.formality, anna.tier) == ("de", "DE", "formal", "A")
    assert anna.birthday == date(1980, 5, 17) and anna.birthday_has_year
    assert anna.started_on == date(2019, 4, 1) and anna.timezone == "Europe/Berlin"
    assert anna.topics == ("Einkauf", "Digitalisierung")
    assert (anna.consent, anna.consent_source, anna.consent_date) == ("opt_in", "Webinar-Anmeldung Formular",
                                                                      date(2024, 2, 12))  # fmt: skip
    assert anna.profile_url == "https://www.linkedin.com/in/anna-mueller-example"
    thomas = contacts["thomas.schmidt@example.de"]
    assert thomas.title == "Prof. Dr." and not thomas.birthday_has_year
    assert (thomas.birthday.month, thomas.birthday.day) == (11, 3)
    assert contacts["julia.koch@example.de"].birthday == date(1904, 2, 29)  # mixed-case address, leap day
    assert contacts["wolfgang.gruber@example.at"].title == "Dipl.-Ing."
    assert contacts["katharina.huber@example.at"].title == "Mag."
    assert contacts["kim.berger@example.de"].gender is None
    assert contacts["markus.von.weizsaecker@example.de"].last_name == "von Weizsäcker"
    assert contacts["claudia.fischer@bücher.example"].email == "claudia.fischer@bücher.example"
    assert contacts["niklas.wolf@example.de"].consent == "none"
    assert contacts["petra.schulz@example.de"].last_name is None
    assert contacts["info@example.de"].last_name == "Müller GmbH"
    consents = [c.consent for c in contacts.values()]
    assert consents.count("opt_in") > consents.count("existing_customer") > consents.count("none") == 1


def test_formula_like_cells_stay_plain_text() -> None:
    contacts, _, _ = split(list(read_contacts(DATA / "contacts.csv")))
    eva = contacts["formula@example.com"]
    assert eva.last_name == '=HYPERLINK("http://x.example","y")'
    assert eva.position == "+SUM(1,2)"


def test_broken_csv_rejects_bad_rows_by_line_and_keeps_the_good_ones() -> None:
    path = DATA / "broken.csv"
    contacts, problems, notices = split(list(read_contacts(path)))
    assert sorted(contacts) == ["good.one@example.de", "good.three@example.org", "good.two@example.at"]
    assert contacts["good.two@example.at"].note == "Notiz über\nzwei Zeilen"
    assert contacts["good.three@example.org"].company == "Wind & Wetter, Berlin"
    assert contacts["good.three@example.org"].row == 14
    by_row = {p.row: p.message for p in problems}
    assert sorted(by_row) == [3, 6, 7, 8, 9, 10, 11, 13]
    assert '"not-an-address" has no @' in by_row[3]
    assert by_row[6] == 'column "birthday": "31.02.1980" is not a date; write it like 1980-02-28 or --02-28'
    assert 'column "gender": "w0man"' in by_row[7]
    assert "duplicate of row 2" in by_row[8]
    assert "10 cells but the header names 9" in by_row[9]
    assert 'column "email" is empty' in by_row[10]
    assert "line break" in by_row[11] and "from line 11 to line 12" in by_row[11]
    assert '"maybe" is not a consent basis' in by_row[13]
    assert all(p.file == str(path) for p in problems)
    assert str(problems[0]) == f"{path}:3: {problems[0].message}"
    assert len(notices) == 1 and notices[0].row == 1 and "Lieblingsfarbe" in notices[0].message


def test_windows_1252_csv_is_read_with_a_notice(tmp_path: Path) -> None:
    text = "email;first_name;last_name\r\nj.schaefer@example.de;Jörg;Schäfer\r\nb@example.de;Bärbel;Groß\r\n"
    path = write(tmp_path, "outlook.csv", text, "cp1252")
    contacts, problems, notices = split(list(read_contacts(path)))
    assert problems == []
    assert contacts["j.schaefer@example.de"].last_name == "Schäfer"
    assert contacts["b@example.de"].first_name == "Bärbel"
    messages = " ".join(n.message for n in notices)
    assert "not UTF-8" in messages and "Windows-1252" in messages and "semicolons" in messages


def test_bom_header_and_column_order_and_unknown_columns(tmp_path: Path) -> None:
    text = "\ufeffLast Name,E-Mail,Shoe Size,first_name\nMeier,L.Meier@Example.CH,44,Lukas\n"
    path = write(tmp_path, "bom.csv", text)
    contacts, problems, notices = split(list(read_contacts(path, "csv")))
    assert problems == []
    lukas = contacts["l.meier@example.ch"]
    assert (lukas.first_name, lukas.last_name, lukas.row) == ("Lukas", "Meier", 2)
    assert "Shoe Size" in notices[0].message


def test_a_file_without_email_column_is_one_clear_problem(tmp_path: Path) -> None:
    path = write(tmp_path, "names.csv", "first_name,last_name\nAnna,Müller\n")
    items = list(read_contacts(path, "csv"))
    assert len(items) == 1 and isinstance(items[0], RowProblem)
    assert items[0].row == 1 and 'no "email" column' in items[0].message


def test_empty_file_is_reported(tmp_path: Path) -> None:
    path = write(tmp_path, "empty.csv", b"")
    items = list(read_contacts(path, "csv"))
    assert [type(i) for i in items] == [RowProblem]
    assert "no header row" in items[0].message


def test_huge_name_is_rejected_and_later_rows_survive(tmp_path: Path) -> None:
    text = f"email,first_name\na@example.com,{'A' * 5000}\nb@example.com,Bea\n"
    contacts, problems, _ = split(list(read_contacts(write(tmp_path, "huge.csv", text), "csv")))
    assert list(contacts) == ["b@example.com"]
    assert problems[0].row == 2 and "5000 characters long; at most 200 fit" in problems[0].message


def test_unclosed_quote_beyond_the_field_limit_is_reported_and_reading_goes_on(tmp_path: Path) -> None:
    text = 'email,note\na@example.com,"' + "x" * 200_000 + "\nb@example.com,fine\n"
    contacts, problems, _ = split(list(read_contacts(write(tmp_path, "quote.csv", text), "csv")))
    assert problems and problems[0].row == 2
    assert "b@example.com" in contacts


def test_every_bad_value_kind_is_named(tmp_path: Path) -> None:
    text = (
        "email,language,country,formality,timezone,tier,started_on,consent_date\n"
        "a@example.com,fr,Germany,casual,Europe/Berlim,D,2024-13-01,yesterday\n"
    )
    _, problems, _ = split(list(read_contacts(write(tmp_path, "values.csv", text), "csv")))
    message = problems[0].message
    for column in ("language", "country", "formality", "timezone", "tier", "started_on", "consent_date"):
        assert f'column "{column}"' in message


def test_progress_reaches_the_file_size() -> None:
    reader = read_contacts(DATA / "contacts.csv")
    assert reader.bytes_total == (DATA / "contacts.csv").stat().st_size
    assert reader.bytes_read == 0
    seen = []
    for _ in reader:
        seen.append(reader.bytes_read)
    assert reader.bytes_read == reader.bytes_total
    assert seen == sorted(seen)


# ------------------------------------------------------------------ LinkedIn


def test_linkedin_export_with_its_notes_preamble() -> None:
    path = DATA / "linkedin_connections.csv"
    reader = read_contacts(path)
    contacts, problems, notices = split(list(reader))
    assert reader.format == "linkedin"
    anna = contacts["anna.mueller@example.de"]
    assert (anna.row, anna.first_name, anna.last_name, anna.company) == (5, "Anna", "Müller", "Beispiel GmbH")
    assert anna.connected_on == date(2024, 3, 12)
    assert anna.profile_url == "https://www.linkedin.com/in/anna-mueller-example"
    assert contacts["james.wilson@example.com"].position == "Head of Procurement, EMEA"
    without = [c for c in contacts.values() if c.email is None]
    assert {c.last_name for c in without} == {"Schmidt", "Huber", "Krüger", "Clark", "Brown"}
    assert all(c.profile_url for c in without)
    assert {p.row for p in problems} == {12, 13}
    assert "peter.neumann@example" in next(p.message for p in problems if p.row == 12)
    assert '"30 Feb 2022" is not a date that exists' in next(p.message for p in problems if p.row == 13)
    assert any("5 connection(s) have no e-mail address" in n.message for n in notices)


def test_old_linkedin_header_without_url(tmp_path: Path) -> None:
    text = "First Name,Last Name,Email Address,Company,Position,Connected On\nEva,Ernst,eva@example.de,E AG,CEO,15 Mar 2021\n"
    path = write(tmp_path, "Connections.csv", text)
    reader = read_contacts(path)
    contacts, problems, _ = split(list(reader))
    assert reader.format == "linkedin" and problems == []
    assert contacts["eva@example.de"].connected_on == date(2021, 3, 15)


def test_linkedin_file_without_header_is_reported(tmp_path: Path) -> None:
    path = write(tmp_path, "x.csv", "Notes:\nnothing here\n")
    items = list(read_contacts(path, "linkedin"))
    assert isinstance(items[-1], RowProblem) and "no LinkedIn header" in items[-1].message


# ------------------------------------------------------------------ vCard


def test_vcard_file_mixing_versions_and_quirks() -> None:
    path = DATA / "contacts.vcf"
    reader = read_contacts(path)
    contacts, problems, _ = split(list(reader))
    assert reader.format == "vcard"
    joerg = contacts["joerg.schaefer@example.de"]  # PREF beats the first EMAIL; case folded
    assert (joerg.first_name, joerg.last_name, joerg.title, joerg.gender) == ("Jörg", "Schäfer", "Dr.", "male")
    assert joerg.company == "Schäfer & Söhne GmbH" and joerg.position == "Geschäftsführer"
    assert joerg.birthday == date(1985, 4, 15) and joerg.country == "DE"
    assert joerg.note == "Kennengelernt auf der Messe München.\nZweite Zeile der Notiz."
    sabine = contacts["sabine.krueger@example.de"]  # WORK beats HOME
    assert sabine.company == "Krüger Consulting, Berlin" and not sabine.birthday_has_year
    assert sabine.note is not None and "Mittelstand, vor allem Einkauf; meldet" in sabine.note
    maria = contacts["maria.becker@example.de"]  # PREF=1 (4.0)
    assert (maria.title, maria.gender, maria.language, maria.position) == ("Prof. Dr.", "female", "de",
                                                                           "Lehrstuhlinhaberin")  # fmt: skip
    assert maria.profile_url == "https://www.xing.com/profile/Maria_Becker_example"
    assert (maria.birthday.month, maria.birthday.day, maria.birthday_has_year) == (4, 15, False)
    florian = contacts["florian.hofer@example.at"]
    assert florian.title == "Mag." and florian.country == "AT" and not florian.birthday_has_year
    assert florian.profile_url == "https://www.linkedin.com/in/florian-hofer-example"
    heinrich = contacts["row5"]
    assert heinrich.email is None and heinrich.last_name == "Lang" and heinrich.title == "Dr."
    fiona = contacts["fiona.mcdonald@example.co.uk"]
    assert (fiona.last_name, fiona.gender, fiona.language, fiona.country) == ("McDonald", "female", "en", "GB")
    by_card = {p.row: p.message for p in problems}
    assert sorted(by_card) == [6, 7, 8, 9]
    assert "BDAY" in by_card[6] and "2021-02-30" in by_card[6]
    assert "EMAIL" in by_card[7] and "otto-at-example.de" in by_card[7]
    assert "not valid UTF-8" in by_card[8]
    assert "duplicate of card 2" in by_card[9]


def test_vcard_in_windows_1252_without_charset(tmp_path: Path) -> None:
    text = "BEGIN:VCARD\r\nVERSION:2.1\r\nN:Groß;Bärbel\r\nEMAIL:b@example.de\r\nEND:VCARD\r\n"
    contacts, problems, notices = split(list(read_contacts(write(tmp_path, "w.vcf", text, "cp1252"))))
    assert problems == [] and contacts["b@example.de"].last_name == "Groß"
    assert any("Windows-1252" in n.message for n in notices)


def test_vcard_cut_off_and_missing_cards(tmp_path: Path) -> None:
    cut = write(tmp_path, "cut.vcf", "BEGIN:VCARD\nVERSION:3.0\nN:A;B\nEMAIL:a@example.de\n")
    items = list(read_contacts(cut))
    assert [type(i) for i in items] == [RowProblem] and "no END:VCARD" in items[0].message
    none = write(tmp_path, "none.vcf", "hello\nworld\n")
    assert "no vCard found" in list(read_contacts(none, "vcard"))[0].message


def test_vcard_utf16_export(tmp_path: Path) -> None:
    text = "BEGIN:VCARD\r\nVERSION:3.0\r\nN:Öztürk;Ayşe\r\nEMAIL:ayse@example.de\r\nEND:VCARD\r\n"
    path = write(tmp_path, "u16.vcf", text, "utf-16")
    reader = read_contacts(path)
    contacts, _, _ = split(list(reader))
    assert reader.format == "vcard" and contacts["ayse@example.de"].last_name == "Öztürk"


@pytest.mark.parametrize(
    ("head", "name", "expected"),
    [
        (b"BEGIN:VCARD\r\nVERSION:3.0", "x.txt", "vcard"),
        (b"\xef\xbb\xbfbegin:vcard\n", "x", "vcard"),
        (b"", "contacts.vcf", "vcard"),
        (b"Notes:\n\"When exporting\"\n\nFirst Name,Last Name,URL", "Connections.csv", "linkedin"),
        (b"First Name,Last Name,URL,Email Address,Company,Position,Connected On\n", "c.csv", "linkedin"),
        (b"email,first_name\n", "c.csv", "csv"),
        (b"\xff\xfe" + "BEGIN:VCARD".encode("utf-16-le"), "x", "vcard"),
    ],
)
def test_detect_format(head: bytes, name: str, expected: str) -> None:
    assert detect_format(name, head) == expected


def test_unknown_format_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown format"):
        read_contacts(DATA / "contacts.csv", "xlsx")

"""A mail to Switzerland or Liechtenstein spells the name as its salutation does: no ß in the To header either."""

from __future__ import annotations

import csv
from email import policy
from email.parser import BytesParser
from pathlib import Path

import pytest

COLUMNS = ["email", "first_name", "last_name", "gender", "language", "country", "birthday", "tier", "consent",
           "consent_source"]  # fmt: skip


@pytest.mark.parametrize(("country", "name"), [("CH", "Jürg Weissmüller"), ("LI", "Jürg Weissmüller"),
                                               ("DE", "Jürg Weißmüller")])  # fmt: skip
def test_the_to_header_follows_the_swiss_spelling(nurture, outbox, tmp_path: Path, country: str, name: str) -> None:
    path = tmp_path / "c.csv"
    with path.open("w", encoding="utf-8", newline="") as out:
        csv.writer(out).writerows([COLUMNS, ["j@example.ch", "Jürg", "Weißmüller", "male", "de", country, "--11-23",
                                             "A", "opt_in", "fair"]])  # fmt: skip
    nurture("import", str(path))
    nurture("plan")
    (msg,) = nurture.json("queue")
    nurture("approve", str(msg["id"]))
    assert nurture.json("send", now="2026-11-23T09:00:00+01:00")["sent"] == 1
    (eml,) = outbox[0].glob("*.eml")
    mail = BytesParser(policy=policy.default).parsebytes(eml.read_bytes())
    assert mail["To"].addresses[0].display_name == name
    body = mail.get_body(("plain",)).get_content()
    assert body.startswith(f"Sehr geehrter Herr {name.split()[1]},")
    assert ("ß" in body) == (country == "DE")  # "Grüße" in Germany, "Grüsse" in Switzerland and Liechtenstein

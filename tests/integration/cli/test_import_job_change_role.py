"""A position changed at the same company is recorded and congratulated as a new role there.

Julia Weber went from Geschäftsführerin to Inhaberin at Weber & Partner; the import recorded
the event like a move and her message read "deine berufliche Veränderung zu Weber & Partner …
dass du dich schnell einlebst". The import summary only said "1 job change(s) recorded".
"""

from __future__ import annotations

from pathlib import Path

from .conftest import SAMPLE

JULIA = "julia.weber@example.de"


def changed(tmp_path: Path, *pairs: tuple[str, str]) -> Path:
    text = SAMPLE.read_text(encoding="utf-8")
    for old, new in pairs:
        assert old in text
        text = text.replace(old, new)
    path = tmp_path / "changed.csv"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_new_position_at_the_same_company_is_congratulated_as_a_new_role(nurture, tmp_path: Path) -> None:
    nurture("import", str(SAMPLE))
    path = changed(tmp_path, ("Weber & Partner,Geschäftsführerin", "Weber & Partner,Inhaberin"))
    result = nurture("import", str(path))
    assert "1 job change(s) recorded for Julia Weber" in result.stdout, result.stdout

    [event] = nurture.json("contacts", "show", JULIA)["events"]
    assert event["details"] == {"company": "Weber & Partner", "old_company": "Weber & Partner",
                                "position": "Inhaberin", "old_position": "Geschäftsführerin"}  # fmt: skip
    nurture("plan")
    [msg] = [m for m in nurture.json("queue", "--status", "all") if m["email"] == JULIA and m["occasion"] == "job_change"]
    body = msg["text"].split("\n-- \n")[0]
    assert "Inhaberin bei Weber & Partner" in body, body
    assert "Aufgabe" in msg["subject"] + body, msg
    for word in ("Wechsel", "Veränderung", "einlebst", "zu Weber & Partner"):
        assert word not in msg["subject"] + body, (word, msg["subject"], body)
    assert msg["status"] == "pending", msg  # the offer guard has nothing against it


def test_a_company_written_differently_is_no_job_change(nurture, tmp_path: Path) -> None:
    nurture("import", str(SAMPLE))
    data = nurture.json("import", str(changed(tmp_path, ("Weber & Partner,", "WEBER  &  PARTNER,"))))
    assert (data["updated"], data["job_changes"], data["job_change_contacts"]) == (1, 0, [])
    assert nurture.json("contacts", "show", JULIA)["events"] == []


def test_the_summary_names_who_changed_jobs(nurture, tmp_path: Path) -> None:
    nurture("import", str(SAMPLE))
    path = changed(
        tmp_path,
        ("Weber & Partner,Geschäftsführerin", "Weber & Partner,Inhaberin"),
        ("Nordlicht Logistik GmbH", "Südwind Handel AG"),
        ("Becker Consulting,Beraterin", "Becker Consulting,Partnerin"),
        ("Stein Immobilien KG", "Stein & Söhne KG"),
        ("Schulz Digital,Gründer", "Schulz Digital,CEO"),
        ("Koch Medien", "Koch Verlag"),
        ("Richter IT", "Richter Security"),
    )
    dry = nurture("import", str(path), "--dry-run").stdout
    assert "7 job change(s) would be recorded for Anna Müller, Julia Weber (new role), " in dry, dry
    assert "and 2 more" in dry, dry
    data = nurture.json("import", str(path))
    assert data["job_changes"] == 7
    people = {p["email"]: p for p in data["job_change_contacts"]}
    assert len(people) == 7
    assert people[JULIA]["new_role"] is True and people[JULIA]["name"] == "Julia Weber"
    assert people["anna.mueller@example.de"]["new_role"] is False

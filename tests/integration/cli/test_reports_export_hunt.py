"""The contact plan, its calendar file, the coverage figures and the contacts export with odd data.

What nurture writes must read back right in the programs people use: a calendar shows the hour
the mail goes, a re-import updates instead of doubling, and the coverage report names only the
contacts that really get too little attention.
"""

from __future__ import annotations

import csv
import io
from datetime import date, datetime, timedelta
from pathlib import Path

import icalendar

from .conftest import SAMPLE

NOW = "2026-11-23T07:00:00+01:00"
COLUMNS = ["email", "first_name", "last_name", "gender", "language", "country", "tier", "topics", "consent",
           "consent_source", "birthday", "company", "note"]  # fmt: skip


def write_csv(path: Path, rows: list[list[str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as out:
        csv.writer(out).writerows([COLUMNS, *rows])
    return path


def test_plan_report_gives_the_hour_the_queue_gives(nurture) -> None:
    """`report plan` printed UTC (07:30) for a greeting the queue and the mail send at 08:30 Berlin time."""
    nurture("import", str(SAMPLE))
    nurture("plan")
    queue = {m["id"]: m["send_at"] for m in nurture.json("queue", "--status", "all")}
    plan = nurture.json("report", "plan")
    touches = [t for entry in plan for t in entry["touches"] if t["message_id"] is not None]
    assert touches
    for t in touches:
        assert t["send_at"] == queue[t["message_id"]]
    anna = next(e for e in plan if e["email"] == "anna.mueller@example.de")
    assert anna["touches"][0]["send_at"] == "2026-11-23T08:30:00+01:00"
    text = nurture("report", "plan").stdout
    assert "2026-11-23T08:30  birthday" in text and "2026-11-23T07:30" not in text
    assert "(written when it comes near)" in text  # a touch planned further out has no subject yet


def test_plan_ics_reads_back_in_utc_with_odd_names_and_stable_uids(nurture, tmp_path: Path) -> None:
    """Quotes, commas, semicolons, a backslash, emoji and a long umlaut name: valid iCalendar, same hour."""
    odd = 'Zoë "Zo" Weiß-Ämmerle; Vertrieb, Süd \\ 🎉🎂'
    write_csv(tmp_path / "odd.csv", [
        ["odd@example.de", odd, "Ä" * 60, "female", "de", "DE", "A", "sales", "opt_in", "fair", "--11-24", "", ""],
        ["ny@example.com", "Pat", "O'Hara", "", "en", "US", "B", "sales", "opt_in", "fair", "--11-25", "", ""],
    ])  # fmt: skip
    nurture("import", str(tmp_path / "odd.csv"))
    nurture("contacts", "edit", "ny@example.com", "--timezone", "America/New_York")
    nurture("plan")
    first, second = tmp_path / "plan.ics", tmp_path / "again.ics"
    plan = nurture.json("report", "plan", "--ics", str(first))
    nurture("report", "plan", "--ics", str(second))
    raw = first.read_bytes()
    assert raw.endswith(b"\r\n") and b"\n" not in raw.replace(b"\r\n", b"")
    for line in raw.split(b"\r\n"):
        assert len(line) <= 75, line
        line.decode("utf-8")  # folding never splits a character
        if line.startswith((b"DTSTART", b"DTEND", b"DTSTAMP")):
            assert b"TZID" not in line and line.endswith(b"Z"), line  # UTC: no zone without a VTIMEZONE
    events = list(icalendar.Calendar.from_ical(raw).walk("VEVENT"))
    # Named by the sender's domain ([sender] email = jana@example.com): message numbers repeat across installations.
    expected = {f"nurture-{t['key']}@example.com": (e["name"], t) for e in plan for t in e["touches"]}
    assert len(events) == len(expected) >= 2
    for ev in events:
        name, touch = expected[str(ev["uid"])]
        start = ev.decoded("dtstart")
        assert start == datetime.fromisoformat(touch["send_at"])  # the same instant
        assert str(ev["summary"]) == f"{touch['occasion']}: {name} ({touch['status']})"
    names = {str(ev["summary"]) for ev in events}
    assert any(odd in s for s in names)
    # Exported again: the same UIDs, so a calendar updates its entries instead of doubling them.
    again = {str(ev["uid"]) for ev in icalendar.Calendar.from_ical(second.read_bytes()).walk("VEVENT")}
    assert again == set(expected)


def test_an_empty_plan_writes_a_readable_calendar(nurture, tmp_path: Path) -> None:
    ics = tmp_path / "sub" / "empty.ics"
    result = nurture("report", "plan", "--ics", str(ics))
    assert "nothing planned" in result.stderr
    cal = icalendar.Calendar.from_ical(ics.read_bytes())
    assert list(cal.walk("VEVENT")) == [] and ics.read_bytes().startswith(b"BEGIN:VCALENDAR\r\n")


def test_coverage_flags_only_contacts_below_their_cadence(nurture, tmp_path: Path) -> None:
    """Touched exactly every 21 days (tier A) or added today: both were listed as neglected.

    The target assumed 180 days of touches (90 back, 90 ahead) although nothing is planned beyond
    the 14-day horizon, and counted the months before a contact was even added.
    """
    write_csv(tmp_path / "old.csv", [
        ["served@example.de", "Jana", "Roth", "female", "de", "DE", "A", "sales", "opt_in", "fair", "", "", ""],
        ["quiet@example.de", "Jens", "Roth", "male", "de", "DE", "A", "sales", "opt_in", "fair", "", "", ""],
        ["slow@example.de", "Jule", "Roth", "female", "de", "DE", "C", "sales", "opt_in", "fair", "", "", ""],
    ])  # fmt: skip
    nurture("import", str(tmp_path / "old.csv"), now="2026-03-02T07:00:00+01:00")
    write_csv(tmp_path / "new.csv", [
        ["fresh@example.de", "Finn", "Roth", "male", "de", "DE", "A", "sales", "opt_in", "fair", "", "", ""],
    ])  # fmt: skip
    nurture("import", str(tmp_path / "new.csv"))
    for n in range(6):  # every 21 days, the last one ten days ago
        day = date(2026, 11, 13) - timedelta(days=21 * n)
        nurture("touch", "served@example.de", "--date", day.isoformat(), now=f"{day}T18:00:00+01:00")
    nurture("touch", "slow@example.de", "--date", "2026-10-01")
    nurture("plan")
    report = nurture.json("report", "coverage")
    neglected = {r["name"]: r for r in report["neglected"]}
    assert set(neglected) == {"Jens Roth"}, neglected
    assert neglected["Jens Roth"]["target"] == 4  # 90 days back and the 14-day horizon at 21 days: 4 due
    assert report["tiers"]["A"]["contacts"] == 3 and report["tiers"]["A"]["neglected"] == 1
    assert report["tiers"]["A"]["target"] == 8  # Jana 4, Jens 4, Finn (added today, nothing due yet) 0
    assert report["tiers"]["C"] == {"contacts": 1, "target": 1, "done": 1, "planned": 0, "neglected": 0}
    text = nurture("report", "coverage").stdout
    assert "Jens Roth" in text and "Jana Roth" not in text and "Finn Roth" not in text


def test_coverage_does_not_count_touches_after_the_report_date(nurture, tmp_path: Path) -> None:
    """A report for an earlier day (`--now`) counted touches recorded after it as done."""
    write_csv(tmp_path / "c.csv", [
        ["late@example.de", "Lea", "Roth", "female", "de", "DE", "C", "sales", "opt_in", "fair", "", "", ""],
    ])  # fmt: skip
    nurture("import", str(tmp_path / "c.csv"), now="2026-01-05T07:00:00+01:00")
    nurture("touch", "late@example.de", "--date", "2026-11-20")
    earlier = nurture.json("report", "coverage", now="2026-10-01T07:00:00+02:00")
    assert earlier["tiers"]["C"]["done"] == 0
    assert [r["name"] for r in earlier["neglected"]] == ["Lea Roth"]
    assert nurture.json("report", "coverage")["tiers"]["C"]["done"] == 1


def test_export_round_trip_keeps_odd_contacts_unchanged(nurture, tmp_path: Path) -> None:
    """Commas, quotes, line breaks, umlauts, formula starts and birthdays without a year read back as they were."""
    source = write_csv(tmp_path / "odd.csv", [
        ["a@example.de", "Jürgen", "Weiß", "male", "de", "DE", "A", "sales;hr", "opt_in", 'Messe "Hannover", 2025',
         "--02-29", "=Müller & Söhne, GmbH", "Zeile 1\nZeile 2, mit Komma; und \"Zitat\""],
        ["b@example.de", "Anna", "Öz", "female", "de", "AT", "B", "", "existing_customer", "", "1980-12-24",
         "+49 Vertrieb", "-minus"],
        ["c@example.de", "Ida", "Berg", "female", "de", "CH", "C", "", "opt_in", "@handle", "--12-31", "", "'quoted"],
    ])  # fmt: skip
    assert nurture.json("import", str(source))["created"] == 3
    before = {c["email"]: c for c in nurture.json("contacts", "list")}
    exported = tmp_path / "export.csv"
    nurture("contacts", "export", str(exported))
    rows = list(csv.DictReader(io.StringIO(exported.read_bytes().decode("utf-8"), newline="")))
    assert not [cell for r in rows for cell in r.values() if cell.startswith(("=", "+", "-", "@"))]
    again = nurture.json("import", str(exported))
    assert (again["created"], again["updated"], again["unchanged"], again["rejected"]) == (0, 0, 3, 0)
    assert {c["email"]: c for c in nurture.json("contacts", "list")} == before
    assert before["a@example.de"]["birthday"] == "--02-29"

"""Contact commands: import, contacts list/show/edit/export, link, event add, touch, unsubscribe."""

from __future__ import annotations

import csv
import os
import tempfile
from collections.abc import Mapping
from datetime import datetime, time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import click
from sqlalchemy import select

from nurture.domain.vocabulary import control_character
from nurture.entrypoints.cli import cli
from nurture.entrypoints.cli.common import (
    Progress,
    actor,
    emit_json,
    fail,
    global_options,
    handle_errors,
    load_app,
    opts,
)
from nurture.entrypoints.serialize import CSV_COLUMNS, contact_csv_row, contact_json, iso, message_json

# An event detail is a title, a position or a company that goes into a message as written.
MAX_DETAIL_KEY = 50
MAX_DETAIL = 300


@cli.command("import")
@click.argument("path", type=click.Path(path_type=Path))
@click.option("--format", "fmt", type=click.Choice(["auto", "csv", "linkedin", "vcard"]), default="auto")
@click.option("--dry-run", is_flag=True, help="Check and count, change nothing.")
@global_options
@handle_errors
def import_(path: Path, fmt: str, dry_run: bool) -> None:
    """Upsert contacts from a CSV, LinkedIn or vCard file."""
    from nurture.adapters.db.importing import Importer
    from nurture.adapters.importers import read_contacts

    if not path.exists():
        fail(f"{path}: no such file; check the path")
    app = load_app()
    now = app.now()
    today = now.astimezone(ZoneInfo(app.settings.general.timezone)).date()  # a birthday after it is left out
    reader = read_contacts(path, fmt, today=today)
    progress = Progress(f"importing {path.name}")
    by = actor()
    desk = app.desk()
    importer = Importer(app.factory, app.import_defaults(), now, by, reader.format, dry_run=dry_run,
                        after_update=lambda session, ids: desk.recompose_contacts(
                            session, ids, by, "contact updated by import"))  # fmt: skip

    def tick() -> None:
        total = reader.bytes_total or 0
        progress.update(detail="records", fraction=(reader.bytes_read / total) if total else None)

    summary = importer.run(reader, str(path), tick)
    progress.done()
    if opts().json:
        emit_json({"path": str(path), "format": reader.format, "dry_run": dry_run, **summary.as_dict()})
        if summary.rejected:
            raise SystemExit(1)
        return
    for problem in summary.problems:
        click.echo(f"{path}:{problem.row}: {problem.message}", err=True)
    for notice in summary.notices:  # row 0: a note about the whole file, which has no line of its own
        where = f"{path}:{notice.row}" if notice.row else str(path)
        click.echo(f"{where}: note: {notice.message}", err=True)
    for dup in summary.possible_duplicates:
        click.echo(f"{path}:{dup.row}: {dup.describe()}", err=True)
    prefix = "dry run, nothing changed: would have " if dry_run else ""
    shown = 5
    names = [j.name + (" (new role)" if j.new_role else "") for j in summary.job_changed[:shown]]
    if summary.job_changes > len(names):
        names.append(f"{summary.job_changes - len(names)} more")
    who = (" for " + ", ".join(names[:-1]) + " and " + names[-1]) if len(names) > 1 else (
        f" for {names[0]}" if names else "")  # fmt: skip
    click.echo(
        f"{prefix}{summary.created} created, {summary.updated} updated, {summary.unchanged} unchanged, "
        f"{summary.rejected} rejected ({reader.format})"
        + (f"; {summary.job_changes} job change(s) {'would be ' if dry_run else ''}recorded{who}"
           if summary.job_changes else "")
        + (f"; {len(summary.possible_duplicates)} possible duplicate(s) to check (listed above)"
           if summary.possible_duplicates else "")  # fmt: skip
    )
    for status, n in sorted(summary.messages_moved.items()):
        click.echo(f"{n} open message(s) of updated contacts written again, now {status}"
                   + (" (waiting for approval with their new words)" if status == "pending" else ""))  # fmt: skip
    if any(p.whole_file for p in summary.problems):
        click.echo(f"nothing was imported from {path}: fix what is said above and import it again", err=True)
        raise SystemExit(1)
    if summary.rejected:
        done = "this was a dry run, nothing is in yet" if dry_run else "good rows are in"
        click.echo(f"{summary.rejected} row(s) rejected: fix them in {path} and import again ({done})", err=True)
        raise SystemExit(1)


@cli.group()
def contacts() -> None:
    """List, show and correct contacts."""


@contacts.command("list")
@click.option("--review", is_flag=True, help="Only contacts flagged for review.")
@global_options
@handle_errors
def contacts_list(review: bool) -> None:
    """Contacts, with their salutation or why none can be formed."""
    from nurture.adapters.db.contact_store import ContactStore

    app = load_app()
    with app.factory() as session:
        rows = [contact_json(view) for view, _ in ContactStore(session).iter_all(review_only=review)]
    if opts().json:
        emit_json(rows)
        return
    for c in rows:
        said = c["salutation"] or f"REVIEW: {c['review_reason']}"
        flags = " [unsubscribed]" if c["unsubscribed"] else (" [bounced]" if c["bounced"] else "")
        click.echo(f"{c['id']:>5}  {c['email'] or '-':<36} {c['tier']}  {said}{flags}")
    click.echo(f"{len(rows)} contact(s)" + (" need review; fix them with `nurture contacts edit`" if review else ""),
               err=True)  # fmt: skip


@contacts.command("export")
@click.argument("path", type=click.Path(path_type=Path, dir_okay=False))
@click.option("--review", is_flag=True, help="Only contacts flagged for review.")
@global_options
@handle_errors
def contacts_export(path: Path, review: bool) -> None:
    """Write the contacts as the canonical CSV (UTF-8, header row); formula-like cells are neutralised."""
    from nurture.adapters.db.contact_store import ContactStore

    app = load_app()
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        fail(f"{path}: the folder {folder} does not exist; create it or give another path")
    progress = Progress(f"exporting to {path.name}")
    try:
        handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=folder)
    except OSError as exc:  # the folder is there but takes no files (read-only, /proc, no permission)
        fail(f"{path}: cannot write in {folder} ({exc.strerror or exc}); give a path in a folder you can write to")
    count = 0
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="") as out:
            writer = csv.writer(out, lineterminator="\r\n")
            writer.writerow(CSV_COLUMNS)
            with app.factory() as session:
                for view, _ in ContactStore(session).iter_all(review_only=review):
                    writer.writerow(contact_csv_row(view))
                    count += 1
                    progress.update(count, "contacts")
        os.replace(temporary, path)  # all or nothing: a failed export leaves no half-written file
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    progress.done()
    if opts().json:
        emit_json({"path": str(path), "contacts": count, "review_only": review})
        return
    click.echo(f"{count} contact(s) written to {path}" + (" (only those needing review)" if review else ""))


def _contact_detail(app: Any, ref: str) -> dict[str, Any]:
    from nurture.adapters.db.contact_store import ContactStore
    from nurture.adapters.db.graph_store import GraphStore
    from nurture.adapters.db.message_store import MessageStore
    from nurture.adapters.db.tables import Event

    with app.factory() as session:
        view = ContactStore(session).get(ref)
        data = contact_json(view)
        events = session.scalars(select(Event).where(Event.contact_id == view.id).order_by(Event.date, Event.id))
        data["events"] = [{"kind": e.kind, "date": iso(e.date), "details": dict(e.details or {})} for e in events]
        data["relations"] = [{"kind": k, "contact_id": cid} for k, cid in GraphStore(session).relations(view.id)]
        data["planned"] = [
            message_json(m, c.email, c.timezone)
            for m, c in MessageStore(session).list(None, contact_id=view.id)
        ]
    return data


@contacts.command("show")
@click.argument("ref")
@global_options
@handle_errors
def contacts_show(ref: str) -> None:
    """One contact with its salutation, events, relations and plan."""
    app = load_app()
    data = _contact_detail(app, ref)
    if opts().json:
        emit_json(data)
        return
    for key in ("id", "email", "first_name", "last_name", "gender", "title", "language", "country", "formality",
                "tier", "timezone", "birthday", "company", "position", "consent", "unsubscribed", "bounced"):
        click.echo(f"{key:>13}: {data[key] if data[key] is not None else ''}")
    click.echo(f"{'salutation':>13}: {data['salutation'] or 'REVIEW: ' + str(data['review_reason'])}")
    for e in data["events"]:
        click.echo(f"{'event':>13}: {e['date']} {e['kind']} {e['details'] or ''}")
    for r in data["relations"]:
        click.echo(f"{'relation':>13}: {r['kind']} contact {r['contact_id']}")
    for m in data["planned"]:
        click.echo(f"{'message':>13}: #{m['id']} {m['occasion']} {m['status']} {m['send_at']}")


EDITABLE = {
    "gender": click.Choice(["female", "male", "diverse", "unknown"]),
    "formality": click.Choice(["formal", "informal"]),
    "language": click.Choice(["de", "en"]),
    "tier": click.Choice(["A", "B", "C"]),
    "consent": click.Choice(["opt_in", "existing_customer", "none"]),
}


@contacts.command("edit")
@click.argument("ref")
@click.option("--first-name")
@click.option("--last-name")
@click.option("--gender", type=EDITABLE["gender"])
@click.option("--title")
@click.option("--formality", type=EDITABLE["formality"])
@click.option("--language", type=EDITABLE["language"])
@click.option("--country")
@click.option("--tier", type=EDITABLE["tier"])
@click.option("--birthday", help="YYYY-MM-DD or --MM-DD")
@click.option("--timezone")
@click.option("--company")
@click.option("--position")
@click.option("--topics", help="separated by ;")
@click.option("--consent", type=EDITABLE["consent"])
@click.option("--consent-source")
@click.option("--note")
@click.option("--email", help="The contact's new address (it moved); refused if another contact has it.")
@global_options
@handle_errors
def contacts_edit(ref: str, **fields: Any) -> None:
    """Correct a record; its open messages are re-rendered (review → pending once addressable)."""
    from nurture.adapters.db.contact_store import ContactStore
    from nurture.usecases.contact_edit import change_address, validated_changes

    app = load_app(need_library=True)
    given = {k: v for k, v in fields.items() if v is not None}
    changes = validated_changes(given, app.now())
    if not changes:
        fail("nothing to change; give at least one option, e.g. --gender female", 2)
    old_email: str | None = None
    readdressed = unbounced = False
    with app.factory() as session, session.begin():
        store = ContactStore(session)
        row = store.row(ref)
        if "email" in changes:
            address = change_address(session, row, changes.pop("email"))
            if address:
                old_email, readdressed, unbounced = row.email, True, "bounced" in address
                changes.update(address)
        store.update(row, changes, app.now(), actor())
        session.flush()
        moved = app.desk().recompose_contact(session, row.id, actor())
        data = contact_json(store.get(row.id))
    if opts().json:
        emit_json({**data, "messages_moved": moved}
                  | ({"previous_email": old_email, "bounce_cleared": unbounced} if "email" in given else {}))  # fmt: skip
        return
    click.echo(f"contact {data['id']} updated")
    if "email" in given:
        if not readdressed:
            click.echo(f"address: {data['email']} (unchanged)")
        else:
            click.echo(f"address: {old_email or '(none)'} → {data['email']}; an import finds the contact by it from "
                       "now on, and its messages go to it")  # fmt: skip
        if unbounced:
            click.echo("the bounce recorded for the old address no longer blocks mail to the contact")
    click.echo(f"salutation: {data['salutation'] or 'still needs review: ' + str(data['review_reason'])}")
    for status, n in moved.items():
        click.echo(f"{n} message(s) now {status}")


@cli.command("link")
@click.argument("a")
@click.argument("b")
@click.option("--kind", required=True, type=click.Choice(["colleague", "knows", "introduced_by", "reports_to"]))
@global_options
@handle_errors
def link(a: str, b: str, kind: str) -> None:
    """Add an edge to the contact graph."""
    from nurture.adapters.db.contact_store import ContactStore
    from nurture.adapters.db.graph_store import GraphStore

    app = load_app()
    with app.factory() as session, session.begin():
        store = ContactStore(session)
        ra, rb = store.row(a), store.row(b)
        if ra.id == rb.id:
            fail("a contact cannot be linked to itself")
        added = GraphStore(session).link(ra.id, rb.id, kind, app.now())
    click.echo(f"{'linked' if added else 'already linked'}: {ra.id} {kind} {rb.id}")


@cli.group()
def event() -> None:
    """Record occasions."""


@event.command("add")
@click.argument("ref")
@click.option("--kind", required=True,
              type=click.Choice(["job_change", "promotion", "work_anniversary", "publication", "achievement"]))
@click.option("--date", "day", required=True, type=click.DateTime(["%Y-%m-%d"]))
@click.option("--detail", multiple=True, metavar="KEY=VALUE")
@global_options
@handle_errors
def event_add(ref: str, kind: str, day: datetime, detail: tuple[str, ...]) -> None:
    """Record an occasion for a contact.

    Refused: a date after today (except a work anniversary, which is greeted on its day) and a
    detail key the templates of that kind do not read. Recorded but not congratulated: an event
    more than 60 days old (`nurture.planning.occasions.OLD_NEWS`) and a kind switched off in
    `[occasions]`; the output says so.
    """
    from nurture.adapters.db.contact_store import ContactStore
    from nurture.adapters.db.tables import Event
    from nurture.planning.occasions import OLD_NEWS, old_news
    from nurture.usecases.message_context import EVENT_DETAIL_KEYS

    known = EVENT_DETAIL_KEYS[kind]
    details: dict[str, str] = {}
    for item in detail:
        key, sep, value = item.partition("=")
        key, value = key.strip(), " ".join(value.split())
        if not sep or not key:
            fail(f"--detail {item!r} is not KEY=VALUE; write it like --detail title=\"Mein Buch\"")
        odd = control_character(key + value)
        if odd is not None:
            fail(f"--detail {item!r} contains the control character {odd!r}; remove it")
        if len(key) > MAX_DETAIL_KEY or len(value) > MAX_DETAIL:
            fail(f"--detail {key[:40]!r} is too long: a key takes {MAX_DETAIL_KEY} characters, a value "
                 f"{MAX_DETAIL} (it goes into the message as written); shorten it")  # fmt: skip
        if key not in known:
            fail(f"--detail {key!r} is not known for --kind {kind}, so no message would show it; its messages "
                 f"read only {', '.join(known)}: correct the key and run it again (nothing was recorded)")  # fmt: skip
        if key in details:
            fail(f"--detail {key} is given twice; give it once (nothing was recorded)")
        details[key] = value
    app = load_app()
    now = app.now()
    today = now.astimezone(ZoneInfo(app.settings.general.timezone)).date()
    on = day.date()
    if on > today and kind != "work_anniversary":
        fail(f"--date {on} is in the future (today is {today}); an event records what has happened: "
             f"record the {kind} on or after that day (nothing was recorded)")  # fmt: skip
    greeting = "greeting" if kind == "work_anniversary" else "congratulation"
    not_planned: str | None = None
    if kind not in app.rules.enabled:
        not_planned = f"{kind} is switched off in [occasions] of the config, so no {greeting} is planned"
    elif kind == "work_anniversary" and on < today:
        not_planned = f"its day has passed, so no {greeting} is planned"
    elif kind != "work_anniversary" and old_news(on, now):
        not_planned = f"it is more than {OLD_NEWS.days} days old, so no {greeting} is planned"
    with app.factory() as session, session.begin():
        row = ContactStore(session).row(ref)
        ev = Event(contact_id=row.id, kind=kind, date=on, details=details, source="cli", learned_at=now)
        session.add(ev)
        row.next_due_at = None
        session.flush()
        event_id = ev.id
    if opts().json:
        emit_json({"id": event_id, "contact_id": row.id, "kind": kind, "date": on.isoformat(),
                   "details": details, "not_planned": not_planned})  # fmt: skip
    elif not_planned:
        click.echo(f"event {event_id} recorded: {kind} on {on} for contact {row.id}; {not_planned}")
    else:
        click.echo(f"event {event_id} recorded: {kind} on {on} for contact {row.id}; `nurture plan` picks it up")


@cli.command("touch")
@click.argument("ref", required=False)
@click.option("--date", "day", type=click.DateTime(["%Y-%m-%d"]))
@click.option("--note")
@click.option("--import", "import_path", type=click.Path(path_type=Path), help="An mbox file or Maildir of sent mail.")
@global_options
@handle_errors
def touch(ref: str | None, day: datetime | None, note: str | None, import_path: Path | None) -> None:
    """Record an interaction outside nurture; resets the contact's cadence."""
    from nurture.usecases.touches import import_sent_mail, record_touch

    app = load_app()
    if import_path is not None:
        if ref:
            fail("give either a contact or --import PATH, not both", 2)
        progress = Progress(f"reading {import_path.name}")
        result = import_sent_mail(app.factory, import_path, app.now(), lambda n: progress.update(n, "mails"))
        progress.done()
        problems = result.get("problems", [])
        if opts().json:
            emit_json(result)
        else:
            for problem in problems:
                click.echo(problem, err=True)
            click.echo(f"{result['mails']} mail(s) read, {result['touches']} touch(es) recorded for "
                       f"{result['contacts']} contact(s), {result['already']} already known")  # fmt: skip
            if result.get("sent_by_nurture"):
                click.echo(f"{result['sent_by_nurture']} mail(s) were sent by nurture itself and already count as "
                           "touches; they were skipped")  # fmt: skip
            if result.get("withdrawn"):
                click.echo(f"{result['withdrawn']} content drop(s) or reconnect(s) planned from earlier touches were "
                           "taken back; the next plan run plans them anew from these mails")  # fmt: skip
            strangers, sample = _not_contacts(result)
            if strangers:
                click.echo(f"{strangers} recipient address(es) are no contact, so nothing was recorded for them: "
                           f"{sample}; to count these mails, import those people "
                           "(`nurture import`) and run this again (nothing is recorded twice)")  # fmt: skip
        unread = result.get("unread", 0)
        if unread:
            # Like a rejected row of `import`: the rest is in, these are not.
            fail(f"{unread} mail(s) could not be read; fix them in {import_path} and import again "
                 "(what was read is recorded, and nothing is recorded twice)")  # fmt: skip
        return
    if not ref or day is None:
        fail("give a contact and --date YYYY-MM-DD, or --import PATH", 2)
    tz = ZoneInfo(app.settings.general.timezone)
    now = app.now()
    if day.date() > now.astimezone(tz).date():
        fail(f"--date {day.date()} is in the future; a touch records an interaction that took place, today or earlier")
    at = min(datetime.combine(day.date(), time(12), tz), now)  # today's touch: not later than now
    contact_id, withdrawn = record_touch(app.factory, ref, at, note)
    click.echo(f"touch recorded for contact {contact_id} on {day.date()}")
    if withdrawn:
        click.echo(f"{withdrawn} content drop(s) or reconnect(s) planned from the earlier touch were taken back; "
                   "the next plan run plans the next one from this touch")  # fmt: skip


def _not_contacts(result: Mapping[str, Any]) -> tuple[int, str]:
    """How many addresses of a mail export are no contact, and the first of them as text."""
    count = int(result.get("not_contacts", 0))
    more = f" and {count - 10} more" if count > 10 else ""
    return count, ", ".join(result.get("not_contacts_sample", [])) + more


@cli.command("unsubscribe")
@click.argument("email", required=False)
@click.option("--import", "import_path", type=click.Path(path_type=Path),
              help="An mbox file or Maildir of the inbox replies go to: unsubscribe requests, complaints and "
                   "bounce reports in it are acted on.")  # fmt: skip
@global_options
@handle_errors
def unsubscribe(email: str | None, import_path: Path | None) -> None:
    """Opt a contact out for good (or read the opt-outs and bounces of an inbox export)."""
    from nurture.usecases.unsubscribe import being_sent, keep_address, unsubscribe_contact

    app = load_app()
    if import_path is not None:
        if email:
            fail("give either an address or --import PATH, not both", 2)
        _import_opt_outs(app, import_path)
        return
    if not email:
        fail("give the address to opt out, or --import PATH with an export of the inbox replies go to", 2)
    added = keep_address(app.factory, email, app.now(), actor(), app.import_defaults())
    view, cancelled = unsubscribe_contact(app.factory, email, app.now(), actor(), "cli")
    if not added:
        click.echo(f"{view.email} unsubscribed; {cancelled} open message(s) cancelled")
        if sending := being_sent(app.factory, view.id):
            click.echo(f"{sending} message(s) to {view.email} are with the sender right now: it checks again before "
                       "each one goes and sends none of them, unless one is with the relay already; "
                       f"`nurture contacts show {view.id}` tells how it ended")  # fmt: skip
    else:
        click.echo(f"{view.email} unsubscribed; it is not imported yet, so it is kept as contact {view.id}: an "
                   "import of that address later fills in the rest but can never undo the opt-out")  # fmt: skip


def _import_opt_outs(app: Any, path: Path) -> None:
    from nurture.usecases.opt_outs import import_opt_outs

    progress = Progress(f"reading {path.name}")
    result = import_opt_outs(app.factory, path, app.now(), actor(), app.import_defaults(),
                             lambda n: progress.update(n, "mails"))  # fmt: skip
    progress.done()
    if opts().json:
        emit_json(result)
    else:
        for problem in result.get("problems", []):
            click.echo(problem, err=True)
        for line in result.get("changes", []):
            click.echo(line)
        for line in result.get("other_failures", []):
            click.echo(line)
        click.echo(f"{result['mails']} mail(s) read: {result['unsubscribed']} contact(s) unsubscribed, "
                   f"{result['bounced']} marked bounced, {result['already']} already so")  # fmt: skip
        strangers, sample = _not_contacts(result)
        if strangers:
            click.echo(f"{strangers} address(es) bounced or failed but are no contact: {sample}")
    unread = result.get("unread", 0)
    if unread:
        fail(f"{unread} mail(s) could not be read; look at them in {path} yourself (an opt-out among them must "
             "still be honoured: `nurture unsubscribe EMAIL`); the rest was acted on")  # fmt: skip



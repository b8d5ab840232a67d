"""Message commands: plan, queue, show, approve, reject, send."""

from __future__ import annotations

import asyncio
import logging
from email import policy
from email.parser import BytesParser
from typing import Any

import click

from nurture.domain.contacts import stored_name
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
from nurture.entrypoints.logs import setup_logging
from nurture.entrypoints.serialize import message_json

# A planned message has no words yet: the listing says when it gets them.
NOT_WRITTEN = {"planned": "(written when it comes near; `nurture show ID` writes it now)"}
STATUSES = ["planned", "pending", "approved", "sending", "sent", "rejected", "failed", "expired", "blocked", "review", "all"]


def _duration(value: str | None) -> object:
    if value is None:
        return None
    from nurture.settings.durations import parse_duration

    try:
        return parse_duration(value)
    except ValueError:
        fail(f"--horizon {value!r} is not a duration; write it like 14d")
    return None


@cli.command("plan")
@click.option("--horizon", help="How far ahead, e.g. 14d (default [schedule] horizon).")
@global_options
@handle_errors
def plan(horizon: str | None) -> None:
    """Plan messages for the horizon; running it twice adds nothing."""
    from nurture.adapters.db.engine import plan_lock
    from nurture.entrypoints.app import worker_name
    from nurture.usecases.runs import record_run

    app = load_app(need_library=True)
    started = app.now()
    progress = Progress("planning")
    done = {"contacts": 0, "written": 0}  # messages due soon are written while the next contacts are decided

    def show(what: str, n: int) -> None:
        done[what] = n
        progress.update(done["contacts"], f"contacts, {done['written']} message(s) written")

    def waiting() -> None:
        click.echo("another plan run (a daemon, or a second `nurture plan`) is working right now; "
                   "waiting for it to finish …", err=True)  # fmt: skip

    with plan_lock(app.engine, wait=True, waiting=waiting):
        summary = app.planner(_duration(horizon)).run(
            app.now(), lambda n: show("contacts", n), lambda n: show("written", n)
        )  # type: ignore[arg-type]
    progress.done()
    record_run(app.factory, "plan", worker_name(), started, app.now(), summary.as_dict())
    if opts().json:
        emit_json({**summary.as_dict(), "skipped": summary.skipped})
        return
    by = ", ".join(f"{n} {s}" for s, n in sorted(summary.by_status.items())) or "nothing new"
    click.echo(f"{summary.contacts} contact(s) looked at, {summary.planned} message(s) planned ({by}); "
               f"{summary.composed} message(s) written")  # fmt: skip
    if summary.unblocked:
        moved = ", ".join(f"{n} {s}" for s, n in sorted(summary.unblocked.items()))
        click.echo(f"{sum(summary.unblocked.values())} blocked message(s) written again now that their cause is "
                   f"fixed ({moved})")  # fmt: skip
    if summary.expired:
        click.echo(f"{summary.expired} message(s) expired: greetings whose day had ended, or content drops nobody "
                   "approved within a week of their time (a fresh one is planned)")  # fmt: skip
    if summary.switched_off:
        click.echo(f"{summary.switched_off} message(s) of occasions switched off in [occasions] were taken back "
                   "(approved ones stay)")  # fmt: skip
    if summary.redecided:
        click.echo(f"the rules or the content library changed: {summary.redecided} planned message(s) not written "
                   "yet were decided again under the new ones")  # fmt: skip
    if summary.withdrawn:
        click.echo(f"{summary.withdrawn} planned content drop(s) taken back: their item left the content library "
                   "or expired; the next plan run picks another item for them")  # fmt: skip
    if summary.held_back:
        click.echo(f"{summary.held_back} written content drop(s) held back (blocked): their item left the content "
                   "library or expired; `nurture queue --status blocked` lists them")  # fmt: skip
    for line in summary.skipped[:20]:
        click.echo(f"  skipped: {line}", err=True)


@cli.command("queue")
@click.option("--status", type=click.Choice(STATUSES), default="pending", show_default=True)
@global_options
@handle_errors
def queue(status: str) -> None:
    """Messages, ordered by send time."""
    from nurture.adapters.db.message_store import MessageStore
    from nurture.usecases.approval import retry_hint, with_retry_hint

    app = load_app()
    now = app.now()
    with app.factory() as session:
        rows = MessageStore(session).list(None if status == "all" else [status])
        data = [message_json(m, c.email, c.timezone) for m, c in rows]
        names = [stored_name(c.first_name, c.last_name, c.email, c.id) for _, c in rows]
        for m, (row, contact) in zip(data, rows, strict=True):
            # A failed message that may be tried again says how (not one whose contact bounced or left).
            m["reason"] = with_retry_hint(m["reason"], retry_hint(row, contact, now))
    if opts().json:
        emit_json(data)
        return
    for m, name in zip(data, names, strict=True):
        reason = f"  ({m['reason']})" if m["reason"] else ""
        click.echo(f"{m['id']:>6}  {m['send_at'][:16]}{m['send_at'][19:]}  {m['status']:<8} {m['occasion']:<16} {name}: {m['subject'] or NOT_WRITTEN.get(m['status'], '')}{reason}")
    click.echo(f"{len(data)} message(s) {status}", err=True)


@cli.command("show")
@click.argument("message_id", type=int)
@click.option("--send-test", metavar="ADDRESS", help="Mail it, marked as a test, to ADDRESS; its state stays.")
@global_options
@handle_errors
def show(message_id: int, send_test: str | None) -> None:
    """One message as it will be sent."""
    from nurture.adapters.db.contact_store import to_view
    from nurture.adapters.db.message_store import MessageStore
    from nurture.adapters.db.tables import Contact
    from nurture.domain.email_address import InvalidEmail, normalise_email
    from nurture.rendering.mime import build_mail
    from nurture.usecases.approval import retry_hint, with_retry_hint

    if send_test is not None:
        try:
            send_test = normalise_email(send_test)
        except InvalidEmail as exc:
            fail(f"--send-test {exc}; give your own address, like jana@example.com")
    app = load_app(need_library=True)
    app.compose_if_planned(message_id)
    with app.factory() as session:
        row = MessageStore(session).get(message_id)
        contact = session.get(Contact, row.contact_id)
        assert contact is not None
        view = to_view(contact)
        data = message_json(row, view.email, view.timezone)
        data["reason"] = with_retry_hint(data["reason"], retry_hint(row, contact, app.now()))
        mail = build_mail(app.outgoing(row, view), dkim=None) if row.subject else None
        raw = row.raw or (mail.data if mail else None)
        test_mail = app.outgoing(row, view, test_to=send_test) if send_test else None
    headers = {}
    if raw:
        parsed = BytesParser(policy=policy.default).parsebytes(raw, headersonly=True)
        headers = {k: str(v) for k, v in parsed.items()}
        if row.raw is None:  # built for this view only: the sent copy gets its own Date (and ID)
            headers["Date"] = "(set when it is sent)"
            if not row.message_id:
                headers["Message-ID"] = "(fixed when it is approved)"
    if send_test and test_mail is not None:
        from nurture.outbox.policy import Outcome

        result = asyncio.run(_send_one(app, build_mail(test_mail, dkim=app.dkim())))
        if result.outcome is not Outcome.SENT:
            fail(f"test mail to {send_test} not sent: {result.code or ''} {result.text}".replace("  ", " "))
        click.echo(f"test mail sent to {send_test}; message {message_id} stays {row.status}", err=True)
    if opts().json:
        emit_json({**data, "headers": headers})
        return
    for name, value in headers.items():
        click.echo(f"{name}: {value}")
    click.echo(f"\n[status {data['status']}, send at {data['send_at']}]" + (f" reason: {data['reason']}" if data["reason"] else ""))
    click.echo("")
    click.echo(data["text"])


async def _send_one(app: object, mail: object) -> object:
    from nurture.adapters.smtp import SmtpConfig, SmtpTransport

    smtp = app.settings.smtp  # type: ignore[attr-defined]
    transport = SmtpTransport(SmtpConfig(
        host=smtp.host, port=smtp.port, security=smtp.security, username=smtp.username or None,
        password=app.settings.smtp_password(), timeout=smtp.timeout.total_seconds(),  # type: ignore[attr-defined]
    ))  # fmt: skip
    try:
        return await transport.send(mail)  # type: ignore[arg-type]
    finally:
        await transport.close()


@cli.command("approve")
@click.argument("message_ids", nargs=-1, type=int)
@click.option("--all-pending", is_flag=True, help="Approve every pending message.")
@click.option("--note", help="A personal line added to a single message before approval.")
@click.option("--as", "as_name", metavar="NAME", help="Who approves (default: the OS user).")
@global_options
@handle_errors
def approve(message_ids: tuple[int, ...], all_pending: bool, note: str | None, as_name: str | None) -> None:
    """Approve messages for sending."""
    if all_pending and message_ids:
        fail("give message ids or --all-pending, not both", 2)
    if note and (all_pending or len(message_ids) != 1):
        fail("--note adds a personal line to one message; give exactly one message id", 2)
    if not all_pending and not message_ids:
        fail("nothing to approve; give message ids or --all-pending", 2)
    app = load_app(need_library=True)
    desk = app.desk()
    ids = desk.pending_ids() if all_pending else list(message_ids)
    missed = desk.missed_pending() if all_pending else 0
    if missed:
        click.echo(f"{missed} pending message(s) left out: their day has passed, so they can no longer be sent "
                   "(the next plan or send run marks them expired)", err=True)  # fmt: skip
    if not ids:
        fail("no pending messages" + (" that can still be sent" if missed else ""))
    results = desk.approve(ids, actor(as_name), note)
    _report(results)


@cli.command("reject")
@click.argument("message_ids", nargs=-1, type=int, required=True)
@click.option("--reason", required=True, help="Why; kept with the message.")
@click.option("--as", "as_name", metavar="NAME")
@global_options
@handle_errors
def reject(message_ids: tuple[int, ...], reason: str, as_name: str | None) -> None:
    """Reject messages: never sent, never re-planned."""
    if not reason.strip():
        fail("--reason must say why", 2)
    app = load_app(need_library=True)
    _report(app.desk().reject(message_ids, actor(as_name), reason.strip()))


def _dry_run(app: Any) -> None:
    """What `send` would do now: the due messages, each with the re-check the real run makes before it goes."""
    from sqlalchemy import select

    from nurture.adapters.db.contact_store import to_view
    from nurture.adapters.db.tables import Contact

    rows = app.dispatcher().due()
    with app.factory() as session:
        contacts = {c.id: c for c in session.scalars(select(Contact).where(
            Contact.id.in_({m.contact_id for m in rows})))} if rows else {}  # fmt: skip
        refused = {m.id: (to_view(contacts[m.contact_id]).blocked_reason() if m.contact_id in contacts
                          else "the contact was deleted") for m in rows}  # fmt: skip
    if opts().json:
        emit_json([{"id": m.id, "contact_id": m.contact_id, "occasion": m.occasion, "subject": m.subject,
                    "send_at": m.send_at.isoformat(), "refused": refused[m.id]} for m in rows])  # fmt: skip
        return
    for m in rows:
        if refused[m.id]:
            click.echo(f"would NOT send {m.id}: {m.occasion} to contact {m.contact_id}: {refused[m.id]} "
                       "(it would be marked failed)")  # fmt: skip
        else:
            click.echo(f"would send {m.id}: {m.occasion} to contact {m.contact_id}: {m.subject}")
    going = sum(1 for m in rows if not refused[m.id])
    click.echo(f"{len(rows)} message(s) due, {going} would go", err=True)


def _report(results: list) -> None:
    if opts().json:
        emit_json([{"id": r.message_id, "ok": r.ok, "message": r.text} for r in results])
    else:
        for r in results:
            click.echo(r.text, err=not r.ok)
    if any(not r.ok for r in results):
        raise SystemExit(1)


# `nurture send` ends with this code when the relay refused us or could not be reached (SPEC: exit codes).
RELAY_REFUSED = 4
# ... and with 128 + the signal's number when SIGINT or SIGTERM stopped it before it was done.
SIGNAL_EXIT = {"SIGINT": 130, "SIGTERM": 143}


async def _send_run(dispatcher: Any, stopped: list[str]) -> Any:
    """One dispatcher run's summary; SIGINT and SIGTERM stop it cleanly (their names are added to `stopped`).

    The first signal lets each connection finish the message it is writing to the relay, gives
    the rest of its batch back (approved again, attempt not spent) and ends with the summary; a
    second one stops at once (the messages in flight then go to review when their lease runs out).
    """
    import signal

    loop = asyncio.get_running_loop()
    main = asyncio.current_task()

    def on_signal(name: str) -> None:
        stopped.append(name)
        if len(stopped) > 1:
            if main is not None:
                main.cancel()
            return
        dispatcher.stopping.set()
        click.echo(f"\n{name}: stopping — the message(s) being written to the relay are finished, the rest stay "
                   "approved for the next run (send the signal again to stop at once)", err=True)  # fmt: skip

    installed: list[tuple[int, Any]] = []
    for sig in (signal.SIGINT, signal.SIGTERM):
        try:
            previous = signal.getsignal(sig)
            loop.add_signal_handler(sig, on_signal, sig.name)
        except (ValueError, RuntimeError, NotImplementedError):  # not the main thread, or no signals here
            continue
        installed.append((sig, previous))
    try:
        return await dispatcher.run_once()
    finally:
        for sig, previous in installed:
            loop.remove_signal_handler(sig)
            if previous is not None:
                signal.signal(sig, previous)


@cli.command("send")
@click.option("--dry-run", is_flag=True, help="List what would go, send nothing.")
@global_options
@handle_errors
def send(dry_run: bool) -> None:
    """Send every approved message that is due, then exit."""
    import secrets

    from nurture.entrypoints.app import worker_name
    from nurture.settings import sending_problems
    from nurture.usecases.relay_trouble import after_run, relay_troubles
    from nurture.usecases.runs import record_run

    app = load_app()
    problems = sending_problems(app.settings)
    if problems:
        for p in problems:
            click.echo(str(p), err=True)
        fail("cannot send until the problems above are fixed")
    if dry_run:
        _dry_run(app)
        return
    # Warnings (claims of a killed run queued again or sent to review) reach the operator as lines.
    setup_logging("text", logging.WARNING)
    progress = Progress("sending")
    # A name of this run's own: its attempts and failures are told apart from earlier runs'.
    run_name = f"{worker_name()}/send-{secrets.token_hex(3)}"
    dispatcher = app.dispatcher(run_name, progress=lambda s: progress.update(s.sent + s.failed + s.retry + s.uncertain,
                                                                            "messages"))  # fmt: skip
    started = app.now()
    signals: list[str] = []
    try:
        summary = asyncio.run(_send_run(dispatcher, signals))
    except asyncio.CancelledError:
        progress.done()
        click.echo("stopped at once: what the relay answered is recorded; the messages that were being written to it "
                   "go to review (delivery uncertain) when their lease runs out, the others stay approved",
                   err=True)  # fmt: skip
        raise SystemExit(SIGNAL_EXIT.get(signals[-1] if signals else "SIGINT", 1)) from None
    progress.done()
    stopped_by = signals[0] if signals else None
    troubles = relay_troubles(summary.errors, app.settings) if dispatcher.relay_paused else []
    error = None
    if dispatcher.relay_paused:
        error = "; ".join(t.line for t in troubles) or "the relay asked to pause"
    counts = summary.as_dict()
    if summary.errors:  # each connection reports the same refusal: `nurture status` shows it once
        counts["errors"] = list(dict.fromkeys(summary.errors))
    record_run(app.factory, "send", worker_name(), started, app.now(), counts, error=error)
    with app.factory() as session:
        left = after_run(session, run_name, started, app.now())
    code = RELAY_REFUSED if dispatcher.relay_paused else 0
    if stopped_by is not None:
        code = SIGNAL_EXIT.get(stopped_by, 1)
    if opts().json:
        extra: dict[str, Any] = {}
        if dispatcher.relay_paused:
            extra.update(relay_paused=True, problems=[t.as_dict() for t in troubles])
        if dispatcher.relay_paused or stopped_by or left.untried:
            extra.update(waiting=left.waiting, not_tried=left.untried)
        if left.failed_count:
            extra["failed_messages"] = [{"id": mid, "reason": reason} for mid, reason in left.failed]
        if stopped_by:
            extra["stopped_by"] = stopped_by
        emit_json({**summary.as_dict(), **extra})
        if code:
            raise SystemExit(code)
        return
    click.echo(f"{summary.sent} sent, {summary.retry} to retry, {summary.failed} failed, "
               f"{summary.uncertain} uncertain (in review), {summary.skipped} skipped")  # fmt: skip
    if summary.expired:
        click.echo(f"{summary.expired} message(s) expired first: greetings whose day had ended, or content drops "
                   "nobody approved within a week of their time (`nurture queue --status expired`)")  # fmt: skip
    _tell_failed(app, left)
    if dispatcher.relay_paused:
        for t in troubles:
            click.echo(f"sending stopped: {t.sentence}", err=True)
            click.echo(f"  fix: {t.fix}", err=True)
        if not troubles:
            click.echo("sending stopped: the relay asked us to pause", err=True)
    if dispatcher.relay_paused or stopped_by:
        why = f"stopped by {stopped_by}: " if stopped_by else ""
        untried = f", {left.untried} of them not tried in this run" if left.untried else ""
        click.echo(f"{why}nothing was lost: {left.waiting} approved message(s) wait{untried}; they go out with the "
                   "next `nurture send` (or the daemon's next run)"
                   + (" once the relay takes them again" if dispatcher.relay_paused else ""), err=True)  # fmt: skip
    if code:
        raise SystemExit(code)


def _tell_failed(app: Any, left: Any) -> None:
    """Name the messages this run recorded as failed (a few, then "and N more"), each with why and what to do."""
    if not left.failed_count:
        return
    from nurture.adapters.db.message_store import MessageStore
    from nurture.adapters.db.tables import Contact
    from nurture.usecases.approval import retry_hint, with_retry_hint
    from nurture.usecases.relay_trouble import named

    now = app.now()
    lines = []
    with app.factory() as session:
        store = MessageStore(session)
        for mid, reason in left.failed:
            row = store.get(mid)
            hint = retry_hint(row, session.get(Contact, row.contact_id), now)
            lines.append(f"  message {mid}: {with_retry_hint(reason, hint)}")
    click.echo(f"{left.failed_count} message(s) failed:")
    for line in named(lines, left.failed_count):
        click.echo(line if line.startswith("  ") else f"  {line} (`nurture queue --status failed` lists them all)")

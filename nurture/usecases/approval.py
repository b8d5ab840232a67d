"""The approval desk: approve (optionally with a personal line), reject, re-render after a fix.

Only a `pending` message, correctly addressed and clean by the offer guard, can be approved
(product rules 1–3). A personal line re-renders the message and passes the guard again
before the approval holds. The Message-ID is fixed at approval so every retry reuses it.

A `failed` message was never delivered (the relay refused it, or it ran out of attempts): a
person may approve it again to retry it, after the same checks (the contact may still be
mailed, a greeting's day has not passed). It goes back to `approved`, due at once, with its
attempts started over and its bytes built afresh (same Message-ID, a new Date).
"""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.orm import Session, sessionmaker

from nurture.adapters.db.batches import dialect_of, one_of
from nurture.adapters.db.contact_store import to_view
from nurture.adapters.db.message_store import MessageStore
from nurture.adapters.db.tables import MAX_ACTOR, Contact, Message
from nurture.domain.contacts import ContactView
from nurture.domain.content import ContentItem
from nurture.domain.vocabulary import UNCERTAIN, control_character
from nurture.errors import InvalidTransition, NotFound, NurtureError
from nurture.planning.inputs import CADENCE_OCCASIONS, PlanningRules
from nurture.planning.send_time import UnknownTimeZone, next_window_slot
from nurture.usecases.compose import Composed, Composer
from nurture.usecases.compose_planned import PLANNED, PlannedComposer
from nurture.usecases.message_context import content_item, stored_event_context

# A personal line, not a letter (the approval page's note field takes as many).
MAX_NOTE = 2000
OPEN = ("pending", "review", "blocked")
CHANGED = ("message {mid} changed after you opened it (the contact was corrected or someone else edited it); "
           "nothing was approved. Read the new text and approve again if it is right.")  # fmt: skip


def approval_refusal(row: Message, now: datetime) -> str | None:
    """Why the message cannot be approved as it stands (its status or its day), None when it can.

    The desk refuses with this text; the approval page shows its Approve button only where it is None.
    """
    mid = row.id
    if row.status == "review" and not (row.reason or "").startswith(UNCERTAIN):
        return f"message {mid} needs review ({row.reason}); fix the contact with `nurture contacts edit` first"
    if row.status == "blocked":
        return (f"message {mid} is blocked ({row.reason}); fix the cause or reject it: the next planning run "
                "(`nurture plan`, or the daemon) writes it again")
    if row.status not in ("pending", "review", "failed"):
        return (f"message {mid} is {row.status}; only pending messages can be approved "
                "(and failed ones again, to retry them)")  # fmt: skip
    if row.expires_at is not None and row.expires_at <= now:
        if row.status == "failed":
            return (f"message {mid} failed and its day has passed, so it expired: it can no longer be sent "
                    f"({row.reason})")  # fmt: skip
        return f"message {mid} was for a day that has passed; it can no longer be sent"
    return None


def retry_hint(row: Message, contact: Contact | None, now: datetime) -> str | None:
    """For a failed message that approving again would send: the words saying so; else None.

    None for a message that is not failed, whose day has passed, or whose contact may not be
    mailed (bounced, unsubscribed, no legal basis): approving it again would be refused.
    """
    if row.status != "failed" or approval_refusal(row, now) is not None:
        return None
    if contact is None or to_view(contact).blocked_reason():
        return None
    return f"approve it again to retry: `nurture approve {row.id}`"


def with_retry_hint(reason: str | None, hint: str | None) -> str | None:
    """A failed message's reason as shown, with the retry hint after it (where retrying makes sense)."""
    if not hint:
        return reason
    return f"{reason}; {hint}" if reason else hint


def shown_fingerprint(row: Message, contact: Contact | None) -> str:
    """A fingerprint of what an approver is shown: the addressee, the subject, the text and the HTML.

    A page carries it with its approve button; the approval holds only while the message still
    matches it, so a person approves exactly the words on the screen or nothing.
    """
    shown = [row.id, row.status, row.subject, row.text, row.html, row.note]
    if contact is not None:
        shown += [contact.email, contact.title, contact.first_name, contact.last_name]
    return hashlib.sha256(json.dumps(shown, ensure_ascii=False, default=str).encode("utf-8")).hexdigest()[:32]


_LINE_BREAKS = re.compile("\r\n|[\r\x85\u2028\u2029]")


def note_problem(note: str) -> str | None:
    """Why a personal line cannot go into a message as written, or None.

    A control character (a terminal escape, a bell) or an invisible direction override would
    reach the contact's mail program as is; a line of just "-- " makes mail programs treat the
    rest of the message, greeting and signature, as a signature and fold it away.
    """
    for ch in note:
        if ch in "\n\t":
            continue
        if unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Co", "Zl", "Zp"):
            return f"contains the invisible or control character U+{ord(ch):04X}"
    if any(line.rstrip() == "--" for line in note.splitlines()):
        return 'has a line "--", which mail programs read as the start of a signature'
    return None


def checked_actor(actor: str) -> str:
    """The approver's name as recorded: one line that fits its column, or a plain error."""
    name = " ".join(actor.split())
    if not name:
        raise NurtureError("the approver's name is empty; give one with --as NAME")
    odd = control_character(name)
    if odd is not None:
        raise NurtureError(f"the approver's name contains the control character {odd!r}; remove it")
    if len(name) > MAX_ACTOR:
        raise NurtureError(f"the approver's name is {len(name)} characters long; at most {MAX_ACTOR} fit, shorten it")
    return name


@dataclass(frozen=True)
class DeskResult:
    message_id: int
    ok: bool
    text: str


@dataclass
class ApprovalDesk:
    factory: sessionmaker[Session]
    composer: Composer
    library: Sequence[ContentItem]
    clock: Callable[[], datetime]
    new_message_id: Callable[[], str]
    # The send window: a message approved after its send time goes at the window's next opening.
    rules: PlanningRules | None = None

    def approve(
        self, ids: Iterable[int], actor: str, note: str | None = None, seen: Mapping[int, str | None] | None = None
    ) -> list[DeskResult]:
        """Approve each message; one with a fingerprint in `seen` only while it still is what was shown."""
        actor = checked_actor(actor)
        results = []
        for mid in ids:
            try:
                with self.factory() as session, session.begin():
                    text = self._approve(session, mid, actor, note, (seen or {}).get(mid))
                results.append(DeskResult(mid, True, text))
            except (InvalidTransition, NotFound) as exc:
                results.append(DeskResult(mid, False, str(exc)))
        return results

    def pending_ids(self) -> list[int]:
        """The pending messages that can still go (`--all-pending`); one whose day has passed is left to expire."""
        now = self.clock()
        with self.factory() as session:
            query = (
                select(Message.id)
                .where(Message.status == "pending", or_(Message.expires_at.is_(None), Message.expires_at > now))
                .order_by(Message.send_at, Message.id)
            )
            return list(session.scalars(query))

    def missed_pending(self) -> int:
        """Pending messages whose day has passed (the next plan or send run expires them)."""
        now = self.clock()
        with self.factory() as session:
            query = select(func.count(Message.id)).where(
                Message.status == "pending", Message.expires_at.is_not(None), Message.expires_at <= now
            )
            return int(session.scalar(query) or 0)

    def _approve(self, session: Session, mid: int, actor: str, note: str | None, seen: str | None = None) -> str:
        now = self.clock()
        store = MessageStore(session)
        # Locked first, the contact read after: an edit of the contact committed meanwhile is seen,
        # and a second approval of the same message waits and then finds it approved.
        row = store.get(mid, lock=True)
        if seen is not None and shown_fingerprint(row, session.get(Contact, row.contact_id)) != seen:
            raise InvalidTransition(CHANGED.format(mid=mid))
        if row.status == PLANNED:  # approved before its words were written: write them first
            PlannedComposer(self.factory, self.composer, self.library).one(session, mid, now)
            session.refresh(row)
        refused = approval_refusal(row, now)
        if refused is not None:
            raise InvalidTransition(refused)
        contact = session.get(Contact, row.contact_id)
        if contact is None:
            raise NotFound(f"message {mid} has no contact any more")
        view = to_view(contact)
        blocked = view.blocked_reason()
        if blocked:
            raise InvalidTransition(f"message {mid} cannot be approved: {blocked}")
        values: dict[str, object] = {}
        if note is not None:
            note = _LINE_BREAKS.sub("\n", note)  # pasted from Windows, a Mac of old or a word processor
        if note is not None and note.strip():
            odd = note_problem(note.strip())
            if odd is not None:
                raise InvalidTransition(f"message {mid} is not approved: the note {odd}; remove it and approve again")
            if len(note.strip()) > MAX_NOTE:
                raise InvalidTransition(f"message {mid} is not approved: the note is {len(note.strip()):,} characters "
                                        f"long; a personal line fits in {MAX_NOTE:,}, shorten it")  # fmt: skip
            composed = self._compose(session, row, note.strip())
            if composed.status != "pending":
                raise InvalidTransition(f"message {mid} with that note is not approved: {composed.reason}")
            values.update(subject=composed.subject, text=composed.text, html=composed.html,
                          template=composed.template, raw=None)
            # The personal line is a column of its own; `move`'s `note` is the audit entry.
            session.execute(update(Message).where(Message.id == mid).values(note=note.strip()))
        go = self._send_time(row, view, now)
        if go > now and go > row.send_at:  # approved late, outside the contact's send window
            values["send_at"] = go
        goes = max(go, row.send_at)
        was_failed = row.status == "failed"
        failed = row.reason or "no reason recorded"
        if was_failed:
            # Never delivered: its bytes are built again when it goes (the same Message-ID, a Date
            # of the day it really goes, the contact's name as it is now).
            values.setdefault("raw", None)
            values["handed_at"] = None
        # A person decided it should go (again, for one whose delivery was uncertain or that
        # failed): it gets the full number of attempts and goes at once, with the same Message-ID.
        audit = note if note or not was_failed else f"approved again to retry; it had failed: {failed}"
        store.move(
            row, "approved", actor, now, note=audit,
            approved_by=actor, approved_at=now, reason=None, attempts=0, next_attempt_at=None,
            message_id=row.message_id or self.new_message_id(), **values,
        )  # fmt: skip
        when = "with the next send run" if go <= now else f"at {go:%Y-%m-%d %H:%M} UTC, when the contact's send window opens"
        if was_failed:
            return (f"approved message {mid} again ({row.occasion} for {view.full_name}; it had failed: {failed}); "
                    f"it goes out {when}, its attempts started over")  # fmt: skip
        return f"approved message {mid} ({row.occasion} for {view.full_name}, goes out {goes:%Y-%m-%d %H:%M} UTC)"

    def _send_time(self, row: Message, view: ContactView, now: datetime) -> datetime:
        """When an approved message goes: its planned time, or — approved late — inside the contact's send window.

        A message approved after its send time would otherwise go at once, whatever the hour where
        the contact lives (an approval at 23:00, or in Berlin's afternoon for a contact in Auckland):
        it goes at the window's next opening instead (content drops and reconnects on a business
        day when the rules say so). A greeting whose day has no window left cannot go on its day
        and is not approved.
        """
        if self.rules is None or row.send_at > now:
            return row.send_at
        r = self.rules
        business = r.weekdays_only and row.occasion in CADENCE_OCCASIONS
        try:
            go = next_window_slot(now, view.timezone, r.window_start, r.window_end, business=business,
                                  country=view.country)  # fmt: skip
        except UnknownTimeZone:
            return now
        if row.expires_at is not None and go >= row.expires_at:
            raise InvalidTransition(
                f"message {row.id} can no longer go out on its day: the contact's send window there closed at "
                f"{r.window_end:%H:%M} ({view.timezone}); it expires at the day's end"
            )
        return go

    def reject(self, ids: Iterable[int], actor: str, reason: str) -> list[DeskResult]:
        actor = checked_actor(actor)
        results = []
        for mid in ids:
            try:
                with self.factory() as session, session.begin():
                    store = MessageStore(session)
                    row = store.get(mid, lock=True)
                    if row.status == "sending":
                        raise InvalidTransition(
                            f"message {mid} is being sent right now and can no longer be rejected; "
                            f"`nurture show {mid}` tells how it went"
                        )
                    store.move(row, "rejected", actor, self.clock(), note=reason, reason=reason)
                results.append(DeskResult(mid, True, f"rejected message {mid}"))
            except (InvalidTransition, NotFound) as exc:
                results.append(DeskResult(mid, False, str(exc)))
        return results

    def _compose(self, session: Session, row: Message, note: str | None) -> Composed:
        return compose_stored(session, self.composer, self.library, row, note)

    def recompose_contact(self, session: Session, contact_id: int, actor: str) -> dict[str, int]:
        """After a contact was corrected: re-render its open messages; review → pending when it now works.

        An approved message whose text changes goes back to `pending`: what was approved is
        not what would be sent any more.
        """
        return self.recompose_contacts(session, [contact_id], actor)

    def recompose_contacts(
        self, session: Session, contact_ids: Sequence[int], actor: str, why: str = "contact corrected"
    ) -> dict[str, int]:
        """`recompose_contact` for many contacts at once (an import that changed them); the moves by status."""
        if not contact_ids:
            return {}
        # Locked while re-rendered: an approval (with its personal line) or a claim by the sender
        # running at the same moment either comes first and is seen here, or waits for this edit.
        rows = session.scalars(
            select(Message)
            .where(one_of(Message.contact_id, contact_ids, dialect_of(session)),
                   Message.status.in_(OPEN + ("approved",)))
            .order_by(Message.id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )  # fmt: skip
        return recompose_rows(session, self.composer, self.library, list(rows), actor, self.clock(), why)


def compose_stored(
    session: Session, composer: Composer, library: Sequence[ContentItem], row: Message, note: str | None
) -> Composed:
    """The words of a stored message written again from its contact, occasion and content item as they are now."""
    contact = session.get(Contact, row.contact_id)
    assert contact is not None
    view = to_view(contact)
    event = stored_event_context(session, view, row.occasion, row.occasion_date, row.event_id)
    return composer.compose(
        view, row.occasion, row.occasion_date, event, content_item(library, row.content_id), note, row.content_id
    )


def recompose_rows(
    session: Session,
    composer: Composer,
    library: Sequence[ContentItem],
    rows: Sequence[Message],
    actor: str,
    now: datetime,
    why: str,
) -> dict[str, int]:
    """Write locked open messages again; each takes the status its new words earn. Returns the moves by status."""
    store = MessageStore(session)
    moved: dict[str, int] = {}
    for row in rows:
        if (row.reason or "").startswith(UNCERTAIN):
            continue
        composed = compose_stored(session, composer, library, row, row.note)
        same = (composed.subject, composed.text, composed.html) == (row.subject, row.text, row.html)
        target = composed.status
        if row.status == "approved":
            if same:
                continue
            target = "pending" if composed.status == "pending" else composed.status
        if target == row.status and same and composed.reason == row.reason:
            continue  # nothing changed: no write, no audit entry
        values = dict(subject=composed.subject, text=composed.text, html=composed.html,
                      template=composed.template, reason=composed.reason, raw=None)  # fmt: skip
        if target == row.status:
            changed = session.execute(
                Message.__table__.update()
                .where(Message.id == row.id, Message.status == row.status)
                .values(updated_at=now, **values)
            ).rowcount
            if changed != 1:  # only if the caller's lock did not hold it (it always does)
                raise InvalidTransition(f"message {row.id} was changed by someone else; try again")
            continue
        store.move(row, target, actor, now, note=why, **values)
        moved[target] = moved.get(target, 0) + 1
    return moved


def recompose_blocked(
    session: Session, composer: Composer, library: Sequence[ContentItem], now: datetime, actor: str = "planner"
) -> dict[str, int]:
    """Write the blocked messages again, so fixing what blocked them frees them.

    A message is blocked by a template error, an offer the guard found, or a content item it
    cannot find; the hint says to change the template (or the content library, or the guard's
    `[guard]` phrases). Once that is done, the next planning run writes the message again and it
    goes to `pending` (or `review`) for a person to approve; one still blocked keeps its (new)
    reason. A greeting whose day has passed stays as it is.
    """
    rows = session.scalars(
        select(Message)
        .where(Message.status == "blocked", or_(Message.expires_at.is_(None), Message.expires_at > now))
        .order_by(Message.id)
        .with_for_update(skip_locked=True)
        .execution_options(populate_existing=True)
    )
    return recompose_rows(session, composer, library, list(rows), actor, now,
                          "written again: what blocked it was changed")  # fmt: skip


def hold_back_gone_items(
    session: Session, composer: Composer, library: Sequence[ContentItem], now: datetime, actor: str = "planner"
) -> int:
    """Written content drops whose item left the library or expired before their day: blocked, with the reason.

    Such a drop may wait in the queue (or approved, for its day) while the marketer withdraws
    the item (a dead link, an outdated guide) or moves its `valid_until`: it must not go out
    with it. Returns how many were held back; putting the item back frees them again
    (`recompose_blocked`).
    """
    # Only the affected rows are read: planning runs hourly over queues of many thousand drops.
    lapsed = [and_(Message.content_id == item.id, Message.occasion_date > item.valid_until)
              for item in library if item.valid_until is not None]  # fmt: skip
    rows = session.scalars(
        select(Message)
        .where(
            Message.status.in_(("pending", "review", "approved")), Message.content_id.is_not(None),
            or_(Message.content_id.not_in(sorted({item.id for item in library}) or [""]), *lapsed),
        )
        .order_by(Message.id)
        .with_for_update(skip_locked=True)
        .execution_options(populate_existing=True)
    )  # fmt: skip
    moved = recompose_rows(session, composer, library, list(rows), actor, now,
                           "held back: its content item left the library or expired")  # fmt: skip
    return moved.get("blocked", 0)

"""Messages in the database: insert-if-absent, conditional status changes, claims with leases.

"Never twice" is enforced here: the idempotency key is UNIQUE, every status change is an
`UPDATE … WHERE status = expected` whose row count is checked, and sending rows are claimed
with `FOR UPDATE SKIP LOCKED` on PostgreSQL (SQLite serialises writers with BEGIN IMMEDIATE).
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, and_, bindparam, case, delete, func, insert, null, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session
from sqlalchemy.sql import ClauseElement

from nurture.adapters.db.batches import dialect_of, one_of
from nurture.adapters.db.engine import fold
from nurture.adapters.db.tables import MAX_ID, Contact, DeliveryAttempt, Message, MessageLog
from nurture.domain.vocabulary import MAILABLE_CONSENTS, UNCERTAIN
from nurture.errors import InvalidTransition, NotFound
from nurture.planning.inputs import CADENCE_OCCASIONS, STALE_AFTER, ExistingMessage

_log = logging.getLogger("nurture.db")

ALLOWED: Mapping[str, frozenset[str]] = {
    # Composing (`nurture.usecases.compose_planned`) moves a planned message to pending, review or blocked.
    "planned": frozenset({"pending", "review", "blocked", "rejected", "expired"}),
    "pending": frozenset({"approved", "rejected", "review", "blocked", "expired"}),
    "review": frozenset({"pending", "approved", "rejected", "blocked", "expired"}),
    "blocked": frozenset({"pending", "review", "rejected", "expired"}),
    "approved": frozenset({"sending", "rejected", "expired", "pending", "review", "blocked"}),
    "sending": frozenset({"sent", "approved", "failed", "review", "blocked"}),
    "failed": frozenset({"approved", "rejected"}),
    "sent": frozenset(),
    "rejected": frozenset(),
    "expired": frozenset(),
}


# The sending path runs these for every message: Core statements built once (their compiled form is
# cached), executed on the session's connection, without the ORM's per-statement bookkeeping.
_messages = Message.__table__
_contacts = Contact.__table__
_INSERT_LOG = insert(MessageLog.__table__)
_INSERT_ATTEMPT = insert(DeliveryAttempt.__table__)
_TOUCH_CONTACT = (
    update(_contacts).where(_contacts.c.id == bindparam("w_id")).values(last_touch_at=bindparam("v_at", type_=_contacts.c.last_touch_at.type), next_due_at=None)
)
_BOUNCED_CONTACT = update(_contacts).where(_contacts.c.id == bindparam("w_id")).values(bounced=True)
# Fencing: a row leaves `sending` (or is handed over) only by the worker that still holds the claim.
_HELD_BY_WORKER = (
    _messages.c.id == bindparam("w_id"),
    _messages.c.status == "sending",
    _messages.c.claimed_by == bindparam("w_worker"),
)

_AT = _messages.c.send_at.type
_IDS = bindparam("w_ids", expanding=True)
def _due(now: Any) -> tuple[Any, ...]:
    """Approved, due now, not waiting for a retry, and not past its day (greetings are never late)."""
    c = _messages.c
    return (
        c.status == "approved",
        c.send_at <= now,
        or_(c.next_attempt_at.is_(None), c.next_attempt_at <= now),
        or_(c.expires_at.is_(None), c.expires_at > now),
    )


# The claim, in three statements built once (see `claim_due`): due ids, taken, read with contacts.
_DUE_IDS = (
    select(_messages.c.id)
    .where(*_due(bindparam("w_now", type_=_AT)))
    .order_by(_messages.c.send_at, _messages.c.id)
    .limit(bindparam("w_limit"))
    .with_for_update(skip_locked=True)  # SQLite renders no FOR UPDATE; it serialises writers anyway
)
_TAKE = (
    update(_messages)
    .where(_messages.c.id.in_(_IDS), _messages.c.status == "approved")
    .values(
        status="sending",
        claimed_by=bindparam("v_worker"),
        lease_until=bindparam("v_lease", type_=_AT),
        handed_at=None,
        attempts=_messages.c.attempts + 1,
        updated_at=bindparam("v_now", type_=_AT),
    )
    .returning(_messages.c.id)
)
# A worker's "still mine?" before it writes the next message of a batch to the relay: the lease
# is pushed on only where the claim still holds, and the ids it holds come back.
_KEEP_CLAIMS = (
    update(_messages)
    .where(_messages.c.id.in_(_IDS), _messages.c.status == "sending", _messages.c.claimed_by == bindparam("w_worker"))
    .values(lease_until=bindparam("v_lease", type_=_AT))
    .returning(_messages.c.id)
)
_MESSAGES_BY_ID = select(_messages).where(_messages.c.id.in_(_IDS))
_CONTACTS_BY_ID = select(_contacts).where(_contacts.c.id.in_(_IDS))
_HELD = (
    select(_messages.c.id)
    .where(_messages.c.id.in_(_IDS), _messages.c.status == "sending", _messages.c.claimed_by == bindparam("w_worker"))
    .with_for_update()
)


@functools.lru_cache(maxsize=64)
def _finish_statement(keys: tuple[str, ...]) -> Any:
    return (
        update(_messages)
        .where(
            *_HELD_BY_WORKER,
        )
        .values({k: bindparam(f"v_{k}", type_=_messages.c[k].type) for k in keys})
    )


@functools.lru_cache(maxsize=8)
def _hand_over_statement(with_raw: bool) -> Any:
    values = {"handed_at": bindparam("v_now", type_=_messages.c.handed_at.type), "lease_until": bindparam("v_lease", type_=_messages.c.lease_until.type)}
    if with_raw:
        values["raw"] = bindparam("v_raw", type_=_messages.c.raw.type)
    return (
        update(_messages)
        .where(
            *_HELD_BY_WORKER,
            _messages.c.handed_at.is_(None),
            _messages.c.lease_until > bindparam("w_now", type_=_messages.c.lease_until.type),
        )
        .values(values)
    )


@functools.lru_cache(maxsize=4)
def _insert_if_absent(dialect: str) -> Any:
    ins = postgresql.insert(_messages) if dialect == "postgresql" else sqlite.insert(_messages)
    return ins.on_conflict_do_nothing(index_elements=["key"])


def insert_planned(session: Session, rows: Sequence[Mapping[str, Any]], now: datetime) -> list[tuple[int, datetime]]:
    """Insert planned messages whose key is new; returns (id, send_at) of the rows this call added.

    The rows go in as parameter sets of one fixed statement, without RETURNING (on PostgreSQL
    a RETURNING insert of a few hundred rows costs several times the plain one), and the rows
    added are read back by key: a key stored before keeps its row, whose `created_at` is not
    this run's `now` (the planner never plans a key it has read as stored).
    """
    if not rows:
        return []
    dialect = dialect_of(session)
    rows = _still_mailable(session, rows, dialect)
    if not rows:
        return []
    session.execute(_insert_if_absent(dialect), [dict(r) for r in rows])
    added = select(_messages.c.id, _messages.c.send_at).where(
        one_of(_messages.c.key, [r["key"] for r in rows], dialect), _messages.c.created_at == now
    )
    return [(i, at) for i, at in session.execute(added)]


def _still_mailable(session: Session, rows: Sequence[Mapping[str, Any]], dialect: str) -> list[Mapping[str, Any]]:
    """The rows whose contact may still be mailed, read now and held until the plan commits.

    Planning decided from contacts read a while ago. A contact who opted out (or bounced, or
    lost the legal basis) since gets nothing; and the shared lock (PostgreSQL) makes an opt-out
    arriving now wait for this commit, so that it sees, and cancels, what is inserted here.
    SQLite runs the whole planning transaction under its one writer lock anyway.
    """
    ids = sorted({int(r["contact_id"]) for r in rows})
    query = select(_contacts.c.id).where(
        one_of(_contacts.c.id, ids, dialect),
        _contacts.c.email.is_not(None),
        _contacts.c.unsubscribed.is_(False),
        _contacts.c.bounced.is_(False),
        _contacts.c.consent.in_(MAILABLE_CONSENTS),
    )
    if dialect == "postgresql":
        query = query.order_by(_contacts.c.id).with_for_update(read=True)
    mailable = set(session.scalars(query))
    return [r for r in rows if r["contact_id"] in mailable]


def take_back(session: Session, which: Any) -> int:
    """Delete the messages `which` selects; their contacts are looked at again by the next plan run.

    Each contact's next due day counted on what is taken back, so it is cleared first.
    Returns how many messages were deleted.
    """
    session.execute(
        update(Contact).where(Contact.id.in_(select(Message.contact_id).where(which))).values(next_due_at=None)
        .execution_options(synchronize_session=False)
    )  # fmt: skip
    done = session.execute(delete(Message).where(which).execution_options(synchronize_session=False))
    return int(done.rowcount or 0)


class MessageStore:
    def __init__(self, session: Session) -> None:
        self.session = session

    def get(self, message_id: int, *, lock: bool = False) -> Message:
        """One message; ``lock`` holds its row until the transaction ends (a decision about it is taken).

        With the lock, someone else deciding about the same message at the same moment (a second
        approval, a contact edit re-rendering it, the sender claiming it) waits for this one and
        then sees its outcome, instead of both working from the same old copy.
        """
        row = None
        if 0 < message_id <= MAX_ID:  # a number beyond the INTEGER column is no message (nor a query)
            row = self.session.get(Message, message_id, with_for_update=lock or None, populate_existing=lock)
        if row is None:
            raise NotFound(f"no message {message_id}; `nurture queue --status all` lists them")
        return row

    def existing_for(self, contact_ids: Iterable[int]) -> dict[int, list[ExistingMessage]]:
        ids = list(contact_ids)
        found: dict[int, list[ExistingMessage]] = {cid: [] for cid in ids}
        if not ids:
            return found
        query = select(
            Message.contact_id, Message.occasion, Message.send_at, Message.status, Message.content_id, Message.key
        ).where(one_of(Message.contact_id, ids, dialect_of(self.session)))
        for cid, occasion, send_at, status, content_id, key in self.session.execute(query):
            found[cid].append(ExistingMessage(cid, occasion, send_at, status, content_id, key))
        return found

    def items_sent_to(self, contact_ids: Iterable[int], since: datetime) -> dict[int, dict[str, datetime]]:
        """Content items sent or planned to these contacts since `since` (for colleague de-duplication)."""
        ids = list(contact_ids)
        result: dict[int, dict[str, datetime]] = {}
        if not ids:
            return result
        query = select(Message.contact_id, Message.content_id, Message.send_at).where(
            one_of(Message.contact_id, ids, dialect_of(self.session)),
            Message.content_id.is_not(None),
            Message.send_at >= since,
            Message.status.not_in(("rejected", "expired", "failed")),
        )
        for cid, item, at in self.session.execute(query):
            items = result.setdefault(cid, {})
            if item not in items or items[item] < at:
                items[item] = at
        return result

    def list(
        self,
        statuses: Sequence[str] | None,
        limit: int | None = None,
        offset: int = 0,
        *,
        occasion: str | None = None,
        tier: str | None = None,
        search: str | None = None,
        contact_id: int | None = None,
    ) -> list[tuple[Message, Contact]]:
        """Messages with their contact, ordered by send time; filters for the queue views."""
        query = self._filtered(select(Message, Contact), statuses, occasion, tier, search, contact_id)
        query = query.order_by(Message.send_at, Message.id).offset(offset)
        if limit is not None:
            query = query.limit(limit)
        return [(m, c) for m, c in self.session.execute(query)]

    def count_filtered(
        self,
        statuses: Sequence[str] | None,
        *,
        occasion: str | None = None,
        tier: str | None = None,
        search: str | None = None,
    ) -> int:
        query = self._filtered(select(func.count(Message.id)), statuses, occasion, tier, search, None)
        return self.session.scalar(query) or 0

    @staticmethod
    def _filtered(
        query: Any,
        statuses: Sequence[str] | None,
        occasion: str | None,
        tier: str | None,
        search: str | None,
        contact_id: int | None,
    ) -> Any:
        query = query.join(Contact, Contact.id == Message.contact_id)
        if statuses:
            query = query.where(Message.status.in_(list(statuses)))
        if occasion:
            query = query.where(Message.occasion == occasion)
        if tier:
            query = query.where(Contact.tier == tier)
        if contact_id is not None:
            query = query.where(Message.contact_id == contact_id)
        if search:
            # Typed text, not a pattern: "%" and "_" are searched for as they are ("100% Bio").
            text = search.strip().lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            like = f"%{text}%"
            query = query.where(
                or_(*(fold(column).like(like, escape="\\")
                      for column in (Contact.first_name, Contact.last_name, Contact.company, Contact.email)))
            )  # fmt: skip
        return query

    def counts(self) -> dict[str, int]:
        rows = self.session.execute(select(Message.status, func.count()).group_by(Message.status))
        return {status: n for status, n in rows}

    def log(self, row: Message, before: str | None, after: str, actor: str, now: datetime, note: str | None) -> None:
        self.session.add(
            MessageLog(message_id=row.id, from_status=before, to_status=after, actor=actor, at=now, note=note)
        )

    def move(
        self,
        row: Message,
        to: str,
        actor: str,
        now: datetime,
        note: str | None = None,
        **values: Any,
    ) -> None:
        """Change status only if nobody else changed it meanwhile; record who, when and why."""
        before = row.status
        if to not in ALLOWED.get(before, frozenset()):
            raise InvalidTransition(f"message {row.id} is {before}; it cannot become {to}")
        stmt = (
            update(Message)
            .where(Message.id == row.id, Message.status == before)
            .values(status=to, updated_at=now, **values)
            .execution_options(synchronize_session=False)
        )
        if self.session.execute(stmt).rowcount != 1:  # type: ignore[attr-defined]
            raise InvalidTransition(f"message {row.id} was changed by someone else; look at it again")
        self.session.refresh(row)
        self.log(row, before, to, actor, now, note)

    @staticmethod
    def due(query: Any, now: datetime) -> Any:
        """`query` narrowed to what may be sent now (see `_due`), by send time."""
        return query.where(*_due(now)).order_by(Message.send_at, Message.id)

    def settle_dead_leases(self, now: datetime) -> tuple[list[int], list[int]]:
        """`reap_dead_leases`, saying what it did (a sender calls this once at the start of a run)."""
        requeued, uncertain = self.reap_dead_leases(now)
        if uncertain:
            _log.warning(f"{len(uncertain)} message(s) whose sender stopped during the send are in review "
                        "(delivery uncertain); `nurture queue --status review` lists them")  # fmt: skip
        if requeued:
            _log.info(f"{len(requeued)} message(s) whose sender stopped before the send are queued again")
        return requeued, uncertain

    def claim_due(
        self, now: datetime, worker: str, lease: timedelta, limit: int, *, settle: bool = True
    ) -> list[int]:
        """Claim approved, due messages for this worker: status `sending` with a lease, committed before SMTP.

        Dead leases are settled first, so any sender recovers them: the one-shot `nurture send`
        (run from cron, with no daemon doing maintenance) would otherwise leave the claims of a
        killed run in `sending` for ever — neither sent nor in front of a human. A caller that
        claims many times in one run settles once at its start (`settle_dead_leases`) and
        passes ``settle=False``.
        """
        if settle:
            self.settle_dead_leases(now)
        conn = self._connection()
        ids = list(conn.scalars(_DUE_IDS, {"w_now": now, "w_limit": limit}))
        if not ids:
            return []
        claimed = list(conn.scalars(_TAKE, {"w_ids": ids, "v_worker": worker, "v_lease": now + lease, "v_now": now}))
        self.add_log(claimed, "approved", "sending", worker, now)
        return claimed

    def _connection(self) -> Connection:
        return self.session.connection()

    def finish(self, message_id: int, worker: str, to: str, now: datetime, **values: Any) -> bool:
        """Leave `sending` only if this worker still holds the claim (fencing)."""
        changes = {"status": to, "lease_until": None, "claimed_by": None, "updated_at": now, **values}
        if any(isinstance(v, ClauseElement) for v in changes.values()):
            stmt = (
                update(Message)
                .where(Message.id == message_id, Message.status == "sending", Message.claimed_by == worker)
                .values(**changes)
                .execution_options(synchronize_session=False)
            )
            done = self.session.execute(stmt).rowcount == 1  # type: ignore[attr-defined]
        else:
            conn = self._connection()
            params = {f"v_{k}": v for k, v in changes.items()}
            stmt = _finish_statement(tuple(changes))
            done = conn.execute(stmt, {"w_id": message_id, "w_worker": worker, **params}).rowcount == 1
        if done:
            self.add_log([message_id], "sending", to, worker, now, values.get("reason"))
        return done

    def add_log(
        self, message_ids: Sequence[int], before: str | None, after: str, actor: str, now: datetime,
        note: str | None = None,
    ) -> None:  # fmt: skip
        """Log rows for status changes made by statements (one INSERT for all of them)."""
        if message_ids:
            rows = [{"message_id": mid, "from_status": before, "to_status": after, "actor": actor, "at": now,
                     "note": note} for mid in message_ids]  # fmt: skip
            self._connection().execute(_INSERT_LOG, rows)

    def with_contacts(self, message_ids: Sequence[int]) -> list[tuple[Any, Any]]:
        """These messages' rows, each with its contact's row (None when gone), by send time."""
        conn = self._connection()
        rows = list(conn.execute(_MESSAGES_BY_ID, {"w_ids": list(message_ids)}))
        wanted = list({row.contact_id for row in rows})
        contacts = {c.id: c for c in conn.execute(_CONTACTS_BY_ID, {"w_ids": wanted})}
        rows.sort(key=lambda row: (row.send_at, row.id))
        return [(row, contacts.get(row.contact_id)) for row in rows]

    def mark_bounced(self, contact_id: int) -> None:
        self._connection().execute(_BOUNCED_CONTACT, {"w_id": contact_id})

    def mark_handed(
        self, message_id: int, worker: str, now: datetime, lease: timedelta, *, raw: bytes | None = None
    ) -> bool:
        """Committed right before the SMTP transaction: from here on a crash means 'uncertain'.

        Only for a live claim of this worker that was not handed over yet, so a claim is handed
        to the relay at most once. ``raw``, when given, stores the bytes about to be sent in the
        same statement: whatever may have reached the relay is exactly what a retry resends.
        """
        params: dict[str, Any] = {"w_id": message_id, "w_worker": worker, "w_now": now, "v_now": now,
                                  "v_lease": now + lease}  # fmt: skip
        if raw is not None:
            params["v_raw"] = raw
        return self._connection().execute(_hand_over_statement(raw is not None), params).rowcount == 1

    def hand_over_claimed(self, handed: Sequence[tuple[int, bytes | None]], worker: str, now: datetime,
                          lease: timedelta) -> None:  # fmt: skip
        """`mark_handed` for claims made in this same transaction (so still this worker's), in one go.

        Each pair is (message id, bytes to store, or None to keep the ones an earlier attempt stored).
        """
        base = {"w_worker": worker, "w_now": now, "v_now": now, "v_lease": now + lease}
        conn = self._connection()
        for with_raw in (True, False):
            rows = [{"w_id": mid, **base, **({"v_raw": raw} if with_raw else {})}
                    for mid, raw in handed if (raw is not None) is with_raw]  # fmt: skip
            if rows:
                conn.execute(_hand_over_statement(with_raw), rows)

    def finish_sent(self, sent: Sequence[tuple[int, datetime]], worker: str, now: datetime) -> list[int]:
        """`finish(..., "sent")` for many messages at once; returns those this worker still held (fencing)."""
        if not sent:
            return []
        conn = self._connection()
        ids = [mid for mid, _ in sent]
        held = set(conn.scalars(_HELD, {"w_ids": ids, "w_worker": worker}))
        keys = ("status", "lease_until", "claimed_by", "updated_at", "sent_at", "reason")
        rows = [{"w_id": mid, "w_worker": worker, "v_status": "sent", "v_lease_until": None, "v_claimed_by": None,
                 "v_updated_at": now, "v_sent_at": at, "v_reason": None} for mid, at in sent if mid in held]  # fmt: skip
        if rows:
            conn.execute(_finish_statement(keys), rows)
        done = [mid for mid in ids if mid in held]
        self.add_log(done, "sending", "sent", worker, now)
        late = [(mid, at) for mid, at in sent if mid not in held]
        if late:
            done += self._record_late_success(late, worker, now)
        return done

    def _record_late_success(self, sent: Sequence[tuple[int, datetime]], worker: str, now: datetime) -> list[int]:
        """The relay accepted messages whose lease ran out meanwhile: they are sent, not 'delivery uncertain'.

        A sender that stops renewing (a hung process) loses its claims; another sender then puts
        the message in review as "delivery uncertain", and an approver who finds nothing in the
        mailbox yet approves it again: a second copy. The relay's answer is known now, so the
        message is recorded as sent while it still sits in that review from exactly this claim,
        or was approved again from it and not claimed yet (the approval asked for it to arrive,
        and it has). A rejection, or a new send already under way, is left as it is.
        """
        recorded: list[int] = []
        c = _messages.c
        took_over = [("sending", "review", "maintenance"), ("approved", "sending", worker)]
        for mid, at in sent:
            current = self._connection().execute(
                select(c.status, c.reason, c.claimed_by).where(c.id == mid).with_for_update()
            ).first()
            if current is None or current.status not in ("review", "approved") or current.claimed_by is not None:
                continue
            history = [tuple(entry) for entry in self.session.execute(
                select(MessageLog.from_status, MessageLog.to_status, MessageLog.actor)
                .where(MessageLog.message_id == mid)
                .order_by(MessageLog.id.desc())
                .limit(3)
            )]  # fmt: skip
            if current.status == "review":
                if history[:2] != took_over or not (current.reason or "").startswith(UNCERTAIN):
                    continue
            elif history[1:] != took_over or history[0][:2] != ("review", "approved"):
                continue
            self._connection().execute(
                update(_messages)
                .where(c.id == mid, c.status == current.status, c.claimed_by.is_(None))
                .values(status="sent", sent_at=at, reason=None, updated_at=now)
            )
            self.add_log([mid], current.status, "sent", worker, now,
                         "the relay accepted it after the sender's lease had run out")  # fmt: skip
            recorded.append(mid)
        if recorded:
            _log.warning(f"{len(recorded)} message(s) put in review as 'delivery uncertain' were accepted by the "
                         "relay after all and are recorded as sent; the relay took longer to answer than a send "
                         "may last: if this recurs, check the relay or lower [smtp] data_timeout")  # fmt: skip
        return recorded

    def add_attempts(self, attempts: Sequence[Mapping[str, Any]]) -> None:
        """Delivery attempts (the columns of `DeliveryAttempt`), one statement for all of them."""
        if attempts:
            self._connection().execute(_INSERT_ATTEMPT, list(attempts))

    def touch_contacts(self, touched: Sequence[tuple[int, datetime]]) -> None:
        """`touch_contact` for many (contact id, time) pairs at once."""
        if touched:
            self._connection().execute(_TOUCH_CONTACT, [{"w_id": cid, "v_at": at} for cid, at in touched])

    def release_handed(
        self, message_ids: Sequence[int], worker: str, now: datetime, reason: str, *, forget_raw: Sequence[int] = ()
    ) -> list[int]:
        """Give back claims handed over but known never to have reached the relay (the run stopped first).

        Only the sender itself can know this (nothing was written to the connection for them); after
        a crash the lease decides, and such a claim goes to review. The attempt is not spent.
        ``forget_raw``: ids whose stored bytes came from this hand-over, so a later attempt builds
        them afresh (bytes stored by an earlier attempt that may have arrived are kept).
        """
        if not message_ids:
            return []
        c = _messages.c
        stmt = (
            update(_messages)
            .where(c.id.in_(list(message_ids)), c.status == "sending", c.claimed_by == worker)
            .values(status="approved", claimed_by=None, lease_until=None, handed_at=None, attempts=c.attempts - 1,
                    updated_at=now, raw=case((c.id.in_(list(forget_raw)), null()), else_=c.raw))  # fmt: skip
            .returning(c.id)
        )
        released = list(self._connection().scalars(stmt))
        self.add_log(released, "sending", "approved", worker, now, reason)
        return released

    def keep_claims(self, message_ids: Sequence[int], worker: str, now: datetime, lease: timedelta) -> set[int]:
        """Of these messages, the ones this worker still holds, their leases pushed to `now + lease`.

        Asked right before the next message of a batch goes to the relay when the batch is no
        longer fresh: a sender that hung (stopped, swapped out, its host paused) past its lease
        may find that another sender has settled its claims meanwhile (to review, where a person
        may have approved them again); what it no longer holds it must not send (fencing by
        `claimed_by`, in one statement, so no settling can slip in between).
        """
        if not message_ids:
            return set()
        params = {"w_ids": list(message_ids), "w_worker": worker, "v_lease": now + lease}
        return set(self._connection().scalars(_KEEP_CLAIMS, params))

    def renew_leases(self, worker: str, now: datetime, lease: timedelta) -> int:
        """Push the leases of the messages this worker still holds to `now + lease`: it is alive.

        A slow relay may hold one transaction open for `data_timeout` (ten minutes by default),
        and a batch holds several messages, so a lease taken at the hand-over can run out while
        its sender is still waiting for an answer; another sender would then put those messages
        in review as "delivery uncertain", and a person approving one again sends a second
        copy. Rows another transaction has locked (they are being recorded) are skipped, which
        also keeps this from deadlocking with it; a claim someone else has settled meanwhile is
        no longer this worker's and stays as it is (fencing by `claimed_by`).
        """
        c = _messages.c
        mine = select(c.id).where(c.status == "sending", c.claimed_by == worker).with_for_update(skip_locked=True)
        stmt = (
            update(_messages)
            .where(c.id.in_(mine.scalar_subquery()), c.status == "sending", c.claimed_by == worker)
            .values(lease_until=now + lease)
        )
        return int(self._connection().execute(stmt).rowcount or 0)

    def reap_dead_leases(self, now: datetime) -> tuple[list[int], list[int]]:
        """Leases that ran out while `sending` (a worker died).

        Never handed to the relay: back to `approved`, it will go out once. Handed over: it may
        have arrived, so it is never resent blindly; a human decides (`review`).
        Returns (requeued ids, uncertain ids).
        """
        return self._settle(Message.lease_until < now, now)

    def settle_claims(self, worker: str, now: datetime) -> tuple[list[int], list[int]]:
        """The claims of a send run known to be over (it failed), settled at once as a dead lease would be."""
        return self._settle(Message.claimed_by == worker, now)

    def _settle(self, which: Any, now: datetime) -> tuple[list[int], list[int]]:
        rows = list(
            self.session.execute(
                select(Message.id, Message.handed_at)
                .where(Message.status == "sending", which)
                .with_for_update(skip_locked=True)
            )
        )
        requeued: list[int] = []
        uncertain: list[int] = []
        for mid, handed_at in rows:
            if handed_at is None:
                to, reason, note = "approved", None, "sender stopped before handing it to the relay; queued again"
            else:
                to = "review"
                reason = (
                    f"{UNCERTAIN}: the sender stopped during the send; check the recipient's "
                    "mailbox or the relay log, then approve it again or reject it"
                )
                note = UNCERTAIN
            done = self.session.execute(
                update(Message)
                .where(Message.id == mid, Message.status == "sending", which)
                .values(status=to, reason=reason, claimed_by=None, lease_until=None, updated_at=now)
                .execution_options(synchronize_session=False)
            ).rowcount  # type: ignore[attr-defined]
            if done:
                (requeued if to == "approved" else uncertain).append(mid)
                self.session.add(
                    MessageLog(message_id=mid, from_status="sending", to_status=to, actor="maintenance", at=now,
                               note=note)
                )
        return requeued, uncertain

    def expire_missed(self, now: datetime) -> list[int]:
        """Messages that may no longer go out are `expired`, never sent late.

        A greeting whose day has ended unsent, and a content drop or reconnect that nobody
        approved within `STALE_AFTER` of its send time (the next planning run plans a fresh one;
        one a person approved still goes).
        """
        # Each condition bounds send_at (a message expires after its send time), so each reads a
        # short range of the (status, send_at) index however long the queue is: every plan and
        # send run calls this.
        missed = and_(
            Message.status.in_(("planned", "pending", "review", "blocked", "approved")),
            Message.send_at <= now,
            Message.expires_at.is_not(None),
            Message.expires_at <= now,
        )
        stale = and_(
            Message.status.in_(("planned", "pending", "review", "blocked")),
            Message.send_at <= now - STALE_AFTER,
            Message.occasion.in_(sorted(CADENCE_OCCASIONS)),
        )
        # Locked as read, others' locks skipped: every plan and send run (of every daemon sharing
        # the database) calls this, and a row a person approves meanwhile is theirs to decide.
        found: dict[int, Message] = {}
        for condition in (missed, stale):
            for row in self.session.scalars(
                select(Message).where(condition).order_by(Message.id)
                .with_for_update(skip_locked=True).execution_options(populate_existing=True)
            ):  # fmt: skip
                found[row.id] = row
        rows = [found[i] for i in sorted(found)]
        ids: list[int] = []
        replan: set[int] = set()
        for row in rows:
            if row.expires_at is not None and row.expires_at <= now:
                note = "not sent before the occasion's day ended"
            else:
                note = f"not approved within {STALE_AFTER.days} days of its send time; the next plan plans a fresh one"
                replan.add(row.contact_id)
            try:
                self.move(row, "expired", "maintenance", now, note=note)
            except InvalidTransition:
                continue  # changed by someone else since it was read (SQLite takes no row locks)
            ids.append(row.id)
        if replan:  # their cadence counted on the expired drop: the next planning run looks at them again
            self.session.execute(
                update(Contact).where(Contact.id.in_(sorted(replan))).values(next_due_at=None)
                .execution_options(synchronize_session=False)
            )  # fmt: skip
        return ids

"""Wiring: from settings and a clock to the engine, the composer, the planner, the desk, the sender.

The one place where adapters meet use cases; the CLI, the daemon and the web page all
build their work from an `App`, so they behave alike.
"""

from __future__ import annotations

import os
import random
import socket
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.utils import parseaddr
from functools import cached_property
from html import escape
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from nurture.adapters.content_library import load_content_library
from nurture.adapters.db.engine import make_engine, session_factory
from nurture.adapters.db.importing import ImportDefaults
from nurture.adapters.db.tables import Message
from nurture.clock import Clock
from nurture.domain.contacts import ContactView
from nurture.domain.content import ContentItem
from nurture.errors import Problem
from nurture.planning.inputs import PlanningRules
from nurture.rendering.mime import OutgoingMail, SerializedMail, build_mail, make_message_id
from nurture.rendering.render import TemplateRenderer
from nurture.settings import Settings
from nurture.usecases.approval import ApprovalDesk
from nurture.usecases.compose import Composer, SenderInfo
from nurture.usecases.compose_planned import PlannedComposer
from nurture.usecases.plan import Planner

OCCASION_SWITCHES = ("birthday", "job_change", "promotion", "work_anniversary", "publication", "achievement",
                     "content_drop")  # fmt: skip


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


@dataclass
class App:
    settings: Settings
    clock: Clock
    engine_override: Engine | None = None
    _library: list[ContentItem] | None = field(default=None, repr=False)
    # What was wrong in the content library when it was read (each item with a problem is left out).
    library_problems: list[Problem] = field(default_factory=list, repr=False)

    def now(self) -> datetime:
        return self.clock.now()

    @cached_property
    def engine(self) -> Engine:
        return self.engine_override or make_engine(self.settings.database.url)

    @cached_property
    def factory(self) -> sessionmaker[Session]:
        return session_factory(self.engine)

    @cached_property
    def renderer(self) -> TemplateRenderer:
        return TemplateRenderer(self.settings.templates_dir)

    @property
    def library(self) -> list[ContentItem]:
        """The readable items of the content library; the problems are kept in `library_problems`.

        An item with a typo is left out instead of stopping planning and approvals: the birthdays
        and the other items go on (product rule 6). A content drop planned with a left-out item
        is blocked with the reason and written again by the first planning run after the fix.
        """
        if self._library is None:
            self._library, self.library_problems = load_content_library(self.settings.content_path)
        return self._library

    @cached_property
    def sender(self) -> SenderInfo:
        s = self.settings.sender
        return SenderInfo(
            name=s.name, email=s.email, organisation=s.organisation, postal_address=s.postal_address,
            legal_notice=s.legal_notice, reply_to=s.reply_to or None,
        )  # fmt: skip

    @cached_property
    def composer(self) -> Composer:
        g = self.settings.guard
        return Composer(
            renderer=self.renderer,
            sender=self.sender,
            unsubscribe_base=self.settings.sender.unsubscribe_url or None,
            secret=self.settings.secret_key(),
            extra_phrases=dict(g.extra_phrases),
            allow_phrases=dict(g.allow_phrases),
        )

    @cached_property
    def rules(self) -> PlanningRules:
        s = self.settings
        occ = s.occasions
        enabled = {name for name in OCCASION_SWITCHES if getattr(occ, name)}
        reconnect = occ.reconnect if isinstance(occ.reconnect, timedelta) else None
        if reconnect is not None:
            enabled.add("reconnect")
        return PlanningRules(
            horizon=s.schedule.horizon,
            window_start=s.send_window.start,
            window_end=s.send_window.end,
            weekdays_only=s.send_window.weekdays_only,
            cadence={"A": s.cadence.A, "B": s.cadence.B, "C": s.cadence.C},
            max_per_contact=s.caps.max_per_contact,
            cap_window=s.caps.window,
            enabled=frozenset(enabled),
            reconnect_after=reconnect,
            content_gap=s.caps.content_gap,
            connector_degree=s.cadence.connector_degree,
        )

    def planner(self, horizon: timedelta | None = None) -> Planner:
        rules = self.rules
        if horizon is not None:
            from dataclasses import replace

            rules = replace(rules, horizon=horizon)
        return Planner(self.factory, self.composer, self.library, rules, self.settings.schedule.compose_ahead)

    def planned_composer(self) -> PlannedComposer:
        return PlannedComposer(self.factory, self.composer, self.library)

    def compose_if_planned(self, message_id: int) -> None:
        """Someone opens a message whose words are not written yet: write them now."""
        with self.factory() as session, session.begin():
            self.planned_composer().one(session, message_id, self.now())

    @property
    def sender_domain(self) -> str:
        """The domain of `[sender] email`: it names this installation in Message-IDs and calendar UIDs."""
        return parseaddr(self.settings.sender.email)[1].rpartition("@")[2].lower() or "localhost"

    def new_message_id(self) -> str:
        return make_message_id(self.sender_domain)

    def desk(self) -> ApprovalDesk:
        return ApprovalDesk(self.factory, self.composer, self.library, self.now, self.new_message_id, self.rules)

    def import_defaults(self) -> ImportDefaults:
        g = self.settings.general
        return ImportDefaults(language=g.language, country=g.country, formality=g.formality,
                              consent=g.consent, timezone=g.timezone)  # fmt: skip

    def dkim(self) -> Any:
        """The DKIM signer of the config, or None; the key file is read once, not for every message."""
        return self._dkim

    @cached_property
    def _dkim(self) -> Any:
        s = self.settings.sender
        if not (s.dkim_selector and s.dkim_domain and s.dkim_key_file):
            return None
        from nurture.adapters.dkim_signer import DkimSigner

        return DkimSigner.from_file(s.dkim_selector, s.dkim_domain, self.settings.resolve(s.dkim_key_file))

    def outgoing(self, row: Message, view: ContactView, *, test_to: str | None = None) -> OutgoingMail:
        s = self.settings.sender
        unsubscribe = self.composer.unsubscribe_url(view.id)
        text, html = row.text, row.html
        if test_to is not None and unsubscribe:
            # The words carry the contact's own unsubscribe link: an approver trying it from the
            # test copy would opt the contact out for good. The copy gets a link that does nothing.
            dummy = unsubscribe.rsplit("/", 1)[0] + "/test-copy-does-nothing"
            text = text.replace(unsubscribe, dummy)
            html = html.replace(unsubscribe, dummy).replace(escape(unsubscribe), dummy) if html else html
        return OutgoingMail(
            from_name=s.name,
            from_email=s.email,
            to_name=view.mail_name if test_to is None else "",
            to_email=test_to or (view.email or ""),
            reply_to=s.reply_to or None,
            subject=row.subject,
            text=text,
            html=html,
            message_id=row.message_id or self.new_message_id(),
            date=self.now(),
            list_unsubscribe_url=unsubscribe if test_to is None else None,
            list_unsubscribe_mailto=f"mailto:{s.reply_to or s.email}?subject=unsubscribe" if test_to is None else None,
            test_banner=test_to is not None,
            extra_headers=(("X-Nurture-Message", str(row.id)),),
        )

    def build_mail(self, row: Message, view: ContactView) -> SerializedMail:
        return build_mail(self.outgoing(row, view), dkim=self.dkim())

    def dispatcher(self, worker: str | None = None, progress: Any = None) -> Any:
        from nurture.adapters.smtp import SmtpConfig, SmtpTransport
        from nurture.outbox.rate_limit import RateLimiter
        from nurture.usecases.dispatch import Dispatcher

        smtp = self.settings.smtp
        config = SmtpConfig(
            host=smtp.host, port=smtp.port, security=smtp.security, username=smtp.username or None,
            password=self.settings.smtp_password(), timeout=smtp.timeout.total_seconds(),
            data_timeout=smtp.data_timeout.total_seconds(),
        )  # fmt: skip
        return Dispatcher(
            factory=self.factory,
            transports=lambda: SmtpTransport(config),
            build=self.build_mail,
            clock=self.now,
            limiter=RateLimiter(smtp.max_per_minute),
            worker=worker or worker_name(),
            concurrency=smtp.concurrency,
            prefetch=smtp.batch,
            max_attempts=smtp.max_attempts,
            retry_base=smtp.retry_after,
            rng=random.Random(),
            progress=progress,
        )

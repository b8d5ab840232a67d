"""`nurture run`: plan, send and maintain on schedule; reload on SIGHUP or file changes; stop cleanly.

The scheduler keeps no state (memory job store): the database is the source of truth, so a
restart, a crash or a second daemon on the same PostgreSQL changes nothing about what is
sent. Planning runs under a PostgreSQL advisory lock (one planner at a time); sending is
shared through row claims with leases.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy import text

from nurture.adapters.db.engine import database_problem, plan_lock
from nurture.adapters.db.message_store import MessageStore
from nurture.clock import Clock, clock_from
from nurture.entrypoints.app import App, worker_name
from nurture.entrypoints.logs import hide_secrets, setup_logging
from nurture.errors import ConfigError, NurtureError
from nurture.settings import load_settings, sending_problems
from nurture.usecases.plan import PlanStopped
from nurture.usecases.runs import record_run

log = logging.getLogger("nurture.daemon")
STOP_GRACE = 8.0
# The longest pause between send runs while the relay refuses us (unless send_every is longer).
RELAY_PAUSE_CAP = timedelta(minutes=15)


def relay_pause(previous: timedelta | None, every: timedelta, cap: timedelta = RELAY_PAUSE_CAP) -> timedelta:
    """The pause before the next send run after one the relay refused (AUTH, TLS, unreachable, busy).

    Twice `every` after the first refusal, then twice the last pause, up to `cap` (never shorter
    than `every`): a wrong password is not tried on every tick, which could get the account
    locked by the provider, and a relay that is down is not hammered.
    """
    top = max(cap, every)
    return min((previous if previous is not None else every) * 2, top)


def _minutes(pause: timedelta) -> str:
    seconds = round(pause.total_seconds())
    if seconds < 120:
        return f"{seconds}s"
    return f"{seconds // 60} min" + (f" {seconds % 60}s" if seconds % 60 else "")


@dataclass
class RelayBackoff:
    """Send runs pause longer and longer while the relay keeps refusing us; warned once per problem.

    The daemon asks `due()` before each send run, and after a run tells `refused()` (the relay
    asked to pause) or `accepted()` (the run reached the relay and was not refused). A run that
    found nothing to send says nothing about the relay and changes nothing. The clock is
    monotonic seconds, injected for tests.
    """

    clock: Callable[[], float] = time.monotonic
    pause: timedelta | None = None  # the current pause; None: runs go every send_every
    resume_at: float = 0.0  # monotonic time from which the next run may go
    told: set[tuple[str, str]] = field(default_factory=set)  # problems already warned about

    @property
    def active(self) -> bool:
        return self.pause is not None

    def due(self, every: timedelta) -> bool:
        """Whether a send run may go now (a little early is fine: the scheduler ticks every `every`)."""
        if self.pause is None:
            return True
        slack = min(1.0, every.total_seconds() / 4)
        return self.clock() + slack >= self.resume_at

    def refused(self, every: timedelta, started: float | None = None) -> timedelta:
        """The relay refused the run that started at `started` (default now): the pause before the next one."""
        self.pause = relay_pause(self.pause, every)
        self.resume_at = (started if started is not None else self.clock()) + self.pause.total_seconds()
        return self.pause

    def fresh(self, problems: Iterable[Any]) -> list[Any]:
        """Of these problems, the ones not warned about yet (they are remembered as told)."""
        new = [p for p in problems if (p.kind, p.reply) not in self.told]
        self.told.update((p.kind, p.reply) for p in new)
        return new

    def accepted(self) -> bool:
        """The relay took a run again: back to every send_every. Returns whether it had been refusing."""
        was = self.pause is not None or bool(self.told)
        self.pause, self.resume_at, self.told = None, 0.0, set()
        return was


def watched_mtime(app: App) -> tuple[tuple[str, int, int], ...]:
    """Path, modification time and size of the config, the content library and every template.

    Not just the newest time: a file put back with its old time (`cp -p`, `rsync -a`, a deploy
    tool) or a template deleted must be noticed as well as a fresh edit.
    """
    paths = [app.settings.config_path, app.settings.content_path]
    tdir = app.settings.templates_dir
    if tdir.is_dir():
        paths += sorted(tdir.rglob("*"))
    seen = []
    for p in paths:
        try:
            st = p.stat()
        except OSError:
            seen.append((str(p), -1, -1))
            continue
        seen.append((str(p), st.st_mtime_ns, st.st_size))
    return tuple(seen)


@dataclass(eq=False)
class SendRun:
    """One send run's identity: its claims carry `name`, so they can be told apart and settled.

    A run that fails (the database went away mid-batch) may leave claims in `sending` and
    workers still finishing a message. Its own stop event ends those workers after the message
    in hand; once every connection of the run is closed, nothing of it is in flight any more and
    its claims are settled at once (queued again, or review if handed over) instead of waiting
    for the lease to run out. Fencing by the run's name keeps a later run of the same process
    from ever being confused with it.
    """

    name: str
    stop: asyncio.Event = field(default_factory=asyncio.Event)
    open: int = 0

    def counted(self, make: Any) -> Any:
        def factory() -> Any:
            self.open += 1
            return _CountedTransport(make(), self)

        return factory


class _CountedTransport:
    def __init__(self, inner: Any, run: SendRun) -> None:
        self.inner, self.run, self.closed = inner, run, False

    async def send(self, mail: Any) -> Any:
        return await self.inner.send(mail)

    async def close(self) -> None:
        try:
            await self.inner.close()
        finally:
            if not self.closed:
                self.closed = True
                self.run.open -= 1


def keep_secrets_out_of_logs(settings: Any) -> None:
    """The passwords and the key of `settings` never show in a log line, not even in a traceback."""
    from sqlalchemy.engine import make_url

    for read in (settings.smtp_password, settings.web_password, settings.secret_key,
                 lambda: make_url(settings.database.url).password):  # fmt: skip
        with contextlib.suppress(Exception):
            hide_secrets(read())


def describe_error(exc: BaseException) -> str:
    """One line for the log: what went wrong, without a traceback for expected trouble."""
    return database_problem(exc) or f"{exc.__class__.__name__}: {exc}"


def log_job_failure(job: str, exc: BaseException) -> str:
    """Log a scheduled job that failed and return why, in one line.

    A database outage is expected trouble: one line, and the next run tries again. Anything else
    is a bug and keeps its traceback. Either way the error stays here: raised to the scheduler,
    it would be logged with a traceback.
    """
    why = database_problem(exc)
    if why is None:
        log.exception(f"{job} failed")
        return describe_error(exc)
    log.error(f"{job} failed: {why}; it is retried on the next run")
    return why


class Daemon:
    def __init__(self, config_path: Path, clock: Clock, app: App, *, with_web: bool = False) -> None:
        self.config_path, self.clock, self.app, self.with_web = config_path, clock, app, with_web
        self.worker = worker_name()
        self.stopping = asyncio.Event()
        self.scheduler = AsyncIOScheduler(timezone=UTC)
        self._mtime = watched_mtime(app)
        self._dispatcher: Any = None
        self._web_task: asyncio.Task[None] | None = None
        self._web_server: Any = None
        self._site: Any = None
        self._busy: set[asyncio.Task[Any]] = set()
        self._reloading = asyncio.Lock()
        self._runs = 0
        self._active: set[SendRun] = set()
        self._failed: list[SendRun] = []
        self.backoff = RelayBackoff()

    # -- jobs ------------------------------------------------------------------------------
    async def plan_job(self) -> None:
        if self.stopping.is_set():
            return
        await self._tracked(asyncio.to_thread(self._plan))

    def _plan(self) -> None:
        app = self.app
        started, started_at = time.perf_counter(), app.now()
        try:
            with plan_lock(app.engine) as got:
                if not got:
                    log.info("plan skipped: another daemon is planning")
                    return
                summary = app.planner().run(app.now(), stop=self.stopping.is_set)
        except PlanStopped as exc:
            log.info(f"plan run {exc}")
            return
        except Exception as exc:
            why = log_job_failure("plan run", exc)
            with contextlib.suppress(Exception):
                record_run(app.factory, "plan", self.worker, started_at, app.now(), {}, error=why)
            return
        try:
            record_run(app.factory, "plan", self.worker, started_at, app.now(), summary.as_dict())
        except Exception as exc:
            log.warning(f"plan run done but not recorded for `nurture status`: {describe_error(exc)}")
        log.info("plan run done", extra={"fields": {**summary.as_dict(), "duration": round(time.perf_counter() - started, 3)}})

    async def send_job(self) -> None:
        if self.stopping.is_set():
            return
        await self._settle_failed_runs()
        app = self.app
        if not self.backoff.due(app.settings.schedule.send_every):
            return  # the relay refused the last run: this one is skipped (see `_after_send`)
        self._runs += 1
        run = SendRun(f"{self.worker}/{self._runs}")
        dispatcher = app.dispatcher(run.name)
        if self.backoff.active:
            # While the relay refuses us, a run tries one connection (one login), not [smtp] concurrency.
            dispatcher.concurrency = 1
        dispatcher.stopping = run.stop
        dispatcher.transports = run.counted(dispatcher.transports)
        self._dispatcher = dispatcher
        self._active.add(run)
        started = app.now()
        try:
            # Sending and recording the run are one piece of shielded work: a stop that comes
            # right after the last message still waits for its run to be recorded.
            await self._tracked(self._send_and_record(dispatcher, started))
        except Exception as exc:
            run.stop.set()
            self._failed.append(run)
            why = describe_error(exc)
            log.error(f"send run failed: {why}; it is retried on the next run")
            with contextlib.suppress(Exception):
                await asyncio.to_thread(record_run, app.factory, "send", self.worker, started, app.now(), {}, why)
        finally:
            self._active.discard(run)

    async def _send_and_record(self, dispatcher: Any, started: datetime) -> None:
        begun = self.backoff.clock()
        summary = await dispatcher.run_once()
        error = self._after_send(dispatcher, summary, begun)
        if summary.sent or summary.failed or summary.retry or summary.uncertain or summary.skipped or error:
            app = self.app
            counts = summary.as_dict()
            if summary.errors:  # each connection reports the same refusal: `nurture status` shows it once
                counts["errors"] = list(dict.fromkeys(summary.errors))
            await asyncio.to_thread(record_run, app.factory, "send", self.worker, started, app.now(), counts,
                                    error)  # fmt: skip
            log.info("send run done", extra={"fields": summary.as_dict()})

    def _after_send(self, dispatcher: Any, summary: Any, begun: float) -> str | None:
        """Warn about a relay that refused the run (once per problem) and pause the next runs; the run's error.

        A wrong password, an untrusted certificate or a relay that is down fails every run alike:
        each would open connections and try the login again, and a provider may lock an account
        that keeps failing its login. So the runs pause longer and longer (`relay_pause`) until
        one gets through; planning, maintenance and the digest go on as before.
        """
        from nurture.usecases.relay_trouble import relay_troubles

        settings = self.app.settings
        every = settings.schedule.send_every
        if not dispatcher.relay_paused:
            if (summary.sent or summary.failed or summary.retry or summary.uncertain) and self.backoff.accepted():
                log.warning(f"the relay takes messages again; sending every {_minutes(every)} as before")
            return None
        troubles = relay_troubles(summary.errors, settings)
        pause = self.backoff.refused(every, begun)
        waits = (f"nothing is lost: the approved messages wait; the next send run is in {_minutes(pause)} (the pause "
                 f"grows up to {_minutes(max(RELAY_PAUSE_CAP, every))} while the relay refuses; a reload, SIGHUP, "
                 "tries again at once)")  # fmt: skip
        fresh = self.backoff.fresh(troubles)
        for trouble in troubles:
            if trouble in fresh:
                log.warning(f"sending stopped: {trouble.line}; {waits}")
            else:
                log.info(f"sending stopped again: {trouble.sentence}; next send run in {_minutes(pause)}")
        if not troubles:
            log.info(f"the relay asked to pause; next send run in {_minutes(pause)}")
        reasons = "; ".join(t.line for t in troubles) or "the relay asked to pause"
        return f"{reasons}; sending paused for {_minutes(pause)}, nothing is lost"

    async def _settle_failed_runs(self) -> None:
        """Claims of failed runs whose connections are all closed: queued again, or review if handed over."""
        for run in [r for r in self._failed if r.open == 0]:
            # Taken off the list before the await: the send and maintenance jobs both call this.
            if run not in self._failed:
                continue
            self._failed.remove(run)
            try:
                requeued, uncertain = await asyncio.to_thread(self._settle, run.name)
            except Exception as exc:
                self._failed.append(run)
                log.warning(f"claims of a failed send run not settled yet: {describe_error(exc)}")
                return
            if requeued or uncertain:
                log.warning(f"claims of a failed send run settled: {len(requeued)} queued again, "
                            f"{len(uncertain)} in review (delivery uncertain)")  # fmt: skip

    def _settle(self, name: str) -> tuple[list[int], list[int]]:
        with self.app.factory() as session, session.begin():
            return MessageStore(session).settle_claims(name, self.app.now())

    async def maintenance_job(self) -> None:
        if self.stopping.is_set():
            return
        await self._tracked(asyncio.to_thread(self._maintain))
        await self._tracked(self._settle_failed_runs())
        await self._tracked(self._digest())

    def _maintain(self) -> None:
        app = self.app
        now = app.now()
        try:
            with app.factory() as session, session.begin():
                store = MessageStore(session)
                expired = store.expire_missed(now)
                requeued, uncertain = store.reap_dead_leases(now)
        except Exception as exc:
            log.error(f"maintenance failed: {describe_error(exc)}; it is retried on the next run")
            return
        if expired or requeued or uncertain:
            counts = {"expired": len(expired), "requeued": len(requeued), "uncertain": len(uncertain)}
            with contextlib.suppress(Exception):
                record_run(app.factory, "maintenance", self.worker, now, app.now(), counts)
            log.info("maintenance done", extra={"fields": counts})

    async def _digest(self) -> None:
        from nurture.usecases.digest import send_digest_if_due

        try:
            result = await send_digest_if_due(self.app, self.worker)
        except Exception as exc:
            log_job_failure("digest", exc)
            return
        if result:
            log.info("digest sent", extra={"fields": result})

    async def _tracked(self, coro: Any) -> Any:
        """Run work so that stopping the scheduler never cuts an SMTP transaction in half."""
        task = asyncio.ensure_future(coro)
        self._busy.add(task)
        task.add_done_callback(self._busy.discard)
        try:
            return await asyncio.shield(task)
        except asyncio.CancelledError:
            if not self.stopping.is_set():
                raise
            # Stopping cancels the job, not the shielded work: the stop waits for it (`_busy`).
            # Ending the job quietly keeps a traceback for a normal shutdown out of the log.
            return None

    # -- reload ----------------------------------------------------------------------------
    async def watch_job(self) -> None:
        if self.stopping.is_set() or self._reloading.locked():
            return
        try:
            mtime = await asyncio.to_thread(watched_mtime, self.app)
            if mtime != self._mtime:
                await self.reload("a file changed")
        except asyncio.CancelledError:
            return

    async def reload(self, why: str) -> bool:
        """Validate the files as `nurture check` does; switch only to a config without problems."""
        async with self._reloading:
            self._mtime = await asyncio.to_thread(watched_mtime, self.app)
            try:
                return await self._reload(why)
            except asyncio.CancelledError:
                return False

    async def _reload(self, why: str) -> bool:
        from nurture.entrypoints.cli.service import config_problems

        # What the daemon could not run with (the config, what sending needs, the templates) keeps
        # the last good configuration; a content item with a problem is only left out, as at the start.
        problems, item_problems = await asyncio.to_thread(config_problems, self.config_path)
        if problems:
            for p in problems:
                log.error(str(p))
            log.error(f"new configuration rejected ({why}); still running on the last good one")
            return False
        try:
            settings = load_settings(self.config_path)
            keep_secrets_out_of_logs(settings)
            app = App(settings, self.clock)
            _ = app.library
            _ = app.renderer  # reads the templates just checked: it writes with these until the next reload
        except ConfigError as exc:
            for p in exc.problems:
                log.error(str(p))
            log.error(f"new configuration rejected ({why}); still running on the last good one")
            return False
        if self.stopping.is_set():
            return False  # the daemon is stopping: switching now would only confuse the log
        old = self.app.settings
        if settings.database.url != old.database.url:
            log.warning("[database] url changed: restart the daemon to switch databases; keeping the old one")
        app.engine_override = self.app.engine
        if self._site is not None:
            # The approval page approves and previews with the same config as the jobs.
            self._site.app = app
            if (settings.web.bind, settings.web.secure_cookies, settings.web_password(), settings.secret_key()) != (
                old.web.bind, old.web.secure_cookies, old.web_password(), old.secret_key()
            ):
                log.warning("[web] settings changed: restart the daemon to apply them to the approval page; "
                            "it keeps its address, password and secret key until then")  # fmt: skip
        self.app = app
        self._schedule()
        if self.backoff.active:
            # The operator may have fixed the relay's settings (or the password file): try at once.
            self.backoff.accepted()
            log.info("the pause of sending after the relay's refusal is lifted: the next send run tries again")
        for p in item_problems or app.library_problems:
            log.error(str(p))
        if item_problems or app.library_problems:
            log.warning("the content items with a problem are left out until the content library is fixed "
                        "(`nurture check` lists them); planning and sending go on")  # fmt: skip
        log.info(f"configuration reloaded ({why})")
        return True

    # -- life cycle ------------------------------------------------------------------------
    def _schedule(self) -> None:
        """Add the jobs, or give them a new interval. A job whose interval stays keeps its next run:
        a reload (a SIGHUP from logrotate, a touched file) must not put the next plan off again."""
        s = self.app.settings.schedule
        first = datetime.now(UTC) + timedelta(seconds=0.2)
        jobs = (
            ("plan", self.plan_job, s.plan_every, first),
            ("send", self.send_job, s.send_every, first + timedelta(seconds=1)),
            ("maintenance", self.maintenance_job, s.maintenance_every, first),
            ("watch", self.watch_job, timedelta(seconds=2), None),
        )
        for job_id, func, every, start in jobs:
            trigger = IntervalTrigger(seconds=max(1.0, every.total_seconds()))
            job = self.scheduler.get_job(job_id)
            if job is None:
                self.scheduler.add_job(func, trigger, id=job_id, coalesce=True, max_instances=1,
                                       misfire_grace_time=60, next_run_time=start or datetime.now(UTC))  # fmt: skip
            elif job.trigger.interval != trigger.interval:
                self.scheduler.reschedule_job(job_id, trigger=trigger)

    async def _start_web(self) -> asyncio.Task[None]:
        """Listen before any work starts: a taken port or a missing password stops the start with a plain message."""
        from nurture.entrypoints.web.server import start_embedded

        server, task = await start_embedded(self.app)
        self._web_server = server
        self._site = server.config.app.state.site
        return task

    async def main(self) -> int:
        loop = asyncio.get_running_loop()
        if self.with_web:
            try:
                self._web_task = await self._start_web()
            except NurtureError as exc:
                log.error(f"{exc}; the daemon did not start")
                return 1
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, self.stop, sig.name)
        with contextlib.suppress(AttributeError, NotImplementedError):
            loop.add_signal_handler(signal.SIGHUP, lambda: asyncio.ensure_future(self.reload("SIGHUP")))
        self._schedule()
        self.scheduler.start()
        log.info(f"nurture daemon {self.worker} running" + (f"; approval page on http://{self.app.settings.web.bind}/"
                                                             if self.with_web else ""))  # fmt: skip
        await self.stopping.wait()
        self.scheduler.pause()
        if self._busy:
            log.info("finishing the work in flight")
            await asyncio.wait(set(self._busy), timeout=STOP_GRACE)
        self.scheduler.shutdown(wait=False)
        if self._web_task is not None:
            if self._web_server is not None:
                self._web_server.should_exit = True
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._web_task, timeout=2)
        await asyncio.to_thread(self._release_leases)
        log.info("stopped")
        return 0

    def _release_leases(self) -> None:
        """Claimed but never handed over: give them back at once instead of waiting for the lease."""
        from sqlalchemy import update

        from nurture.adapters.db.tables import Message

        with contextlib.suppress(Exception), self.app.factory() as session, session.begin():
            session.execute(
                update(Message)
                .where(Message.status == "sending", Message.handed_at.is_(None),
                       Message.claimed_by.startswith(f"{self.worker}/", autoescape=True))
                .values(status="approved", claimed_by=None, lease_until=None)
            )

    def stop(self, why: str = "") -> None:
        if not self.stopping.is_set():
            log.info(f"stopping ({why})")
            self.stopping.set()
            for run in self._active:
                run.stop.set()


def run_daemon(config_path: Path, now_text: str | None, *, with_web: bool = False, log_format: str = "text") -> int:
    setup_logging(log_format)
    try:
        settings = load_settings(config_path)
    except ConfigError as exc:
        for p in exc.problems:
            log.error(str(p))
        log.error("the daemon did not start; fix the configuration (`nurture check`) and start it again")
        return 1
    keep_secrets_out_of_logs(settings)
    unsendable = sending_problems(settings)  # `nurture send` refuses these; a daemon must not mail with them either
    if unsendable:
        for p in unsendable:
            log.error(str(p))
        log.error("the daemon did not start; fix the configuration (`nurture check`) and start it again")
        return 1
    try:
        clock = clock_from(now_text, settings.general.timezone)
    except ValueError as exc:
        log.error(f"{exc}; the daemon did not start")
        return 1
    app = App(settings, clock)
    _ = app.library
    _ = app.renderer  # the templates as they are at the start, until a reload checks newer ones
    for p in app.library_problems:
        log.error(str(p))
    if app.library_problems:
        log.warning("the content items with a problem are left out until the content library is fixed "
                    "(`nurture check` lists them); planning and sending go on")  # fmt: skip
    try:
        with app.engine.connect() as conn:
            conn.execute(text("SELECT 1 FROM messages LIMIT 1"))
    except Exception as exc:
        why = database_problem(exc)
        if why is None:
            why = f"the database cannot be used ({exc.__class__.__name__}: {exc}); check [database] url"
        elif "nurture init" not in why:
            why += "; start the database server or correct [database] url, then start the daemon again"
        log.error(f"the daemon did not start: {why}")
        return 1
    return asyncio.run(Daemon(config_path, clock, app, with_web=with_web).main())

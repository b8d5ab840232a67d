"""Writing the words in worker processes while this process does the database work.

Composing (salutation, templates, offer guard) is pure CPU work and what a large plan run
spends its time on; on a machine with several cores, worker processes write the words of
one batch while this process reads the next one and records the last. A worker receives the
Composer once, when it starts, and afterwards only plain inputs (contact view, occasion,
context); it never touches the database. Small runs compose in this process: starting
workers costs more than it saves.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
from collections.abc import Mapping, Sequence
from concurrent.futures import BrokenExecutor, Future, ProcessPoolExecutor
from datetime import date
from typing import Any, NamedTuple

from nurture.domain.contacts import ContactView
from nurture.domain.content import ContentItem
from nurture.usecases.compose import Composed, Composer

_log = logging.getLogger("nurture.plan")
# Below this many messages a run composes in its own process.
POOL_FROM = 2000


class ComposeJob(NamedTuple):
    """The arguments of `Composer.compose` for one message."""

    contact: ContactView
    occasion: str
    occasion_date: date
    event: Mapping[str, Any] | None
    content: ContentItem | None
    note: str | None
    content_id: str | None = None  # the item it was planned with (None when it has none)


_composer: Composer | None = None


def _start(composer: Composer) -> None:
    global _composer
    _composer = composer


def _compose_all(jobs: Sequence[ComposeJob], composer: Composer | None = None) -> list[Composed]:
    """In a worker: with the composer it started with; inline: with the one given."""
    use = composer or _composer
    assert use is not None, "worker started without a composer"
    return [use.compose(*job) for job in jobs]


def available_cores() -> int:
    """The cores this process may run on (a container's CPU set, not the machine's)."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def worker_count(messages: int, workers: int | None = None) -> int:
    """How many processes write the words of `messages` messages (1: this one).

    `workers` None: one per available core, and only from `POOL_FROM` messages on a machine
    with two or more; a number forces that many (0 or 1: inline), for tests.
    """
    if workers is not None:
        return max(1, workers)
    cores = available_cores()
    return cores if cores > 1 and messages >= POOL_FROM else 1


class Composing:
    """Where the words get written: worker processes, or this process.

    The workers start with the first messages that make the run large (see `worker_count`; a
    planning run does not know its size in advance, so with `workers` None the first
    `POOL_FROM` messages are composed here); a number fixes how many. Should a worker die or the pool not start (a
    container without /dev/shm, say), the rest is composed in this process: slower, nothing lost.
    """

    def __init__(self, composer: Composer, workers: int | None = None) -> None:
        self.composer = composer
        self._wanted = workers
        self._submitted = 0
        self._failed = False
        self._pool: ProcessPoolExecutor | None = None
        self._pool_size = 1

    @property
    def workers(self) -> int:
        """Processes composing now (1: this one)."""
        return self._pool_size if self._pool is not None else 1

    def __enter__(self) -> Composing:
        return self

    def __exit__(self, *exc: object) -> None:
        if self._pool is not None:
            self._pool.shutdown(cancel_futures=True)

    def expect(self, messages: int) -> None:
        """`messages` more are coming: start the workers now if that makes the run large."""
        if self._pool is None and not self._failed:
            workers = worker_count(self._submitted + messages, self._wanted)
            if workers > 1:
                self._start_pool(workers)

    def submit(self, jobs: Sequence[ComposeJob]) -> Future[list[Composed]]:
        """Start composing `jobs`; `result` gives one Composed per job, in order."""
        self.expect(len(jobs))
        self._submitted += len(jobs)
        if self._pool is not None:
            try:
                return self._pool.submit(_compose_all, list(jobs))
            except (BrokenExecutor, RuntimeError) as exc:
                self._give_up(exc)
        future: Future[list[Composed]] = Future()
        try:
            future.set_result(_compose_all(jobs, self.composer))
        except BaseException as exc:  # noqa: BLE001 - raised by `result`, as from a worker
            future.set_exception(exc)
        return future

    def result(self, future: Future[list[Composed]], jobs: Sequence[ComposeJob]) -> list[Composed]:
        try:
            return future.result()
        except BrokenExecutor as exc:
            self._give_up(exc)
            return _compose_all(jobs, self.composer)

    def _start_pool(self, workers: int) -> None:
        try:
            # Spawned, not forked: a forked child would inherit the database connections.
            self._pool = ProcessPoolExecutor(
                max_workers=workers,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=_start,
                initargs=(self.composer,),
            )
            self._pool_size = workers
        except OSError as exc:
            self._give_up(exc)

    def _give_up(self, exc: BaseException) -> None:
        _log.warning("worker processes failed (%s); composing in this process", exc or type(exc).__name__)
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
        self._pool = None
        self._failed = True

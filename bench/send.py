"""Delivery speed on two local sinks: one that answers at once, one that waits 20 ms before every reply.

Each sink is a process of its own (bench/sink.py), as the relay is another machine: the
senders measured here never share its CPU or interpreter lock.

For each sink: `nurture send` (the dispatcher: claim, re-check, build, send, record) on
approved messages, a bare aiosmtplib loop with the same number of reused connections (the
ceiling), and the PyPI `mailmerge` tool on the same messages. Then a `max_per_minute` cap.
Usage: python bench/send.py [--messages N] [--concurrency 8] [--mailmerge N] [--db sqlite|postgresql] [--json]
(`--db postgresql` uses a private database on $NURTURE_BENCH_POSTGRES or the test server, dropped afterwards;
`--mailmerge 0` leaves mailmerge out.)
"""

from __future__ import annotations

import argparse
import asyncio
import json
import shutil
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from common import drop_postgres, emit, fresh_postgres, make_app, postgres_base, progress, scratch_dir

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


class Sink:
    """The sink process (bench/sink.py): a relay on its own CPU, as a real one is on its own machine."""

    def __init__(self, delay: float) -> None:
        self.delay = delay
        self.proc = subprocess.Popen([sys.executable, str(Path(__file__).with_name("sink.py")), "--delay", str(delay)],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)  # fmt: skip
        assert self.proc.stdout is not None
        ready = self.proc.stdout.readline().split()
        if ready[:1] != ["ready"]:
            self.proc.kill()
            raise RuntimeError(f"the sink did not start: {ready}")
        self.port = int(ready[1])

    def _ask(self, command: str) -> str:
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.proc.stdin.write(command + "\n")
        self.proc.stdin.flush()
        return self.proc.stdout.readline()

    def reset(self) -> None:
        self._ask("reset")

    @property
    def count(self) -> int:
        return int(json.loads(self._ask("stats"))["count"])

    def stop(self) -> None:
        try:
            self._ask("quit")
            self.proc.wait(timeout=10)
        except (OSError, subprocess.TimeoutExpired):
            self.proc.kill()


def start_sink(delay: float) -> Sink:
    return Sink(delay)


def seed_approved(app, n: int) -> None:
    from sqlalchemy import insert

    from nurture.adapters.db.tables import Contact, Message

    contacts = [dict(id=i + 1, email=f"r{i}@example.com", first_name="Sam", last_name=f"Tester{i}", gender="male",
                     language="en", country="GB", formality="formal", tier="B", timezone="Europe/London",
                     consent="opt_in", unsubscribed=False, bounced=False, source="bench", needs_review=False,
                     created_at=NOW, updated_at=NOW) for i in range(n)]  # fmt: skip
    text = "Dear Mr Tester,\n\nI came across a checklist that might be useful for your team.\n\nBest regards\nJana\n"
    messages = [dict(key=f"{i + 1}:content_drop:x", contact_id=i + 1, occasion="content_drop",
                     occasion_date=NOW.date(), status="approved", send_at=NOW, language="en",
                     subject="A checklist for your next audit", text=text, html=f"<p>{text}</p>",
                     message_id=f"<bench{i}@example.com>", attempts=0, approved_by="bench", approved_at=NOW,
                     created_at=NOW, updated_at=NOW) for i in range(n)]  # fmt: skip
    with app.engine.begin() as conn:
        conn.execute(insert(Contact), contacts)
        conn.execute(insert(Message), messages)


def nurture_rate(port: int, n: int, concurrency: int, max_per_minute: int = 0, db: str = "sqlite") -> float:
    work = scratch_dir()
    url = fresh_postgres(postgres_base(), "nurture_bench_send") if db == "postgresql" else f"sqlite:///{work / 'send.db'}"
    try:
        app = make_app(url, NOW.isoformat(), smtp_port=port, NURTURE_SMTP__CONCURRENCY=str(concurrency),
                       NURTURE_SMTP__MAX_PER_MINUTE=str(max_per_minute or 1_000_000))  # fmt: skip
        seed_approved(app, n)
        dispatcher = app.dispatcher("bench")
        started = time.perf_counter()
        summary = asyncio.run(dispatcher.run_once())
        seconds = time.perf_counter() - started
        assert summary.sent == n, summary.as_dict()
        app.engine.dispose()
    finally:
        shutil.rmtree(work, ignore_errors=True)
        if db == "postgresql":
            drop_postgres(url)
    return n / seconds


def nurture_mails(n: int) -> list[tuple[str, list[str], bytes]]:
    """The envelopes and bytes nurture sends for the seeded messages, built once, for the ceiling."""
    from nurture.adapters.db.contact_store import to_view
    from nurture.adapters.db.message_store import MessageStore

    app = make_app("sqlite://", NOW.isoformat())
    seed_approved(app, n)
    with app.factory() as session:
        pairs = MessageStore(session).with_contacts(list(range(1, n + 1)))
        mails = [app.build_mail(row, to_view(contact)) for row, contact in pairs]
    app.engine.dispose()
    return [(m.sender, list(m.recipients), m.data) for m in mails]


def ceiling_rate(port: int, mails: list[tuple[str, list[str], bytes]], concurrency: int) -> float:
    """The same bytes nurture sends, over `concurrency` reused aiosmtplib connections, nothing else."""
    import aiosmtplib

    async def worker(share: list[tuple[str, list[str], bytes]]) -> None:
        client = aiosmtplib.SMTP(hostname="127.0.0.1", port=port, start_tls=False)
        await client.connect()
        for sender, recipients, data in share:
            await client.sendmail(sender, recipients, data)
        await client.quit()

    async def main() -> None:
        await asyncio.gather(*(worker(mails[i::concurrency]) for i in range(concurrency)))

    started = time.perf_counter()
    asyncio.run(main())
    return len(mails) / (time.perf_counter() - started)


def mailmerge_rate(port: int, n: int) -> float | None:
    if n <= 0:
        return None
    if shutil.which("mailmerge") is None:
        subprocess.run([sys.executable, "-m", "pip", "install", "-q", "mailmerge"], check=False)
    exe = shutil.which("mailmerge")
    if exe is None:
        return None
    work = scratch_dir()
    (work / "t.txt").write_text("TO: {{email}}\nFROM: jana@example.com\nSUBJECT: A checklist\n\nDear {{name}},\n\n"
                                "I came across a checklist that might be useful.\n")  # fmt: skip
    (work / "d.csv").write_text("email,name\n" + "".join(f"r{i}@example.com,Sam {i}\n" for i in range(n)))
    (work / "c.conf").write_text(f"[smtp_server]\nhost = 127.0.0.1\nport = {port}\nsecurity = Never\n"
                                 "username = None\nratelimit = 0\n")  # fmt: skip
    started = time.perf_counter()
    subprocess.run([exe, "--no-dry-run", "--no-limit", "--output-format", "raw", "--template", str(work / "t.txt"),
                    "--database", str(work / "d.csv"), "--config", str(work / "c.conf")], check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, input=b"")  # fmt: skip
    return n / (time.perf_counter() - started)


def _arrived(sink: Sink, expected: int, who: str) -> None:
    got = sink.count
    if got != expected:
        raise RuntimeError(f"{who}: the sink received {got} messages, not {expected}")
    sink.reset()


def run(messages: int, concurrency: int, mm_messages: int, db: str = "sqlite") -> dict[str, object]:
    results: dict[str, object] = {"messages": messages, "concurrency": concurrency, "db": db}
    mails = nurture_mails(messages)
    for name, delay in (("instant", 0.0), ("slow_20ms", 0.02)):
        sink = start_sink(delay)
        try:
            progress(f"send[{name}]: nurture, {messages} messages")
            nurture = nurture_rate(sink.port, messages, concurrency, db=db)
            _arrived(sink, messages, "nurture")
            progress(f"send[{name}]: bare aiosmtplib ceiling")
            ceiling = ceiling_rate(sink.port, mails, concurrency)
            _arrived(sink, messages, "ceiling")
            progress(f"send[{name}]: mailmerge, {mm_messages} messages")
            mm = mailmerge_rate(sink.port, mm_messages)
            if mm is not None:
                _arrived(sink, mm_messages, "mailmerge")
        finally:
            sink.stop()
        results[name] = {
            "nurture_msgs_per_s": round(nurture, 1),
            "ceiling_msgs_per_s": round(ceiling, 1),
            "mailmerge_msgs_per_s": round(mm, 1) if mm else None,
            "share_of_ceiling": round(nurture / ceiling, 3),
            "times_mailmerge": round(nurture / mm, 1) if mm else None,
        }
    progress("send: max_per_minute cap")
    sink = start_sink(0.0)
    try:
        cap = 1200
        count = 200
        rate = nurture_rate(sink.port, count, concurrency, max_per_minute=cap, db=db) * 60
        _arrived(sink, count, "nurture under a cap")
    finally:
        sink.stop()
    results["rate_cap"] = {"max_per_minute": cap, "measured_per_minute": round(rate, 1),
                           "deviation": round(rate / cap - 1, 4)}  # fmt: skip
    return results


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--mailmerge", type=int, default=300)
    parser.add_argument("--db", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--json", action="store_true", help="one JSON object on stdout")
    args = parser.parse_args()
    r = {"bench": "send", **run(args.messages, args.concurrency, args.mailmerge, args.db)}
    lines = [f"send, {r['messages']} messages at concurrency {r['concurrency']} on {r['db']} (messages/s):"]
    for sink in ("instant", "slow_20ms"):
        x = r[sink]
        lines.append(f"  {sink:9} nurture {x['nurture_msgs_per_s']:7.1f}  ceiling {x['ceiling_msgs_per_s']:7.1f}  "
                     f"mailmerge {x['mailmerge_msgs_per_s']}  -> {x['share_of_ceiling']:.1%} of ceiling, "
                     f"{x['times_mailmerge']}x mailmerge")  # fmt: skip
    cap = r["rate_cap"]
    lines.append(f"  cap {cap['max_per_minute']}/min: measured {cap['measured_per_minute']}/min "
                 f"({cap['deviation']:+.1%})")  # fmt: skip
    emit(r, args.json, lines)

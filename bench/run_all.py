"""Runs every benchmark as its own process, several times, and writes docs/benchmarks.md.

Each benchmark script prints one JSON object with `--json`; this script repeats each one
(`--runs`, default 3; the 1,000,000-contact plan `--plan-runs`, default 1, because one run
takes long), takes the median of the runs with their spread (min–max), puts the goals from
the issues next to the figures and records the machine, the date and the commit, so the page
says what was measured where. `--quick` is a smoke check: small sizes, one run, and the page
says so. Raw results go to var/benchmarks.json.
Usage: python bench/run_all.py [--quick] [--runs 3] [--plan-runs 1] [--only a,b] [--skip a,b] [--list]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sqlite3
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
BENCH = ROOT / "bench"
sys.path.insert(0, str(BENCH))


@dataclass(frozen=True)
class Case:
    """One benchmark invocation: its script, arguments at full and at quick size, and how often to run it."""

    name: str
    title: str
    script: str
    full: list[str]
    quick: list[str]
    expensive: bool = False
    default: bool = True
    notes: str = ""


CASES = [
    Case("import", "Import 100,000 CSV rows (SQLite)", "import.py", ["--rows", "100000"], ["--rows", "1000"]),
    Case("import-pg", "Import 100,000 CSV rows (PostgreSQL)", "import.py", ["--rows", "100000", "--db", "postgres"],
         ["--rows", "1000", "--db", "postgres"], default=False),  # fmt: skip
    Case("plan-sqlite", "Plan 1,000,000 contacts (SQLite)", "plan.py", ["--contacts", "1000000"],
         ["--contacts", "1000"], expensive=True),  # fmt: skip
    Case("plan-pg", "Plan 1,000,000 contacts (PostgreSQL)", "plan.py", ["--contacts", "1000000", "--db", "postgres"],
         ["--contacts", "1000", "--db", "postgres"], expensive=True),  # fmt: skip
    Case("render", "Rendering throughput", "render.py", ["--messages", "5000"], ["--messages", "300"]),
    Case("send", "Sending at concurrency 8", "send.py", ["--messages", "2000", "--mailmerge", "300"],
         ["--messages", "100", "--mailmerge", "20"],
         notes="Each sink is a process of its own (`bench/sink.py`), as the relay is another machine; the slow "
               "one waits 20 ms before every reply (greeting, EHLO, MAIL, RCPT, the 354 after DATA, the final "
               "reply, QUIT). The ceiling sends the very bytes nurture builds. Without pipelining a message on a "
               "reused connection waits for 4 replies and one through mailmerge (a connection per message) for 7, "
               "so at 8 connections no sender can be more than 8 × 7 / 4 = 14 times as fast as mailmerge on the "
               "slow sink; the ceiling's own ratio is shown beside nurture's."),  # fmt: skip
    Case("web-sqlite", "Queue page, 10,000 pending (SQLite)", "web.py", ["--pending", "10000"],
         ["--pending", "1000", "--repeat", "3"]),  # fmt: skip
    Case("web-pg", "Queue page, 10,000 pending (PostgreSQL)", "web.py", ["--pending", "10000", "--db", "postgres"],
         ["--pending", "1000", "--repeat", "3", "--db", "postgres"]),  # fmt: skip
]
BY_NAME = {c.name: c for c in CASES}


@dataclass
class Outcome:
    case: Case
    runs: list[dict[str, Any]] = field(default_factory=list)
    seconds: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    kept_from: str = ""  # the earlier raw-results file these runs were taken from (--keep)


def run_case(case: Case, runs: int, quick: bool, index: int, total: int) -> Outcome:
    """Runs `case` `runs` times, each in a fresh interpreter; progress of the script shows on stderr."""
    outcome = Outcome(case)
    args = case.quick if quick else case.full
    for k in range(1, runs + 1):
        cmd = [sys.executable, str(BENCH / case.script), *args, "--json"]
        print(f"[{index}/{total}] {case.name} run {k}/{runs}: {' '.join(cmd[1:])}", file=sys.stderr, flush=True)
        started = time.perf_counter()
        done = subprocess.run(cmd, cwd=ROOT, stdout=subprocess.PIPE, text=True, env=os.environ.copy())
        elapsed = time.perf_counter() - started
        lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
        if done.returncode != 0 or not lines:
            outcome.errors.append(f"run {k}: exit code {done.returncode}")
            print(f"[{index}/{total}] {case.name} run {k} FAILED (exit {done.returncode})", file=sys.stderr, flush=True)
            continue
        outcome.runs.append(json.loads(lines[-1]))
        outcome.seconds.append(elapsed)
        print(f"[{index}/{total}] {case.name} run {k}/{runs} done in {elapsed:.1f} s", file=sys.stderr, flush=True)
    return outcome


# --- figures: each case's runs reduced to named values, the median of the runs and their spread ---


@dataclass(frozen=True)
class Figure:
    label: str
    unit: str
    values: list[float]
    goal: str = ""
    check: Callable[[float], bool] | None = None
    digits: int = 1

    @property
    def median(self) -> float:
        return statistics.median(self.values)

    def verdict(self, applies: bool) -> str:
        if self.check is None or not self.goal:
            return ""
        if not applies:
            return "not judged (smaller than the goal's size)"
        return "met" if self.check(self.median) else "**missed**"

    def cells(self) -> tuple[str, str]:
        fmt = f"{{:,.{self.digits}f}}"
        median = fmt.format(self.median)
        spread = f"{fmt.format(min(self.values))}–{fmt.format(max(self.values))}" if len(self.values) > 1 else "1 run"
        return f"{median} {self.unit}".strip(), spread


def pick(runs: list[dict[str, Any]], *path: str) -> list[float]:
    values = []
    for r in runs:
        v: Any = r
        for key in path:
            v = v.get(key) if isinstance(v, dict) else None
        if isinstance(v, int | float):
            values.append(float(v))
    return values


def figures(o: Outcome) -> tuple[list[Figure], bool, str]:
    """The figures of one case, whether the goals apply at the size it ran, and a line on the size."""
    runs, name = o.runs, o.case.name
    if not runs:
        return [], False, ""
    first = runs[0]
    if name.startswith("import"):
        size = f"{first['rows']:,} rows"
        return [Figure("rows per second", "rows/s", pick(runs, "rows_per_s"), digits=0),
                Figure("seconds", "s", pick(runs, "seconds")),
                Figure("peak memory", "MB", pick(runs, "peak_mb"), digits=0)], True, size  # fmt: skip
    if name.startswith("plan"):
        applies = first["contacts"] >= 1_000_000
        size = f"{first['contacts']:,} contacts, {first['planned']:,} messages planned " \
               f"({first.get('composed', first['planned']):,} of them due within {first.get('compose_ahead', '14d')} " \
               f"and written), re-plan checked {first['replan_checked']:,} contacts"  # fmt: skip
        return [
            Figure("full 14-day plan", "s", pick(runs, "full_plan_s"), "≤ 60 s", lambda v: v <= 60),
            Figure("hourly re-plan, nothing new", "s", pick(runs, "replan_s"), "≤ 5 s", lambda v: v <= 5, 2),
            Figure("peak memory (planning process and its composing workers)", "MB", [_plan_memory(r) for r in runs],
                   "≤ 500 MB", lambda v: v <= 500, 0),
            Figure("worker processes composing", "", [r.get("compose_workers", 1) for r in runs], digits=0),
            Figure("messages written (composed) in the full plan", "msgs", [r.get("composed", r["planned"]) for r in runs],
                   digits=0),
            Figure("hourly re-plan: messages written", "msgs", [r.get("recomposed", 0) for r in runs], digits=0),
            Figure("generating the contacts (not part of the goal)", "s", pick(runs, "generate_s")),
        ], applies, size  # fmt: skip
    if name == "render":
        size = f"{first['messages']:,} messages, DKIM {'on' if first['dkim'] else 'off'}"
        return [Figure("whole message (salutation + template + guard + MIME)", "msgs/s", pick(runs, "msgs_per_s"), digits=0),
                Figure("compose alone (salutation + template + guard)", "msgs/s", pick(runs, "compose_per_s"), digits=0),
                Figure("MIME alone", "msgs/s", pick(runs, "mime_per_s"), digits=0)], True, size  # fmt: skip
    if name == "send":
        applies = first["concurrency"] == 8
        size = f"{first['messages']:,} messages at concurrency {first['concurrency']}"
        out = []
        for sink, label in (("slow_20ms", "slow sink (20 ms before every reply)"), ("instant", "instant sink")):
            out += [Figure(f"{label}: nurture", "msgs/s", pick(runs, sink, "nurture_msgs_per_s")),
                    Figure(f"{label}: bare aiosmtplib ceiling", "msgs/s", pick(runs, sink, "ceiling_msgs_per_s")),
                    Figure(f"{label}: mailmerge", "msgs/s", pick(runs, sink, "mailmerge_msgs_per_s"))]  # fmt: skip
            goal = 0.85 if sink == "slow_20ms" else 0.80
            out.append(Figure(f"{label}: nurture / ceiling", "%", [v * 100 for v in pick(runs, sink, "share_of_ceiling")],
                              f"≥ {goal:.0%}", lambda v, g=goal: v >= g * 100))  # fmt: skip
            mm = pick(runs, sink, "times_mailmerge")
            if sink == "slow_20ms":
                out.append(Figure(f"{label}: nurture / mailmerge", "×", mm, "≥ 15×", lambda v: v >= 15))
                bound = [r[sink]["ceiling_msgs_per_s"] / r[sink]["mailmerge_msgs_per_s"] for r in runs
                         if r.get(sink, {}).get("mailmerge_msgs_per_s")]  # fmt: skip
                out.append(Figure(f"{label}: ceiling / mailmerge (the most any sender here reaches)", "×", bound))
            elif mm:
                out.append(Figure(f"{label}: nurture / mailmerge", "×", mm))
        cap = first["rate_cap"]["max_per_minute"]
        out.append(Figure(f"max_per_minute = {cap}: measured", "/min", pick(runs, "rate_cap", "measured_per_minute")))
        out.append(Figure("rate cap held within", "%", [abs(v) * 100 for v in pick(runs, "rate_cap", "deviation")],
                          "within 5 %", lambda v: v <= 5))  # fmt: skip
        return out, applies, size
    if name.startswith("web"):
        applies = first["pending"] >= 10_000
        size = f"{first['pending']:,} pending (+{first['other']:,} sent) messages, {first['contacts']:,} contacts, " \
               f"{first['repeat']} timed requests a page and run; value per run = median server time"  # fmt: skip
        out = [Figure(f"{page} page `{first['pages'][page]['path']}`", "ms", pick(runs, "pages", page, "server_ms", "median"),
                      "< 300 ms", lambda v: v < 300) for page in first["pages"]]  # fmt: skip
        out.append(Figure("slowest single request of all pages and runs", "ms",
                          [max(p["server_ms"]["max"] for p in r["pages"].values()) for r in runs]))  # fmt: skip
        return out, applies, size
    return [], False, ""


# --- the machine ---


def _first_line(path: str, key: str) -> str:
    try:
        for line in Path(path).read_text().splitlines():
            if line.startswith(key):
                return line.split(":" if ":" in line else "=", 1)[1].strip().strip('"')
    except OSError:
        pass
    return "unknown"


def postgres_version() -> str:
    try:
        from common import postgres_base
        from sqlalchemy import create_engine, text

        engine = create_engine(postgres_base())
        with engine.connect() as conn:
            version = str(conn.execute(text("SHOW server_version")).scalar())
        engine.dispose()
        return version
    except Exception as exc:  # noqa: BLE001 - the page says why instead of failing
        return f"not reachable ({type(exc).__name__})"


def machine() -> dict[str, str]:
    mem_kb = _first_line("/proc/meminfo", "MemTotal").split()[0]
    memory = f"{int(mem_kb) / 1024 / 1024:.1f} GiB" if mem_kb.isdigit() else "unknown"
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True).stdout
    dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=ROOT, capture_output=True,
                           text=True).stdout.strip()  # fmt: skip
    return {
        "CPU": _first_line("/proc/cpuinfo", "model name"),
        "cores": str(os.cpu_count()),
        "memory": memory,
        "OS": f"{_first_line('/etc/os-release', 'PRETTY_NAME')} ({platform.system()} {platform.release()})",
        "Python": platform.python_version(),
        "SQLite": sqlite3.sqlite_version,
        "PostgreSQL": postgres_version(),
        "load average at start (1/5/15 min)": " / ".join(f"{v:.2f}" for v in os.getloadavg()),
        "commit": (commit.strip() or "unknown") + (" (with uncommitted changes)" if dirty else ""),
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
    }


# --- the page ---


def _plan_memory(run: dict[str, Any]) -> float:
    """The planning process's peak plus, when it composed in workers, each worker at the largest one's peak."""
    workers = run.get("compose_workers", 1)
    return run["peak_mb"] + (workers * run.get("worker_peak_mb", 0.0) if workers > 1 else 0.0)


def render_page(outcomes: list[Outcome], info: dict[str, str], quick: bool, runs: int, plan_runs: int,
                raw: Path) -> str:
    out = ["# Benchmarks", ""]
    if quick:
        out += ["> **Quick run, not the real figures**: small sizes and one run each, to check that the",
                "> benchmarks work. Goals are not judged. Run `python bench/run_all.py` for the real figures.", ""]  # fmt: skip
    out += ["Written by `python bench/run_all.py` from the runs below; every figure is the median of the runs,",
            "with their spread (min–max). Each run is a fresh process. "
            f"Runs per benchmark: {runs}; the plans: {plan_runs}.", "",
            "| machine | |", "|---|---|"]  # fmt: skip
    out += [f"| {k} | {v} |" for k, v in info.items()]
    left_out = [c.name for c in CASES if c.name not in {o.case.name for o in outcomes}]
    if left_out:
        out += ["", f"Not run this time: {', '.join(left_out)} (see `python bench/run_all.py --list`)."]
    summary_rows: list[str] = []
    body: list[str] = []
    for o in outcomes:
        figs, applies, size = figures(o)
        applies = applies and not quick
        body += ["", f"## {o.case.title}", ""]
        args = " ".join(o.case.quick if quick else o.case.full)
        body.append(f"`python bench/{o.case.script} {args}` — {size or 'no result'}; "
                    f"{len(o.runs)} run(s), {sum(o.seconds):.0f} s in all"
                    f"{f' (runs of an earlier invocation, kept from {o.kept_from})' if o.kept_from else ''}.")  # fmt: skip
        if o.case.notes:
            body += ["", o.case.notes]
        if o.errors:
            body.append(f"Failed runs: {'; '.join(o.errors)}.")
        if not figs:
            continue
        body += ["", "| figure | median | spread (min–max) | goal | |", "|---|---|---|---|---|"]
        for f in figs:
            median, spread = f.cells()
            verdict = f.verdict(applies)
            body.append(f"| {f.label} | {median} | {spread} | {f.goal} | {verdict} |")
            if f.goal:
                summary_rows.append(f"| {o.case.title} | {f.label} | {median} | {f.goal} | {verdict} |")
    if summary_rows:
        out += ["", "## Goals", "", "| benchmark | figure | median | goal | |", "|---|---|---|---|---|", *summary_rows]
    out += body
    shown = raw.relative_to(ROOT) if raw.is_relative_to(ROOT) else raw
    out += ["", f"Raw results of every run: `{shown}` (not committed)."]
    return "\n".join(out) + "\n"


def _plan_size(case: Case, contacts: int) -> Case:
    """The plan benchmark at another size; its title says so (goals are judged at 1,000,000 only)."""
    full = list(case.full)
    full[full.index("--contacts") + 1] = str(contacts)
    return replace(case, full=full, title=case.title.replace("1,000,000", f"{contacts:,}"))


def kept_outcomes(path: Path, chosen: list[Case], fresh: list[Outcome], plan_contacts: int) -> list[Outcome]:
    """The fresh outcomes, with every other default benchmark's runs taken from an earlier raw-results file."""
    earlier = json.loads(path.read_text(encoding="utf-8"))
    label = f"{path.name}, {earlier.get('machine', {}).get('date', 'undated')}"
    by_name = {o.case.name: o for o in fresh}
    merged = []
    for case in CASES:
        if case.name in by_name:
            merged.append(by_name[case.name])
            continue
        old = earlier.get("results", {}).get(case.name)
        if not case.default or not old or not old.get("runs") or case.name in {c.name for c in chosen}:
            continue
        if case.script == "plan.py" and plan_contacts != 1_000_000:
            case = _plan_size(case, plan_contacts)
        merged.append(Outcome(case, old["runs"], old.get("seconds", []), old.get("errors", []), label))
    return merged


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, one run: a smoke check, not the figures")
    parser.add_argument("--runs", type=int, default=3, help="runs per benchmark (default 3)")
    parser.add_argument("--plan-runs", type=int, default=1, help="runs of the 1,000,000-contact plans (default 1)")
    parser.add_argument("--plan-contacts", type=int, default=1_000_000,
                        help="contacts for the plan benchmarks (default 1,000,000; fewer: the goals are not judged)")  # fmt: skip
    parser.add_argument("--only", default="", help="comma-separated benchmark names (see --list)")
    parser.add_argument("--skip", default="", help="comma-separated benchmark names to leave out")
    parser.add_argument("--keep", type=Path, help="an earlier raw-results file: benchmarks not run this time take "
                        "their runs from it, so one expensive benchmark can be re-run alone")  # fmt: skip
    parser.add_argument("--list", action="store_true", help="list the benchmarks and exit")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "benchmarks.md")
    parser.add_argument("--json", type=Path, default=ROOT / "var" / "benchmarks.json", help="raw results")
    args = parser.parse_args()
    if args.list:
        for c in CASES:
            print(f"{c.name:12} {c.title}{'' if c.default else '  (only with --only)'}")
        return 0
    only = [n for n in args.only.split(",") if n]
    skip = {n for n in args.skip.split(",") if n}
    unknown = [n for n in [*only, *skip] if n not in BY_NAME]
    if unknown:
        parser.error(f"unknown benchmark(s): {', '.join(unknown)}; known: {', '.join(BY_NAME)}")
    chosen = [BY_NAME[n] for n in only] if only else [c for c in CASES if c.default]
    chosen = [c for c in chosen if c.name not in skip]
    if args.plan_contacts != 1_000_000:
        chosen = [_plan_size(c, args.plan_contacts) if c.script == "plan.py" else c for c in chosen]
    runs = 1 if args.quick else args.runs
    plan_runs = 1 if args.quick else args.plan_runs
    info = machine()
    load_start = info.pop("load average at start (1/5/15 min)")
    print(f"benchmarks: {', '.join(c.name for c in chosen)}; {runs} run(s) each"
          f"{f', plans {plan_runs}' if any(c.expensive for c in chosen) else ''}", file=sys.stderr, flush=True)  # fmt: skip
    started = time.perf_counter()
    outcomes = [run_case(c, plan_runs if c.expensive else runs, args.quick, i, len(chosen))
                for i, c in enumerate(chosen, 1)]  # fmt: skip
    if args.keep is not None:
        outcomes = kept_outcomes(args.keep, chosen, outcomes, args.plan_contacts)
    info["load average (1/5/15 min), start → end"] = \
        f"{load_start} → {' / '.join(f'{v:.2f}' for v in os.getloadavg())}"  # fmt: skip
    info["date"] = info.pop("date")
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps({"machine": info, "quick": args.quick, "results": {
        o.case.name: {"runs": o.runs, "seconds": o.seconds, "errors": o.errors} for o in outcomes}}, indent=2))  # fmt: skip
    page = render_page(outcomes, info, args.quick, runs, plan_runs, args.json.resolve())
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(page, encoding="utf-8")
    print(page)
    print(f"wrote {args.out} and {args.json} in {time.perf_counter() - started:.0f} s", file=sys.stderr)
    return 1 if any(o.errors for o in outcomes) else 0


if __name__ == "__main__":
    sys.exit(main())

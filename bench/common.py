"""Shared helpers for the benchmarks: a throw-away config, peak memory, medians with spread."""

from __future__ import annotations

import json
import os
import resource
import statistics
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def peak_rss_mb() -> float:
    """Peak resident memory of this process so far, in MB (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def reset_peak_rss() -> bool:
    """Start a new peak-memory window (Linux: writing 5 to clear_refs resets VmHWM); False if unsupported."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
        return True
    except OSError:
        return False


def rss_mb() -> float:
    """Resident memory now, in MB (0 where /proc is missing)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def window_peak_rss_mb() -> float:
    """Peak resident memory since the last `reset_peak_rss` (VmHWM), else since the start, in MB."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return peak_rss_mb()


def summary(values: list[float]) -> dict[str, float]:
    return {
        "median": statistics.median(values),
        "min": min(values),
        "max": max(values),
        "runs": len(values),
    }


def bench_environ(db_url: str, smtp_port: int = 1025, **extra: str) -> dict[str, str]:
    env = {
        "NURTURE_DATABASE__URL": db_url,
        "NURTURE_SMTP__HOST": "127.0.0.1",
        "NURTURE_SMTP__PORT": str(smtp_port),
        "NURTURE_SECRET_KEY": "bench-secret-key-0123456789abcdef",
    }
    env.update(extra)
    return env


def make_app(db_url: str, now_iso: str = "2026-11-23T07:00:00+00:00", **extra: str):
    from datetime import datetime

    from nurture.adapters.db.engine import upgrade
    from nurture.clock import FixedClock
    from nurture.entrypoints.app import App
    from nurture.settings import load_settings

    settings = load_settings(ROOT / "config" / "nurture.toml", environ={**os.environ, **bench_environ(db_url, **extra)})
    app = App(settings, FixedClock(datetime.fromisoformat(now_iso)))
    upgrade(app.engine)
    return app


def fresh_postgres(base_url: str, name: str) -> str:
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    url = make_url(base_url)
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return url.set(database=name).render_as_string(hide_password=False)


def drop_postgres(url: str) -> None:
    """Drop a database made by `fresh_postgres`, so benchmarks leave nothing behind."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    target = make_url(url)
    admin = create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{target.database}" WITH (FORCE)'))
    admin.dispose()


def postgres_base() -> str:
    """The server the PostgreSQL benchmarks use: $NURTURE_BENCH_POSTGRES, else the test server."""
    default = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
    return os.environ.get("NURTURE_BENCH_POSTGRES") or os.environ.get("NURTURE_TEST_POSTGRES") or default


def emit(result: dict, as_json: bool, human: list[str]) -> None:
    """One JSON object on stdout for run_all.py (`--json`), else lines for a person to read."""
    if as_json:
        print(json.dumps(result), flush=True)
    else:
        print("\n".join(human), flush=True)


def progress(text: str) -> None:
    """Progress goes to stderr, so stdout stays machine-readable with --json."""
    print(text, file=sys.stderr, flush=True)


def scratch_dir() -> Path:
    return Path(tempfile.mkdtemp(prefix="nurture-bench-"))

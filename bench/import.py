"""Import a generated 100,000-row canonical CSV; print rows/s and peak memory.

Usage: python bench/import.py [--rows N] [--db sqlite|postgres] [--json]
"""

from __future__ import annotations

import argparse
import csv
import random
import shutil
import time
from pathlib import Path

from common import (
    drop_postgres,
    emit,
    fresh_postgres,
    make_app,
    peak_rss_mb,
    postgres_base,
    progress,
    scratch_dir,
)

FIRST = ["Anna", "Jonas", "Lea", "Paul", "Marie", "Felix", "Sophie", "Lukas", "Emma", "Noah", "Mia", "Elias"]
LAST = ["Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Meyer", "Wagner", "Becker", "Hoffmann", "Schulz",
        "von Stein", "O'Neill", "Şahin", "Smith", "Jones"]  # fmt: skip
COUNTRIES = [("de", "DE", "Europe/Berlin"), ("de", "AT", "Europe/Vienna"), ("de", "CH", "Europe/Zurich"),
             ("en", "GB", "Europe/London"), ("en", "US", "America/New_York")]  # fmt: skip


def generate(path: Path, rows: int, seed: int = 7) -> None:
    rng = random.Random(seed)
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["email", "first_name", "last_name", "gender", "title", "language", "country", "formality",
                    "birthday", "company", "position", "timezone", "tier", "topics", "consent", "consent_source",
                    "consent_date"])  # fmt: skip
        for i in range(rows):
            lang, country, tz = rng.choice(COUNTRIES)
            w.writerow([f"person{i}@example{i % 97}.com", rng.choice(FIRST), rng.choice(LAST),
                        rng.choice(["female", "male", "", "diverse"]), rng.choice(["", "", "Dr.", "Prof. Dr."]),
                        lang, country, rng.choice(["formal", "informal"]),
                        f"{rng.randint(1950, 2000)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
                        f"Firma {i % 5000}", "Leitung", tz, rng.choice("ABCCC"), "marketing;sales", "opt_in",
                        "bench", "2025-01-01"])  # fmt: skip


def run(db: str, rows: int) -> dict[str, float]:
    from nurture.adapters.db.importing import Importer
    from nurture.adapters.importers import read_contacts

    work = scratch_dir()
    csv_path = work / "contacts.csv"
    generate(csv_path, rows)
    url = fresh_postgres(postgres_base(), "nurture_bench_import") if db == "postgres" else \
        f"sqlite:///{work / 'bench.db'}"  # fmt: skip
    app = make_app(url)
    try:
        progress(f"import[{db}]: importing {rows} rows")
        started = time.perf_counter()
        summary = Importer(app.factory, app.import_defaults(), app.now(), "bench", "csv").run(
            read_contacts(csv_path, "csv"), str(csv_path)
        )
        seconds = time.perf_counter() - started
    finally:
        app.engine.dispose()
        if db == "postgres":
            drop_postgres(url)
        shutil.rmtree(work, ignore_errors=True)
    assert summary.created == rows, summary.as_dict()
    return {"rows": rows, "seconds": seconds, "rows_per_s": rows / seconds, "peak_mb": peak_rss_mb()}


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--json", action="store_true", help="one JSON object on stdout")
    args = parser.parse_args()
    result = {"bench": "import", "db": args.db, **{k: round(v, 2) for k, v in run(args.db, args.rows).items()}}
    emit(result, args.json, [f"import, {args.db}: {result['rows']} rows in {result['seconds']:.1f} s = "
                             f"{result['rows_per_s']:.0f} rows/s, peak memory {result['peak_mb']:.0f} MB"])  # fmt: skip

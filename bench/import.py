"""Import a generated 100,000-row canonical CSV; print rows/s and peak memory.

Usage: python bench/import.py [--rows N] [--db sqlite|postgres]
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import time
from pathlib import Path

from common import fresh_postgres, make_app, peak_rss_mb, scratch_dir

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
    if db == "postgres":
        url = fresh_postgres(os.environ.get("NURTURE_TEST_POSTGRES", "postgresql+psycopg://postgres@127.0.0.1/test"),
                             "nurture_bench_import")  # fmt: skip
    else:
        url = f"sqlite:///{work / 'bench.db'}"
    app = make_app(url)
    started = time.perf_counter()
    summary = Importer(app.factory, app.import_defaults(), app.now(), "bench", "csv").run(
        read_contacts(csv_path, "csv"), str(csv_path)
    )
    seconds = time.perf_counter() - started
    assert summary.created == rows, summary.as_dict()
    return {"rows": rows, "seconds": seconds, "rows_per_s": rows / seconds, "peak_mb": peak_rss_mb()}


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    args = parser.parse_args()
    result = run(args.db, args.rows)
    print(json.dumps({"bench": "import", "db": args.db, **{k: round(v, 2) for k, v in result.items()}}))

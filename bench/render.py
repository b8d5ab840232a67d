"""Rendering throughput: messages/s composing a real message from the real templates.

Each message goes the whole way a planned and then sent message goes: the salutation from
the contact's language, country, formality, gender and title; the wording from templates/;
the offer guard on subject, text and HTML; then the MIME bytes as the dispatcher builds them
(headers, both parts, footer, List-Unsubscribe). Contacts and occasions are a realistic mix.
Usage: python bench/render.py [--messages 5000] [--json]
"""

from __future__ import annotations

import argparse
import random
import time
from datetime import UTC, date, datetime, timedelta
from types import SimpleNamespace
from typing import Any

from common import emit, make_app, progress

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
WARM_UP = 400
PEOPLE = [("de", "DE", "Europe/Berlin"), ("de", "AT", "Europe/Vienna"), ("de", "CH", "Europe/Zurich"),
          ("en", "GB", "Europe/London"), ("en", "US", "America/New_York")]  # fmt: skip
FIRST = {"female": ["Anna", "Lea", "Marie", "Emma"], "male": ["Jonas", "Paul", "Felix", "Lukas"], None: ["Kim", "Alex"]}
LAST = ["Müller", "Schmidt", "von Stein", "Weber", "O'Neill", "Şahin", "Smith", "van der Berg"]
TITLES = [None, None, None, "Dr.", "Prof. Dr.", "Mag.", "Dipl.-Ing."]
TOPICS = ["marketing", "sales", "leadership", "it-security", "hr", "finance", "sustainability", "data"]
OCCASIONS = {"birthday": 25, "content_drop": 35, "reconnect": 15, "job_change": 8, "promotion": 5,
             "work_anniversary": 7, "publication": 3, "achievement": 2}  # fmt: skip
DETAILS = {"job_change": {"company": "Muster GmbH", "position": "Head of Sales", "old_company": "Alt AG"},
           "promotion": {"position": "Head of Marketing"}, "publication": {"title": "Einkauf im Wandel"},
           "achievement": {"what": "Auszeichnung als Arbeitgeber des Jahres"}}  # fmt: skip


def contacts(n: int, seed: int = 5) -> list[Any]:
    from nurture.domain.contacts import ContactView

    rng = random.Random(seed)
    views = []
    for i in range(1, n + 1):
        lang, country, tz = rng.choice(PEOPLE)
        gender = rng.choice(["female", "male", "female", "male", None])
        views.append(ContactView(
            id=i, email=f"p{i}@example{i % 97}.com", first_name=rng.choice(FIRST[gender]), last_name=rng.choice(LAST),
            gender=gender, title=rng.choice(TITLES), language=lang, country=country,
            formality=rng.choice(["formal", "formal", "informal"]), tier=rng.choice("ABCCC"), timezone=tz,
            birthday=f"{rng.randint(1955, 2000)}-0{rng.randint(1, 9)}-1{rng.randint(0, 9)}",
            company=f"Firma {i % 500}", position="Leitung", started_on=date(rng.randint(2000, 2024), 3, 1),
            topics=tuple(rng.sample(TOPICS, 2)), profile_url=None, note=None,
            consent=rng.choice(["opt_in", "opt_in", "existing_customer"]), consent_source="bench",
            consent_date=date(2025, 1, 1), unsubscribed=False, bounced=False, source="bench",
            created_at=NOW - timedelta(days=400), updated_at=NOW - timedelta(days=400),
        ))  # fmt: skip
    return views


def jobs(app: Any, views: list[Any], seed: int = 9) -> list[tuple[Any, str, date, Any, Any]]:
    """(contact, occasion, date, event context, content item) for each message to render."""
    from nurture.usecases.message_context import event_context

    rng = random.Random(seed)
    library = app.library
    out = []
    for view in views:
        occasion = rng.choices(list(OCCASIONS), list(OCCASIONS.values()))[0]
        day = (NOW + timedelta(days=rng.randrange(14))).date()
        if occasion in DETAILS:
            event = event_context(view, occasion, day, occasion, day - timedelta(days=3), DETAILS[occasion])
        else:
            event = event_context(view, occasion, day)
        items = [c for c in library if c.language == view.language] if occasion == "content_drop" else []
        out.append((view, occasion, day, event, rng.choice(items) if items else None))
    return out


def run(messages: int) -> dict[str, Any]:
    from nurture.rendering.mime import build_mail

    app = make_app("sqlite://", NOW.isoformat())
    composer, dkim = app.composer, app.dkim()
    todo = jobs(app, contacts(messages))
    # Warm-up on other contacts: every wording compiled once, as in a long-running daemon.
    for view, occasion, day, event, content in jobs(app, contacts(WARM_UP, seed=99), seed=98):
        composer.compose(view, occasion, day, event, content)
    progress(f"render: composing and building {messages} messages")
    statuses: dict[str, int] = {}
    compose_s = mime_s = 0.0
    size = 0
    started = time.perf_counter()
    for i, (view, occasion, day, event, content) in enumerate(todo):
        t0 = time.perf_counter()
        composed = composer.compose(view, occasion, day, event, content)
        t1 = time.perf_counter()
        statuses[composed.status] = statuses.get(composed.status, 0) + 1
        if composed.status == "pending":
            row = SimpleNamespace(id=i + 1, subject=composed.subject, text=composed.text, html=composed.html,
                                  message_id=None)  # fmt: skip
            size += len(build_mail(app.outgoing(row, view), dkim=dkim).data)
        mime_s += time.perf_counter() - t1
        compose_s += t1 - t0
    seconds = time.perf_counter() - started
    built = statuses.get("pending", 0)
    return {"bench": "render", "messages": messages, "seconds": round(seconds, 3),
            "msgs_per_s": round(messages / seconds, 1), "compose_per_s": round(messages / compose_s, 1),
            "mime_per_s": round(built / mime_s, 1) if mime_s else None, "statuses": statuses,
            "mean_mail_bytes": round(size / built) if built else None, "dkim": dkim is not None}  # fmt: skip


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=5000)
    parser.add_argument("--json", action="store_true", help="one JSON object on stdout")
    args = parser.parse_args()
    r = run(args.messages)
    emit(r, args.json, [
        f"render: {r['messages']} messages in {r['seconds']:.2f} s = {r['msgs_per_s']:.0f} messages/s "
        f"(salutation + template + guard + MIME)",
        f"  compose alone {r['compose_per_s']:.0f}/s, MIME alone {r['mime_per_s']}/s, "
        f"mean mail {r['mean_mail_bytes']} bytes, DKIM {'on' if r['dkim'] else 'off'}",
        f"  statuses: {r['statuses']}",
    ])  # fmt: skip

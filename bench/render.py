"""Rendering throughput: messages/s composing a real message from the real templates.

Each message goes the whole way a planned and then sent message goes: the salutation from
the contact's language, country, formality, gender and title; the wording from templates/;
the offer guard on subject, text and HTML; then the MIME bytes as the dispatcher builds them
(headers, both parts, footer, List-Unsubscribe). Contacts and occasions are a realistic mix.
`--dkim` adds the CPU time of one DKIM signature (2048-bit RSA) over the built messages, of
nurture's signer and of `dkim.sign` (pure-Python RSA, the signer nurture used before), and
checks that both write the same header.
Usage: python bench/render.py [--messages 5000] [--dkim] [--json]
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


def dkim_cpu(mails: list[Any], reference_max: int = 300) -> dict[str, Any]:
    """CPU ms per signature of DkimSigner and of dkim.sign on the same unsigned messages."""
    import re

    import dkim
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    from nurture.adapters.dkim_signer import SIGNED_HEADERS, DkimSigner
    from nurture.rendering.mime import build_mail

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL,
                            serialization.NoEncryption())  # fmt: skip
    signer = DkimSigner("bench2026", "example.com", pem)
    datas = [build_mail(m).data for m in mails]

    def reference(data: bytes) -> bytes:
        return dkim.sign(data, b"bench2026", b"example.com", pem, include_headers=list(SIGNED_HEADERS),
                         canonicalize=(b"relaxed", b"relaxed"), linesep=b"\r\n")  # fmt: skip

    for data in datas[:20]:  # warm-up
        signer.sign(data)
    progress(f"render: DKIM-signing {len(datas)} messages, {min(len(datas), reference_max)} with dkimpy")
    started = time.process_time()
    for data in datas:
        signer.sign(data)
    ours = (time.process_time() - started) / len(datas)
    sample = datas[:reference_max]
    started = time.process_time()
    headers = [reference(data) for data in sample]
    theirs = (time.process_time() - started) / len(sample)
    same = sum(signer.sign(data, timestamp=int(re.search(rb"[; ]t=(\d+);", old).group(1))) == old + data
               for data, old in zip(sample, headers, strict=True))  # fmt: skip
    return {"dkim_sign_cpu_ms": round(ours * 1000, 3), "dkimpy_sign_cpu_ms": round(theirs * 1000, 3),
            "dkim_speedup": round(theirs / ours, 1), "dkim_identical": f"{same}/{len(sample)}"}  # fmt: skip


def run(messages: int, with_dkim: bool = False) -> dict[str, Any]:
    from nurture.rendering.mime import build_mail

    app = make_app("sqlite://", NOW.isoformat())
    composer, dkim = app.composer, app.dkim()
    todo = jobs(app, contacts(messages))
    # Warm-up on other contacts: every wording compiled once, as in a long-running daemon.
    for view, occasion, day, event, content in jobs(app, contacts(WARM_UP, seed=99), seed=98):
        composer.compose(view, occasion, day, event, content)
    progress(f"render: composing and building {messages} messages")
    statuses: dict[str, int] = {}
    outgoing: list[Any] = []  # kept for the --dkim figure, signed after the timed loop
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
            mail = app.outgoing(row, view)
            size += len(build_mail(mail, dkim=dkim).data)
            if with_dkim:
                outgoing.append(mail)
        mime_s += time.perf_counter() - t1
        compose_s += t1 - t0
    seconds = time.perf_counter() - started
    built = statuses.get("pending", 0)
    figures = dkim_cpu(outgoing) if outgoing else {}
    return {"bench": "render", "messages": messages, "seconds": round(seconds, 3),
            "msgs_per_s": round(messages / seconds, 1), "compose_per_s": round(messages / compose_s, 1),
            "mime_per_s": round(built / mime_s, 1) if mime_s else None, "statuses": statuses,
            "mean_mail_bytes": round(size / built) if built else None, "dkim": dkim is not None,
            **figures}  # fmt: skip


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=5000)
    parser.add_argument("--dkim", action="store_true", help="also the CPU time of one DKIM signature")
    parser.add_argument("--json", action="store_true", help="one JSON object on stdout")
    args = parser.parse_args()
    r = run(args.messages, args.dkim)
    signing = [f"  DKIM signature: {r['dkim_sign_cpu_ms']:.3f} ms CPU (dkim.sign: {r['dkimpy_sign_cpu_ms']:.3f} ms, "
               f"{r['dkim_speedup']}x), same header as dkim.sign for {r['dkim_identical']} messages"] \
        if "dkim_sign_cpu_ms" in r else []  # fmt: skip
    emit(r, args.json, [
        f"render: {r['messages']} messages in {r['seconds']:.2f} s = {r['msgs_per_s']:.0f} messages/s "
        f"(salutation + template + guard + MIME)",
        f"  compose alone {r['compose_per_s']:.0f}/s, MIME alone {r['mime_per_s']}/s, "
        f"mean mail {r['mean_mail_bytes']} bytes, DKIM {'on' if r['dkim'] else 'off'}",
        f"  statuses: {r['statuses']}",
        *signing,
    ])  # fmt: skip

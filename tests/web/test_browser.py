"""The approval page in Debian's chromium, driven by Playwright against the real uvicorn server.

Screenshots of the queue, a message and the dashboard go to an artifact folder
(NURTURE_TEST_ARTIFACTS, else `artifacts/` under the test's tmp_path).
"""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from web_support import NOW, PASSWORD, SECRET, add_contact, add_message, message_status

from nurture.entrypoints.web.server import create_app
from nurture.outbox.tokens import sign_unsubscribe

pytestmark = pytest.mark.browser
CHROMIUM = os.environ.get("NURTURE_TEST_CHROMIUM", "/usr/bin/chromium")
HOSTILE = "<img src=x onerror=alert(1)>"


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(f"chromium not found at {CHROMIUM}; install Debian's chromium or set NURTURE_TEST_CHROMIUM")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield b
        b.close()


@pytest.fixture
def base_url(web_app: Any) -> Iterator[str]:
    """The real server on 127.0.0.1 and a free port, in a thread."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(create_app(web_app), host="127.0.0.1", port=port, log_config=None, lifespan="off",
                            access_log=False)  # fmt: skip
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert time.monotonic() < deadline, "the server did not start"
        time.sleep(0.02)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)
    sock.close()


@pytest.fixture
def artifacts(tmp_path: Path) -> Path:
    folder = Path(os.environ.get("NURTURE_TEST_ARTIFACTS") or tmp_path / "artifacts")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture
def page(browser: Any, base_url: str) -> Iterator[Any]:
    context = browser.new_context(base_url=base_url, viewport={"width": 1280, "height": 900})
    p = context.new_page()
    p.dialogs = []  # type: ignore[attr-defined]
    p.on("dialog", lambda d: (p.dialogs.append(d.message), d.dismiss()))  # type: ignore[attr-defined]
    p.set_default_timeout(10_000)
    yield p
    context.close()


def log_in(page: Any, password: str = PASSWORD) -> None:
    page.goto("/login")
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")


def test_wrong_password_is_refused_and_throttled(page: Any) -> None:
    for _ in range(4):
        log_in(page, "not the password")
        assert page.locator("[role=alert]").inner_text() == "Wrong password."
    log_in(page, "still wrong")
    assert "Too many failed attempts" in page.locator("[role=alert]").inner_text()
    log_in(page)
    assert "Too many failed attempts" in page.locator("[role=alert]").inner_text()
    assert page.url.endswith("/login")


def test_approve_a_message_and_see_it_leave_the_pending_list(page: Any, web_app: Any, artifacts: Path) -> None:
    cid = add_contact(web_app, first_name="Lena", last_name="Vogel")
    keep = add_message(web_app, cid, subject="Zum Jubiläum", send_at=NOW + timedelta(days=4))
    mid = add_message(web_app, cid, subject="Alles Gute, Frau Vogel", html="<p>Alles <b>Gute</b></p>")
    log_in(page)
    assert page.locator(f"tr[data-id='{mid}']").count() == 1
    page.screenshot(path=str(artifacts / "queue.png"), full_page=True)
    page.click("text=Alles Gute, Frau Vogel")
    assert page.locator("h1").inner_text().startswith(f"Message {mid}")
    assert "Gute" in page.frame_locator("iframe.preview").locator("body").inner_text()
    page.screenshot(path=str(artifacts / "message.png"), full_page=True)
    # headless chromium leaves the sandboxed frame out of full-page shots; keep the preview on its own
    page.locator("iframe.preview").screenshot(path=str(artifacts / "message-html.png"))
    page.click("#approve-form button[type=submit]")
    page.wait_for_url("**/queue")
    assert "Approved" in page.locator(".flash").first.inner_text()
    assert page.locator(f"tr[data-id='{mid}']").count() == 0
    assert page.locator(f"tr[data-id='{keep}']").count() == 1
    assert message_status(web_app, mid)[0] == "approved"
    assert (artifacts / "queue.png").stat().st_size > 0 and (artifacts / "message.png").stat().st_size > 0


def test_reject_with_a_reason(page: Any, web_app: Any) -> None:
    mid = add_message(web_app, add_contact(web_app), subject="Nicht jetzt")
    log_in(page)
    page.goto(f"/messages/{mid}")
    page.fill("#reject-form input[name=reason]", "too soon after the last mail")
    page.click("#reject-form button[type=submit]")
    page.wait_for_url("**/queue")
    assert page.locator(f"tr[data-id='{mid}']").count() == 0
    assert message_status(web_app, mid) == ("rejected", "too soon after the last mail")


def test_fix_a_review_contact(page: Any, web_app: Any) -> None:
    cid = add_contact(web_app, first_name=None, last_name="Roth", gender=None)
    mid = add_message(web_app, cid, status="review", reason="no neutral form")
    log_in(page)
    page.goto("/review")
    card = page.locator(f"#contact-{cid}")
    card.locator("select[name=gender]").select_option("male")
    card.locator("input[name=title]").fill("Dr.")
    card.locator("button[type=submit]").click()
    page.wait_for_url(f"**/contacts/{cid}")
    assert page.locator("#salutation .salutation").inner_text() == "Sehr geehrter Herr Dr. Roth,"
    assert "pending" in page.locator("#planned").inner_text()
    assert message_status(web_app, mid)[0] == "pending"


def test_html_preview_is_sandboxed_and_hostile_names_stay_text(page: Any, web_app: Any) -> None:
    cid = add_contact(web_app, first_name=HOSTILE, last_name="Test")
    html = '<p id="hello">Hallo</p><script>alert("from mail")</script><img src=x onerror="alert(2)">'
    mid = add_message(web_app, cid, subject=HOSTILE, html=html)
    log_in(page)
    page.goto("/queue")
    assert HOSTILE in page.locator(f"tr[data-id='{mid}']").inner_text()
    page.goto(f"/messages/{mid}")
    frame_element = page.locator("iframe.preview")
    assert frame_element.get_attribute("sandbox") == ""
    frame = frame_element.content_frame
    assert frame.locator("#hello").inner_text() == "Hallo"
    page.goto(f"/contacts/{cid}")
    assert page.locator("h1").inner_text() == f"{HOSTILE} Test"
    page.wait_for_timeout(300)
    assert page.dialogs == []  # type: ignore[attr-defined]


def test_post_without_csrf_token_is_refused(page: Any, web_app: Any) -> None:
    mid = add_message(web_app, add_contact(web_app))
    log_in(page)
    response = page.request.post(f"/messages/{mid}/approve", form={"note": ""})
    assert response.status == 403
    assert message_status(web_app, mid)[0] == "pending"


def test_dashboard_shows_both_charts(page: Any, web_app: Any, artifacts: Path) -> None:
    a = add_contact(web_app, tier="A")
    b = add_contact(web_app, tier="B", gender="male")
    for i in range(30):
        add_message(web_app, a if i % 2 else b, send_at=NOW + timedelta(days=i % 40, hours=i))
    add_message(web_app, a, status="sent", send_at=NOW - timedelta(days=5), sent_at=NOW - timedelta(days=5))
    log_in(page)
    page.goto("/dashboard")
    heat = page.locator("svg.heatmap")
    bars = page.locator("svg.coverage")
    assert heat.is_visible() and bars.is_visible()
    assert heat.locator("rect.day").count() >= 89
    assert bars.locator("rect.bar").count() == 4
    assert heat.bounding_box()["width"] > 200
    shot = artifacts / "dashboard.png"
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 10_000


def test_follow_an_unsubscribe_link(page: Any, web_app: Any) -> None:
    cid = add_contact(web_app, email="weg@example.org")
    mid = add_message(web_app, cid)
    page.goto(f"/u/{sign_unsubscribe(cid, SECRET.encode())}")
    assert "weg@example.org" in page.inner_text("main")
    assert message_status(web_app, mid)[0] == "pending"
    page.click("button[type=submit]")
    assert "You are unsubscribed" in page.inner_text("h1")
    assert message_status(web_app, mid)[0] == "rejected"

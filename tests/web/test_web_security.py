"""Login, session cookie, CSRF, throttling, refusal to start, escaping of contact data."""

from __future__ import annotations

from typing import Any

import pytest
from starlette.testclient import TestClient
from web_support import PASSWORD, add_contact, add_message, build_app, csrf_of, message_status

from nurture.entrypoints.web.security import COOKIE, LoginThrottle, safe_next, same_secret
from nurture.entrypoints.web.server import create_app
from nurture.errors import NurtureError

HOSTILE = "<img src=x onerror=alert(1)>"


def test_refuses_to_start_without_password(factory: Any, db_url: str, tmp_path: Any, monkeypatch: Any) -> None:
    monkeypatch.delenv("NURTURE_WEB_PASSWORD", raising=False)
    monkeypatch.setenv("NURTURE_SECRET_KEY", "k" * 32)
    with pytest.raises(NurtureError, match="NURTURE_WEB_PASSWORD"):
        create_app(build_app(tmp_path, db_url))


def test_refuses_to_start_without_secret_key(factory: Any, db_url: str, tmp_path: Any, monkeypatch: Any) -> None:
    monkeypatch.setenv("NURTURE_WEB_PASSWORD", PASSWORD)
    monkeypatch.delenv("NURTURE_SECRET_KEY", raising=False)
    with pytest.raises(NurtureError, match="NURTURE_SECRET_KEY"):
        create_app(build_app(tmp_path, db_url))


def test_healthz_answers_without_login(client: TestClient) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.text == "ok"


@pytest.mark.parametrize("path", ["/", "/queue", "/review", "/dashboard", "/messages/1", "/contacts/1"])
def test_pages_need_login(client: TestClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 303
    assert response.headers["location"].startswith("/login")


def test_post_without_session_is_refused(client: TestClient, web_app: Any) -> None:
    mid = add_message(web_app, add_contact(web_app))
    response = client.post("/queue/approve", data={"id": str(mid), "csrf": "x"})
    assert response.status_code == 401
    assert message_status(web_app, mid)[0] == "pending"


def test_login_sets_a_hardened_cookie_and_returns_to_the_page(client: TestClient) -> None:
    page = client.get("/login?next=/dashboard")
    response = client.post("/login", data={"password": PASSWORD, "csrf": csrf_of(page.text), "next": "/dashboard"})
    assert response.status_code == 303
    assert response.headers["location"] == "/dashboard"
    cookie = response.headers["set-cookie"]
    assert cookie.startswith(f"{COOKIE}=")
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie.replace("Lax", "lax")
    assert "Secure" not in cookie  # plain http on the test client
    assert client.get("/dashboard").status_code == 200


def test_cookie_is_secure_over_https(web_app: Any) -> None:
    with TestClient(create_app(web_app), base_url="https://testserver", follow_redirects=False) as c:
        page = c.get("/login")
        response = c.post("/login", data={"password": PASSWORD, "csrf": csrf_of(page.text)})
    assert response.status_code == 303
    assert "Secure" in response.headers["set-cookie"]


def test_cookie_is_secure_when_configured(factory: Any, db_url: str, tmp_path: Any, secrets_env: None) -> None:
    app = build_app(tmp_path, db_url, {("web", "secure_cookies"): "true"})
    with TestClient(create_app(app), follow_redirects=False) as c:
        response = c.get("/login")
    assert "Secure" in response.headers["set-cookie"]
    app.engine.dispose()


def test_wrong_password_is_refused(client: TestClient) -> None:
    page = client.get("/login")
    response = client.post("/login", data={"password": "guess", "csrf": csrf_of(page.text)})
    assert response.status_code == 401
    assert "Wrong password" in response.text
    assert client.get("/queue").status_code == 303


def test_repeated_failures_are_throttled_even_for_the_right_password(client: TestClient) -> None:
    token = csrf_of(client.get("/login").text)
    codes = [client.post("/login", data={"password": f"guess{i}", "csrf": token}).status_code for i in range(5)]
    assert codes == [401, 401, 401, 401, 429]
    blocked = client.post("/login", data={"password": PASSWORD, "csrf": token})
    assert blocked.status_code == 429
    assert int(blocked.headers["retry-after"]) > 0
    assert "Too many failed attempts" in blocked.text
    assert client.get("/queue").status_code == 303


def test_throttle_forgets_failures_after_the_window() -> None:
    now = [1000.0]
    throttle = LoginThrottle(limit=3, window=60, timer=lambda: now[0])
    for _ in range(3):
        throttle.failed("10.0.0.1")
    assert throttle.retry_after("10.0.0.1") > 0
    assert throttle.retry_after("10.0.0.2") == 0
    now[0] += 61
    assert throttle.retry_after("10.0.0.1") == 0


def test_login_without_csrf_token_is_refused(client: TestClient) -> None:
    client.get("/login")
    response = client.post("/login", data={"password": PASSWORD})
    assert response.status_code == 403
    assert client.get("/queue").status_code == 303


def test_state_changes_need_the_csrf_token(logged_in: tuple[TestClient, str], web_app: Any) -> None:
    client, token = logged_in
    mid = add_message(web_app, add_contact(web_app))
    assert client.post(f"/messages/{mid}/approve", data={}).status_code == 403
    assert client.post(f"/messages/{mid}/approve", data={"csrf": token + "x"}).status_code == 403
    assert client.post("/queue/approve", data={"id": str(mid)}).status_code == 403
    cross = client.post(f"/messages/{mid}/reject", data={"csrf": token, "reason": "x"},
                        headers={"Origin": "https://evil.example"})  # fmt: skip
    assert cross.status_code == 403
    assert message_status(web_app, mid)[0] == "pending"
    ok = client.post(f"/messages/{mid}/reject", data={"csrf": token, "reason": "not now"})
    assert ok.status_code == 303
    assert message_status(web_app, mid) == ("rejected", "not now")


def test_tampered_cookie_is_not_a_session(logged_in: tuple[TestClient, str]) -> None:
    client, _ = logged_in
    value = client.cookies.get(COOKIE)
    assert value
    client.cookies.set(COOKIE, value[:-2] + ("AA" if not value.endswith("AA") else "BB"))
    assert client.get("/queue").status_code == 303


def test_logout_ends_the_session(logged_in: tuple[TestClient, str]) -> None:
    client, token = logged_in
    assert client.post("/logout", data={"csrf": token}).status_code == 303
    client.cookies.clear()
    assert client.get("/queue").status_code == 303


def test_no_open_redirect_after_login() -> None:
    assert safe_next("//evil.example/x") == "/queue"
    assert safe_next("https://evil.example") == "/queue"
    assert safe_next("/\\evil.example") == "/queue"
    assert safe_next("/contacts/3") == "/contacts/3"


def test_password_comparison() -> None:
    assert same_secret(PASSWORD, PASSWORD)
    assert not same_secret(PASSWORD[:-1], PASSWORD)
    assert not same_secret("", PASSWORD)


def test_pages_carry_a_strict_content_security_policy(logged_in: tuple[TestClient, str]) -> None:
    client, _ = logged_in
    response = client.get("/queue")
    policy = response.headers["content-security-policy"]
    assert "default-src 'none'" in policy and "script-src" not in policy
    assert response.headers["x-frame-options"] == "DENY"


def test_hostile_contact_name_is_shown_as_text(logged_in: tuple[TestClient, str], web_app: Any) -> None:
    client, _ = logged_in
    cid = add_contact(web_app, first_name=HOSTILE, last_name="<script>alert(2)</script>", company=HOSTILE)
    mid = add_message(web_app, cid, subject=HOSTILE)
    for path in ("/queue", f"/contacts/{cid}", f"/messages/{mid}", "/queue?q=img"):
        html = client.get(path).text
        assert "&lt;img src=x onerror=alert(1)&gt;" in html, path
        assert "<img src=x" not in html, path
        assert "<script>alert(2)" not in html, path

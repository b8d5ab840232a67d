"""The server entry points: embedded in the daemon's event loop, bind address, refusal to start."""

from __future__ import annotations

import asyncio
import signal
import socket
from pathlib import Path
from typing import Any

import httpx
import pytest
from web_support import build_app

from nurture.entrypoints.web.server import bind_address, serve, start_embedded
from nurture.errors import NurtureError


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def test_the_embedded_server_runs_in_the_loop_and_stops_when_told(
    factory: Any, db_url: str, tmp_path: Path, secrets_env: None
) -> None:
    port = free_port()
    app = build_app(tmp_path, db_url, {("web", "bind"): f'"127.0.0.1:{port}"'})
    before = signal.getsignal(signal.SIGTERM)
    server, task = await start_embedded(app)
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as client:
        for _ in range(100):
            try:
                response = await client.get("/healthz")
                break
            except httpx.ConnectError:
                await asyncio.sleep(0.05)
        else:
            pytest.fail("the embedded server did not start")
        assert (response.status_code, response.text) == (200, "ok")
        assert signal.getsignal(signal.SIGTERM) is before  # signals stay with the daemon
        server.should_exit = True
        await asyncio.wait_for(task, timeout=10)
        with pytest.raises(httpx.ConnectError):
            await client.get("/healthz")
    app.engine.dispose()


def test_bind_address_from_config_and_overrides(factory: Any, db_url: str, tmp_path: Path, secrets_env: None) -> None:
    app = build_app(tmp_path, db_url, {("web", "bind"): '"[::1]:8443"'})
    assert bind_address(app) == ("::1", 8443)
    assert bind_address(app, "127.0.0.1", 9000) == ("127.0.0.1", 9000)


def test_serve_refuses_without_secrets(factory: Any, db_url: str, tmp_path: Path, monkeypatch: Any) -> None:
    monkeypatch.delenv("NURTURE_WEB_PASSWORD", raising=False)
    monkeypatch.delenv("NURTURE_SECRET_KEY", raising=False)
    with pytest.raises(NurtureError, match="set NURTURE_WEB_PASSWORD"):
        serve(build_app(tmp_path, db_url), port=free_port())

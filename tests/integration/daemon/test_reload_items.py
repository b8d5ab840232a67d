"""A reload with a broken content item still applies the rest; one the daemon cannot send with is refused.

The daemon started despite a content item with a problem (the item is left out), but then
refused every later reload because of that item, so a new send window never took effect; and it
accepted a reload naming a DKIM key file that does not exist, after which every send run failed.
"""

from __future__ import annotations

import asyncio
import logging
import os
from datetime import timedelta

import pytest

from ..delivery.conftest import make_app
from . import test_daemon
from .test_daemon import daemon_env
from .test_daemon_hunt import in_process_daemon

config_copy = test_daemon.config_copy  # the fixture: a private copy of config and templates


@pytest.mark.slow
def test_a_reload_leaves_a_bad_item_out_and_refuses_what_sending_cannot_work_with(tmp_path, config_copy, caplog):
    """Slow: each reload checks every template as `nurture check` does (several seconds)."""
    db_url = f"sqlite:///{tmp_path / 'nurture.db'}"
    make_app(db_url, 25)
    env = daemon_env(db_url, 25)
    env.pop("NURTURE_NOW")
    old = os.environ.copy()
    os.environ.update(env)  # the reload reads the config as `nurture check` does, environment included
    content = config_copy.parent / "content.toml"
    try:

        async def scenario() -> None:
            daemon = in_process_daemon(config_copy, env)
            content.write_text(content.read_text(encoding="utf-8").replace(
                'url = "https://example.com/de/leitfaden-phishing"', 'url = "example.com/leitfaden"'),
                encoding="utf-8")  # fmt: skip
            text = config_copy.read_text(encoding="utf-8")
            config_copy.write_text(text.replace('A = "21d"', 'A = "14d"'), encoding="utf-8")
            with caplog.at_level(logging.INFO):
                assert await daemon.reload("test")
            assert daemon.app.settings.cadence.A == timedelta(days=14)
            assert "leitfaden-phishing" not in {item.id for item in daemon.app.library}
            assert "content items with a problem are left out" in caplog.text
            caplog.clear()
            keyed = (text.replace('A = "21d"', 'A = "7d"').replace('dkim_selector = ""', 'dkim_selector = "s1"')
                     .replace('dkim_domain = ""', 'dkim_domain = "example.com"')
                     .replace('dkim_key_file = ""', 'dkim_key_file = "gone.pem"'))  # fmt: skip
            assert keyed != text
            config_copy.write_text(keyed, encoding="utf-8")
            with caplog.at_level(logging.INFO):
                assert not await daemon.reload("test")
            assert daemon.app.settings.cadence.A == timedelta(days=14)  # still the last good one
            assert "there is no file" in caplog.text and "new configuration rejected" in caplog.text

        asyncio.run(scenario())
    finally:
        os.environ.clear()
        os.environ.update(old)

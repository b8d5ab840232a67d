"""A daemon started with an empty legal footer mailed without imprint: `nurture send` refused such a
config, `nurture run` did not look. It now refuses to start, naming the key and its line."""

from __future__ import annotations

from ..delivery.conftest import make_app
from . import test_daemon
from .test_daemon import daemon_env
from .test_daemon_hunt import run_until_exit

config_copy = test_daemon.config_copy  # the fixture: a private copy of config and templates


def test_a_daemon_with_an_empty_postal_address_does_not_start(db_url, smtp, config_copy):
    _handler, port = smtp
    make_app(db_url, port)
    text = config_copy.read_text(encoding="utf-8")
    lines = text.splitlines()
    at = next(i for i, line in enumerate(lines, start=1) if line.startswith("postal_address"))
    lines[at - 1] = 'postal_address = ""'
    config_copy.write_text("\n".join(lines) + "\n", encoding="utf-8")
    code, err = run_until_exit(config_copy, daemon_env(db_url, port))
    assert code == 1, err
    assert f"nurture.toml:{at}: [sender] postal_address is empty" in err, err
    assert "the daemon did not start" in err and "Traceback" not in err

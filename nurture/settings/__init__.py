"""nurture.settings: `config/nurture.toml` and its `NURTURE_<SECTION>__<KEY>` overrides, validated."""

from __future__ import annotations

from nurture.settings.load import check_settings, load_settings, sending_problems
from nurture.settings.model import Settings

__all__ = ["Settings", "check_settings", "load_settings", "sending_problems"]

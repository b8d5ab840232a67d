"""The approval page: review, fix and approve messages in a browser, behind a login."""

from __future__ import annotations

"""Recognising an import file's format from its first bytes (and, failing that, its name)."""

from __future__ import annotations

import codecs
from pathlib import Path

from nurture.adapters.importers.textio import utf16_without_bom

LINKEDIN_MARKERS = ("first name,last name", "connected on")


def _head_text(head: bytes) -> str:
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return head.decode("utf-16", "replace")
    if head.startswith(codecs.BOM_UTF8):
        head = head[3:]
    bare = utf16_without_bom(head)
    if bare is not None:
        return head[: len(head) - len(head) % 2].decode(bare, "replace")
    return head.decode("utf-8", "replace")


def detect_format(path: str | Path, head: bytes) -> str:
    """"vcard", "linkedin" or "csv" for a file starting with `head` (a few kilobytes suffice)."""
    text = _head_text(head).lstrip().lower()
    if text.startswith("begin:vcard"):
        return "vcard"
    if text.startswith("notes:") or all(marker in text for marker in LINKEDIN_MARKERS):
        return "linkedin"
    if "\nbegin:vcard" in text[:4096] and "," not in text.split("\n", 1)[0]:
        return "vcard"
    suffix = Path(path).suffix.lower()
    if suffix in (".vcf", ".vcard"):
        return "vcard"
    return "csv"

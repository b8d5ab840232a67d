"""E-mail addresses as nurture stores them: one normal form, so uniqueness means one person.

An address is stored with its domain in Unicode form (IDNA2008/UTS #46, never Python's
IDNA2003 codec, which turns `straße.de` into a different domain) and its local part in lower
case: contacts are unique case-insensitively, and no mailbox provider in practice separates
`Anna@` from `anna@`. The ASCII form is derived only when a message goes out.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import idna

MAX_LOCAL_OCTETS = 64
MAX_ADDRESS_OCTETS = 254
_ATEXT = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!#$%&'*+-/=?^_`{|}~.")


class InvalidEmail(ValueError):
    """The text is not an address mail can be sent to; the message says why in plain words."""


def _shown(value: str) -> str:
    text = value if len(value) <= 80 else value[:80] + "…"
    return repr(text) if any(unicodedata.category(ch)[0] in "CZ" and ch != " " for ch in text) else f'"{text}"'


def _check_local(local: str, value: str) -> None:
    if not local:
        raise InvalidEmail(f"{_shown(value)} has nothing before the @")
    if len(local.encode("utf-8")) > MAX_LOCAL_OCTETS:
        raise InvalidEmail(f"{_shown(value)}: the part before the @ is longer than {MAX_LOCAL_OCTETS} bytes")
    if local.startswith(".") or local.endswith(".") or ".." in local:
        raise InvalidEmail(f"{_shown(value)}: a dot may not start or end the part before the @, nor follow a dot")
    for ch in local:
        if ch not in _ATEXT and (ord(ch) < 0x80 or unicodedata.category(ch)[0] in "CZ"):
            raise InvalidEmail(f"{_shown(value)}: the character {ch!r} is not allowed before the @")


_LDH_LABEL = re.compile(r"(?!-)[a-z0-9-]{1,63}(?<!-)")


@lru_cache(maxsize=8192)
def _domain_forms(domain: str) -> tuple[str, str] | str:
    """(Unicode form, ASCII form) of a domain, or the reason it is not one; cached, as domains repeat."""
    if not domain:
        return "has no domain after the @"
    if domain.startswith("[") or "." not in domain.strip("."):
        return "the domain must be a full name like example.com"
    lower = domain.lower()
    labels = lower.split(".")
    if lower.isascii() and all(_LDH_LABEL.fullmatch(x) and x[2:4] != "--" for x in labels):
        forms = (lower, lower)  # plain ASCII host names need no IDNA processing
    else:
        try:
            ascii_form = idna.encode(domain, uts46=True).decode("ascii")
            forms = (idna.decode(ascii_form).lower(), ascii_form)
        except (idna.IDNAError, UnicodeError, ValueError):
            return f'the domain "{domain}" is not a valid domain name'
    if forms[1].rsplit(".", 1)[-1].isdigit():
        return "the domain must be a name like example.com, not a number"
    return forms


def normalise_email(value: str) -> str:
    """The stored form of an address; raises InvalidEmail with a plain message when unusable."""
    if not isinstance(value, str):
        raise InvalidEmail("an e-mail address must be text")
    text = unicodedata.normalize("NFC", value.strip())
    if not text:
        raise InvalidEmail("the e-mail address is empty")
    for ch in "" if text.isprintable() and " " not in text else text:
        if ch in "\r\n":
            raise InvalidEmail(f"{_shown(text)} contains a line break")
        if ch.isspace():
            raise InvalidEmail(f"{_shown(text)} contains a space")
        if unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Co", "Cn"):
            raise InvalidEmail(f"{_shown(text)} contains the control character {ch!r}")
    if "@" not in text:
        raise InvalidEmail(f"{_shown(text)} has no @; write it like name@example.com")
    if text.count("@") > 1:
        raise InvalidEmail(f"{_shown(text)} has more than one @; write one address like name@example.com")
    local, domain = text.split("@")
    if text.startswith("<") or text.endswith(">") or '"' in local:
        raise InvalidEmail(f"{_shown(text)}: write the bare address like name@example.com, without quotes or <>")
    _check_local(local, text)
    forms = _domain_forms(domain)
    if isinstance(forms, str):
        raise InvalidEmail(f"{_shown(text)} {forms}" if forms.startswith("has ") else f"{_shown(text)}: {forms}")
    address = f"{local.lower()}@{forms[0]}"
    if len(local.encode("utf-8")) + 1 + len(forms[1]) > MAX_ADDRESS_OCTETS:
        raise InvalidEmail(f"{_shown(text)} is longer than {MAX_ADDRESS_OCTETS} characters")
    return address


def ascii_domain(email: str) -> str:
    """The address with its domain as an IDNA A-label (`xn--…`), as the SMTP envelope needs it."""
    local, _, domain = email.rpartition("@")
    forms = _domain_forms(domain)
    if isinstance(forms, str):
        raise InvalidEmail(f'"{email}": {forms}')
    return f"{local}@{forms[1]}"


def needs_smtputf8(email: str) -> bool:
    """True when the local part is not ASCII: such mail needs SMTPUTF8 end to end."""
    return not email.rpartition("@")[0].isascii()

"""Unsubscribe tokens: short, URL-safe, bound to the secret, and never crash on junk."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from nurture.outbox.tokens import sign_unsubscribe, verify_unsubscribe

SECRET = b"0123456789abcdef0123456789abcdef"


@pytest.mark.parametrize("contact_id", [0, 1, 255, 256, 42_000, 2**31 - 1, 2**63, 2**64 - 1])
def test_round_trip_and_shape(contact_id):
    token = sign_unsubscribe(contact_id, SECRET)
    assert re.fullmatch(r"[A-Za-z0-9_-]{15,24}", token)
    assert verify_unsubscribe(token, SECRET) == contact_id


def test_tokens_are_deterministic_and_distinct_per_contact_and_secret():
    assert sign_unsubscribe(7, SECRET) == sign_unsubscribe(7, SECRET)
    assert sign_unsubscribe(7, SECRET) != sign_unsubscribe(8, SECRET)
    assert sign_unsubscribe(7, SECRET) != sign_unsubscribe(7, b"another secret")


def test_wrong_secret_is_rejected():
    assert verify_unsubscribe(sign_unsubscribe(7, SECRET), b"another secret") is None
    assert verify_unsubscribe(sign_unsubscribe(7, SECRET), b"") is None


def test_every_single_character_change_is_rejected():
    token = sign_unsubscribe(123456, SECRET)
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    for i, original in enumerate(token):
        for replacement in alphabet:
            if replacement != original:
                forged = token[:i] + replacement + token[i + 1 :]
                assert verify_unsubscribe(forged, SECRET) is None, forged


def test_another_contacts_token_cannot_be_made_by_splicing():
    a, b = sign_unsubscribe(1, SECRET), sign_unsubscribe(2, SECRET)
    assert verify_unsubscribe(b[:2] + a[2:], SECRET) is None
    assert verify_unsubscribe(a + "A", SECRET) is None
    assert verify_unsubscribe(a[:-1], SECRET) is None


@pytest.mark.parametrize("junk", ["", "x", "====", "a" * 400, "ä" * 20, "abc def ghi jkl mno", None, 42, b"bytes"])
def test_junk_never_raises(junk):
    assert verify_unsubscribe(junk, SECRET) is None  # type: ignore[arg-type]


@given(st.text(max_size=40))
def test_arbitrary_text_never_raises(text):
    assert verify_unsubscribe(text, SECRET) is None


@pytest.mark.parametrize("bad", [-1, 2**64, True, 1.5])
def test_invalid_ids_cannot_be_signed(bad):
    with pytest.raises(ValueError):
        sign_unsubscribe(bad, SECRET)  # type: ignore[arg-type]


def test_empty_secret_cannot_sign():
    with pytest.raises(ValueError):
        sign_unsubscribe(1, b"")

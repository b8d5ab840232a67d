"""The stored form of e-mail addresses: one per person, IDN-safe, refused with a plain reason."""

from __future__ import annotations

import pytest

from nurture.domain.email_address import InvalidEmail, ascii_domain, needs_smtputf8, normalise_email


@pytest.mark.parametrize(
    ("given", "stored"),
    [
        ("anna@example.com", "anna@example.com"),
        ("  Anna.Mueller@Example.COM \n", "anna.mueller@example.com"),
        ("claudia@BÜCHER.example", "claudia@bücher.example"),
        ("claudia@xn--bcher-kva.example", "claudia@bücher.example"),
        ("Jürgen@Müller.de", "jürgen@müller.de"),
        ("ju\u0308rgen@mu\u0308ller.de", "jürgen@müller.de"),  # decomposed umlauts come out composed
        ("a+tag@sub.example.de", "a+tag@sub.example.de"),
        ("o'neill@example.ie", "o'neill@example.ie"),
    ],
)
def test_addresses_are_stored_in_one_normal_form(given: str, stored: str) -> None:
    assert normalise_email(given) == stored


def test_case_and_idn_variants_of_one_address_are_equal() -> None:
    variants = ["Claudia@Bücher.Example", "claudia@xn--bcher-kva.example", "CLAUDIA@BÜCHER.EXAMPLE"]
    assert len({normalise_email(v) for v in variants}) == 1


def test_sharp_s_domain_is_idna2008_not_idna2003() -> None:
    # IDNA2003 (Python's built-in codec) would map straße to strasse: a different domain.
    assert normalise_email("a@straße.de") == "a@straße.de"
    assert ascii_domain("a@straße.de") == "a@xn--strae-oqa.de"
    assert normalise_email("a@straße.de") != normalise_email("a@strasse.de")


@pytest.mark.parametrize(
    ("given", "reason"),
    [
        ("", "empty"),
        ("   ", "empty"),
        ("anna.example.com", "no @"),
        ("anna@@example.com", "more than one @"),
        ("anna@example.com\r\nBcc: x@example.org", "line break"),
        ("an na@example.com", "space"),
        ("anna\x00@example.com", "control character"),
        ("@example.com", "nothing before the @"),
        ("anna@", "no domain"),
        ("anna@localhost", "full name"),
        ("anna@-bad-.example", "not a valid domain"),
        ("anna@exa_mple.com", "not a valid domain"),
        ("anna@1.2.3.4", "not a number"),
        (".anna@example.com", "dot"),
        ("an..na@example.com", "dot"),
        ("<anna@example.com>", "without quotes or <>"),
        ("anna(x)@example.com", "not allowed"),
        ("a" * 65 + "@example.com", "longer than 64"),
    ],
)
def test_unusable_addresses_are_refused_with_a_plain_reason(given: str, reason: str) -> None:
    with pytest.raises(InvalidEmail) as caught:
        normalise_email(given)
    assert reason in str(caught.value)
    assert isinstance(caught.value, ValueError)


def test_ascii_domain_converts_only_the_domain() -> None:
    assert ascii_domain("jürgen@müller.de") == "jürgen@xn--mller-kva.de"
    assert ascii_domain("juergen@müller.de") == "juergen@xn--mller-kva.de"
    assert ascii_domain("anna@example.com") == "anna@example.com"


def test_smtputf8_is_needed_only_for_a_non_ascii_local_part() -> None:
    assert needs_smtputf8("jürgen@example.de")
    assert not needs_smtputf8("juergen@müller.de")
    assert not needs_smtputf8("anna@example.com")

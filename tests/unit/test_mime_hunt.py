"""build_mail with odd but realistic input, read back by independent parsers (policy.default and compat32)."""

from __future__ import annotations

import binascii
import re
from email import policy
from email.header import decode_header, make_header
from email.parser import BytesParser
from email.utils import getaddresses, parseaddr

import dkim
import pytest
from dkim_keys import dkim_key_pair
from hypothesis import given, settings
from hypothesis import strategies as st
from test_mime import mail

from nurture.adapters.dkim_signer import DkimSigner
from nurture.rendering.mime import HeaderInjection, build_mail, clean_text

_ENCODED_WORD = re.compile(r"=\?[^?]+\?[QqBb]\?[^?]*\?=")




def parse(data: bytes):
    return BytesParser(policy=policy.default).parsebytes(data)


def rfc2047_name(data: bytes) -> tuple[str, str]:
    """``(display name, address)`` of To as an RFC 2047 §6.2 reader sees it (compat32, then decode)."""
    raw = BytesParser(policy=policy.compat32).parsebytes(data)
    (name, address), *rest = getaddresses(raw.get_all("To"))
    assert rest == [], "To holds more than one address"
    return str(make_header(decode_header(name))), address


def wire_checks(data: bytes) -> None:
    head, body = data.split(b"\r\n\r\n", 1)
    assert max(len(line) for line in head.split(b"\r\n")) <= 78
    assert all(len(w) <= 75 for w in _ENCODED_WORD.findall(head.decode("utf-8")))
    assert max(len(line) for line in body.split(b"\r\n")) <= 76  # RFC 2045 §6.7 (5)


# -- display names -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    [
        "Prof. Dr. Hans-Jürgen Müller-Lüdenscheidt",
        "Dr. med. Anna-Katharina Schäfer-Großmann",
        "Müller, Anna (Geschäftsführerin)",
        'Jürgen "Jogi" Löw',
    ],
)
def test_realistic_long_names_are_read_back_exactly_by_both_parsers(name):
    # Before, every word that was not an atom ("Prof.", "Dr.") went into one run of encoded-words,
    # split every 42 bytes wherever that fell: Python read "Müller-Lüdenschei dt".
    data = build_mail(mail(to_name=name)).data
    assert parse(data)["To"].addresses[0].display_name == name
    assert rfc2047_name(data) == (name, "anna@kunde.example")
    wire_checks(data)


def test_ascii_words_of_a_non_ascii_name_stay_readable():
    head = build_mail(mail(to_name="Prof. Dr. Hans-Jürgen Müller")).data.split(b"\r\n\r\n")[0]
    assert b'To: "Prof. Dr." =?utf-8?b?' in head


def test_a_run_of_encoded_words_is_split_between_words_not_inside_one():
    name = "Zoë Ångström-Øverby Großmütterchenhäuser-Überlinger Straßenbahnfahrerin"
    data = build_mail(mail(to_name=name)).data
    assert rfc2047_name(data)[0] == name  # RFC 2047 readers drop the space between encoded-words
    # Python's address parser keeps it; then the worst is a doubled space, never a broken word.
    assert parse(data)["To"].addresses[0].display_name.split() == name.split()
    wire_checks(data)


def test_long_quoted_name_is_not_folded_inside_the_quoted_string():
    # A fold inside a quoted-string made compat32's getaddresses() read one address as eight.
    name = "Mueller, Schmidt & Partner Rechtsanwaelte, Steuerberater und Wirtschaftspruefer mbB, Berlin"
    data = build_mail(mail(to_name=name)).data
    assert rfc2047_name(data) == (name, "anna@kunde.example")
    assert parse(data)["To"].addresses[0].display_name == name
    to_line = data.split(b"\r\nTo: ", 1)[1].split(b"\r\nReply-To:", 1)[0]
    assert all(line.count(b'"') % 2 == 0 for line in to_line.split(b"\r\n"))
    wire_checks(data)


_NAME_WORDS = st.sampled_from(
    ["Anna", "Dr.", "Müller,", "Zoë", "Ångström-Øverby", '"Jogi"', "(GF)", "a\\b", "von", "&", "Straßenbahnfahrerin",
     "Großmütterchenhäuser-Überlinger", "O'Neil", "x@y.de", "<boss>", "😀", "e\u0301", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"]
)  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(words=st.lists(_NAME_WORDS, min_size=1, max_size=14))
def test_any_name_reads_back_as_one_address_with_every_word_intact(words):
    name = " ".join(words)
    data = build_mail(mail(to_name=name)).data
    assert rfc2047_name(data) == (name, "anna@kunde.example")
    p = parse(data)
    assert [a.addr_spec for a in p["To"].addresses] == ["anna@kunde.example"]
    assert p["To"].addresses[0].display_name.split() == name.split()
    wire_checks(data)


# -- body ----------------------------------------------------------------------------------


def test_line_ending_in_a_space_stays_within_76_characters():
    # binascii counted the space as one character, then wrote it as "=20": a 78-character line.
    text = "a" * 75 + " \n" + "b" * 74 + "\t\n-- \nJana\n"
    data = build_mail(mail(text=text, html="<p>" + "c" * 72 + " \n</p>")).data
    wire_checks(data)
    p = parse(data)
    assert p.get_body(("plain",)).get_content().replace("\r\n", "\n") == text
    assert p.get_body(("html",)).get_content().replace("\r\n", "\n") == "<p>" + "c" * 72 + " \n</p>\n"


def test_from_at_a_line_start_is_encoded_so_mbox_cannot_rewrite_it():
    text = "From all of us: congratulations!\n.\n..two dots\nFrom"
    data = build_mail(mail(text=text, html=None)).data
    body = data.split(b"\r\n\r\n", 1)[1]
    assert not any(line.startswith(b"From ") for line in body.split(b"\r\n"))
    assert parse(data).get_content().replace("\r\n", "\n") == text + "\n"


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.sampled_from(
            ["a", " ", "\t", "ä", "=", ".", "From ", "\n", "\r", "\r\n", "x" * 70, "€", "\x00", "\x0c"]
        ),
        max_size=40,
    )
)
def test_any_text_is_quoted_printable_within_76_and_decodes_to_itself(pieces):
    text = "".join(pieces)
    data = build_mail(mail(text=text, html=None)).data
    body = data.split(b"\r\n\r\n", 1)[1]
    lines = body.split(b"\r\n")
    assert max(len(line) for line in lines) <= 76
    assert not any(line.startswith(b"From ") or line.endswith((b" ", b"\t")) for line in lines)
    expected = text.replace("\r\n", "\n").replace("\r", "\n")
    expected += "" if expected.endswith("\n") else "\n"
    assert binascii.a2b_qp(body.replace(b"\r\n", b"\n")).decode("utf-8") == expected


# -- addresses and ids ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "address", ["anna\u200b@kunde.example", "jürgen\u00ad@müller.de", "\ufeffjürgen@müller.de"]
)
def test_invisible_characters_in_a_local_part_are_refused(address):
    # Before, the mail went out as SMTPUTF8 to a mailbox with an invisible character in its name.
    with pytest.raises(HeaderInjection, match="invisible"):
        build_mail(mail(to_email=address))


def test_invisible_characters_in_a_domain_are_mapped_away_by_uts46():
    out = build_mail(mail(to_email="anna@kun\u00adde.example"))
    assert out.recipients == ("anna@kunde.example",) and not out.smtputf8


@pytest.mark.parametrize(
    "bad", ["<a(b)@c.de>", "<a,b@c.de>", "<a@b@c.de>", '<"a b"@c.de>', "<a..b@c.de>", "<.a@c.de>"]
)
def test_message_ids_that_parsers_read_differently_are_refused(bad):
    with pytest.raises(HeaderInjection):
        build_mail(mail(message_id=bad))


@pytest.mark.parametrize("good", ["<x.y+z_1-Q@sub.example.com>", "<a@[192.0.2.1]>"])
def test_valid_message_ids_are_kept(good):
    p = parse(build_mail(mail(message_id=good)).data)
    assert p["Message-ID"] == good and p["Message-ID"].defects == ()


def test_plus_tags_and_idn_domains_reach_the_envelope_as_written():
    out = build_mail(mail(to_email="anna+geburtstag@münchen.de"))
    assert out.recipients == ("anna+geburtstag@xn--mnchen-3ya.de",) and not out.smtputf8
    assert parse(out.data)["To"].addresses[0].addr_spec == "anna+geburtstag@xn--mnchen-3ya.de"


def test_subject_with_emoji_tab_and_line_break_reads_back_in_both_parsers():
    subject = "Alles Gute 🎉🎂\tzum\r\n Geburtstag, " + "Grüße aus München " * 14
    data = build_mail(mail(subject=subject)).data
    assert parse(data)["Subject"] == clean_text(subject)
    compat = BytesParser(policy=policy.compat32).parsebytes(data)
    assert str(make_header(decode_header(compat["Subject"]))) == clean_text(subject)
    wire_checks(data)


# -- DKIM ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def dkim_key() -> tuple[bytes, bytes]:
    return dkim_key_pair()


def _refolded(data: bytes) -> bytes:
    """What a relay may do to the header block: unfold, or fold with tabs and extra spaces."""
    head, body = data.split(b"\r\n\r\n", 1)
    head = re.sub(rb"\r\n[ \t]+", b" ", head).replace(b": ", b":\t ")
    return head + b"\r\n\r\n" + body


def test_signature_over_odd_names_and_bodies_survives_refolding(dkim_key):
    pem, txt = dkim_key
    signer = DkimSigner("s2026", "example.com", pem)
    out = build_mail(
        mail(
            to_name="Prof. Dr. Hans-Jürgen Müller-Lüdenscheidt, " * 3,
            subject="Grüße 🎉 " * 20,
            text="From me\n" + "a" * 75 + " \n.\n",
            list_unsubscribe_url="https://example.com/u/" + "A" * 120,
            list_unsubscribe_mailto="mailto:jana@example.com?subject=unsubscribe",
        ),
        dkim=signer,
    )

    def dns(name: bytes, timeout: int = 5) -> bytes:
        return txt

    assert dkim.verify(out.data, dnsfunc=dns)
    assert dkim.verify(_refolded(out.data), dnsfunc=dns)
    assert not dkim.verify(out.data.replace(b"From:", b"From: x", 1), dnsfunc=dns)


@pytest.mark.parametrize("selector", ["s1; t=1", "s1\r\nBcc: x@evil.example", "s 1", "-s1", "a..b"])
def test_dkim_selector_that_would_change_the_signature_header_is_refused(dkim_key, selector):
    # Before, it was written verbatim into s=: an extra tag, or a line that starts a new header.
    with pytest.raises(ValueError, match="selector"):
        DkimSigner(selector, "example.com", dkim_key[0])


def test_international_dkim_selector_becomes_a_labels(dkim_key):
    # Before, every sign() raised UnicodeEncodeError.
    signer = DkimSigner("schlüssel", "example.com", dkim_key[0])
    assert signer.selector == "xn--schlssel-95a"
    assert b"s=xn--schlssel-95a;" in signer.sign(build_mail(mail()).data).replace(b"\r\n ", b" ")


def test_compat32_reads_the_typical_message_like_the_default_policy():
    data = build_mail(mail(to_name="Müller, Anna", from_name="Jürgen Müller")).data
    compat = BytesParser(policy=policy.compat32).parsebytes(data)
    name, address = parseaddr(compat["From"])
    assert (str(make_header(decode_header(name))), address) == ("Jürgen Müller", "jana@example.com")
    assert rfc2047_name(data) == ("Müller, Anna", "anna@kunde.example")
    assert compat.get_content_type() == "multipart/alternative"
    plain = compat.get_payload()[0]
    assert plain.get_payload(decode=True).decode(plain.get_content_charset()) == (
        "Liebe Frau Dr. Müller,\r\n\r\nherzlichen Glückwunsch!\r\n"
    )

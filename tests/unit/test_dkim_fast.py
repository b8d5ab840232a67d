"""DkimSigner signs with OpenSSL but must write what dkimpy wrote: same tags, same folding, same b=.

dkimpy stays the reference: every header here is compared byte for byte with ``dkim.sign`` at the
same second (RSASSA-PKCS1-v1_5 is deterministic) and checked with ``dkim.verify``.
"""

from __future__ import annotations

import re
import time
from datetime import UTC, datetime

import dkim
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from dkim_keys import dkim_key_pair
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nurture.adapters.dkim_signer import SIGNED_HEADERS, DkimSigner
from nurture.rendering.mime import OutgoingMail, build_mail

HEAD = (
    b"From: Jana Beispiel <jana@example.com>\r\n"
    b"To: anna@kunde.example\r\n"
    b"Subject: Herzlichen =?utf-8?q?Gl=C3=BCckwunsch?=\r\n"
    b"Date: Thu, 03 Dec 2026 09:30:00 +0100\r\n"
    b"Message-ID: <abc123@example.com>\r\n"
    b"MIME-Version: 1.0\r\n"
    b"Content-Type: text/plain; charset=utf-8\r\n"
)


@pytest.fixture(scope="module")
def dkim_key() -> tuple[bytes, bytes]:
    return dkim_key_pair(2048)


@pytest.fixture(scope="module")
def signer(dkim_key) -> DkimSigner:
    return DkimSigner("s2026", "example.com", dkim_key[0])


def dns_for(txt: bytes, selector: str = "s2026", domain: str = "example.com"):
    """A resolver that knows only the record of ``selector``: a folded s= or d= must not change the name."""
    expected = f"{selector}._domainkey.{domain}.".encode("ascii")

    def dns(name: bytes, timeout: int = 5) -> bytes | None:
        return txt if name == expected else None

    return dns


def reference(data: bytes, selector: str, domain: str, pem: bytes) -> bytes:
    """The header ``dkim.sign`` writes with the options DkimSigner used to pass it."""
    return dkim.sign(
        data,
        selector.encode("ascii"),
        domain.encode("ascii"),
        pem,
        include_headers=list(SIGNED_HEADERS),
        canonicalize=(b"relaxed", b"relaxed"),
        linesep=b"\r\n",
    )


def timestamp(header: bytes) -> int:
    return int(re.search(rb"[; ]t=(\d+);", header).group(1))


def assert_same_as_dkimpy(signer: DkimSigner, pem: bytes, data: bytes, txt: bytes) -> bytes:
    """Sign ``data`` both ways at dkimpy's second; the headers must be equal and verify."""
    old = reference(data, signer.selector, signer.domain, pem)
    new = signer.sign(data, timestamp=timestamp(old))
    assert new[: len(old)] == old
    assert dkim.verify(new, dnsfunc=dns_for(txt, signer.selector, signer.domain))
    return new


def mail(**overrides: object) -> OutgoingMail:
    values: dict[str, object] = {
        "from_name": "Jürgen Müller",
        "from_email": "jm@example.com",
        "to_name": "Zoë Ångström",
        "to_email": "kunde@kunde.example",
        "reply_to": "jm@example.com",
        "subject": "Alles Gute zum Geburtstag, Frau Ångström",
        "text": "Liebe Frau Ångström,\n\nalles Gute zum Geburtstag!\n",
        "html": "<p>Liebe Frau Ångström,</p>",
        "message_id": "<abc123@example.com>",
        "date": datetime(2026, 11, 23, 9, 0, tzinfo=UTC),
        "list_unsubscribe_url": "https://example.com/u/AbCdEfGhIjKlMnOpQr",
        "list_unsubscribe_mailto": "mailto:jm@example.com?subject=unsubscribe",
    }
    values.update(overrides)
    return OutgoingMail(**values)  # type: ignore[arg-type]


BUILT = {
    "typical": {},
    "non-ascii names, long headers": {
        "to_name": "Prof. Dr. Hans-Jürgen Müller-Lüdenscheidt, " * 3,
        "subject": "Grüße 🎉 " * 20,
        "list_unsubscribe_url": "https://example.com/u/" + "A" * 120,
    },
    "smtputf8 addresses": {"to_email": "jürgen@müller.de", "to_name": 'Müller, Jürgen "Jogi"'},
    "dots, trailing blanks, no html": {
        "text": "From me\n.\n..\n" + "a" * 75 + " \n\t \nend  \n\n\n",
        "html": None,
        "reply_to": None,
        "list_unsubscribe_url": None,
        "list_unsubscribe_mailto": None,
    },
    "empty text": {"text": "", "html": None},
}


@pytest.mark.parametrize("overrides", BUILT.values(), ids=BUILT.keys())
def test_built_message_gets_the_header_dkimpy_wrote(signer, dkim_key, overrides):
    data = build_mail(mail(**overrides)).data
    out = assert_same_as_dkimpy(signer, dkim_key[0], data, dkim_key[1])
    assert out.endswith(data)  # CRLF-clean bytes from build_mail pass through unchanged


RAW = {
    "empty body": HEAD + b"\r\n",
    "no header/body separator": HEAD,
    "only blank lines": HEAD + b"\r\n\r\n \r\n\t\r\n\r\n",
    "no final CRLF": HEAD + b"\r\nlast line",
    "trailing whitespace lines": HEAD + b"\r\nline one  \r\n \t \r\nline three\t\r\n  \r\n\r\n",
    "lines starting with a dot": HEAD + b"\r\n.\r\n..\r\n.hidden\r\n. \r\n",
    "inner whitespace runs": HEAD + b"\r\na  \t b\t\tc\r\n",
    "bare LF line ends": HEAD.replace(b"\r\n", b"\n") + b"\nbody\n.\n",
    "folded headers with tabs": HEAD.replace(b"Subject: ", b"Subject:\t\r\n\t  folded \r\n   twice ")
    + b"\r\nx\r\n",
    "second From is over-signed": b"From: evil@example.net\r\n" + HEAD + b"\r\nx\r\n",
    "upper-case names and missing fields": b"FROM: a@example.com\r\nsUbJeCt:  x  \r\n\r\nbody\r\n",
    "mbox separator line": b"From jana@example.com Thu Dec  3 09:30:00 2026\r\n" + HEAD + b"\r\nx\r\n",
    "8-bit body": HEAD + "\r\nGrüße aus Köln 🎉\r\n".encode(),
    "998-character line": HEAD + b"\r\n" + b"x" * 998 + b"\r\n",
}


@pytest.mark.parametrize("data", RAW.values(), ids=RAW.keys())
def test_raw_message_gets_the_header_dkimpy_wrote(signer, dkim_key, data):
    assert_same_as_dkimpy(signer, dkim_key[0], data, dkim_key[1])


@pytest.mark.parametrize("bits", [1024, 3072])
def test_other_key_sizes_fold_b_like_dkimpy(bits):
    pem, txt = dkim_key_pair(bits)
    assert_same_as_dkimpy(DkimSigner("s1", "example.com", pem), pem, build_mail(mail()).data, txt)


@pytest.mark.parametrize(
    ("selector", "domain"),
    [
        ("s1", "bücher-und-grüße.example"),  # d= as A-labels
        ("a" * 63 + ".b", "sub." + "d" * 50 + ".example.com"),  # the longest that fit on a folded line
    ],
)
def test_international_and_long_names_fold_like_dkimpy(dkim_key, selector, domain):
    signer = DkimSigner(selector, domain, dkim_key[0])
    assert_same_as_dkimpy(signer, dkim_key[0], build_mail(mail()).data, dkim_key[1])


def tags(header: bytes) -> dict[bytes, bytes]:
    value = re.sub(rb"\s+", b"", header.split(b"\r\n\r\n", 1)[0].split(b"\r\nFrom:", 1)[0].split(b":", 1)[1])
    return dict(t.split(b"=", 1) for t in value.split(b";"))


@pytest.mark.parametrize(
    ("selector", "domain"),
    [("a" * 63 + "." + "b" * 63, "example.com"), ("mail2026", "sub." + "d" * 60 + ".example.com")],
)
def test_names_longer_than_a_line_stay_whole(dkim_key, selector, domain):
    # dkimpy cut every run longer than a folded line, so d=, i= or s= got a space inside: the
    # DNS name looked up was wrong, or i= no longer ended in d=. Only b= may be cut.
    signer = DkimSigner(selector, domain, dkim_key[0])
    data = build_mail(mail()).data
    dns = dns_for(dkim_key[1], selector, domain)
    old = reference(data, selector, domain, dkim_key[0])
    assert not dkim.verify(old + data, dnsfunc=dns)

    new = signer.sign(data, timestamp=timestamp(old))
    assert dkim.verify(new, dnsfunc=dns)
    header = new[: -len(data)]
    assert f"s={selector};".encode() in header and f"d={domain};".encode() in header
    assert f"i=@{domain};".encode() in header
    assert {k: v for k, v in tags(header).items() if k != b"b"} == {
        k: v for k, v in tags(old).items() if k != b"b"
    }
    assert max(len(line) for line in header.split(b"\r\n")) < 998


def test_pkcs8_and_crlf_pem_sign_the_same(dkim_key):
    key = serialization.load_pem_private_key(dkim_key[0], password=None)
    pkcs8 = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    data = build_mail(mail()).data
    t = int(time.time())
    expected = DkimSigner("s1", "example.com", dkim_key[0]).sign(data, timestamp=t)
    assert DkimSigner("s1", "example.com", pkcs8).sign(data, timestamp=t) == expected
    assert reference(data, "s1", "example.com", pkcs8)[:30] == expected[:30]  # dkimpy reads PKCS#8 too
    # dkimpy could not find a key in a PEM file with Windows line ends; OpenSSL reads it.
    crlf = dkim_key[0].replace(b"\n", b"\r\n")
    assert DkimSigner("s1", "example.com", crlf).sign(data, timestamp=t) == expected


def test_tags_are_the_ones_nurture_always_wrote(signer):
    header = signer.sign(build_mail(mail()).data).split(b"\r\n\r\n", 1)[0].split(b"\r\nFrom:", 1)[0]
    assert header.startswith(b"DKIM-Signature: ")
    values = tags(header)
    assert list(values) == [b"v", b"a", b"c", b"d", b"i", b"q", b"s", b"t", b"h", b"bh", b"b"]
    assert values[b"a"] == b"rsa-sha256" and values[b"c"] == b"relaxed/relaxed"
    assert values[b"d"] == b"example.com" and values[b"s"] == b"s2026"
    assert values[b"h"].split(b":") == list(SIGNED_HEADERS)  # From twice, list-unsubscribe-post covered
    assert max(len(line) for line in header.split(b"\r\n")) <= 78


def test_t_is_the_current_second(signer):
    before = int(time.time())
    t = timestamp(signer.sign(build_mail(mail()).data).replace(b"\r\n ", b" "))
    assert before <= t <= int(time.time())


def test_signature_survives_refolding_and_breaks_on_tampering(signer, dkim_key):
    out = signer.sign(build_mail(mail(**BUILT["non-ascii names, long headers"])).data)
    head, body = out.split(b"\r\n\r\n", 1)
    dns = dns_for(dkim_key[1])
    unfolded = re.sub(rb"\r\n[ \t]+", b" ", head)
    assert dkim.verify(unfolded + b"\r\n\r\n" + body, dnsfunc=dns)
    assert dkim.verify(unfolded.replace(b": ", b":\t ") + b"\r\n\r\n" + body, dnsfunc=dns)
    assert dkim.verify(head + b"\r\n\r\n" + body + b"\r\n\r\n", dnsfunc=dns)  # empty lines at the end
    assert not dkim.verify(head + b"\r\n\r\n" + body.replace(b"Geburtstag", b"Geburtstaq", 1), dnsfunc=dns)
    assert not dkim.verify(out.replace(b"\r\nFrom:", b"\r\nFrom: x@evil.example\r\nFrom:", 1), dnsfunc=dns)
    assert not dkim.verify(
        out.replace(b"List-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n", b""), dnsfunc=dns
    )


@pytest.mark.parametrize("tail", [b"last line  ", b"last\r\n \t", b"a\rb\r\n"])
def test_what_the_relay_receives_is_signed(signer, dkim_key, tail):
    # The transport sends CRLF line ends and a final CRLF (RFC 5321 §4.1.1.4). dkimpy signed the
    # bytes as given: a blank at the end of an unterminated last line (or a lone CR) was signed,
    # then changed on the wire, and the signature failed. The signer now signs the wire form.
    data = HEAD + b"\r\n" + tail
    wire = re.sub(rb"\r\n|\r|\n", b"\r\n", data)
    wire = wire if wire.endswith(b"\r\n") else wire + b"\r\n"
    dns = dns_for(dkim_key[1])
    old = reference(data, signer.selector, signer.domain, dkim_key[0])
    assert not dkim.verify(old + wire, dnsfunc=dns)

    out = assert_same_as_dkimpy(signer, dkim_key[0], wire, dkim_key[1])
    new = signer.sign(data, timestamp=timestamp(out))
    assert new == out
    assert new.endswith(wire)


def test_only_a_pem_rsa_key_is_accepted(dkim_key):
    for bad in [b"", b"not a key", dkim_key[0][:200]]:
        with pytest.raises(ValueError, match="not a usable PEM RSA key"):
            DkimSigner("s1", "example.com", bad)
    key = serialization.load_pem_private_key(dkim_key[0], password=None)
    encrypted = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(b"secret"),
    )
    public = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    ec_key = ec.generate_private_key(ec.SECP256R1()).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    for bad in [encrypted, public, ec_key]:
        with pytest.raises(ValueError, match="not a usable PEM RSA key"):
            DkimSigner("s1", "example.com", bad)


_chunk = st.sampled_from([b"a", b"Z", b" ", b"\t", b"  ", b".", b":", b";", "ü".encode(), b"b=", b"=?"])
_line = st.lists(_chunk, max_size=12).map(b"".join)
_eol = st.sampled_from([b"\r\n", b"\n"])


@st.composite
def messages(draw) -> bytes:
    """Header fields (some folded, some repeated or missing) and a body of odd lines, all line-terminated."""
    names = draw(st.lists(st.sampled_from(["From", "to", "Subject", "X-Other", "Reply-To", "LIST-UNSUBSCRIBE"]),
                          min_size=1, max_size=6).filter(lambda names: names.count("From") <= 2))  # fmt: skip
    # A third From fails any dkimpy check by design: it verifies From once more than h= lists it.
    head = b""
    for name in names:
        value = draw(_line)
        for continuation in draw(st.lists(_line, max_size=2)):
            value += draw(_eol) + draw(st.sampled_from([b" ", b"\t"])) + continuation
        head += name.encode() + b":" + value + draw(_eol)
    body = b"".join(line + draw(_eol) for line in draw(st.lists(_line, max_size=8)))
    return head + draw(_eol) + body


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=messages())
def test_any_line_terminated_message_gets_the_header_dkimpy_wrote(signer, dkim_key, data):
    assert_same_as_dkimpy(signer, dkim_key[0], data, dkim_key[1])

"""vCard 2.1, 3.0 and 4.0 files as phones, Gmail, Outlook, Apple and XING export them.

Read line by line as bytes, because in 2.1 each property may carry its own CHARSET and
QUOTED-PRINTABLE encoding, and a file may mix them. Only the properties nurture uses are
kept; photos and keys are skipped while reading, so a file of large cards streams in
bounded memory. Each card is numbered from 1; a card that cannot be read (impossible
birthday, text that is not in its declared charset, no usable e-mail) is reported by that
number and the others are still imported.
"""

from __future__ import annotations

import binascii
import codecs
import io
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import BinaryIO

from nurture.adapters.importers import values as v
from nurture.adapters.importers.records import ImportedContact, ImportNotice, Item, ReadProgress, RowProblem
from nurture.adapters.importers.rows import Duplicates
from nurture.adapters.importers.textio import utf16_without_bom
from nurture.domain.addressing.titles import HONORIFICS, Kind, parse_title
from nurture.domain.email_address import InvalidEmail, normalise_email

MAX_LINE = 1 << 16
MAX_HEAD = 4096  # a line with no colon this long is not a property
MAX_VALUE = 1 << 18  # longest property value kept, in bytes; longer ones are marked as too long
KEPT = frozenset(
    {
        "VERSION", "N", "FN", "EMAIL", "ORG", "TITLE", "ROLE", "BDAY", "GENDER", "X-GENDER", "LANG", "ADR",
        "URL", "X-SOCIALPROFILE", "NOTE", "TZ", "AGENT",
    }
)  # fmt: skip
_BARE_ENCODINGS = {"QUOTED-PRINTABLE": "QUOTED-PRINTABLE", "BASE64": "BASE64", "B": "BASE64", "8BIT": "8BIT",
                   "7BIT": "7BIT"}  # fmt: skip
_MALE = frozenset({"mr", "mr.", "herr", "hr.", "monsieur", "signor", "sr.", "señor"})
_FEMALE = frozenset({"mrs", "mrs.", "ms", "ms.", "miss", "frau", "fr.", "madame", "mme", "mme.", "signora"})
# A contradicting prefix the salutation builder cannot read in a title (Madame) is kept as Mr/Ms.
_ENGLISH = {"male": "Mr", "female": "Ms"}
_VCARD_GENDER = {"M": "male", "F": "female", "O": "diverse", "N": None, "U": None, "": None}
_PROFILE_HOSTS = ("linkedin.com", "xing.com")
_UNESCAPE = re.compile(r"\\(.)", re.DOTALL)
# The start of a property line as the QUOTED-PRINTABLE writers spell it (upper case, maybe a group).
_PROPERTY_START = re.compile(
    rb"(?:[A-Za-z0-9-]+\.)?(?:BEGIN|END|VERSION|N|FN|NICKNAME|PHOTO|BDAY|ANNIVERSARY|GENDER|ADR|LABEL|TEL|EMAIL|"
    rb"MAILER|IMPP|LANG|TZ|GEO|TITLE|ROLE|LOGO|AGENT|ORG|MEMBER|RELATED|CATEGORIES|NOTE|PRODID|REV|SORT-STRING|"
    rb"SOUND|UID|URL|KEY|CLASS|KIND|SOURCE|X-[A-Z0-9-]+)[;:]"
)
_LINE_END = re.compile(rb"\r*\n|\r")  # CR CR LF counts as one line end, as a text editor shows such a file


class CardProblem(ValueError):
    """A card that cannot be imported; the message names the property."""


@dataclass
class Prop:
    name: str
    params: dict[str, list[str]]
    raw: bytes
    line: int
    too_long: bool = False


@dataclass
class Card:
    number: int
    line: int
    props: list[Prop] = field(default_factory=list)
    version: str = "3.0"
    fallback: bool = False  # some text was not UTF-8 and was read as Windows-1252

    def all(self, name: str) -> list[Prop]:
        return [p for p in self.props if p.name == name]


# ---------------------------------------------------------------- lines


def _byte_lines(raw: BinaryIO, progress: ReadProgress) -> Iterator[tuple[int, bytes, bool]]:
    """(line number, content, continues the previous piece) for each physical line.

    Lines end in CRLF, LF, CR or even CR CR LF (as some iPhone exports have); a line longer
    than MAX_LINE comes in pieces so that a photo on one line never has to fit in memory.
    A CR that ends a piece may be the first half of CR LF, so it waits for the next piece.
    UTF-16 (with or without a byte-order mark, as Windows tools write it) is read as text.
    """
    head = raw.read(4096)
    raw.seek(0)
    source: Iterator[bytes]
    bare = None if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) else utf16_without_bom(head)
    if bare is not None or head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        text = io.TextIOWrapper(raw, encoding=bare or "utf-16", errors="replace", newline="")
        source = (s.encode("utf-8") for s in iter(lambda: text.readline(MAX_LINE), ""))
    else:
        if head.startswith(codecs.BOM_UTF8):
            raw.read(3)
        source = iter(lambda: raw.readline(MAX_LINE), b"")
    number, midline, carry = 1, False, b""
    for piece in source:
        progress.bytes_read = raw.tell()
        data, carry = carry + piece, b""
        if not data.endswith(b"\n"):
            kept = data.rstrip(b"\r")
            carry = data[max(len(kept), len(data) - 2) :]
            data = data[: len(data) - len(carry)]
        at = 0
        for end in _LINE_END.finditer(data):
            yield number, data[at : end.start()], midline
            number, midline, at = number + 1, False, end.end()
        if at < len(data):
            yield number, data[at:], midline
            midline = True


def _head(first: bytes) -> tuple[str, bool]:
    """The property name of a line (group prefix dropped) and whether it is QUOTED-PRINTABLE."""
    end = len(first)
    for sep in (b":", b";"):
        at = first.find(sep)
        if at != -1:
            end = min(end, at)
    name = first[:end].decode("ascii", "replace").strip().upper().rsplit(".", 1)[-1]
    colon = first.find(b":")
    params = first[:colon] if colon != -1 else first
    return name, b"QUOTED-PRINTABLE" in params.upper()


def _logical_lines(raw: BinaryIO, progress: ReadProgress) -> Iterator[tuple[int, str, bytes, bool]]:
    """(line, property name, unfolded line, too long) per content line, only for kept properties.

    A line that starts with a space or tab continues the one before (folding, which may even
    split the property name); in QUOTED-PRINTABLE values a line ending in `=` continues on the
    next line (soft break). Properties nurture does not use are skipped without being kept.
    """
    current: list[bytes] = []
    active = keep = resolved = qp = too_long = soft_next = False
    start, size, name = 0, 0, ""

    def resolve() -> None:
        nonlocal name, qp, keep, resolved, current
        joined = b"".join(current)
        if b":" in joined:
            name, qp = _head(joined)
            keep, resolved = name in KEPT or name in ("BEGIN", "END"), True
            current = [joined] if keep else []
        elif size > MAX_HEAD:
            keep, resolved, current = False, True, []

    for number, piece, continues in _byte_lines(raw, progress):
        if not piece and not continues:
            if soft_next and keep and current and current[-1].endswith(b"="):
                current[-1] = current[-1][:-1]  # a soft break before an empty line ends the value
            soft_next = False
            continue
        folded = continues or (active and piece[:1] in (b" ", b"\t"))
        # A value that ends in `=` by mistake must not swallow the next property (or END:VCARD).
        soft = soft_next and not folded and not _PROPERTY_START.match(piece)
        if folded or soft:
            add = piece if continues or soft else piece[1:]
            if keep:
                if soft and current and current[-1].endswith(b"="):
                    current[-1] = current[-1][:-1]
                size += len(add)
                if size > MAX_VALUE:
                    too_long = True
                else:
                    current.append(add)
                if not resolved:
                    resolve()
            soft_next = qp and piece.endswith(b"=")
            continue
        if keep and current and resolved:
            yield start, name, b"".join(current), too_long
        active, start, size, too_long = True, number, len(piece), len(piece) > MAX_VALUE
        current, keep, resolved, qp = [piece[:MAX_VALUE]], True, False, False
        resolve()
        soft_next = qp and piece.endswith(b"=")
    if keep and current and resolved:
        yield start, name, b"".join(current), too_long


# ---------------------------------------------------------------- properties


def _split_unquoted(text: str, sep: str) -> list[str]:
    parts, buf, quoted = [], [], False
    for ch in text:
        if ch == '"':
            quoted = not quoted
        if ch == sep and not quoted:
            parts.append("".join(buf))
            buf = []
        else:
            buf.append(ch)
    parts.append("".join(buf))
    return parts


def _parse_prop(line: int, name: str, data: bytes, too_long: bool) -> Prop | None:
    head_text = data[: data.find(b":")] if b":" in data else b""
    if not head_text and b":" not in data:
        return None
    # The colon that ends the parameters is the first one outside double quotes.
    decoded_head = head_text.decode("latin-1")
    if decoded_head.count('"') % 2:
        joined = data.decode("latin-1")
        quoted, cut = False, -1
        for i, ch in enumerate(joined):
            if ch == '"':
                quoted = not quoted
            elif ch == ":" and not quoted:
                cut = i
                break
        if cut == -1:
            return None
        decoded_head = joined[:cut]
        value = data[cut + 1 :]
    else:
        value = data[len(head_text) + 1 :]
    params: dict[str, list[str]] = {}
    for part in _split_unquoted(decoded_head, ";")[1:]:
        part = part.strip()
        if not part:
            continue
        if "=" in part:
            key, _, val = part.partition("=")
            key = key.strip().upper()
            vals = [x.strip().strip('"') for x in _split_unquoted(val, ",")]
        else:
            upper = part.upper()
            key, vals = ("ENCODING", [_BARE_ENCODINGS[upper]]) if upper in _BARE_ENCODINGS else ("TYPE", [part])
        if key == "ENCODING":
            vals = [_BARE_ENCODINGS.get(x.upper(), x.upper()) for x in vals]
        elif key == "TYPE":  # TYPE="work,pref" (as RFC 6350 writes it) is a list too
            vals = [x.strip().lower() for val in vals for x in val.split(",")]
        params.setdefault(key, []).extend(vals)
    return Prop(name=name, params=params, raw=value, line=line, too_long=too_long)


def _text(card: Card, prop: Prop) -> str:
    """The property's value as text: QUOTED-PRINTABLE undone, decoded with its CHARSET."""
    data = prop.raw
    encoding = (prop.params.get("ENCODING") or [""])[0]
    if encoding == "QUOTED-PRINTABLE":
        try:
            data = binascii.a2b_qp(data)
        except (binascii.Error, ValueError) as exc:
            raise CardProblem(f"{prop.name}: the QUOTED-PRINTABLE text is broken") from exc
    elif encoding == "BASE64":  # 2.1 phones encode names with umlauts this way too, not only photos
        try:
            packed = b"".join(data.split())
            data = binascii.a2b_base64(packed + b"=" * (-len(packed) % 4), strict_mode=True)
        except (binascii.Error, ValueError):
            raise CardProblem(f"{prop.name}: the BASE64 text is broken; export the card again") from None
    charset = (prop.params.get("CHARSET") or [""])[0].strip()
    if charset:
        try:
            codec = codecs.lookup(charset).name
            b"a".decode(codec)  # CHARSET=base64, quopri or zlib names a bytes codec, not a charset
        except LookupError:
            codec = "utf-8"
        try:
            return data.decode(codec)
        except UnicodeDecodeError:
            raise CardProblem(
                f'{prop.name}: the text is not valid {charset} as the card says (CHARSET={charset}); '
                "export the card again or correct it in the address book"
            ) from None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        card.fallback = True
        try:
            return data.decode("cp1252")
        except UnicodeDecodeError:
            return data.decode("latin-1")


def _unescape(text: str) -> str:
    return _UNESCAPE.sub(lambda m: "\n" if m[1] in "nN" else m[1], text)


def _components(text: str) -> list[str]:
    """A structured value (N, ADR, ORG) split on `;` that is not escaped, each part unescaped."""
    parts, buf, i = [], [], 0
    while i < len(text):
        ch = text[i]
        if ch == "\\" and i + 1 < len(text):
            buf.append(text[i : i + 2])
            i += 2
            continue
        if ch == ";":
            parts.append(_unescape("".join(buf)))
            buf = []
        else:
            buf.append(ch)
        i += 1
    parts.append(_unescape("".join(buf)))
    return parts


def _gender_from_prefixes(
    out: dict[str, object],
    prefixes: list[tuple[str, str]],
    note: Callable[[str], None],
    clean: Callable[[str, str | None, str], str | None],
) -> None:
    """The gender an N prefix (Frau, Herr, Mr, Ms) says, unless GENDER or another prefix contradicts it.

    Product rule 1: a contradiction is never settled by picking one side. Against GENDER, the prefix
    stays in the title, where the salutation builder sees both and flags the contact for review;
    two prefixes contradicting each other (and no GENDER) leave the gender unknown.
    """
    if not prefixes:
        return
    given = out.get("gender")
    if given is None:
        if len({gender for gender, _ in prefixes}) > 1:
            words = " ".join(word for _, word in prefixes)
            note(f"the name prefixes {v.shown(words)} contradict each other, so the gender was left unknown and "
                 "the gender-neutral salutation is used; set it with `nurture contacts edit <contact> --gender ...`")  # fmt: skip
        elif "gender" not in out:  # GENDER:U says "unknown" on purpose and stays so
            out["gender"] = prefixes[0][0]
        return
    against = [(gender, word) for gender, word in prefixes if gender != given]
    if not against:
        return
    gender, word = against[0]
    kept = word if word.lower() in HONORIFICS else _ENGLISH[gender]
    out["title"] = clean("N", " ".join(part for part in (kept, out.get("title")) if isinstance(part, str)), "title")
    note(f"the name prefix {v.shown(word)} contradicts GENDER ({given}); both were kept and the contact needs "
         "review before it is mailed; correct the gender or the title with `nurture contacts edit <contact>`")


def _doctorates(suffixes: str) -> list[str]:
    """The doctorates among a card's honorific suffixes (N part 5): "Ph.D.", "PhD", "MD", "DPhil"."""
    parsed = parse_title(suffixes.replace(",", " "))
    return [t.text for t in parsed.tokens if t.kind in (Kind.DOCTOR_POSTNOMINAL, Kind.DOCTOR)]


def _types(prop: Prop) -> set[str]:
    return set(prop.params.get("TYPE", []))


def _pref(prop: Prop) -> int:
    """Lower is more preferred: PREF=1 (4.0), or a bare/TYPE pref (2.1/3.0)."""
    for value in prop.params.get("PREF", []):
        if value.isdigit():
            return int(value)
    return 1 if "pref" in _types(prop) else 101


# ---------------------------------------------------------------- cards


def _contact(
    card: Card, label: str, notices: list[ImportNotice], today: date | None = None
) -> ImportedContact:
    """The contact on a finished card; `today` is the import's date, for the birthday check."""
    out: dict[str, object] = {}

    def note(message: str) -> None:
        notices.append(ImportNotice(card.number, f"card starting on line {card.line}: {message}", label))

    def clean(prop_name: str, text: str | None, field_name: str, *, multiline: bool = False) -> str | None:
        try:
            return v.limited(field_name, v.clean_text(text, multiline=multiline))
        except v.ValueProblem as exc:
            raise CardProblem(f"{prop_name}: {exc}") from None

    for prop in card.props:
        if prop.too_long and prop.name in ("N", "FN", "EMAIL", "ORG", "TITLE", "ROLE"):
            raise CardProblem(f"{prop.name}: the value is longer than {MAX_VALUE} bytes; shorten it")

    # Names: N is structured (family; given; additional; prefixes; suffixes); FN is the display form.
    prefixes: list[tuple[str, str]] = []  # (gender, the N prefix word that says it): Frau, Mr., ...
    n_props = card.all("N")
    if n_props:
        parts = _components(_text(card, n_props[0])) + [""] * 5
        out["last_name"] = clean("N", parts[0].replace(",", " "), "last_name")
        out["first_name"] = clean("N", parts[1].replace(",", " "), "first_name")
        titles: list[str] = []
        for token in parts[3].replace(",", " ").split():
            low = token.lower()
            if low in _MALE or low in _FEMALE:
                prefixes.append(("male" if low in _MALE else "female", token))
            else:
                titles.append(token)
        if not titles:
            # E3: a doctorate written as an honorific suffix ("Ph.D.", "MD") is the title "Dr" in English.
            titles = _doctorates(parts[4])
        out["title"] = clean("N", " ".join(titles), "title")
    orgs = card.all("ORG")
    if orgs:
        out["company"] = clean("ORG", _components(_text(card, orgs[0]))[0], "company")
    fn_props = card.all("FN")
    if not (out.get("first_name") or out.get("last_name")) and fn_props:
        full = clean("FN", _unescape(_text(card, fn_props[0])), "last_name")
        words = (full or "").split()
        # "Müller, Hans" is the sorted form some address books put in FN: family name first.
        family, comma, given = (full or "").partition(",")
        if full and out.get("company") and full.casefold() == str(out["company"]).casefold():
            if card.all("EMAIL"):  # without one the card is refused below, saying why
                note(f'the card is for the organisation "{full[:80]}", not for a person, so it has no name to '
                     "address; add the person's name in the address book or with `nurture contacts edit`")  # fmt: skip
        elif comma and len(family.split()) == 1 and len(given.split()) == 1 and "." not in full:
            out["last_name"], out["first_name"] = family.strip(), given.strip()
        elif len(words) == 2 and not any(w.endswith((".", ",")) for w in words):
            out["first_name"], out["last_name"] = words
        elif full:
            note(f'the name "{full[:80]}" has no first and last name parts (no N property); '
                 "add them in the address book or with `nurture contacts edit`")  # fmt: skip

    # E-mail: the preferred address that is valid; PREF, then WORK, then INTERNET, then file order.
    emails = card.all("EMAIL")
    ranked = sorted(
        enumerate(emails),
        key=lambda ip: (_pref(ip[1]), "work" not in _types(ip[1]), "internet" not in _types(ip[1]), ip[0]),
    )
    first_error = ""
    for _, prop in ranked:
        try:
            text = _unescape(_text(card, prop)).strip()
            if text.lower().startswith("mailto:"):
                text = text[7:]
            out["email"] = normalise_email(text)
            break
        except (InvalidEmail, CardProblem) as exc:
            first_error = first_error or str(exc)
    if emails and "email" not in out:
        raise CardProblem(f"EMAIL: {first_error}; correct the address in the address book")

    for prop_name in ("TITLE", "ROLE"):
        props = card.all(prop_name)
        if props and not out.get("position"):
            out["position"] = clean(prop_name, _unescape(_text(card, props[0])), "position")

    bday_problem = ""
    for prop in card.all("BDAY"):
        text = _unescape(_text(card, prop)).strip()
        try:
            day, has_year = v.parse_birthday(text)
            why = v.birthday_out_of_range(day, has_year, today)
            if why is None:
                out["birthday"], out["birthday_has_year"] = day, has_year
            else:
                note(f"BDAY on line {prop.line}: {why}; {v.BIRTHDAY_LEFT_OUT}")
            break
        except v.ValueProblem as exc:
            if "text" in [x.lower() for x in prop.params.get("VALUE", [])]:
                note(f"BDAY {v.shown(text)} is not a date and was left out")
            else:
                bday_problem = bday_problem or str(exc)
    if bday_problem and "birthday" not in out:
        raise CardProblem(f"BDAY: {bday_problem}")

    for prop in card.all("GENDER"):
        code = _components(_text(card, prop))[0].strip().upper()
        if code in _VCARD_GENDER:
            out["gender"] = _VCARD_GENDER[code]
        else:
            note(f"GENDER {v.shown(code)} is not M, F, O, N or U and was left out")
        break
    if "gender" not in out:
        for prop in card.all("X-GENDER"):
            try:
                out["gender"] = v.parse_gender(_unescape(_text(card, prop)))
            except v.ValueProblem as exc:
                note(f"X-GENDER: {exc}; left out")
            break
    _gender_from_prefixes(out, prefixes, note, clean)

    langs = sorted(card.all("LANG"), key=_pref)
    lang_region: str | None = None
    for prop in langs:
        try:
            tag = _unescape(_text(card, prop))
            out["language"] = v.parse_language(tag)
            lang_region = v.language_region(tag)
            break
        except v.ValueProblem:
            continue
    if langs and "language" not in out:
        note("LANG names no supported language (de or en); the default language applies")

    addresses = sorted(card.all("ADR"), key=lambda p: (_pref(p), "work" not in _types(p)))
    for prop in addresses:
        parts = _components(_text(card, prop)) + [""] * 7
        country = v.country_from_name(parts[6]) if parts[6].strip() else None
        if country:
            out["country"] = country
            break
    if "country" not in out and lang_region:
        out["country"] = lang_region  # LANG:de-AT and no address naming a country

    out["profile_url"] = _profile_url(card)
    if out["profile_url"] is not None:
        out["profile_url"] = clean("URL", out["profile_url"], "profile_url")

    for prop in card.all("TZ"):
        try:
            out["timezone"] = v.parse_timezone(_unescape(_text(card, prop)))
        except v.ValueProblem:
            pass
        break

    notes = card.all("NOTE")
    if notes:
        if notes[0].too_long:
            note("NOTE is too long and was left out")
        else:
            try:
                out["note"] = clean("NOTE", _unescape(_text(card, notes[0])), "note", multiline=True)
            except CardProblem as exc:
                note(f"{exc}; the note was left out")

    if not (out.get("email") or out.get("first_name") or out.get("last_name") or out.get("profile_url")):
        if out.get("company"):
            raise CardProblem(f'the card names only the organisation "{str(out["company"])[:80]}", no person and '
                              "no e-mail address; there is nothing to import")  # fmt: skip
        fn = card.all("FN")
        shown = _unescape(_text(card, fn[0])).strip()[:80] if fn else ""
        if shown:  # a display name alone ("Müller", "Chef"): no first and last name, nothing to write to
            raise CardProblem(f'the card has only the display name "{shown}", without first and last name (N) '
                              "and without an e-mail address; add them in the address book and export again")  # fmt: skip
        raise CardProblem("the card has neither a name nor an e-mail address; there is nothing to import")
    email = out.pop("email", None)
    kept = {k: val for k, val in out.items() if val is not None}
    return ImportedContact(row=card.number, email=email, **kept)  # type: ignore[arg-type]


def _profile_url(card: Card) -> str | None:
    """A social-network profile, never a company web site: contacts are matched by it."""
    social = [_unescape(_text(card, p)).strip() for p in card.all("X-SOCIALPROFILE")]
    urls = [_unescape(_text(card, p)).strip() for p in card.all("URL")]
    candidates = [u for u in social if u.lower().startswith(("http://", "https://"))]
    candidates += [u for u in urls if any(host in u.lower() for host in _PROFILE_HOSTS)]
    ranked = sorted(candidates, key=lambda u: (not any(h in u.lower() for h in _PROFILE_HOSTS)))
    return ranked[0] if ranked else None


def read_vcard(path: Path, progress: ReadProgress, today: date | None = None) -> Iterator[Item]:
    """The cards of a vCard file; `today` (the import's date) lets a birthday after it be left out."""
    label = str(path)
    duplicates = Duplicates()
    cards = 0
    card: Card | None = None
    nested = 0
    warned_encoding = False
    last_prop = ""
    with path.open("rb") as raw:
        for line, name, data, too_long in _logical_lines(raw, progress):
            value = data.partition(b":")[2].strip().upper()
            if name == "BEGIN" and value == b"VCARD":
                if card is not None:
                    if last_prop == "AGENT":
                        nested += 1
                        continue
                    yield RowProblem(card.number, f"card starting on line {card.line} has no END:VCARD; "
                                                  "the file may be cut off or two cards run together", label)  # fmt: skip
                cards += 1
                card, last_prop = Card(number=cards, line=line), ""
                continue
            if name == "END" and value == b"VCARD":
                if nested:
                    nested -= 1
                    continue
                if card is None:
                    continue
                finished, card = card, None
                notices: list[ImportNotice] = []
                try:
                    item: Item = _contact(finished, label, notices, today)
                except CardProblem as exc:
                    item = RowProblem(finished.number, f"card starting on line {finished.line}: {exc}", label)
                    notices = []  # notes about a card that is not imported would point at nothing to edit
                yield from notices
                if finished.fallback and not warned_encoding:
                    warned_encoding = True
                    yield ImportNotice(finished.number, "some text is not UTF-8 and was read as Windows-1252, "
                                                        "as Outlook writes it; check names with umlauts", label)  # fmt: skip
                if isinstance(item, ImportedContact):
                    item = duplicates.check(item, label, unit="card") or item
                yield item
                continue
            if card is None or nested or name in ("BEGIN", "END"):
                continue
            prop = _parse_prop(line, name, data, too_long)
            if prop is None:
                continue
            last_prop = name if not prop.raw.strip() else ""
            if name == "VERSION":
                card.version = prop.raw.decode("latin-1").strip()
                continue
            card.props.append(prop)
    if card is not None:
        yield RowProblem(card.number, f"card starting on line {card.line} has no END:VCARD; "
                                      "the file may be cut off", label)  # fmt: skip
    if cards == 0:
        yield RowProblem(1, "no vCard found; a vCard file has cards from BEGIN:VCARD to END:VCARD", label)
    progress.bytes_read = progress.bytes_total

"""Must-refuse conditions (ADDRESSING.md §6, M1-M7) and the review reasons shown to marketers.

Every reason says what is wrong and which `nurture contacts edit` option fixes it, because
the person reading it is a marketer looking at `contacts list --review`, not a developer.
"""

from __future__ import annotations

import re
import unicodedata

from nurture.domain.addressing.model import NeedsReview
from nurture.domain.addressing.titles import RANK_WORDS_FREE, RANK_WORDS_RANKED, Kind, parse_title

EDIT = "nurture contacts edit"

PLACEHOLDER_VALUES = frozenset(
    {"test", "tester", "testuser", "testperson", "test user", "test person", "n/a", "na", "n.a.", "n. a.",
     "none", "null", "nil", "nan", "unknown", "unbekannt", "unbek.", "keine angabe", "k.a.", "k. a.",
     "tbd", "tba", "x", "xx", "xxx", "asdf", "asdfg", "asdfgh", "qwert", "qwertz", "qwerty", "yxcv",
     "dummy", "sample", "example", "beispiel", "name", "vorname", "nachname", "firstname",
     "lastname", "first name", "last name", "first", "last", "nobody", "noname", "no name",
     "anonymous", "anonym", "foo", "bar", "foobar", "mustermann", "musterfrau", "lorem", "ipsum",
     "lorem ipsum", "placeholder", "platzhalter", "todo", "fixme", "undefined", "default", "user",
     "kunde", "kundin", "customer", "contact", "kontakt", "ansprechpartner", "ansprechpartnerin",
     "ohne angabe", "keine angaben", "o.a.", "o. a.", "n.n.", "n. n.", "not given", "not provided",
     "not available", "not specified"}
)
# Words that only make a placeholder together with one ("Kein Name", "Name unbekannt", "No Name").
PLACEHOLDER_CONNECTORS = frozenset({"kein", "keine", "keiner", "ohne", "angabe", "angaben", "no", "not"})
# Placeholders that are also real names: Martin Kunde, Sam Tester, Na Li, Yao Nan, Nil Demir, Ilan
# Bar, Wendy Sample. Written as a name next to a real other name they are that person's name;
# alone, next to another placeholder ("Kunde" with no first name, "Test Tester") or written as a
# placeholder ("na", "NA") they are still refused.
AMBIGUOUS_PLACEHOLDERS = frozenset({"kunde", "tester", "na", "nan", "nil", "bar", "sample"})
PLACEHOLDER_PAIRS = frozenset(
    {("max", "mustermann"), ("erika", "mustermann"), ("maxi", "mustermann"), ("max", "musterfrau"),
     ("erika", "musterfrau"), ("hans", "muster"), ("peter", "muster"), ("john", "doe"), ("jane", "doe"),
     ("john", "q. public"), ("joe", "bloggs"), ("fred", "bloggs"), ("otto", "normalverbraucher"),
     ("lieschen", "müller"), ("lorem", "ipsum"), ("first", "last"), ("vorname", "nachname")}
)

# Legal forms matched in any letter case, and short ones matched only as written in capitals.
LEGAL_FORMS = frozenset(
    {"gmbh", "mbh", "ggmbh", "kgaa", "gbr", "ohg", "ltd", "limited", "inc", "incorporated", "llc",
     "llp", "plc", "corp", "corporation", "sarl", "sàrl", "spa", "srl", "gesellschaft", "holding",
     "company", "unternehmen", "firma", "group", "gruppe", "e.v", "ev", "pty", "gmbh&co", "co.kg",
     "kg", "ag", "ug", "se", "bv", "nv", "sa", "sas", "ek", "e.k"}
)
LEGAL_FORMS_UPPER_ONLY = frozenset({"kg", "ag", "ug", "se", "bv", "nv", "sa", "sas", "ek", "ev", "keg", "oeg"})
# Legal forms that are never a name, in any letter case (Austrian GesmbH, Hungarian Kft/Zrt/Nyrt,
# Czech and Slovak s.r.o.), read with their dots removed ("Ges.m.b.H." is "gesmbh").
LEGAL_FORMS_ANY_CASE = frozenset({"gesmbh", "gesbr", "gesnbr", "kft", "zrt", "nyrt", "sro"})
# Legal forms that end a name and are written with dots or spaces, compared with the spaces taken out
# and in lower case: "e. V." (DIN 5008 spacing), "e.U.", "Sp. z o.o.", "Co.". Each holds a full stop,
# so no surname written in letters only ("Co", "Eu") is taken for one.
LEGAL_FORMS_AT_END = frozenset(
    {"e.v.", "e.v", "e.k.", "e.k", "e.kfm.", "e.kfr.", "e.u.", "e.u", "co.", "cie.", "ges.m.b.h.", "ges.m.b.h",
     "s.r.o.", "s.r.o", "spol.sr.o.", "spol.sr.o", "spol.s.r.o.", "sp.zo.o.", "sp.zo.o", "sp.j.", "sp.k.",
     "a.s.", "d.o.o.", "d.o.o", "kft.", "zrt.", "nyrt.", "o.g.", "k.g.", "g.m.b.h."}
)
# Short legal forms that are only taken as written, as a word after another word ("Wolf OG",
# "Schulz eU", "Müller eK"): "Og" or "Eu" on their own are surnames.
LEGAL_FORMS_EXACT_AFTER_WORD = frozenset({"OG", "eU", "eK", "KEG", "OEG"})
ROLE_WORDS = frozenset(
    {"info", "office", "sales", "support", "team", "vertrieb", "buchhaltung", "marketing", "admin",
     "service", "kontakt", "contact", "empfang", "reception", "einkauf", "procurement", "noreply",
     "no-reply", "mailbox", "postmaster", "webmaster", "hr", "personal", "redaktion", "presse"}
)

TITLE_WORDS_FIRST = frozenset(
    {"dr.", "dr", "prof.", "prof", "professor", "professorin", "herr", "frau", "hr.", "fr.", "mr", "mr.",
     "mrs", "mrs.", "ms", "ms.", "mx", "mx.", "miss", "dipl.-ing.", "mag.", "ing.", "sir", "dame", "herrn",
     "hrn.", "frl.", "fräulein", "mister", "madame", "mme.", "monsieur", "hofrat", "hofrätin", "kommerzialrat",
     "kommerzialrätin", "regierungsrat", "regierungsrätin", "primarius", "primaria", "prim."}
)
_TITLE_PREFIX = re.compile(r"(?i)^(?:d?dr|prof|dipl|m?mag|univ|ing)\.")
# Degrees that are never a name, in any letter case and at any place in the field ("Huber PhD").
DEGREE_WORDS = frozenset(
    {"phd", "dphil", "mba", "emba", "msc", "bsc", "llm", "llb", "meng", "beng", "bakk", "dr", "prof",
     "professor", "professorin"}
)
# Short degrees that are names too ("Ma", "Di"); only a capitalised spelling in a mixed-case field
# ("Huber MA", "DI Huber") shows the degree.
DEGREE_WORDS_CAPITALS = frozenset({"DI", "MA", "BA", "MAS", "PD", "DDR", "MMAG"})
# Abbreviated notes and generation suffixes that belong to a record but never to a salutation (§2 G2).
# Only the dotted forms: an undotted word ("Jr", "III", "née") may be part of a letters-only surname.
NAME_NOTES = frozenset({"geb.", "verh.", "verw.", "jr.", "sr.", "jun.", "sen.", "jr", "sr", "née", "geborene",
                        "geborener", "verheiratete", "verwitwete"})
# Abbreviations that are part of a surname as its bearer writes it ("St. John", "Ste. Marie").
NAME_ABBREVIATIONS = frozenset({"st.", "ste.", "sta."})
# Generational suffixes ("Smith III"): only as capitals, so that no surname is taken for one.
NAME_SUFFIXES = frozenset({"II", "III", "IV"})
_URL = re.compile(
    r"(?i)(?:https?:|www\.|://|[a-z0-9-]{2,}\.(?:com|net|org|de|at|ch|li|eu|io|co|uk|us|info|biz|me|app|dev)"
    r"(?![\w]))"
)
_HYPHENS = frozenset("-\u2010\u2011")
_ALLOWED_PUNCTUATION = frozenset(" -\u2010\u2011'\u2019\u02bc.\u200c\u200d")


def quote(value: str, limit: int = 40) -> str:
    """A field value safe to show inside a reason: printable only, shortened."""
    shown = "".join(ch for ch in value if unicodedata.category(ch)[0] not in {"C", "Z"} or ch == " ")
    shown = " ".join(shown.split())
    if len(shown) > limit:
        shown = shown[: limit - 1] + "…"
    return f'"{shown}"'


def review(code: str, reason: str) -> NeedsReview:
    return NeedsReview(code=code, reason=reason)


def _is_placeholder_value(value: str) -> bool:
    lowered = value.lower()
    if lowered in PLACEHOLDER_VALUES or ("." in lowered and lowered.replace(" ", "") in PLACEHOLDER_VALUES):
        return True  # the abbreviations in any spacing: "o.A.", "o. A.", "k. A."
    letters = [ch for ch in lowered if ch.isalpha()]
    if not letters:
        return True
    if len(letters) >= 2 and len(set(letters)) == 1 and " " not in value:
        return True
    return _placeholder_words_only(lowered.split(" "))


def _placeholder_words_only(words: list[str]) -> bool:
    """Several words that are each a placeholder: "Unknown Unknown", "Kein Name", "Name unbekannt".

    At least one word must be a placeholder that is no name anywhere: "Bar Nil" could be a name.
    """
    if len(words) < 2:
        return False
    if not all(word in PLACEHOLDER_VALUES or word in PLACEHOLDER_CONNECTORS for word in words):
        return False
    return any(word in PLACEHOLDER_VALUES and word not in AMBIGUOUS_PLACEHOLDERS for word in words)


def _is_company(value: str) -> bool:
    if "&" in value or "+" in value:
        return True
    for token in value.split(" "):
        bare = token.strip(".,")
        lowered = bare.lower()
        undotted = lowered.replace(".", "")
        if lowered in ROLE_WORDS or undotted in ROLE_WORDS:
            return True
        if undotted in LEGAL_FORMS_ANY_CASE:
            return True
        for form in (lowered, undotted):
            if form in LEGAL_FORMS:
                if form in LEGAL_FORMS_UPPER_ONLY and not bare.replace(".", "").isupper():
                    continue
                return True
    return _legal_form_at_end(value.split(" "))


def _legal_form_at_end(tokens: list[str]) -> bool:
    """A legal form written with dots or spaces, or a short one as written, ending a longer name."""
    if len(tokens) > 1 and tokens[-1].rstrip(",") in LEGAL_FORMS_EXACT_AFTER_WORD:
        return True
    for count in range(1, min(4, len(tokens) - 1) + 1):
        if "".join(tokens[-count:]).lower() in LEGAL_FORMS_AT_END:
            return True
    return False


def check_name_field(label: str, option: str, value: str, other: str = "") -> NeedsReview | None:
    """The per-field refusals: e-mail, URL, placeholder, company, digits, odd characters (M3-M5).

    `other` is the other name field: a placeholder that is also a real name passes beside a real one.
    """
    fix = f"correct it with `{EDIT} <contact> {option} ...`"
    shown = quote(value)
    if "@" in value:
        return review("email_in_name", f"The {label} {shown} contains an e-mail address, not a name; {fix}.")
    if _URL.search(value):
        return review("url_in_name", f"The {label} {shown} contains a web address, not a name; {fix}.")
    # Written as a name ("Kunde", not "kunde" or "NA") beside a real other name.
    real_beside = (value.lower() in AMBIGUOUS_PLACEHOLDERS and value[:1].isupper() and not value.isupper()
                   and bool(other) and not _is_placeholder_value(other))  # fmt: skip
    if _is_placeholder_value(value) and not real_beside:
        return review(
            "placeholder_name", f"The {label} {shown} is a placeholder, not a real name; {fix}."
        )
    if _is_company(value):
        return review(
            "company_in_name",
            f"The {label} {shown} looks like a company, legal form or department, not a person; {fix}.",
        )
    if any(unicodedata.category(ch).startswith("N") for ch in value):
        return review("digits_in_name", f"The {label} {shown} contains digits; {fix}.")
    for ch in value:
        category = unicodedata.category(ch)
        if category[0] not in {"L", "M"} and ch not in _ALLOWED_PUNCTUATION:
            return review(
                "invalid_characters",
                f"The {label} {shown} contains characters that do not belong in a name; {fix}.",
            )
    tokens = value.split(" ")
    if any(unicodedata.category(token[0]).startswith("M") for token in tokens if token):
        # An accent or other combining mark with no letter under it: the name was damaged on its
        # way in (a cut-off character); printing it would show a stray mark as a name part.
        return review(
            "invalid_characters",
            f"The {label} {shown} has an accent mark without a letter; {fix}.",
        )
    for token in tokens:
        if token and (not any(ch.isalpha() for ch in token) or token[0] in _HYPHENS or token[-1] in _HYPHENS):
            # "Müller ." or "Müller-": a stray mark or a cut-off double name would be printed as
            # part of the name; which name was meant is not for nurture to guess.
            return review(
                "invalid_characters",
                f"The {label} {shown} has a part without letters or a hyphen with nothing on one side; {fix}.",
            )
    first = tokens[0].lower()
    if first in TITLE_WORDS_FIRST or _TITLE_PREFIX.match(first):
        return review(
            "title_in_name",
            f"The {label} {shown} starts with a title or form of address; move it to the title "
            f"(`{EDIT} <contact> --title ...`) or gender field and {fix}.",
        )
    mixed = any(ch.isupper() for ch in value) and any(ch.islower() for ch in value)
    for token in tokens:
        if _is_degree(token, mixed):
            return review(
                "title_in_name",
                f"The {label} {shown} contains the title {quote(token)}; move it to the title "
                f"(`{EDIT} <contact> --title ...`) and {fix}.",
            )
    for token in tokens[1:]:
        if token.lower() in NAME_NOTES or token in NAME_SUFFIXES:
            return review(
                "note_in_name",
                f"The {label} {shown} contains {quote(token)}, which belongs to the record but not to a "
                f"salutation; keep only the name in use and {fix}.",
            )
    for token in tokens:
        if _cut_off(token):
            # "Mueller." is a name with a stray full stop or one cut short ("Schmidt-Rottl."); printing
            # it shows the dot, dropping it guesses. Initials ("J.", "Hans-J.") and "St." stay.
            return review(
                "abbreviated_name",
                f"The {label} {shown} ends a word with a full stop ({quote(token)}), so it is cut short or "
                f"mistyped; write the name out without the full stop and {fix}.",
            )
    letters = [ch for ch in value if ch.isalpha()]
    if len(letters) == 1 and letters[0].upper() != letters[0].lower():
        # Only a letter of a cased alphabet can be an initial: 王 or 李 is a whole surname.
        return review("initial_only", f"The {label} {shown} is only an initial; {fix}.")
    return None


def _cut_off(token: str) -> bool:
    """A word of several letters ending in a full stop that is no initial and no known abbreviation."""
    if not token.endswith(".") or token.lower() in NAME_ABBREVIATIONS or token.lower() in RANK_WORDS_FREE:
        return False
    last = re.split(r"[.\-\u2010\u2011'\u2019\u02bc]", token[:-1])[-1]
    return sum(ch.isalpha() for ch in last) >= 2


def _is_degree(token: str, mixed: bool) -> bool:
    """An academic degree written into a name field, wherever it stands ("Huber PhD", "Anna Dr.")."""
    bare = token.strip(".,")
    if bare.lower() in DEGREE_WORDS or (mixed and bare in DEGREE_WORDS_CAPITALS):
        return True
    if "." not in token or sum(ch.isalpha() for ch in token) < 2:
        return False  # an initial ("M.") is not a degree
    parsed = parse_title(token)
    ranks = {Kind.FREE_RANK, Kind.RANKED_NOBILITY}  # handled by P3 / M7
    return bool(parsed.tokens) and not parsed.unknown and not any(t.kind in ranks for t in parsed.tokens)


def check_pair(first: str, last: str) -> NeedsReview | None:
    """Placeholder names made of both fields: "Test Test", "Max Mustermann", "John Doe" (M3)."""
    pair = (first.lower(), last.lower())
    if pair in PLACEHOLDER_PAIRS or (first and " " not in first and pair[0] == pair[1]):
        return review(
            "placeholder_name",
            f"The name {quote(first + ' ' + last)} is a placeholder, not a real person; "
            f"correct it with `{EDIT} <contact> --first-name ... --last-name ...`.",
        )
    return None


def ranked_nobility(where: str, word: str) -> NeedsReview:
    return review(
        "ranked_nobility",
        f"The {where} contains the rank {quote(word)}; sources disagree on how to address ranked "
        f"nobility, so write this salutation by hand or change the record with `{EDIT}`.",
    )


def misplaced_rank(value: str) -> NeedsReview:
    return review(
        "misplaced_rank",
        f"The last name {quote(value)} has Freiherr/Freifrau/Freiin somewhere other than at its start, "
        f"so the surname cannot be told apart; correct it with `{EDIT} <contact> --last-name ...`.",
    )


def find_ranked(tokens: list[str]) -> str | None:
    """A ranked-nobility word among several name tokens (M7); a lone "Graf" is a surname."""
    if len(tokens) < 2:
        return None
    for token in tokens:
        if token.lower() in RANK_WORDS_RANKED:
            return token
    return None


def is_free_rank(token: str) -> bool:
    return token.lower() in RANK_WORDS_FREE


def missing_last_name() -> NeedsReview:
    return review(
        "missing_last_name",
        f"The last name is missing, and a formal salutation needs it; add it with "
        f"`{EDIT} <contact> --last-name ...`.",
    )


def rank_only(value: str) -> NeedsReview:
    return review(
        "particle_only",
        f"The last name {quote(value)} holds only a rank word (Freiherr/Freifrau/Freiin), not the surname "
        f"itself; correct it with `{EDIT} <contact> --last-name ...`.",
    )


def particle_only(value: str) -> NeedsReview:
    return review(
        "particle_only",
        f"The last name {quote(value)} holds only a name particle, not the surname itself; "
        f"correct it with `{EDIT} <contact> --last-name ...`.",
    )


def missing_first_name() -> NeedsReview:
    return review(
        "missing_first_name",
        f"The first name is missing, and an informal salutation needs it; add it with "
        f"`{EDIT} <contact> --first-name ...` or switch to `--formality formal`.",
    )


def no_neutral_form(language: str) -> NeedsReview:
    if language == "de":
        detail = "gender is diverse or unknown and the gender-neutral German form needs the first name"
    else:
        detail = "gender is unknown and the English form without Mr/Ms needs the first name (or a Dr/Professor title)"
    return review(
        "no_neutral_form",
        f"No correct salutation is possible: {detail}; add the first name with "
        f"`{EDIT} <contact> --first-name ...` or set the gender with `--gender`.",
    )


def unknown_title(pieces: tuple[str, ...]) -> NeedsReview:
    shown = quote(" ".join(pieces))
    return review(
        "unknown_title",
        f"The title {shown} is not a recognised academic title, so it cannot be placed in the "
        f"salutation safely; correct it with `{EDIT} <contact> --title ...` (or clear it).",
    )


def gender_conflict(detail: str) -> NeedsReview:
    return review(
        "gender_conflict",
        f"The record contradicts itself: {detail}; set the right gender with "
        f"`{EDIT} <contact> --gender female|male|diverse` or correct the title.",
    )


def unknown_value(code: str, field: str, value: str, allowed: str, option: str) -> NeedsReview:
    return review(
        code,
        f"The {field} {quote(value)} is not one of {allowed}; correct it with `{EDIT} <contact> {option} ...`.",
    )


def internal() -> NeedsReview:
    return review(
        "unreadable_record",
        f"No salutation could be formed from this record; check its name, gender and title with `{EDIT}`.",
    )

"""Reading the free-text title column (ADDRESSING.md T1-T6, A1-A4, E3, E4).

The column holds whatever the source system had: "Prof. Dr. Dr. h.c. mult.", "Dr. med.",
"Dipl.-Ing. (FH)", "Mag.a", "DI", "BSc MSc", "Ph.D.", " dr. ". It is read into typed tokens;
each national variant then decides which one (if any) appears in the salutation. A token
that is not recognised is reported instead of being guessed at.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum

from nurture.domain.addressing.names import RANK_WORDS_FREE, normalise


class Kind(Enum):
    PROFESSOR = "professor"          # any professorship; written out in de/en salutations
    DOCTOR = "doctor"                # German/Austrian doctorate (Dr., Dr.-Ing., DDr., Dr.in)
    DOCTOR_POSTNOMINAL = "doctor_postnominal"  # PhD, MD, DPhil: "Dr" in English only
    AUSTRIAN_DEGREE = "austrian_degree"  # Mag., Dipl.-Ing., DI, Ing.: salutation in AT only
    DROPPED = "dropped"              # bachelor/master, lic., PD: address block only
    HONORIFIC = "honorific"          # Herr/Frau/Mr/Ms... put into the title column
    FREE_RANK = "free_rank"          # Freiherr/Freifrau/Freiin (P3)
    RANKED_NOBILITY = "ranked_nobility"  # Graf, Fürst, ... (M7)


@dataclass(frozen=True)
class TitleToken:
    kind: Kind
    text: str        # canonical printed form, e.g. "Dr.", "Mag.a", "DI (FH)"
    rank: int = 0    # Austrian ranking (A3); higher wins
    feminine: bool = False  # a female form as awarded: Mag.a, Dr.in, Dipl.-Ing.in, Prof.in, Professorin

    def gender_free(self) -> str:
        """The printed form without the female ending, for the neutral salutation (T6)."""
        if not self.feminine:
            return self.text
        return re.sub(r"\.(?:in|a)(?= |$)", ".", self.text, count=1)


@dataclass(frozen=True)
class ParsedTitle:
    tokens: tuple[TitleToken, ...]
    unknown: tuple[str, ...]

    def of(self, kind: Kind) -> list[TitleToken]:
        return [token for token in self.tokens if token.kind is kind]

    def has(self, kind: Kind) -> bool:
        return any(token.kind is kind for token in self.tokens)


# Austrian ranking (A3): Mag.(FH) < Dipl.-Ing.(FH) < Mag. < Dipl.-Ing. < Dr.; Professor above.
RANK_ING = 1
RANK_MAG_FH = 2
RANK_DIPL_ING_FH = 3
RANK_MAG = 4
RANK_DIPL_ING = 5
RANK_DOCTOR = 6
RANK_PROFESSOR = 7

_FH = r"(?:\s*\(\s*fh\s*\))?"
# Lower-case field or honour qualifiers that follow a degree: "med.", "rer. nat.", "h.c.", "E.h.", "mult."
_QUALIFIERS = r"(?:\s*-?\s*(?-i:(?!prof)(?:h\.\s?c\.|e\.\s?h\.|E\.\s?h\.|[a-zäöü]{2,10}\.)))*"
# A token ends at a non-word character, or right after its own full stop: "Prof.Dr." is two tokens.
_END = r"(?:(?<=\.)(?!\.)|(?![\w.]))"

RANK_WORDS_RANKED = frozenset(
    {"graf", "gräfin", "fürst", "fürstin", "prinz", "prinzessin", "herzog", "herzogin", "baron",
     "baronin", "baronesse", "ritter", "edler", "edle", "markgraf", "markgräfin", "landgraf",
     "landgräfin", "burggraf", "burggräfin", "erbprinz", "erbprinzessin", "reichsgraf",
     "reichsgräfin", "großherzog", "großherzogin", "kurfürst", "count", "countess", "duke",
     "duchess", "prince", "princess"}
)

# Forms of address that end up in a title column; mapped to the English word they stand for.
HONORIFICS = {
    "herr": "Mr", "hr.": "Mr", "mr": "Mr", "mr.": "Mr",
    "frau": "Ms", "fr.": "Ms", "ms": "Ms", "ms.": "Ms", "mrs": "Mrs", "mrs.": "Mrs", "miss": "Miss",
    "mx": "Mx", "mx.": "Mx",
}
HONORIFIC_GENDER = {"Mr": "male", "Ms": "female", "Mrs": "female", "Miss": "female", "Mx": "diverse"}


def _doctor_form(raw: str) -> str:
    """Canonical stored doctorate form (A2): "Dr.", "DDr." or the gendered "Dr.in"."""
    compact = re.sub(r"\s+", "", raw).lower()
    base = "DDr." if compact.startswith("ddr") else "Dr."
    # Read on the spaced text: in "Dr.in med." the "in" ends at the space, not at "med." (A2).
    return base + "in" if re.match(r"d?dr(?:\.\s?in|in)(?![\w])", raw.strip(), re.IGNORECASE) else base


def _fh(raw: str) -> str:
    return " (FH)" if re.search(r"\(\s*fh\s*\)", raw, re.IGNORECASE) else ""


def _make_professor(raw: str) -> TitleToken:
    feminine = bool(re.search(r"prof(?:essorin|\.?\s?in)(?![\w])", raw, re.IGNORECASE))
    return TitleToken(Kind.PROFESSOR, "Prof.", RANK_PROFESSOR, feminine)


def _make_doctor(raw: str) -> TitleToken:
    text = _doctor_form(raw)
    return TitleToken(Kind.DOCTOR, text, RANK_DOCTOR, text.endswith("in"))


def _make_dipl_ing(raw: str) -> TitleToken:
    fh = _fh(raw)
    gendered = bool(re.search(r"ing\.?\s*in\b", raw, re.IGNORECASE))
    return TitleToken(Kind.AUSTRIAN_DEGREE, "Dipl.-Ing." + ("in" if gendered else "") + fh,
                      RANK_DIPL_ING_FH if fh else RANK_DIPL_ING, gendered)


def _make_di(raw: str) -> TitleToken:
    fh = _fh(raw)
    return TitleToken(Kind.AUSTRIAN_DEGREE, "DI" + fh, RANK_DIPL_ING_FH if fh else RANK_DIPL_ING)


def _make_dipl_other(raw: str) -> TitleToken:
    fh = _fh(raw)
    body = re.sub(r"\(\s*fh\s*\)", "", raw, flags=re.IGNORECASE)
    body = re.sub(r"^dipl\.?\s*-?\s*", "", body.strip(), flags=re.IGNORECASE).strip()
    body = re.sub(r"\s+", "", body)
    if body == body.lower() or body == body.upper():
        body = "-".join(part[:1].upper() + part[1:].lower() for part in body.split("-"))
    return TitleToken(Kind.AUSTRIAN_DEGREE, "Dipl.-" + body + fh, RANK_MAG_FH if fh else RANK_MAG,
                      body.endswith(".in"))


def _make_mag(raw: str) -> TitleToken:
    fh = _fh(raw)
    compact = re.sub(r"\s+", "", re.sub(r"\(\s*fh\s*\)", "", raw, flags=re.IGNORECASE))
    double = compact.lower().startswith("mmag")
    # Read on the spaced text: in "Mag.a pharm." the "a" ends at the space, not at "pharm".
    gendered = bool(re.match(r"m?mag(?:\.\s*a|a)(?![\w])", raw.strip(), re.IGNORECASE))
    text = ("MMag." if double else "Mag.") + ("a" if gendered else "") + fh
    return TitleToken(Kind.AUSTRIAN_DEGREE, text, RANK_MAG_FH if fh else RANK_MAG, gendered)


def _make_ing(raw: str) -> TitleToken:
    return TitleToken(Kind.AUSTRIAN_DEGREE, "Ing.", RANK_ING)


def _make_postnominal_doctor(raw: str) -> TitleToken:
    return TitleToken(Kind.DOCTOR_POSTNOMINAL, re.sub(r"\s+", "", raw))


def _make_dropped(raw: str) -> TitleToken:
    return TitleToken(Kind.DROPPED, re.sub(r"\s+", " ", raw.strip()))


_PATTERNS: list[tuple[re.Pattern[str], Callable[[str], TitleToken]]] = [
    # Professorships: Prof., Professor(in), Univ.-Prof., o. Univ.-Prof., Hon.-Prof., apl. Prof.,
    # Jun.-Prof., Prof. (FH), Prof.in, em./emer./a.D.
    (re.compile(
        r"(?:(?:o\.|a\.\s?o\.|ao\.)\s*)?(?:(?:univ|hon|apl|jun|gast|vert)\.?\s*-?\s*)*"
        r"prof(?:essorin|essor|\.?\s?in(?![\w])|\.|(?![\w.]))" + _FH
        + r"(?:\s*(?:em\.|emer\.|a\.\s?d\.|i\.\s?r\.))*" + _END, re.IGNORECASE), _make_professor),
    # Doctorates with qualifiers: Dr., Dr.-Ing., Dr. med., Dr. rer. nat., Dr. h.c. mult., DDr., Dr.in
    (re.compile(r"d?dr(?:\.?\s*-?\s*ing(?:\.|(?![\w]))|\.\s?in(?![\w])|\.|(?![\w.]))" + _QUALIFIERS + _END,
                re.IGNORECASE), _make_doctor),
    (re.compile(r"(?:ph\.?\s?d\.?|d\.?\s?phil\.?|m\.\s?d\.|md|ed\.?\s?d\.?|d\.?\s?b\.?\s?a\.?|dsc|d\.\s?sc\.|"
                r"sc\.\s?d\.|scd|dds|d\.d\.s\.|dmd|d\.m\.d\.|dvm|d\.v\.m\.|pharm\.?\s?d\.?)" + _END,
                re.IGNORECASE), _make_postnominal_doctor),
    (re.compile(r"dipl\.?\s*-?\s*ing\.?(?:\s*in)?" + _FH + _END, re.IGNORECASE), _make_dipl_ing),
    (re.compile(r"di(?:\.)?" + _FH + _END, re.IGNORECASE), _make_di),
    # Parts of one Diplom are joined by hyphens ("Dipl.-Wirt.-Ing."); a space ends it ("Dipl.-Kffr. Mag.").
    (re.compile(r"dipl\.?\s*-?\s*(?:[a-zäöü]+\.?(?:\s*-\s*)?)+?(?:(?<=\.)in(?!\w))?" + _FH + _END,
                re.IGNORECASE), _make_dipl_other),
    (re.compile(r"m?mag(?:\.\s*a(?![\w])|\.|a(?![\w])|(?![\w.]))" + _FH + _QUALIFIERS + _END, re.IGNORECASE), _make_mag),
    (re.compile(r"ing\." + _END + r"|ing(?![\w.-])", re.IGNORECASE), _make_ing),
    # Post-nominal bachelor/master grades, Swiss licentiate, Privatdozent: address block only.
    (re.compile(
        r"(?:bakk\.?(?:\s*(?-i:[a-z]{2,8}\.))*|b\.?\s?a\.?|b\.?\s?sc\.?|b\.?\s?eng\.?|b\.?\s?b\.?\s?a\.?|b\.?\s?ed\.?|"
        r"m\.?\s?a\.?|m\.?\s?sc\.?|m\.?\s?eng\.?|e?m\.?\s?b\.?\s?a\.?|m\.?\s?a\.?\s?s\.?|m\.?\s?p\.?\s?a\.?|"
        r"m\.?\s?p\.?\s?h\.?|m\.?\s?phil\.?|m\.?\s?res\.?|m\.?\s?f\.?\s?a\.?|m\.?\s?ed\.?|m\.?\s?i\.?\s?b\.?|"
        r"ll\.?\s?[mb]\.?|j\.?\s?d\.?|bachelor|master|"
        r"lic\.?(?:\s*(?-i:[a-z]{2,8}\.))*|pd|p\.\s?d\.|priv\.?\s*-?\s*doz\.?|privatdozent(?:in)?|doz\.?)" + _END,
        re.IGNORECASE), _make_dropped),
]

_SEPARATOR = re.compile(r"[\s,;]+")


def parse_title(value: str | None) -> ParsedTitle:
    """Split a title column into recognised tokens and the pieces nobody could read."""
    text = normalise(value)
    tokens: list[TitleToken] = []
    unknown: list[str] = []
    position = 0
    while position < len(text):
        gap = _SEPARATOR.match(text, position)
        if gap:
            position = gap.end()
            continue
        word = re.match(r"[^\s,;]+", text[position:])
        word_text = word.group(0) if word else text[position:]
        lowered = word_text.lower()
        if lowered in HONORIFICS:
            tokens.append(TitleToken(Kind.HONORIFIC, HONORIFICS[lowered]))
            position += len(word_text)
            continue
        if lowered in RANK_WORDS_FREE:
            tokens.append(TitleToken(Kind.FREE_RANK, RANK_WORDS_FREE[lowered]))
            position += len(word_text)
            continue
        if lowered in RANK_WORDS_RANKED:
            tokens.append(TitleToken(Kind.RANKED_NOBILITY, word_text))
            position += len(word_text)
            continue
        for pattern, make in _PATTERNS:
            match = pattern.match(text, position)
            if match and match.end() > position:
                tokens.append(make(match.group(0)))
                position = match.end()
                break
        else:
            unknown.append(word_text)
            position += len(word_text)
    return ParsedTitle(tuple(tokens), tuple(unknown))


def highest(tokens: list[TitleToken]) -> TitleToken | None:
    """The highest-ranking token (A3, T2); the first one wins a tie."""
    best: TitleToken | None = None
    for token in tokens:
        if best is None or token.rank > best.rank:
            best = token
    return best

"""English salutations (§5): Ms/Mr/Mx, academic titles replacing the honorific, US vs. elsewhere.

US and Canadian style puts a full stop after Mr/Ms/Mx/Mrs/Dr; British and most other style
omits it because the contraction ends in the word's last letter (E2). "Miss" and "Professor"
are whole words and never take one.
"""

from __future__ import annotations

from nurture.domain.addressing.titles import Kind, ParsedTitle

DOTTED = frozenset({"US", "CA"})
_CONTRACTIONS = frozenset({"Mr", "Ms", "Mx", "Mrs", "Dr"})


def _punctuate(word: str, country: str) -> str:
    return word + "." if country in DOTTED and word in _CONTRACTIONS else word


def formal(
    first: str, last: str, gender: str | None, parsed: ParsedTitle, country: str, preferred: str | None
) -> str | None:
    """The formal line, or None when the gender is unknown and nothing neutral is possible (M6)."""
    if parsed.has(Kind.PROFESSOR):
        word = "Professor"  # E3: always written out, gender-free
    elif parsed.has(Kind.DOCTOR) or parsed.has(Kind.DOCTOR_POSTNOMINAL):
        word = "Dr"
    elif gender == "female":
        word = preferred if preferred in {"Mrs", "Miss"} else "Ms"
    elif gender == "male":
        word = "Mr"
    elif gender == "diverse":
        word = "Mx"  # E5/D10: Mx only when the contact said diverse
    else:
        if not first:
            return None
        return f"Dear {first} {last},"  # E6: full name, no honorific
    return f"Dear {_punctuate(word, country)} {last},"


def informal(first: str) -> str:
    """E7/D2: "Hi" and the first name, no comma after "Hi"."""
    return f"Hi {first},"

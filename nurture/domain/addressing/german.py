"""German salutations: DE (DIN 5008 practice), Austria and Switzerland/Liechtenstein (§2-§4).

Decisions from §9 applied here: one title only (D4, D9), Professorin (D3), diplomas and
Magister dropped outside Austria (D8), comma after "Guten Tag" (D1), none after "Hallo" (D2),
ß -> ss and the comma kept in CH/LI (D5, D6).
"""

from __future__ import annotations

from nurture.domain.addressing.titles import Kind, ParsedTitle, TitleToken, highest

AUSTRIA = frozenset({"AT"})
SWISS = frozenset({"CH", "LI"})


def _chosen(parsed: ParsedTitle, country: str) -> TitleToken | None:
    """The single title that may appear: AT ranks all pre-nominal degrees, DE/CH only Dr./Prof."""
    kinds = {Kind.PROFESSOR, Kind.DOCTOR}
    if country in AUSTRIA:
        kinds.add(Kind.AUSTRIAN_DEGREE)
    return highest([token for token in parsed.tokens if token.kind in kinds])


def _title_text(token: TitleToken | None, country: str, gender: str | None) -> str:
    if token is None:
        return ""
    if token.kind is Kind.PROFESSOR:
        if gender == "female":
            return "Professorin"
        if gender == "male":
            return "Professor"
        return "Prof."  # T6: gender-free abbreviation in the neutral form
    if token.kind is Kind.DOCTOR and country not in AUSTRIA:
        return "Dr."  # T1/T2: one plain "Dr.", no qualifier, no "Doktorin"
    if gender != "female":
        return token.gender_free()  # T6: "Guten Tag, Mag. Alex Huber," not "Mag.a"
    return token.text  # A2: the Austrian stored form (Mag.a, DI, Dr.in, DDr.)


def formal(first: str, last: str, gender: str | None, parsed: ParsedTitle, country: str) -> str | None:
    """The formal line, or None when no gender-neutral form is possible (M6)."""
    title = _title_text(_chosen(parsed, country), country, gender)
    if gender in {"female", "male"}:
        opener = "Sehr geehrte Frau" if gender == "female" else "Sehr geehrter Herr"
        return " ".join(part for part in (opener, title, last) if part) + ","
    if not first:
        return None
    return "Guten Tag, " + " ".join(part for part in (title, first, last) if part) + ","


def informal(first: str, gender: str | None) -> str:
    """Du-form with the first name only (I1, I2); titles never appear here."""
    if gender == "female":
        return f"Liebe {first},"
    if gender == "male":
        return f"Lieber {first},"
    return f"Hallo {first},"


def swiss(line: str) -> str:
    """S1: Swiss and Liechtenstein orthography has no ß."""
    return line.replace("ß", "ss").replace("ẞ", "SS")

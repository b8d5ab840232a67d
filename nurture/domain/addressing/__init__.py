"""The salutation builder: the exact opening line for a contact, or a reason to review it.

Product rule 1 is "correctly addressed or not sent", so this package never guesses: a record
that cannot be addressed correctly yields `NeedsReview` with a plain reason, never a generic
fallback and never an exception. Rules and decisions: ADDRESSING.md (section ids cited inline).
"""

from __future__ import annotations

import unicodedata

from nurture.domain.addressing import english, german, refusals
from nurture.domain.addressing.model import AddressInput, NeedsReview, Salutation
from nurture.domain.addressing.names import clean_name, display_name, normalise, particle_flags, recase
from nurture.domain.addressing.titles import HONORIFIC_GENDER, HONORIFICS, RANK_WORDS_FREE, Kind, parse_title

__all__ = ["AddressInput", "NeedsReview", "Salutation", "clean_name", "display_name", "salutation_for"]

GENDERS = frozenset({"female", "male", "diverse"})
LANGUAGES = frozenset({"de", "en"})
FORMALITIES = frozenset({"formal", "informal"})
_COUNTRY_ALIASES = {"UK": "GB"}
_PERSON = {"female": "woman", "male": "man"}
# First-name problems that only matter when the first name is printed (G2, E3, E5): "A.", "Chr.".
_UNPRINTED_HARMLESS = frozenset({"initial_only", "abbreviated_name"})


def salutation_for(inp: AddressInput) -> Salutation | NeedsReview:
    """The opening line for `inp`, or why a person has to look at the record first."""
    try:
        result = _build(inp)
    except Exception:  # product rule: a bad record is flagged, it never breaks an import or a run
        return refusals.internal()
    if isinstance(result, Salutation) and not _well_formed(result.line):
        return refusals.internal()
    return result


def _well_formed(line: str) -> bool:
    """Last line of defence for the output contract (§ Output)."""
    return (
        bool(line)
        and line == line.strip()
        and "  " not in line
        and line == unicodedata.normalize("NFC", line)
        and line.endswith(",")
        and not line.endswith(" ,")
        and not any(unicodedata.category(ch) in {"Cc", "Cs", "Co", "Cn", "Zl", "Zp"} for ch in line)
    )


def _language_and_region(value: object) -> tuple[str, str]:
    text = normalise(value).lower().replace("_", "-")
    language, _, region = text.partition("-")
    return language, region.upper()


def _build(inp: AddressInput) -> Salutation | NeedsReview:
    language, region = _language_and_region(inp.language)
    if language not in LANGUAGES:
        return refusals.unknown_value("unsupported_language", "language", normalise(inp.language),
                                      "de, en", "--language")
    country = normalise(inp.country).upper() or region
    country = _COUNTRY_ALIASES.get(country, country)
    if country and not (len(country) == 2 and country.isascii() and country.isalpha()):
        # "Österreich", "USA" or "CHE" would silently get the rules of no country at all (§3, §4, E2).
        return refusals.unknown_value("unknown_country", "country", normalise(inp.country) or region,
                                      "DE, AT, CH, GB, US or another two-letter ISO code", "--country")
    formality = normalise(inp.formality).lower()
    if formality not in FORMALITIES:
        return refusals.unknown_value("unknown_formality", "formality", normalise(inp.formality),
                                      "formal, informal", "--formality")
    gender_text = normalise(inp.gender).lower()
    if gender_text and gender_text not in GENDERS:
        return refusals.unknown_value("unknown_gender", "gender", gender_text,
                                      "female, male, diverse or empty", "--gender")
    gender = gender_text or None

    first_raw = normalise(inp.first_name)
    last_raw = normalise(inp.last_name)
    first_problem: NeedsReview | None = None
    for label, option, value, other in (("first name", "--first-name", first_raw, last_raw),
                                        ("last name", "--last-name", last_raw, first_raw)):  # fmt: skip
        if value:
            problem = refusals.check_name_field(label, option, value, other)
            if problem is not None and label == "first name" and problem.code in _UNPRINTED_HARMLESS:
                first_problem = problem  # harmless until the first name is printed (G2, E3, E5)
            elif problem is not None:
                return problem
    if first_raw and last_raw:
        problem = refusals.check_pair(first_raw, last_raw)
        if problem is not None:
            return problem

    first, first_rank = _first_name(recase(first_raw)) if first_problem is None else ("", None)
    last_tokens = recase(last_raw).split(" ") if last_raw else []
    for where, tokens in (("first name", first_raw.split(" ")), ("last name", last_tokens)):
        ranked = refusals.find_ranked(tokens)
        if ranked:
            return refusals.ranked_nobility(where, ranked)  # M7 / D12
    last, last_rank, problem = _last_name(last_tokens, last_raw)
    if problem is not None:
        return problem

    preferred: str | None = None
    honorific = normalise(inp.honorific)
    if honorific:
        word = HONORIFICS.get(honorific.lower())
        if word is None:
            return refusals.review(
                "unknown_honorific",
                f"The honorific {refusals.quote(honorific)} is not one of Mr, Ms, Mrs, Miss, Mx, Herr or Frau; "
                "correct or clear it.",
            )
        conflict = _conflict(gender, HONORIFIC_GENDER[word], f"the honorific is {honorific}")
        if conflict is not None:
            return conflict
        preferred = word

    for rank_gender in (first_rank, last_rank):
        if rank_gender:
            detail = f"the name carries a rank word for a {_PERSON[rank_gender]}"
            conflict = _conflict(gender, rank_gender, detail)
            if conflict is not None:
                return conflict

    parsed = parse_title(inp.title)
    # A title that disagrees with the gender ("Frau" or "Mag.a" for a man) makes the record contradict
    # itself in every form: the du-form's Liebe/Lieber depends on the gender just as Frau/Herr does.
    for token in parsed.tokens:
        if token.kind is Kind.FREE_RANK:
            conflict = _conflict(gender, token.text, "the title carries a rank word of the other sex")
            if conflict is not None:
                return conflict
        if token.feminine and gender == "male":
            return refusals.gender_conflict(
                f"gender is male but the title {refusals.quote(normalise(inp.title))} is in the female form"
            )
        if token.kind is Kind.HONORIFIC:
            conflict = _conflict(gender, HONORIFIC_GENDER[token.text], "the title field says " + token.text)
            if conflict is not None:
                return conflict
            preferred = preferred or token.text

    if formality == "informal":
        if not first:
            return first_problem or refusals.missing_first_name()  # M2
        line = german.informal(first, gender) if language == "de" else english.informal(first)
        return _finish(line, language, country)

    if not last:
        return refusals.missing_last_name()  # M1
    if parsed.unknown:
        return refusals.unknown_title(parsed.unknown)
    for token in parsed.tokens:
        if token.kind is Kind.RANKED_NOBILITY:
            return refusals.ranked_nobility("title", token.text)

    if language == "de":
        built = german.formal(first, last, gender, parsed, country)
    else:
        built = english.formal(first, last, gender, parsed, country, preferred)
    if built is None:
        return first_problem or refusals.no_neutral_form(language)  # M6
    return _finish(built, language, country)


def _conflict(gender: str | None, implied: str, detail: str) -> NeedsReview | None:
    """Refuse when two fields disagree about the person; an unknown gender is never filled in."""
    if gender is None or gender == implied:
        return None
    return refusals.gender_conflict(f"gender is {gender} but {detail}")


def _first_name(first: str) -> tuple[str, str | None]:
    """Drop a trailing Freiherr/Freifrau/Freiin written into the first-name field (P3)."""
    tokens = first.split(" ") if first else []
    if len(tokens) > 1 and tokens[-1].lower() in RANK_WORDS_FREE:
        return " ".join(tokens[:-1]), RANK_WORDS_FREE[tokens[-1].lower()]
    return first, None


def _last_name(tokens: list[str], raw: str) -> tuple[str, str | None, NeedsReview | None]:
    """Surname as printed: rank words removed (P3), particles kept (P1); a particle alone is refused."""
    rank: str | None = None
    kept = list(tokens)
    if len(kept) == 1 and kept[0].lower() in RANK_WORDS_FREE:
        return "", None, refusals.rank_only(raw)  # P3 leaves no surname to print
    if len(kept) > 1 and kept[0].lower() in RANK_WORDS_FREE:
        rank = RANK_WORDS_FREE[kept.pop(0).lower()]
    if any(token.lower() in RANK_WORDS_FREE for token in kept[1:]):
        return "", rank, refusals.misplaced_rank(raw)
    if not kept:
        return "", rank, None
    if all(particle_flags(kept)) and (len(kept) > 1 or _lone_particle(raw.split(" ")[-1])):
        return "", rank, refusals.particle_only(raw)
    return " ".join(kept), rank, None


def _lone_particle(stored: str) -> bool:
    """A one-word surname that is only a particle: "von", "VON", "van", but not "Das", "Du" or "Do".

    Das, Du, Do, Da, De, Di are surnames in their own right when the bearer writes them capitalised;
    German von/vom/zu/zum/zur never are, and a lower-case spelling marks a particle cut off its name.
    """
    return stored.islower() or stored.lower() in _GERMAN_PARTICLES


_GERMAN_PARTICLES = frozenset({"von", "vom", "zu", "zum", "zur"})


def _finish(line: str, language: str, country: str) -> Salutation:
    if language == "de" and country in german.SWISS:
        line = german.swiss(line)
    return Salutation(unicodedata.normalize("NFC", line))

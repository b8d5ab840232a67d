"""Reading the title column into typed tokens (ADDRESSING.md T1-T6, A1-A4, E3, E4)."""

from __future__ import annotations

import pytest

from nurture.domain.addressing.titles import Kind, highest, parse_title


@pytest.mark.parametrize(
    ("raw", "kinds_and_texts"),
    [
        ("Dr.", [(Kind.DOCTOR, "Dr.")]),
        (" dr. ", [(Kind.DOCTOR, "Dr.")]),
        ("Dr. med.", [(Kind.DOCTOR, "Dr.")]),
        ("Dr.-Ing.", [(Kind.DOCTOR, "Dr.")]),
        ("Dr. rer. nat.", [(Kind.DOCTOR, "Dr.")]),
        ("Dr.in", [(Kind.DOCTOR, "Dr.in")]),
        ("DDr.", [(Kind.DOCTOR, "DDr.")]),
        ("Prof. Dr. Dr. h.c. mult.", [(Kind.PROFESSOR, "Prof."), (Kind.DOCTOR, "Dr."), (Kind.DOCTOR, "Dr.")]),
        ("Univ.-Prof. Dr.", [(Kind.PROFESSOR, "Prof."), (Kind.DOCTOR, "Dr.")]),
        ("Dipl.-Ing.", [(Kind.AUSTRIAN_DEGREE, "Dipl.-Ing.")]),
        ("Dipl. Ing.", [(Kind.AUSTRIAN_DEGREE, "Dipl.-Ing.")]),
        ("DI (FH)", [(Kind.AUSTRIAN_DEGREE, "DI (FH)")]),
        ("Mag.a", [(Kind.AUSTRIAN_DEGREE, "Mag.a")]),
        ("Mag.rer.soc.oec.", [(Kind.AUSTRIAN_DEGREE, "Mag.")]),
        ("MMag.", [(Kind.AUSTRIAN_DEGREE, "MMag.")]),
        ("Ing.", [(Kind.AUSTRIAN_DEGREE, "Ing.")]),
        ("BSc MSc", [(Kind.DROPPED, "BSc"), (Kind.DROPPED, "MSc")]),
        ("Ph.D.", [(Kind.DOCTOR_POSTNOMINAL, "Ph.D.")]),
        ("PD Dr.", [(Kind.DROPPED, "PD"), (Kind.DOCTOR, "Dr.")]),
        ("Herr", [(Kind.HONORIFIC, "Mr")]),
        ("Freiherr", [(Kind.FREE_RANK, "male")]),
        ("Graf", [(Kind.RANKED_NOBILITY, "Graf")]),
    ],
)
def test_parse_title(raw: str, kinds_and_texts: list[tuple[Kind, str]]) -> None:
    parsed = parse_title(raw)
    assert parsed.unknown == ()
    assert [(token.kind, token.text) for token in parsed.tokens] == kinds_and_texts


@pytest.mark.parametrize("raw", ["Hofrat", "Sir", "Drs.", "CFA", "<b>", "Dr. 7"])
def test_unknown_pieces_are_reported(raw: str) -> None:
    assert parse_title(raw).unknown


@pytest.mark.parametrize(
    ("raw", "best"),
    [
        ("Mag. (FH) Dipl.-Ing. (FH)", "Dipl.-Ing. (FH)"),
        ("Dipl.-Ing. (FH) Mag.", "Mag."),
        ("Mag. Dipl.-Ing.", "Dipl.-Ing."),
        ("Dipl.-Ing. Dr.", "Dr."),
        ("Ing. Mag.", "Mag."),
        ("Mag. Prof.", "Prof."),
    ],
)
def test_austrian_ranking(raw: str, best: str) -> None:
    token = highest(list(parse_title(raw).tokens))
    assert token is not None and token.text == best


def test_empty_title() -> None:
    assert parse_title(None).tokens == () and parse_title("  ").tokens == ()

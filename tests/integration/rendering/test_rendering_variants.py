"""The wording is chosen deterministically and changes from one year to the next."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from rendering_samples import TEMPLATES, make_context

from nurture.rendering.render import TemplateRenderer, choose_variant


@pytest.mark.parametrize("n", [2, 3, 4, 5])
def test_consecutive_years_never_repeat_a_wording(n: int) -> None:
    variants = [str(i) for i in range(1, n + 1)]
    for seed in range(200):
        picks = [
            choose_variant(variants, str(seed), "birthday", date(year, 3, 9)) for year in range(2020, 2032)
        ]
        assert all(a != b for a, b in zip(picks, picks[1:], strict=False)), (seed, picks)
        assert set(picks) == set(variants)  # over the years every wording comes round


def test_choice_is_deterministic_and_depends_on_contact_and_occasion() -> None:
    variants = ["1", "2", "3"]
    day = date(2026, 8, 1)
    first = [choose_variant(variants, str(seed), "promotion", day) for seed in range(60)]
    assert first == [choose_variant(variants, str(seed), "promotion", day) for seed in range(60)]
    assert set(first) == {"1", "2", "3"}  # contacts are spread over the wordings
    other = [choose_variant(variants, str(seed), "reconnect", day) for seed in range(60)]
    assert other != first
    # The order the files were listed in does not matter.
    assert choose_variant(["3", "1", "2"], "7", "promotion", day) == choose_variant(
        variants, "7", "promotion", day
    )


def test_single_wording_is_always_chosen_and_empty_list_is_refused() -> None:
    assert choose_variant(["1"], "a", "birthday", date(2026, 1, 1)) == "1"
    with pytest.raises(ValueError):
        choose_variant([], "a", "birthday", date(2026, 1, 1))


def test_renderer_uses_the_chosen_wording_and_changes_it_next_year() -> None:
    renderer = TemplateRenderer(TEMPLATES)
    variants = renderer.variants("de", "birthday")
    for seed in ("1", "17", "contact-99"):
        seen = []
        for year in (2026, 2027):
            day = date(year, 4, 2)
            msg = renderer.render(
                "de", "birthday", make_context("de", "birthday"), seed_key=seed, occasion_date=day
            )
            assert msg.template == f"de/birthday/{choose_variant(variants, seed, 'birthday', day)}"
            again = renderer.render(
                "de", "birthday", make_context("de", "birthday"), seed_key=seed, occasion_date=day
            )
            assert again == msg
            seen.append(msg)
        assert seen[0].template != seen[1].template
        assert seen[0].text != seen[1].text


def test_variants_are_listed_in_numeric_order(tmp_path: Path) -> None:
    folder = tmp_path / "en" / "reconnect"
    folder.mkdir(parents=True)
    for n in ("10", "2", "1"):
        for part in ("subject", "txt", "html"):
            (folder / f"{n}.{part}.j2").write_text("x")
    (folder / "notes.md").write_text("not a wording")
    assert TemplateRenderer(tmp_path).variants("en", "reconnect") == ["1", "2", "10"]
    assert TemplateRenderer(tmp_path).variants("en", "birthday") == []

"""The server-drawn SVG charts: one cell per day, levels by count, bars per tier, escaped labels."""

from __future__ import annotations

import re
from datetime import date, timedelta
from xml.etree import ElementTree

from nurture.entrypoints.web.charts import LEVELS, TierCoverage, coverage_bars, heat_map, level


def test_heat_map_has_a_cell_per_day_coloured_by_count() -> None:
    start, end = date(2026, 11, 23), date(2027, 2, 22)
    busy = date(2026, 12, 24)
    svg = str(heat_map({busy: 4, date(2026, 12, 1): 1, date(2030, 1, 1): 99}, start, end))
    root = ElementTree.fromstring(svg)  # well-formed XML
    assert root.tag.endswith("svg")
    cells = re.findall(r'<rect class="day" data-date="([\d-]+)" data-count="(\d+)"[^>]*fill="(#\w+)"', svg)
    assert len(cells) == (end - start).days + 1
    by_day = {d: (int(n), fill) for d, n, fill in cells}
    assert by_day[busy.isoformat()] == (4, LEVELS[4])
    assert by_day["2026-12-01"][1] == LEVELS[1]
    assert by_day[(start + timedelta(days=1)).isoformat()] == (0, LEVELS[0])
    assert "busiest day: 4" in svg and "Dec 2026" in svg and "Jan 2027" in svg and "Feb 2027" in svg
    assert "Nov 2026" not in svg  # one week of November: no label crammed in


def test_levels() -> None:
    assert level(0, 10) == 0
    assert level(1, 10) == 1
    assert level(10, 10) == 4
    assert level(5, 0) == 0


def test_coverage_bars_scale_and_escape() -> None:
    rows = [TierCoverage("A", 3, 10, 20), TierCoverage("<b>", 1, 5, 5)]
    svg = str(coverage_bars(rows))
    ElementTree.fromstring(svg)
    assert "<b>" not in svg and "&lt;b&gt;" in svg
    widths = dict(re.findall(r'class="bar (?:touches|target)" data-tier="A" data-value="(\d+)"[^>]*width="(\d+)"',
                             svg))  # fmt: skip
    assert int(widths["20"]) == 2 * int(widths["10"])
    assert "(50%)" in svg and "(100%)" in svg
    assert rows[0].percent == 50


def test_empty_coverage_says_so() -> None:
    assert "no mailable contacts" in str(coverage_bars([]))

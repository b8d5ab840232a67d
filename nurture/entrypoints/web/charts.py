"""Charts drawn on the server as inline SVG: the contact plan's heat map and coverage per tier.

Inline SVG needs no script and no external file, so the charts render under the page's
strict Content-Security-Policy and look the same in a browser and in a screenshot.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from markupsafe import Markup, escape

CELL = 14
GAP = 3
LEFT = 34
TOP = 22
LEVELS = ("#ebedf0", "#c6e48b", "#7bc96f", "#239a3b", "#196127")
WEEKDAYS = ("Mon", "", "Wed", "", "Fri", "", "Sun")


def level(count: int, peak: int) -> int:
    """0 for no messages, else 1–4 in proportion to the busiest day."""
    if count <= 0 or peak <= 0:
        return 0
    return min(4, 1 + (count - 1) * 4 // max(1, peak))


def heat_map(counts: Mapping[date, int], start: date, end: date, label: str = "planned messages") -> Markup:
    """A calendar heat map (weeks as columns, Monday first) of counts per day from start to end."""
    first = start - timedelta(days=start.weekday())
    weeks = (end - first).days // 7 + 1
    width = LEFT + weeks * (CELL + GAP) + 10
    height = TOP + 7 * (CELL + GAP) + 34
    peak = max((counts.get(start + timedelta(days=i), 0) for i in range((end - start).days + 1)), default=0)
    total = sum(n for d, n in counts.items() if start <= d <= end)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart heatmap" role="img" width="{width}" '
        f'height="{height}" viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="10">',
        f"<title>{escape(label)}: {total} from {start.isoformat()} to {end.isoformat()}</title>",
    ]
    for row, name in enumerate(WEEKDAYS):
        if name:
            y = TOP + row * (CELL + GAP) + CELL - 3
            parts.append(f'<text x="0" y="{y}" fill="#57606a">{name}</text>')
    months: list[tuple[int, date]] = []
    day = start
    while day <= end:
        col = (day - first).days // 7
        row = day.weekday()
        x, y = LEFT + col * (CELL + GAP), TOP + row * (CELL + GAP)
        if not months or (months[-1][1].year, months[-1][1].month) != (day.year, day.month):
            if months and x - months[-1][0] < 3 * (CELL + GAP):
                months.pop()  # a month that shows only a few days loses its label rather than overlap the next
            months.append((x, day))
        n = counts.get(day, 0)
        parts.append(
            f'<rect class="day" data-date="{day.isoformat()}" data-count="{n}" x="{x}" y="{y}" width="{CELL}" '
            f'height="{CELL}" rx="2" fill="{LEVELS[level(n, peak)]}"><title>{day:%a %Y-%m-%d}: {n} '
            f"{escape(label)}</title></rect>"
        )
        day += timedelta(days=1)
    parts += [f'<text x="{x}" y="{TOP - 8}" fill="#57606a">{d:%b %Y}</text>' for x, d in months]
    ly = TOP + 7 * (CELL + GAP) + 14
    parts.append(f'<text x="{LEFT}" y="{ly + 10}" fill="#57606a">less</text>')
    for i, colour in enumerate(LEVELS):
        parts.append(f'<rect x="{LEFT + 28 + i * (CELL + GAP)}" y="{ly}" width="{CELL}" height="{CELL}" rx="2" '
                     f'fill="{colour}"/>')  # fmt: skip
    parts.append(f'<text x="{LEFT + 32 + len(LEVELS) * (CELL + GAP)}" y="{ly + 10}" fill="#57606a">more '
                 f"(busiest day: {peak})</text>")  # fmt: skip
    parts.append("</svg>")
    return Markup("".join(parts))


@dataclass(frozen=True)
class TierCoverage:
    tier: str
    contacts: int
    touches: int
    target: int

    @property
    def percent(self) -> int:
        return round(100 * self.touches / self.target) if self.target else 100


def coverage_bars(rows: Sequence[TierCoverage], label: str = "touches done and planned against target") -> Markup:
    """Horizontal bars per tier: touches done (filled) against the tier's target (outline)."""
    bar, gap, left, right = 16, 10, 120, 150
    width = 640
    plot = width - left - right
    height = 30 + max(1, len(rows)) * (2 * bar + gap + 12)
    peak = max([1] + [max(r.touches, r.target) for r in rows])
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart coverage" role="img" width="{width}" '
        f'height="{height}" viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="12">',
        f"<title>{escape(label)}</title>",
    ]
    if not rows:
        parts.append('<text x="10" y="30" fill="#57606a">no mailable contacts yet</text>')
    y = 20
    for r in rows:
        done = round(plot * r.touches / peak)
        goal = round(plot * r.target / peak)
        parts.append(f'<text x="0" y="{y + bar}" fill="#24292f">Tier {escape(r.tier)}</text>')
        parts.append(f'<text x="0" y="{y + 2 * bar + 2}" fill="#57606a">{r.contacts} contact{"" if r.contacts == 1 else "s"}</text>')
        colour = "#2da44e" if r.percent >= 100 else ("#bf8700" if r.percent >= 60 else "#cf222e")
        parts.append(
            f'<rect class="bar touches" data-tier="{escape(r.tier)}" data-value="{r.touches}" x="{left}" y="{y}" '
            f'width="{max(done, 1)}" height="{bar}" fill="{colour}"><title>Tier {escape(r.tier)}: {r.touches} '
            f"touches done and planned</title></rect>"
        )
        parts.append(
            f'<rect class="bar target" data-tier="{escape(r.tier)}" data-value="{r.target}" x="{left}" '
            f'y="{y + bar + 2}" width="{max(goal, 1)}" height="{bar}" fill="#d0d7de" stroke="#8c959f">'
            f"<title>Tier {escape(r.tier)}: target {r.target}</title></rect>"
        )
        parts.append(f'<text x="{left + done + 6}" y="{y + bar - 3}" fill="#24292f">{r.touches} done + planned '
                     f"({r.percent}%)</text>")  # fmt: skip
        parts.append(f'<text x="{left + goal + 6}" y="{y + 2 * bar - 1}" fill="#57606a">target {r.target}</text>')
        y += 2 * bar + gap + 12
    parts.append("</svg>")
    return Markup("".join(parts))

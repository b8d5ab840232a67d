"""Report commands: the contact plan (text or iCalendar) and coverage per tier."""

from __future__ import annotations

from pathlib import Path

import click

from nurture.entrypoints.cli import cli
from nurture.entrypoints.cli.common import emit_json, global_options, handle_errors, load_app, opts


@cli.group()
def report() -> None:
    """The contact plan and coverage."""


@report.command("plan")
@click.option("--months", type=click.IntRange(1, 24), default=3, show_default=True)
@click.option("--ics", "ics_path", type=click.Path(path_type=Path), help="Also write the plan as iCalendar.")
@global_options
@handle_errors
def report_plan(months: int, ics_path: Path | None) -> None:
    """Every planned touch per contact for the next N months."""
    from nurture.usecases.reports import plan_ics, plan_report

    app = load_app()
    now = app.now()
    with app.factory() as session:
        plan = plan_report(session, now, months)
    if ics_path is not None:
        ics_path.parent.mkdir(parents=True, exist_ok=True)
        ics_path.write_bytes(plan_ics(plan, now))
        click.echo(f"wrote {sum(len(p['touches']) for p in plan)} planned touch(es) to {ics_path}", err=True)
    if opts().json:
        emit_json(plan)
        return
    for entry in plan:
        click.echo(f"{entry['name']} ({entry['tier']}, {entry['email']})")
        for t in entry["touches"]:
            click.echo(f"    {t['send_at'][:16]}  {t['occasion']:<16} {t['status']:<8} #{t['message_id']}")
    if not plan:
        click.echo("nothing planned; run `nurture plan` first", err=True)


@report.command("coverage")
@global_options
@handle_errors
def report_coverage() -> None:
    """Touches per contact against its tier's target; lists neglected contacts."""
    from nurture.usecases.reports import coverage, coverage_by_tier

    app = load_app()
    with app.factory() as session:
        rows = coverage(session, app.now(), app.rules.cadence)
    tiers = coverage_by_tier(rows)
    neglected = [r for r in rows if r.neglected]
    if opts().json:
        emit_json({
            "tiers": tiers,
            "neglected": [{"contact_id": r.contact_id, "name": r.name, "tier": r.tier, "touches": r.touches,
                           "planned": r.planned, "target": r.target} for r in neglected],
        })  # fmt: skip
        return
    for tier, t in tiers.items():
        click.echo(f"tier {tier}: {t['contacts']} contacts, {t['covered']} on target, {t['neglected']} neglected")
    if neglected:
        click.echo("\nneglected (touches + planned < target over the last year):")
        for r in neglected:
            click.echo(f"  {r.contact_id:>5} {r.name:<30} tier {r.tier}: {r.touches} touched + {r.planned} planned "
                       f"of {r.target}")  # fmt: skip

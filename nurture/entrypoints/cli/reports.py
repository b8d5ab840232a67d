"""Report commands: the contact plan (text or iCalendar) and coverage per tier."""

from __future__ import annotations

from pathlib import Path

import click

from nurture.entrypoints.cli import cli
from nurture.entrypoints.cli.common import Progress, emit_json, global_options, handle_errors, load_app, opts


@cli.group()
def report() -> None:
    """The contact plan and coverage."""


@report.command("plan")
@click.option("--months", type=click.IntRange(1, 24), default=3, show_default=True)
@click.option("--ics", "ics_path", type=click.Path(path_type=Path), help="Also write the plan as iCalendar.")
@global_options
@handle_errors
def report_plan(months: int, ics_path: Path | None) -> None:
    """Every planned touch per contact for the next N months, and those foreseen beyond the horizon."""
    from nurture.usecases.reports import plan_ics, plan_report, touch_description

    app = load_app()
    now = app.now()
    progress = Progress("foreseeing the contact plan")
    with app.factory() as session:
        plan = plan_report(session, now, months, app.rules, app.library, progress=progress.update)
    progress.done()
    for problem in app.library_problems:
        click.echo(f"warning: {problem}", err=True)
    if ics_path is not None:
        ics_path.parent.mkdir(parents=True, exist_ok=True)
        ics_path.write_bytes(plan_ics(plan, now, app.sender_domain))
        click.echo(f"wrote {sum(len(p['touches']) for p in plan)} touch(es) to {ics_path}", err=True)
    if opts().json:
        emit_json(plan)
        return
    for entry in plan:
        click.echo(f"{entry['name']} ({entry['tier']}, {entry['email']})")
        for t in entry["touches"]:  # in the contact's own time, as `nurture queue` shows it
            number = f"#{t['message_id']}" if t["message_id"] is not None else ""
            click.echo(f"    {t['send_at'][:16]}  {t['occasion']:<16} {t['status']:<8} {number:<7} "
                       f"{t['subject'] or touch_description(t)}")  # fmt: skip
    if not plan:
        click.echo("nothing planned or foreseen: no contact may get mail yet (consent), or every occasion is "
                   "switched off in [occasions]", err=True)  # fmt: skip
    elif any(t["status"] == "foreseen" for entry in plan for t in entry["touches"]):
        horizon = app.settings.schedule.horizon
        # Said, not hidden: a foreseen touch is the planner's present answer, not a decision.
        click.echo(f"\"foreseen\": the planner decides {horizon.days} days ahead ([schedule] horizon); these are "
                   "the touches it would plan today, with their day and item. A new event, an edit, a reply or a "
                   "new library item can still change them", err=True)  # fmt: skip


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
            "window_days": 90,
            "tiers": tiers,
            "neglected": [{"contact_id": r.contact_id, "name": r.name, "tier": r.tier, "done": r.done,
                           "planned": r.planned, "target": r.target, "next_occasion": r.next_occasion}
                          for r in neglected],
        })  # fmt: skip
        return
    click.echo("tier  contacts  target  done (last 90 days)  planned (next 90 days)  neglected")
    for tier, t in tiers.items():
        click.echo(f"{tier:<5} {t['contacts']:>8} {t['target']:>7} {t['done']:>20} {t['planned']:>23} {t['neglected']:>10}")
    if neglected:
        click.echo("\nneglected contacts (done + planned below target):")
        for r in neglected:
            hint = r.next_occasion or "no birthday or anniversary known: add an event or a touch"
            click.echo(f"  {r.contact_id:>5} {r.name:<30} tier {r.tier}: {r.done} done + {r.planned} planned "
                       f"of {r.target}; next: {hint}")  # fmt: skip

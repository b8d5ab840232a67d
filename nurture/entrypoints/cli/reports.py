"""Report commands: the contact plan (text or iCalendar) and coverage per tier."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

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
        ics_path.write_bytes(plan_ics(plan, now, app.sender_domain))
        click.echo(f"wrote {sum(len(p['touches']) for p in plan)} planned touch(es) to {ics_path}", err=True)
    if opts().json:
        emit_json(plan)
        return
    for entry in plan:
        click.echo(f"{entry['name']} ({entry['tier']}, {entry['email']})")
        for t in entry["touches"]:  # in the contact's own time, as `nurture queue` shows it
            click.echo(f"    {t['send_at'][:16]}  {t['occasion']:<16} {t['status']:<8} #{t['message_id']:<6} "
                       f"{t['subject'] or '(written when it comes near)'}")
    if not plan:
        click.echo("nothing planned; run `nurture plan` first", err=True)
    horizon = app.settings.schedule.horizon
    if now + horizon < now + timedelta(days=31 * months):
        # Said, not hidden: the plan is decided `horizon` ahead, so a longer report ends there.
        reach = (now + horizon).astimezone(ZoneInfo(app.settings.general.timezone))
        click.echo(f"the plan is decided {horizon.days} days ahead ([schedule] horizon), so it reaches until "
                   f"{reach:%Y-%m-%d}; later touches are planned as their time comes near "
                   "(`nurture report coverage` shows who is short of them)", err=True)  # fmt: skip


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

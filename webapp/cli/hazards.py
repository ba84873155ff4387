"""Hazard commands: ``verify-hazard-chain`` checks the tamper-evident history,
``hazard-reminders`` lists (and with ``--record`` records) deadline reminders."""

from __future__ import annotations

from datetime import date

import click
from flask.cli import with_appcontext

from webapp import days
from webapp.services.hazards import due_reminders, record_reminders, verify_chain


@click.command("verify-hazard-chain")
@click.option("--site", "site_code", help="Only this site's chain (site code).")
@with_appcontext
def verify_hazard_chain(site_code: str | None) -> None:
    """Re-hash every site's hazard events; exit 1 naming the first broken event."""
    try:
        checked, broken = verify_chain(site_code)
    except LookupError:
        raise click.BadParameter(f"no site with code {site_code!r}", param_hint="--site") from None
    if broken is not None:
        click.echo(f"BROKEN: {broken}", err=True)
        raise SystemExit(1)
    click.echo(f"OK: {checked} hazard events verified.")


@click.command("hazard-reminders")
@click.option("--day", "day_text", help="The SHELTER_TZ day to compute for (default: today).")
@click.option(
    "--record",
    is_flag=True,
    help="Also record each reminder once in the hazard's history (run daily by cron).",
)
@with_appcontext
def hazard_reminders(day_text: str | None, record: bool) -> None:
    """List unfixed hazards due within SHELTER_DEADLINE_REMINDER_DAYS and overdue ones
    (the latter addressed to the next office up)."""
    try:
        day = date.fromisoformat(day_text) if day_text else days.today()
    except ValueError:
        raise click.BadParameter("use YYYY-MM-DD", param_hint="--day") from None
    if record:
        reminders, recorded = record_reminders(day)
    else:
        reminders, recorded = due_reminders(day), 0
    for reminder in reminders:
        hazard = reminder.hazard
        click.echo(
            f"{reminder.kind}\t{hazard.site.code}\t#{hazard.id}\t{hazard.item_id}\t"
            f"deadline {hazard.deadline.isoformat()}\tnotify {reminder.notify_org.code}"
        )
    click.echo(
        f"{len(reminders)} reminders for {day.isoformat()}"
        + (f", {recorded} newly recorded." if record else ".")
    )


COMMANDS = [verify_hazard_chain, hazard_reminders]

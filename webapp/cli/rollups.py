"""``flask rollups``: rebuild the per-day summaries from the inspections, or check them."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from webapp.services import rollups

group = AppGroup("rollups", help="The per-day summaries the managers' period figures read.")


@group.command("rebuild")
def rebuild() -> None:
    """Recount site_day_rollups and unit_day_rollups from the inspections and sites, in one
    transaction.

    Safe while phones sync (PostgreSQL: writers wait for it; SQLite: one writer at a
    time). Needed only after changing the data outside the app, e.g. in an SQL console."""
    site_day_rollups, unit_day_rollups = rollups.rebuild()
    click.echo(f"Rebuilt: {site_day_rollups:,} site days, {unit_day_rollups:,} unit days.")


@group.command("check")
def check() -> None:
    """Compare the summaries with a fresh count; exit 1 if any row differs."""
    differing = rollups.differences()
    for table, rows in differing.items():
        click.echo(f"{table}: {rows:,} rows differ" if rows else f"{table}: exact")
    if any(differing.values()):
        click.echo("Run `flask rollups rebuild` to recount them.", err=True)
        raise SystemExit(1)


COMMANDS = [group]

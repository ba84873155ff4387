"""``flask --app webapp.demo seed-demo``: the Jilin demo dataset with its history."""

from __future__ import annotations

import click
from flask_babel import gettext as _

from webapp.cli.language import in_cli_language
from webapp.demo.activity import (
    DEFAULT_HISTORY_DAYS,
    HistoryCounts,
    HistoryRefused,
    demo_has_inspections,
)
from webapp.demo.activity.notices import NOTICE_DAYS
from webapp.demo.dataset import ACCOUNTS, DEMO_PASSWORD, field_accounts
from webapp.demo.seed import SeedConflict, SeedCounts, seed_demo


def _echo_counts(counts: SeedCounts) -> None:
    click.echo(
        _(
            "Added %(orgs)d organisations, %(sites)d sites, %(accounts)d accounts, "
            "%(categories)d checklist categories and %(templates)d checklist templates "
            "(%(items)d items).",
            orgs=counts.orgs,
            sites=counts.sites,
            accounts=counts.accounts,
            categories=counts.checklist.categories,
            templates=counts.checklist.templates,
            items=counts.checklist.items,
        )
    )
    if counts.history.added:
        _echo_history(counts.history)
    elif counts.history.already_there:
        click.echo(_("The demo sites already have inspections: no history was added."))
    elif counts.history.other_data:
        click.echo(
            _(
                "The database holds organisations, sites or accounts that are not the "
                "demo's: no history was added (it would make up checks and reports)."
            )
        )
    if counts.total == 0:
        click.echo(_("Nothing was missing; nothing changed."))


def _echo_history(history: HistoryCounts) -> None:
    click.echo(
        _(
            "Added %(days)d days of history: %(checks)d daily checks (%(late)d synced "
            "late), %(office)d office checks, %(covert)d covert checks, %(photos)d photos.",
            days=history.days,
            checks=history.self_checks,
            late=history.late_syncs,
            office=history.office_checks,
            covert=history.covert_checks,
            photos=history.photos,
        )
    )
    click.echo(
        _(
            "Hazards: %(hazards)d found (%(on_spot)d fixed on the spot), %(closed)d closed, "
            "%(waiting)d awaiting verification, %(outstanding)d outstanding (%(overdue)d "
            "overdue); %(major)d major (%(major_open)d still open), %(supervised)d under "
            "supervision.",
            hazards=history.hazards,
            on_spot=history.fixed_on_spot,
            closed=history.closed,
            waiting=history.awaiting_verification,
            outstanding=history.outstanding,
            overdue=history.overdue,
            major=history.major,
            major_open=history.major_open,
            supervised=history.supervised,
        )
    )
    click.echo(
        _(
            "Monthly reports: %(on_time)d on time, %(late)d late, %(missing)d missing, "
            "%(pending)d not due yet.",
            **history.reports,
        )
    )
    click.echo(
        _(
            "Reminders: %(notices)d notices in the managers' inboxes, from the reminder runs "
            "of the last %(days)d days (nothing sent: the demo has no channels).",
            notices=history.notices,
            days=min(NOTICE_DAYS, history.days),
        )
    )


@click.command("seed-demo")
@click.option(
    "--days",
    "history_days",
    type=click.IntRange(0, 366),
    default=DEFAULT_HISTORY_DAYS,
    show_default=True,
    help="Days of history (checks, hazards, reports) to add up to now; 0 for none.",
)
@in_cli_language
def seed_demo_command(history_days: int) -> None:
    """Add the Jilin demo organisations, sites, accounts and the default checklist, and
    a history of checks, hazards and monthly reports while the demo sites have none.

    Only what is missing is added, so running it again changes nothing.
    """
    if history_days and not demo_has_inspections():
        click.echo(
            _(
                "Replaying up to %(days)d days of history through the services: this takes "
                "a minute or so.",
                days=history_days,
            )
        )
    try:
        counts = seed_demo(history_days)
    except HistoryRefused as err:
        raise click.ClickException(
            _("The demo history could not be replayed (%(reason)s). Nothing was added.", reason=err)
        ) from None
    except SeedConflict as err:
        raise click.ClickException(
            _(
                "Organisation %(code)s already exists as a %(found)s; the demo needs a "
                "%(wanted)s. Nothing was added.",
                code=err.code,
                found=err.found,
                wanted=err.wanted,
            )
        ) from None
    _echo_counts(counts)
    click.echo(_("Demo accounts (password for all: %(password)s):", password=DEMO_PASSWORD))
    for username, name, role, org in ACCOUNTS:
        click.echo(f"  {username:<20} {role.value:<18} {org:<8} {name}")
    click.echo(
        _(
            "And %(count)d field accounts with the same password, for the units and "
            "city-level offices the list leaves out: <unit code>.inspector and "
            "<office code>.supervisor, lowercase (e.g. cc-u02.inspector, sp.supervisor).",
            count=len(field_accounts()),
        )
    )

"""``seed-demo`` (the Jilin demo dataset) and ``seed-checklist`` (the default checklist only)."""

from __future__ import annotations

import click
from flask_babel import gettext as _

from webapp.cli.language import in_cli_language
from webapp.seed.demo import ACCOUNTS, DEMO_PASSWORD
from webapp.services.demo import SeedConflict, SeedCounts, seed_checklist, seed_demo


def _echo_counts(counts: SeedCounts) -> None:
    click.echo(
        _(
            "Added %(orgs)d organisations, %(sites)d sites, %(accounts)d accounts, "
            "%(categories)d checklist categories and %(templates)d checklist templates "
            "(%(items)d items).",
            orgs=counts.orgs,
            sites=counts.sites,
            accounts=counts.accounts,
            categories=counts.categories,
            templates=counts.templates,
            items=counts.items,
        )
    )
    if counts.total == 0:
        click.echo(_("Nothing was missing; nothing changed."))


@click.command("seed-demo")
@in_cli_language
def seed_demo_command() -> None:
    """Add the Jilin demo organisations, sites, accounts and the default checklist.

    Only what is missing is added, so running it again changes nothing.
    """
    try:
        counts = seed_demo()
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


@click.command("seed-checklist")
@in_cli_language
def seed_checklist_command() -> None:
    """Add the default daily checklist (key "daily", version 1) if it is missing."""
    _echo_counts(seed_checklist())


COMMANDS = [seed_demo_command, seed_checklist_command]

"""``seed-checklist``: install the default daily checklist (a real deployment's first step)."""

from __future__ import annotations

import click
from flask_babel import gettext as _

from webapp.cli.language import in_cli_language
from webapp.services.default_checklist import seed_checklist


@click.command("seed-checklist")
@in_cli_language
def seed_checklist_command() -> None:
    """Add the default daily checklist (key "daily", version 1) if it is missing."""
    counts = seed_checklist()
    if counts.templates or counts.categories:
        click.echo(
            _(
                "Added %(categories)d checklist categories and %(templates)d checklist "
                "templates (%(items)d items).",
                categories=counts.categories,
                templates=counts.templates,
                items=counts.items,
            )
        )
    else:
        click.echo(_("Nothing was missing; nothing changed."))


COMMANDS = [seed_checklist_command]

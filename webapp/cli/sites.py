"""``import-sites FILE`` and ``export-sites -o FILE``: the site table as CSV or XLSX."""

from __future__ import annotations

from pathlib import Path

import click
from flask_babel import gettext as _
from sqlalchemy import select

from webapp.cli.language import in_cli_language
from webapp.extensions import db
from webapp.models import Organisation
from webapp.services.site_io.exporting import export_sites
from webapp.services.site_io.format import FORMATS, ImportRejected
from webapp.services.site_io.importing import import_sites


def _org_or_fail(code: str | None) -> Organisation | None:
    if code is None:
        return None
    org = db.session.execute(
        select(Organisation).where(Organisation.code == code)
    ).scalar_one_or_none()
    if org is None:
        raise click.ClickException(_("No organisation has the code “%(code)s”.", code=code))
    return org


def _check_format(path: Path) -> None:
    if path.suffix.lower() not in FORMATS:
        raise click.ClickException(_("Only .csv and .xlsx files can be imported."))


@click.command("import-sites")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--org", "org_code", help="Only allow units in this organisation's subtree (default: anywhere)."
)
@in_cli_language
def import_sites_command(file: Path, org_code: str | None) -> None:
    """Create or update sites from a .csv or .xlsx file (all or nothing).

    A row whose site code exists updates that site; other rows create sites. If any row
    is bad, every error is listed and nothing is written.
    """
    _check_format(file)
    within = _org_or_fail(org_code)
    try:
        result = import_sites(file.name, file.read_bytes(), within=within)
    except ImportRejected as rejected:
        for error in rejected.errors:
            click.echo(str(error), err=True)
        raise click.ClickException(
            _("%(count)d error(s); nothing was imported.", count=len(rejected.errors))
        ) from None
    click.echo(
        _(
            "Imported %(file)s: %(created)d created, %(updated)d updated, %(unchanged)d unchanged.",
            file=file.name,
            created=len(result.created),
            updated=len(result.updated),
            unchanged=len(result.unchanged),
        )
    )


@click.command("export-sites")
@click.option("--org", "org_code", help="Only the sites in this organisation's subtree.")
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    help="File to write: .csv (UTF-8 with BOM) or .xlsx.",
)
@in_cli_language
def export_sites_command(org_code: str | None, output: Path) -> None:
    """Write the sites (all, or one organisation's) in the import format."""
    if output.suffix.lower() not in FORMATS:
        raise click.ClickException(_("Only .csv and .xlsx files can be written."))
    within = _org_or_fail(org_code)
    data, count = export_sites(output.name, within=within)
    output.write_bytes(data)
    click.echo(_("Wrote %(count)d sites to %(file)s.", count=count, file=str(output)))


COMMANDS = [import_sites_command, export_sites_command]

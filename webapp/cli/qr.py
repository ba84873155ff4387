"""QR label commands: ``qr-sheet`` prints an A4 PDF of labels, ``rotate-qr`` replaces tokens."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import click
from sqlalchemy import select

from webapp import qr, qr_labels
from webapp.extensions import db
from webapp.models import Organisation, Site, User
from webapp.pdf_fonts import CJKFontMissing
from webapp.scope import below


def _org(code: str) -> Organisation:
    org = db.session.execute(
        select(Organisation).where(Organisation.code == code)
    ).scalar_one_or_none()
    if org is None:
        raise click.BadParameter(f"no organisation with code {code!r}", param_hint="--org")
    return org


def _site(code: str) -> Site:
    site = db.session.execute(select(Site).where(Site.code == code)).scalar_one_or_none()
    if site is None:
        raise click.BadParameter(f"no site with code {code!r}", param_hint="--site(s)")
    return site


def _codes(value: str | None) -> list[str]:
    return list(dict.fromkeys(code.strip() for code in (value or "").split(",") if code.strip()))


@click.command("qr-sheet")
@click.option("--org", "org_code", required=True, help="Organisation code: its sites' labels.")
@click.option("--sites", "site_codes", help="Only these sites (comma-separated codes, in --org).")
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    help="Where to write the PDF.",
)
def qr_sheet(org_code: str, site_codes: str | None, output: Path) -> None:
    """Write an A4 PDF of QR labels (four per page) for an organisation's sites."""
    org = _org(org_code)
    wanted = _codes(site_codes)
    if site_codes is not None and not wanted:
        raise click.BadParameter("no site codes given", param_hint="--sites")
    if wanted:
        sites = [_site(code) for code in wanted]
        outside = [site.code for site in sites if not org.contains(site.unit)]
        if outside:
            raise click.BadParameter(
                f"not in {org.code}: {', '.join(outside)}", param_hint="--sites"
            )
    else:
        sites = list(
            db.session.execute(
                select(Site).join(Site.unit).where(below(org)).order_by(Site.code)
            ).scalars()
        )
    if not sites:
        raise click.ClickException(f"{org.code} has no sites: nothing to print")
    try:
        pdf = qr_labels.sheet_pdf(sites)
    except CJKFontMissing as err:
        raise click.ClickException(str(err)) from err
    _write_atomically(output, pdf)
    pages = -(-len(sites) // (qr_labels.COLUMNS * qr_labels.ROWS))
    click.echo(f"Wrote {len(sites)} labels on {pages} pages to {output}")


def _write_atomically(path: Path, content: bytes) -> None:
    """A reader never sees half a file: write beside it, then rename."""
    path = path.resolve()
    if not path.parent.is_dir():
        raise click.BadParameter(f"folder {path.parent} does not exist", param_hint="-o")
    handle, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(content)
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


@click.command("rotate-qr")
@click.option("--site", "site_code", help="Replace this site's token.")
@click.option("--org", "org_code", help="Replace the tokens of every site of this operating unit.")
@click.option(
    "--user", "username", required=True, help="Who is doing it (logged; needs the right)."
)
@click.option("--reason", default="", help="Why (logged), e.g. 'label damaged'.")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
def rotate_qr(
    site_code: str | None, org_code: str | None, username: str, reason: str, yes: bool
) -> None:
    """Give a site (or every site of a unit) a new QR token. Old labels stop counting as
    proof of presence after SHELTER_QR_ROTATION_GRACE_HOURS: print and replace them."""
    if bool(site_code) == bool(org_code):
        raise click.UsageError("give exactly one of --site and --org")
    user = db.session.execute(select(User).where(User.username == username)).scalar_one_or_none()
    if user is None or not user.active:
        raise click.BadParameter(f"no active user {username!r}", param_hint="--user")
    try:
        if site_code:
            site = _site(site_code)
            if not yes:
                click.confirm(f"Replace the QR label of {site.code} {site.name}?", abort=True)
            rotations = [qr.rotate_site_token(site, user, reason)]
        else:
            unit = _org(org_code)
            count = len(qr.unit_sites(unit))
            if not yes:
                click.confirm(
                    f"Replace the QR labels of all {count} sites of {unit.code} {unit.name}?",
                    abort=True,
                )
            rotations = qr.rotate_unit_tokens(unit, user, reason)
    except qr.RotationRefused as err:
        raise click.ClickException(f"not rotated: {err}") from err
    for rotation in rotations:
        click.echo(
            f"{rotation.site.code}: new token (old label No. "
            f"{rotation.old_token_fingerprint[:6]} counts until the grace period ends)"
        )
    click.echo(
        f"Rotated {len(rotations)} labels: print them with qr-sheet and replace the old ones."
    )


COMMANDS = [qr_sheet, rotate_qr]

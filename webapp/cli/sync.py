"""``import-unsent``: load a phone's "export unsent records" file on the server."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click
from flask_babel import gettext as _
from sqlalchemy import select

from webapp.cli.language import in_cli_language
from webapp.extensions import db
from webapp.models import User
from webapp.photo_store import PhotoStoreUnavailable
from webapp.services.sync.envelope import BatchRejected, import_unsent


@click.command("import-unsent")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--user",
    "username",
    required=True,
    help="The account the records are attributed to (the inspector who exported them).",
)
@in_cli_language
def import_unsent_command(file: Path, username: str) -> None:
    """Import FILE (exported by the phone app) as if USERNAME had synced it.

    Prints one line per inspection and per photo; exits with status 1 when the file is
    malformed or the user unknown (nothing is written then), 2 when some records were rejected.
    """
    user = db.session.scalar(select(User).where(User.username == username))
    if user is None or not user.active:
        _fail(_("No active account named %(name)s.", name=username))
    try:
        document = json.loads(file.read_bytes())
    except (ValueError, UnicodeDecodeError) as error:
        _fail(_("%(file)s is not valid JSON: %(error)s", file=file, error=str(error)))
    try:
        reply = import_unsent(user, document)
    except BatchRejected as rejected:
        for field, messages in rejected.fields.items():
            click.echo(f"{field}: {' '.join(messages)}", err=True)
        _fail(
            _("%(file)s is not an export file of unsent records; nothing was imported.", file=file)
        )
    except PhotoStoreUnavailable as error:
        # Photos already stored stay; importing the same file again later completes it.
        _fail(
            _(
                "The photo store is unavailable (%(error)s); import the file again later.",
                error=str(error),
            )
        )
    for photo in reply["photos"]:
        click.echo(f"photo {photo['sha256']} {photo['status']}{_details(photo)}")
    for result in reply["results"]:
        click.echo(f"inspection {result['id']} {result['status']}{_details(result)}")
    statuses = [r["status"] for r in reply["results"]]
    click.echo(
        _(
            "%(total)d inspections: %(created)d created, %(duplicate)d duplicate, "
            "%(conflict)d conflict, %(rejected)d rejected.",
            total=len(statuses),
            created=statuses.count("created"),
            duplicate=statuses.count("duplicate"),
            conflict=statuses.count("conflict"),
            rejected=statuses.count("rejected"),
        )
    )
    if "rejected" in statuses or any(p["status"] == "rejected" for p in reply["photos"]):
        sys.exit(2)


def _details(result: dict) -> str:
    errors = result.get("errors") or {}
    parts = [f"{field}: {' '.join(messages)}" for field, messages in errors.items()]
    if result.get("missing_photos"):
        parts.append(_("missing photos: %(count)d", count=len(result["missing_photos"])))
    return f" ({'; '.join(parts)})" if parts else ""


def _fail(message: str) -> None:
    click.echo(message, err=True)
    sys.exit(1)


COMMANDS = [import_unsent_command]

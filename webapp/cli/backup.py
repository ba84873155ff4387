"""``flask backup DEST_DIR`` and ``flask restore SRC_DIR``: the database and the photos, with a
manifest of hashes (webapp/services/backup/; docs/deploy.md says how to schedule them)."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import with_appcontext

from webapp.services.backup import BackupFailed, make_backup, restore_backup


def _fail(what: str, error: BackupFailed):
    click.echo(f"{what} failed: {error}", err=True)
    raise SystemExit(1)


@click.command("backup")
@click.argument("dest_dir", type=click.Path(file_okay=False, path_type=Path))
@click.option(
    "--link-dest",
    "previous",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="An earlier backup: photos it holds are hard-linked from it instead of copied again.",
)
@with_appcontext
def backup_command(dest_dir: Path, previous: Path | None) -> None:
    """Back up the database and every photo it knows into DEST_DIR (new or empty), with a
    manifest of their SHA-256, while the app runs. Exits 1 if anything is missing."""
    try:
        made = make_backup(dest_dir, previous)
    except BackupFailed as error:
        _fail("Backup", error)
    manifest, entry = made.manifest, made.manifest.database
    linked = f" ({made.linked_photos} of them hard-linked from {previous})" if previous else ""
    click.echo(
        f"Backed up the {entry.kind} database ({sum(entry.tables.values())} rows in "
        f"{len(entry.tables)} tables, schema {entry.revision}) and {len(manifest.photos)} "
        f"photos from {manifest.photo_store}{linked} to {dest_dir}."
    )
    if manifest.problems:
        for problem in manifest.problems:
            click.echo(f"MISSING {problem}", err=True)
        click.echo(f"The backup is incomplete: {len(manifest.problems)} photos.", err=True)
        raise SystemExit(1)


@click.command("restore")
@click.argument("src_dir", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Replace a database that holds data.")
@with_appcontext
def restore_command(src_dir: Path, force: bool) -> None:
    """Restore the database and the photos of the backup in SRC_DIR, then verify the rows,
    the hazard chain and every photo's SHA-256. Stop the app first. Refuses a database that
    holds data unless --force; checks every file of the backup before changing anything."""
    try:
        restored = restore_backup(src_dir, force)
    except BackupFailed as error:
        _fail("Restore", error)
    manifest = restored.manifest
    click.echo(
        f"Restored the {manifest.database.kind} database of {manifest.created_at} "
        f"(schema {manifest.database.revision}"
        + (f", upgraded to {restored.upgraded_to}" if restored.upgraded_to else "")
        + f") and {len(manifest.photos)} photos ({restored.photos_written} written, "
        f"{restored.photos_already_there} already there)."
    )
    click.echo(
        f"Verified: {restored.events_verified} hazard events in their chains, "
        f"{restored.photos_verified} photos by their SHA-256."
    )


COMMANDS = [backup_command, restore_command]

"""Photo commands: ``photos migrate`` copies the photo directory into an S3 bucket."""

from __future__ import annotations

import sys
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import select

from webapp.extensions import db
from webapp.models import Photo
from webapp.photo_store import PhotoStoreUnavailable
from webapp.photo_store.local import LocalStore
from webapp.photo_store.migrate import MigrationReport, migrate_photo, photo_files
from webapp.photo_store.s3 import S3Store, parse_s3_url


@click.group("photos")
def photos_group() -> None:
    """Photos: move them into a bucket."""


@photos_group.command("migrate")
@click.option("--to", "target_url", required=True, help="The bucket: s3://bucket/prefix")
@click.option(
    "--from",
    "source_dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="The photo directory (default: SHELTER_PHOTO_DIR).",
)
@with_appcontext
def migrate_command(target_url: str, source_dir: Path | None) -> None:
    """Copy every photo of the directory into the bucket, each verified by reading it back
    and hashing it; a copy that reads back wrong is deleted and reported. Photos already in
    the bucket with the same size and MD5 ETag are skipped, so an interrupted run can simply
    be started again. Exits 1 if any photo failed or the run was stopped."""
    try:
        parse_s3_url(target_url)
    except ValueError as error:
        raise click.BadParameter(str(error), param_hint="--to") from None
    source = LocalStore(source_dir or current_app.config["SHELTER_PHOTO_DIR"])
    if not source.root.is_dir():
        raise click.BadParameter(f"no directory {source.root}", param_hint="--from")
    target = S3Store.from_url(target_url)
    try:
        target.client.head_bucket(Bucket=target.bucket)
    except Exception as error:  # boto3's many ways of saying "cannot use this bucket"
        click.echo(f"Cannot use the bucket {target.location}: {error}", err=True)
        raise SystemExit(1) from None

    files = photo_files(source)
    click.echo(f"Copying {len(files)} photos from {source.location} to {target.location}")
    report = MigrationReport()
    try:
        with _progress(files) as photos:
            for path in photos:
                migrate_photo(path, target, report)
    except (PhotoStoreUnavailable, KeyboardInterrupt) as error:
        _print_report(report)
        why = (
            "Interrupted"
            if isinstance(error, KeyboardInterrupt)
            else f"Stopped: the bucket stopped answering ({error})"
        )
        click.echo(f"{why} after {report.done} of {len(files)} photos. Run again to resume.")
        raise SystemExit(1) from None
    _print_report(report)
    _warn_about_photos_without_files(files)
    if report.failed:
        raise SystemExit(1)


@contextmanager
def _progress(files: list[Path]) -> Iterator[Iterable[Path]]:
    """The files to go through, with progress shown: click's bar on a terminal; otherwise
    (cron, nohup, a pipe into a log), where click would print only the bar's label, a line
    ``Photos N/TOTAL`` at every tenth of the way."""
    if sys.stdout.isatty():
        with click.progressbar(files, label="Photos", show_pos=True) as bar:
            yield bar
    else:
        yield _logged_progress(files)


def _logged_progress(files: list[Path]) -> Iterator[Path]:
    step = max(1, len(files) // 10)
    for done, path in enumerate(files, start=1):
        yield path
        if done % step == 0 or done == len(files):
            click.echo(f"Photos {done}/{len(files)}")


def _print_report(report: MigrationReport) -> None:
    click.echo(
        f"Copied {report.copied} ({report.copied_bytes:,} bytes), "
        f"skipped {report.skipped} already there, failed {len(report.failed)}."
    )
    for path, reason in report.failed:
        click.echo(f"FAILED {path}: {reason}", err=True)


def _warn_about_photos_without_files(files: list[Path]) -> None:
    """Photos the database knows but the directory lacks would answer 404 from the bucket too."""
    present = {path.name for path in files}
    absent = [sha for sha in db.session.scalars(select(Photo.sha256)) if sha not in present]
    if absent:
        click.echo(
            f"Note: {len(absent)} photos in the database have no file in the directory "
            f"(first: {absent[0]}); they were missing before the copy too."
        )


COMMANDS = [photos_group]

"""PostgreSQL: ``pg_dump`` in the custom format, inside a snapshot our own transaction
exports, so the dump, the row counts and the photo list are of one and the same moment
(pg_dump never blocks the app's writers). Restoring streams ``pg_restore``'s script into
``psql`` inside one transaction that first drops the schema and commits only once the whole
copy is in: the target is replaced all or nothing.

The client programs come from Debian's ``postgresql-client-<version>``: those of the
server's version when installed (``/usr/lib/postgresql/<version>/bin``), else the ``PATH``'s,
refused when older than the server (pg_dump cannot dump a newer server).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess  # nosec B404 # runs pg_dump, pg_restore and psql, never a shell
import tempfile
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from webapp.services.backup.database import Snapshot, read_snapshot
from webapp.services.backup.manifest import BackupFailed

FILE = "database.pgdump"


def libpq_target(url: str) -> tuple[str, dict[str, str]]:
    """The connection URI the PostgreSQL programs take for a SQLAlchemy URL, and their
    environment (the password in PGPASSWORD, never on a command line others can read)."""
    parsed = make_url(url)
    env = dict(os.environ)
    if parsed.password:
        env["PGPASSWORD"] = parsed.password
    uri = parsed.set(drivername="postgresql", password=None).render_as_string(hide_password=False)
    return uri, env


def client_program(name: str, server_major: int) -> str:
    """The path of ``name`` (pg_dump, pg_restore, psql) at least as new as the server."""
    debian = Path(f"/usr/lib/postgresql/{server_major}/bin/{name}")
    path = str(debian) if debian.is_file() else shutil.which(name)
    if path is None:
        raise BackupFailed(
            f"{name} not found: install the PostgreSQL {server_major} client programs "
            f"(Debian: apt-get install postgresql-client-{server_major})"
        )
    reply = subprocess.run([path, "--version"], capture_output=True, text=True, check=False)  # nosec B603 # the PostgreSQL client programs, an argument list we build, no shell
    found = re.search(r"(\d+)(?:\.\d+)?", reply.stdout)
    if found is None or int(found.group(1)) < server_major:
        raise BackupFailed(
            f"{path} is {reply.stdout.strip() or 'of an unknown version'}, older than the "
            f"server (PostgreSQL {server_major}): install postgresql-client-{server_major}"
        )
    return path


def _run(command: list[str], env: dict[str, str], what: str) -> None:
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)  # nosec B603 # the PostgreSQL client programs, an argument list we build, no shell
    if done.returncode:
        raise BackupFailed(f"{what} failed (exit {done.returncode}): {done.stderr.strip()}")


def copy_database(url: str, folder: Path) -> tuple[str, Snapshot, str]:
    uri, env = libpq_target(url)
    engine = create_engine(url, isolation_level="REPEATABLE READ")
    try:
        with engine.connect() as connection, connection.begin():
            # The first statement fixes the transaction's snapshot; pg_dump shares it.
            snapshot_id = connection.execute(text("SELECT pg_export_snapshot()")).scalar_one()
            major = connection.execute(text("SHOW server_version_num")).scalar_one()
            version = connection.execute(text("SHOW server_version")).scalar_one()
            snapshot = read_snapshot(connection)
            pg_dump = client_program("pg_dump", int(major) // 10000)
            _run(
                [pg_dump, "--format=custom", f"--snapshot={snapshot_id}",
                 f"--file={folder / FILE}", f"--dbname={uri}"],
                env,
                "pg_dump",
            )  # fmt: skip
    finally:
        engine.dispose()
    return FILE, snapshot, version


def replace_database(url: str, copy: Path) -> None:
    uri, env = libpq_target(url)
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            major = int(connection.execute(text("SHOW server_version_num")).scalar_one()) // 10000
    finally:
        engine.dispose()
    pg_restore = client_program("pg_restore", major)
    psql = client_program("psql", major)
    with tempfile.TemporaryFile() as restore_log, tempfile.TemporaryFile() as load_log:
        # pg_restore writes the copy as SQL, psql loads it as it comes, in one transaction
        # that is committed only once pg_restore has written all of it: the old schema goes
        # only if the whole copy goes in.
        script = subprocess.Popen(  # nosec B603 # the PostgreSQL client programs, an argument list we build, no shell
            [pg_restore, "--no-owner", "--no-privileges", "--file=-", str(copy)],
            env=env,
            stdout=subprocess.PIPE,
            stderr=restore_log,
        )
        load = subprocess.Popen(  # nosec B603 # the PostgreSQL client programs, an argument list we build, no shell
            [psql, "--no-psqlrc", "--quiet", "--set=ON_ERROR_STOP=1", f"--dbname={uri}"],
            env=env,
            stdin=subprocess.PIPE,
            stdout=load_log,
            stderr=subprocess.STDOUT,
        )
        with script.stdout, load.stdin:
            try:
                load.stdin.write(b"BEGIN;\nDROP SCHEMA public CASCADE;\nCREATE SCHEMA public;\n")
                shutil.copyfileobj(script.stdout, load.stdin, 1024 * 1024)
                if script.wait() == 0:
                    load.stdin.write(b"\nANALYZE;\nCOMMIT;\n")
            except BrokenPipeError:  # psql stopped at an error: it says which below
                script.kill()
        script.wait()
        load.wait()
        if script.returncode:
            raise BackupFailed(f"pg_restore failed (nothing was changed): {_tail(restore_log)}")
        if load.returncode:
            raise BackupFailed(f"loading the copy failed (nothing was changed): {_tail(load_log)}")


def _tail(log) -> str:
    log.seek(0)
    return log.read().decode(errors="replace").strip()[-2000:]

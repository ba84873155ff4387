"""A PostgreSQL server of a test's own: ``initdb`` into a temporary folder, started on a free
port, so a test may restart or crash it without disturbing anyone else's databases.

Needs the server binaries (Debian: the ``postgresql`` package, ``/usr/lib/postgresql/<v>/bin``).
PostgreSQL refuses to run as root, so as root the commands run as the ``postgres`` user.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.browser.conftest import free_port


def server_bin() -> Path | None:
    """The newest installed PostgreSQL's bin folder, or None."""
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"), key=lambda p: int(p.parts[-3]))
    return found[-1].parent if found else None


def _as_server_user(command: list[str]) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else command


@dataclass
class OwnPostgres:
    bin: Path
    folder: Path  # holds the data directory, the socket and the server's log
    port: int

    @classmethod
    def start(cls) -> OwnPostgres:
        """initdb and start; skips the test when no PostgreSQL server is installed."""
        bin_dir = server_bin()
        if bin_dir is None:
            pytest.skip("needs the PostgreSQL server binaries (Debian package postgresql)")
        # Not under pytest's tmp_path: the server's user must be able to reach it.
        folder = Path(tempfile.mkdtemp(prefix="shelter-own-pg-"))
        if os.geteuid() == 0:
            shutil.chown(folder, "postgres", "postgres")
        server = cls(bin_dir, folder, free_port())
        try:
            server._run("initdb", "-D", str(folder / "data"), "-A", "trust", "-U", "postgres",
                        "-E", "UTF8", "--locale=C", "--no-sync")  # fmt: skip
            server._pg_ctl("start")
        except BaseException:
            shutil.rmtree(folder, ignore_errors=True)
            raise
        return server

    def _run(self, program: str, *args: str) -> None:
        done = subprocess.run(
            _as_server_user([str(self.bin / program), *args]),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        if done.returncode:
            log = self.log.read_text() if self.log.exists() else ""
            raise RuntimeError(f"{program} {' '.join(args)}: {done.stderr}\n{log[-2000:]}")

    @property
    def log(self) -> Path:
        return self.folder / "postgres.log"

    def _pg_ctl(self, action: str, *args: str) -> None:
        options = f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1"
        self._run("pg_ctl", action, "-D", str(self.folder / "data"), "-l", str(self.log),
                  "-o", options, "-w", *args)  # fmt: skip

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}"

    def new_database(self) -> str:
        """A new empty database on this server; its SQLAlchemy URL."""
        name = f"shelter_{uuid.uuid4().hex[:8]}"
        self._run("createdb", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", name)
        return f"{self.url}/{name}"

    def restart(self, mode: str = "fast") -> None:
        """``fast``: sessions are ended and the server shuts down cleanly, then starts;
        ``immediate``: the server dies without a checkpoint and recovers from its WAL."""
        self._pg_ctl("restart", "-m", mode)

    def stop(self) -> None:
        try:
            self._pg_ctl("stop", "-m", "immediate")
        finally:
            shutil.rmtree(self.folder, ignore_errors=True)

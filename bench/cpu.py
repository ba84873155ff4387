"""CPU time of processes from /proc (Linux), shared by the benchmarks: the server's own
work, which a busy machine does not inflate the way it inflates wall-clock time."""

from __future__ import annotations

import os
from pathlib import Path


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU seconds the processes have used so far."""
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime in clock ticks
    return total / os.sysconf("SC_CLK_TCK")


def parent_pid(pid: int) -> int | None:
    try:
        return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])
    except (OSError, IndexError, ValueError):
        return None


def postgres_backends(db, *, own: bool) -> list[int]:
    """The PostgreSQL server processes serving the app's database (``db`` is the
    Flask-SQLAlchemy object, inside an app context); ``own``: with the one asking (whose
    pooled connection this process's requests reuse)."""
    from sqlalchemy import text

    if db.engine.dialect.name != "postgresql":
        return []
    query = "SELECT pid FROM pg_stat_activity WHERE datname = current_database()"
    if not own:
        query += " AND pid <> pg_backend_pid()"
    pids = list(db.session.scalars(text(query)))
    db.session.remove()
    return pids

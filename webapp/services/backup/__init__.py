"""Backups of the database and the photos, and restoring them (``flask backup`` /
``flask restore``).

A backup is a folder: the database copy (``sqlite_copy`` / ``postgres_copy``), the photos
the copy knows (``photo_copies``), and a manifest of the SHA-256 of every file, written last
(``manifest``). It is taken while the app runs (``making``); restoring checks everything
before touching anything and verifies what it restored (``restoring``).
Import from this package, not from its modules.
"""

from webapp.services.backup.making import BackupMade, make_backup
from webapp.services.backup.manifest import BackupFailed, Manifest
from webapp.services.backup.restoring import Restored, restore_backup

__all__ = ["BackupFailed", "BackupMade", "Manifest", "Restored", "make_backup", "restore_backup"]
